from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import pagecache

        from . import receivers  # noqa: F401
        from .models import Endpoint

        # What each process keeps of a site's endpoints is renewed on any change.
        pagecache.invalidate_on(Endpoint)
