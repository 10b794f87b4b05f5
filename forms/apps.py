from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    name = "forms"
    label = "forms"
    verbose_name = _("Candidatures")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers what may not be deleted, and the per-site listings.
        from cms_pages.key_figures import KeyFigure, register_counter

        from . import permissions, rules  # noqa: F401
        from .stats import count_received

        register_counter(KeyFigure.CANDIDATURES, count_received)
