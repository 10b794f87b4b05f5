"""Investigations and rounds gain ``updated_at`` without losing a row.

The database is taken back to before the column (investigations 0009,
selection 0013), rows are written there as the old code wrote them, then
migrated forward: every row is still there, its ``updated_at`` is its
creation time (not the time of the migration), and the column is required.
"""

import datetime as dt

import pytest

from tests.migrating import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [
    ("investigations", "0009_latest_phase_and_committee_indexes"),
    ("selection", "0013_evaluation_conflicts_index"),
]
AFTER = [
    ("investigations", "0010_investigation_updated_at"),
    ("selection", "0014_round_updated_at_sync_indexes"),
]

CREATED = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def test_existing_rows_keep_their_creation_time_as_last_change(call):
    try:
        old = migrate(BEFORE)
        Investigation = old.get_model("investigations", "Investigation")
        ReviewRound = old.get_model("selection", "ReviewRound")
        for n in range(3):
            Investigation.objects.create(
                title=f"Ancienne {n}",
                slug=f"ancienne-{n}",
                problem_statement="Un problème",
                starts_on=CREATED.date(),
            )
        ReviewRound.objects.create(call_id=call.pk, kind="preselection")
        Investigation.objects.update(created_at=CREATED)
        ReviewRound.objects.update(created_at=CREATED)

        new = migrate(AFTER)
        Investigation = new.get_model("investigations", "Investigation")
        ReviewRound = new.get_model("selection", "ReviewRound")
        assert sorted(Investigation.objects.values_list("title", "updated_at")) == [
            (f"Ancienne {n}", CREATED) for n in range(3)
        ]
        assert list(ReviewRound.objects.values_list("updated_at", flat=True)) == [
            CREATED
        ]
        assert not Investigation._meta.get_field("updated_at").null
        assert not ReviewRound._meta.get_field("updated_at").null
    finally:
        migrate_to_latest()
