from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicantsConfig(AppConfig):
    name = "applicants"
    label = "applicants"
    verbose_name = _("Espace candidat")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The draft's link and the receipt's, sent on the forms app's signals; the
        # applicant told of a file the antivirus refused.
        from . import quarantine, receivers  # noqa: F401
