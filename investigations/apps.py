from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestigationsConfig(AppConfig):
    name = "investigations"
    verbose_name = _("Investigations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers what may not be deleted, the per-site listings, the public
        # list of a call's laureates.
        from cms_pages.key_figures import KeyFigure, register_counter
        from cms_pages.models import LAUREATE_LISTS
        from core import pagecache

        from . import permissions, phase_watch, rules, sync  # noqa: F401
        from .laureates import published_laureates
        from .models import LaureateList
        from .stats import (
            count_administrations,
            count_announced_laureates,
            count_investigations,
        )

        LAUREATE_LISTS.append(published_laureates)
        # A call page links to its list of laureates once the team publishes it.
        pagecache.invalidate_on(LaureateList)
        register_counter(KeyFigure.LAUREATES, count_announced_laureates)
        register_counter(KeyFigure.INVESTIGATIONS, count_investigations)
        register_counter(KeyFigure.ADMINISTRATIONS, count_administrations)
