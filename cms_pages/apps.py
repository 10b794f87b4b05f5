from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsPagesConfig(AppConfig):
    name = "cms_pages"
    verbose_name = _("Pages du site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The public pages' cache: what makes its entries stale (core.pagecache).
        from core import pagecache

        from .models import ProgrammePhase, SelectionCriterion, next_call_transition

        pagecache.connect_invalidation()
        pagecache.invalidate_on(SelectionCriterion, ProgrammePhase)
        pagecache.TRANSITIONS.append(next_call_transition)
