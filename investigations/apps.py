from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from . import phase_triggers


class InvestigationsConfig(AppConfig):
    name = "investigations"
    verbose_name = _("Investigations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The kept current phase's triggers, checked after every migration.
        post_migrate.connect(_kept_phase_triggers, sender=self)
        # Registers what may not be deleted, the per-site listings, the public
        # list of a call's laureates.
        from cms_pages.key_figures import KeyFigure, register_counter
        from cms_pages.models import LAUREATE_LISTS
        from core import pagecache

        from . import permissions, phase_watch, rules, sync  # noqa: F401
        from .laureates import published_laureates
        from .models import LaureateList
        from .stats import (
            count_administrations,
            count_announced_laureates,
            count_investigations,
        )

        LAUREATE_LISTS.append(published_laureates)
        # A call page links to its list of laureates once the team publishes it.
        pagecache.invalidate_on(LaureateList)
        register_counter(KeyFigure.LAUREATES, count_announced_laureates)
        register_counter(KeyFigure.INVESTIGATIONS, count_investigations)
        register_counter(KeyFigure.ADMINISTRATIONS, count_administrations)


def _kept_phase_triggers(sender, using="default", plan=None, **kwargs):
    connection = connections[using]
    table = "investigations_investigation"
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return
        columns = {
            column.name
            for column in connection.introspection.get_table_description(cursor, table)
        }
    if "last_committee_on" in columns:  # migrated up to the kept phase
        phase_triggers.ensure(connection)
