from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "staffapi"
    verbose_name = _("API du personnel")
