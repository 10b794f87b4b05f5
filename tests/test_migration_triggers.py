"""A migration that rebuilds a table keeps the database's triggers.

Django's SQLite backend changes a column by rebuilding its table: SQLite then
drops the table's triggers, and refuses the rebuild outright while another
table's trigger names it (« error in trigger …: no such table »). Amorce's
backend (``core/sqlite``) takes every trigger out and puts it back: after a
column of each table the triggers read or write has changed, every trigger is
there and still keeps what it keeps. PostgreSQL changes the column in place.
"""

import copy
import datetime as dt

import pytest
from django.db import connection

from investigations import phase_triggers
from investigations.models import CommitteeEvent, Investigation, Phase
from selection import ranking_triggers
from selection.models import ReviewRound
from selection.ranking_models import RoundScores

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DAY = dt.date(2026, 3, 2)

# A column of each table a trigger is on or names, as a migration would change it.
CHANGED = [
    (Investigation, "title"),
    (Phase, "code"),
    (CommitteeEvent, "decision"),
    (ReviewRound, "kind"),
]


def alter(model, old, new):
    with connection.schema_editor() as editor:
        editor.alter_field(model, old, new, strict=True)


@pytest.mark.parametrize(
    ("model", "name"), CHANGED, ids=lambda v: getattr(v, "__name__", v)
)
def test_a_column_changed_by_a_migration_keeps_the_triggers(call, model, name):
    investigation = Investigation.objects.create(
        call=call, title="Voirie", problem_statement="P", starts_on=DAY
    )
    Phase.objects.create(
        investigation=investigation, code="investigation", starts_on=DAY
    )
    old = model._meta.get_field(name)
    new = copy.deepcopy(old)
    new.max_length = old.max_length + 10
    alter(model, old, new)
    try:
        assert phase_triggers.missing(connection) == []
        assert ranking_triggers.missing(connection) == []
        later = DAY + dt.timedelta(days=63)
        Phase.objects.create(
            investigation=investigation, code="construction", starts_on=later
        )
        CommitteeEvent.objects.create(
            investigation=investigation, date=later, decision="continue"
        )
        assert Investigation.objects.values_list(
            "current_phase_code", "current_phase_starts_on", "last_committee_on"
        ).get(pk=investigation.pk) == ("construction", later, later)
        round_ = ReviewRound.objects.create(call=call, kind="preselection")
        assert RoundScores.objects.filter(round=round_).exists()
    finally:
        alter(model, new, old)
    assert phase_triggers.missing(connection) == []
    assert ranking_triggers.missing(connection) == []
