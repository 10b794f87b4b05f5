from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsPagesConfig(AppConfig):
    name = "cms_pages"
    verbose_name = _("Pages du site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The public pages' cache: what makes its entries stale (core.pagecache).
        from core import pagecache

        from .models import (
            ProgrammePhase,
            SelectionCriterion,
            media,
            next_call_transition,
        )

        pagecache.connect_invalidation()
        # The antivirus follows the documents' and images' files (docs/antivirus.md).
        media.connect()
        pagecache.invalidate_on(SelectionCriterion, ProgrammePhase)
        pagecache.TRANSITIONS.append(next_call_transition)
