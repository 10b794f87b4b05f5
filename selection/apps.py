from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "selection"
    label = "selection"
    verbose_name = _("Sélection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers what may not be deleted, the criteria lock, what a member
        # reads, the decision emails listed on a candidature's page, and the
        # standing rounds that take candidatures as they become eligible.
        # Signing in accepts the jury invitations still open (receivers).
        from . import (  # noqa: F401
            evaluations,
            notifications,
            permissions,
            receivers,
            rules,
            standing,
            sync,
        )
