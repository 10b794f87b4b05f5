from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data across the apps: retention, an applicant's export and erasure.

    It sits above the apps whose data it reads and empties, so that none of
    them imports it.
    """

    name = "privacy"
    verbose_name = _("Données personnelles")
    default_auto_field = "django.db.models.BigAutoField"
