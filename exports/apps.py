from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = _("Exports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import preparation  # noqa: F401 - its receivers

        # Only the processes that serve or run jobs (the Procfile sets it for
        # them): a migration, a shell or the tests do not pay for a warm-up.
        if getattr(settings, "AMORCE_PDF_WARM_UP", False):
            from .pdf import warm_up

            warm_up()
