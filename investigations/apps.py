from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestigationsConfig(AppConfig):
    name = "investigations"
    verbose_name = _("Investigations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers what may not be deleted, and the per-site listings.
        from . import permissions, rules  # noqa: F401
