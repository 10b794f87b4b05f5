"""The kept current phase arrives on a database already in use: every
investigation keeps its rows and gets the phase and committee its rows say,
and the triggers keep them from then on.

The database is taken back to before the kept phase (investigations 0011),
filled there as the old code wrote it, then migrated forward.
"""

import datetime as dt

import pytest
from django.db import connection

from investigations import phase_triggers
from investigations.models import Investigation, Phase
from tests.migrating import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("investigations", "0011_investigation_by_title")]
AFTER = [("investigations", "0012_investigation_kept_phase")]
DAY = dt.date(2026, 3, 2)


def test_investigations_filled_before_get_their_current_phase(call):
    try:
        old = migrate(BEFORE)
        OldInvestigation = old.get_model("investigations", "Investigation")
        OldPhase = old.get_model("investigations", "Phase")
        OldCommittee = old.get_model("investigations", "CommitteeEvent")
        made = {}
        for index, title in enumerate(["Voirie", "Cantines", "Sans phase"]):
            made[title] = OldInvestigation.objects.create(
                title=title,
                slug=f"ancienne-{index}",
                call_id=call.pk,
                site_id=call.get_site().pk,
                problem_statement="P",
                starts_on=DAY,
            )
        OldPhase.objects.create(
            investigation=made["Voirie"], code="investigation", starts_on=DAY
        )
        OldPhase.objects.create(
            investigation=made["Voirie"],
            code="construction",
            starts_on=DAY + dt.timedelta(days=63),
            sort_order=1,
        )
        OldPhase.objects.create(
            investigation=made["Cantines"], code="investigation", starts_on=DAY
        )
        for day in (DAY + dt.timedelta(days=60), DAY + dt.timedelta(days=30)):
            OldCommittee.objects.create(
                investigation=made["Voirie"], date=day, decision="continue"
            )

        migrate(AFTER)
        kept = {
            title: (code, starts_on, last)
            for title, code, starts_on, last in Investigation.objects.values_list(
                "title",
                "current_phase_code",
                "current_phase_starts_on",
                "last_committee_on",
            )
        }
        assert kept == {
            "Voirie": (
                "construction",
                DAY + dt.timedelta(days=63),
                DAY + dt.timedelta(days=60),
            ),
            "Cantines": ("investigation", DAY, None),
            "Sans phase": (None, None, None),
        }
        assert Phase.objects.count() == 3, "every phase kept"
        # From now on, the triggers keep them.
        Phase.objects.create(
            investigation_id=made["Cantines"].pk,
            code="construction",
            starts_on=DAY + dt.timedelta(days=70),
        )
        assert (
            Investigation.objects.get(pk=made["Cantines"].pk).current_phase_code
            == "construction"
        )
        # And back: the columns and the triggers go, the rows stay.
        old = migrate(BEFORE)
        assert old.get_model("investigations", "Phase").objects.count() == 4
        assert old.get_model("investigations", "Investigation").objects.count() == 3
        assert len(phase_triggers.missing(connection)) == len(
            phase_triggers.SQLITE
            if connection.vendor == "sqlite"
            else phase_triggers.POSTGRESQL
        ), "every trigger gone"
    finally:
        migrate_to_latest()
