from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demonstration content (``load_demo_content``): it fills every app, so it sits above them."""

    name = "demo"
    verbose_name = _("Démonstration")
    default_auto_field = "django.db.models.BigAutoField"
