from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from . import ranking_triggers


class SelectionConfig(AppConfig):
    name = "selection"
    label = "selection"
    verbose_name = _("Sélection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The kept rankings' triggers, checked after every migration.
        post_migrate.connect(_ranking_triggers_kept, sender=self)
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


def _ranking_triggers_kept(sender, using="default", plan=None, **kwargs):
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if "selection_roundscores" in tables:  # migrated up to the kept ranking
        ranking_triggers.ensure(connection)
