"""Each investigation's current phase and last committee, kept by the database.

Whoever writes a phase or a committee (the ORM, a bulk load, raw SQL, a form
saved with values read before), the investigation's kept values are what its
rows say, as ``Investigation.current_phase`` and its committees read them.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from core.deletion import deletions_allowed
from investigations import phase_triggers
from investigations.models import CommitteeEvent, Investigation, Phase
from investigations.stats import current_phases

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def investigation(call):
    return Investigation.objects.create(
        call=call, title="Voirie", problem_statement="P", starts_on=DAY
    )


def kept(investigation):
    return Investigation.objects.values_list(
        "current_phase_code", "current_phase_starts_on", "last_committee_on"
    ).get(pk=investigation.pk)


def as_read(investigation):
    """What the rows say, read the way the investigation's page reads them."""
    investigation = Investigation.objects.get(pk=investigation.pk)
    dates = [event.date for event in investigation.committee_events.all()]
    phase = investigation.current_phase
    return (
        phase.code if phase else None,
        phase.starts_on if phase else None,
        max(dates) if dates else None,
    )


def test_phases_written_every_way_are_kept(investigation, call):
    assert kept(investigation) == (None, None, None)
    first = Phase.objects.create(
        investigation=investigation, code="investigation", starts_on=DAY
    )
    assert kept(investigation) == ("investigation", DAY, None)
    later = DAY + dt.timedelta(days=63)
    Phase.objects.bulk_create(
        [Phase(investigation=investigation, code="construction", starts_on=later)]
    )
    assert kept(investigation) == ("construction", later, None)
    # A phase's start moved before the other one's: the other is current.
    Phase.objects.filter(investigation=investigation, code="construction").update(
        starts_on=DAY - dt.timedelta(days=1)
    )
    assert kept(investigation) == ("investigation", DAY, None)
    assert kept(investigation) == as_read(investigation)
    # Raw SQL, as an import script would write it.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO investigations_phase (investigation_id, code, starts_on, "
            "sort_order) VALUES (%s, %s, %s, %s)",
            [investigation.pk, "acceleration", DAY + dt.timedelta(days=200), 3],
        )
    assert kept(investigation)[:2] == ("acceleration", DAY + dt.timedelta(days=200))
    # A phase moved to another investigation: both follow.
    other = Investigation.objects.create(
        call=call, title="Cantines", problem_statement="P", starts_on=DAY
    )
    Phase.objects.filter(investigation=investigation, code="acceleration").update(
        investigation=other
    )
    assert kept(investigation) == ("investigation", DAY, None)
    assert kept(other)[:2] == ("acceleration", DAY + dt.timedelta(days=200))
    with deletions_allowed("test: a phase recorded by mistake"):
        first.delete()
        assert kept(investigation)[:2] == ("construction", DAY - dt.timedelta(days=1))
        Phase.objects.filter(investigation=investigation).delete()
    assert kept(investigation) == (None, None, None)


def test_the_same_start_goes_by_the_phases_order(investigation):
    Phase.objects.create(
        investigation=investigation, code="investigation", starts_on=DAY, sort_order=1
    )
    Phase.objects.create(
        investigation=investigation, code="construction", starts_on=DAY, sort_order=0
    )
    assert kept(investigation)[:2] == ("investigation", DAY)
    assert kept(investigation) == as_read(investigation)


def test_a_phase_without_order_comes_before_those_with_one(investigation):
    """Phases made by code have no sort order (the admin's inline numbers them):
    on the same day, one numbered is the later, on either database, in the
    kept values, on the page and in what the webhooks compare."""
    from investigations.phase_watch import current

    numbered = Phase.objects.create(
        investigation=investigation, code="construction", starts_on=DAY, sort_order=0
    )
    Phase.objects.create(
        investigation=investigation, code="investigation", starts_on=DAY
    )
    assert kept(investigation)[:2] == ("construction", DAY)
    assert kept(investigation) == as_read(investigation)
    assert current(investigation.pk) == (numbered.pk, "construction")


def test_the_last_committee_is_kept(investigation):
    early, late = DAY, DAY + dt.timedelta(days=90)
    CommitteeEvent.objects.create(
        investigation=investigation, date=late, decision="continue"
    )
    CommitteeEvent.objects.create(
        investigation=investigation, date=early, decision="continue"
    )
    assert kept(investigation)[2] == late
    CommitteeEvent.objects.filter(date=late).update(date=early - dt.timedelta(days=1))
    assert kept(investigation)[2] == early
    with deletions_allowed("test: committees recorded by mistake"):
        CommitteeEvent.objects.filter(investigation=investigation).delete()
    assert kept(investigation)[2] is None


def test_an_investigation_saved_with_values_read_before_keeps_the_rows_values(
    investigation,
):
    """A form opened before a committee was recorded, saved after: the kept
    values stay what the rows say, whatever the saved instance held."""
    opened = Investigation.objects.get(pk=investigation.pk)
    CommitteeEvent.objects.create(
        investigation=investigation, date=DAY, decision="continue"
    )
    Phase.objects.create(
        investigation=investigation, code="construction", starts_on=DAY
    )
    assert opened.last_committee_on is None
    opened.title = "Voirie et trottoirs"
    opened.save()
    assert kept(investigation) == ("construction", DAY, DAY)
    Investigation.objects.filter(pk=investigation.pk).update(
        current_phase_code="abandoned", last_committee_on=None
    )
    assert kept(investigation) == ("construction", DAY, DAY)
    # A new investigation starts with nothing kept, whatever it is given.
    made = Investigation.objects.create(
        title="Neuve",
        problem_statement="P",
        starts_on=DAY,
        site=investigation.site,
        current_phase_code="construction",
        last_committee_on=DAY,
    )
    assert kept(made) == (None, None, None)


def test_the_totals_count_each_investigation_in_its_current_phase(investigation, call):
    Phase.objects.create(
        investigation=investigation, code="investigation", starts_on=DAY
    )
    Phase.objects.create(
        investigation=investigation, code="construction", starts_on=DAY.replace(day=9)
    )
    other = Investigation.objects.create(
        call=call, title="Cantines", problem_statement="P", starts_on=DAY
    )
    Phase.objects.create(investigation=other, code="investigation", starts_on=DAY)
    Investigation.objects.create(
        call=call, title="Sans phase", problem_statement="P", starts_on=DAY
    )
    assert current_phases(Investigation.objects.all()) == {
        ("construction", DAY.replace(day=9)): 1,
        ("investigation", DAY): 1,
        (None, None): 1,
    }


def test_triggers_lost_are_made_again_after_migrating(investigation):
    """A trigger dropped by hand, or by a backend that does not keep them
    across a table's rebuild: after any ``migrate``, each is there again and
    every investigation read again."""
    from django.core.management.sql import emit_post_migrate_signal

    assert phase_triggers.missing(connection) == []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "DROP TRIGGER investigations_kept_phase ON investigations_phase"
            )
        else:
            cursor.execute("DROP TRIGGER investigations_kept_phase_insert")
    assert phase_triggers.missing(connection) != []
    with connection.cursor() as cursor:  # no signal either: nothing else sees it
        cursor.execute(
            "INSERT INTO investigations_phase (investigation_id, code, starts_on, "
            "sort_order) VALUES (%s, %s, %s, %s)",
            [investigation.pk, "investigation", DAY, 0],
        )
    assert kept(investigation)[0] is None, "written while the trigger was missing"
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert phase_triggers.missing(connection) == []
    assert kept(investigation)[:2] == ("investigation", DAY)
    Phase.objects.create(
        investigation=investigation, code="construction", starts_on=DAY.replace(day=9)
    )
    assert kept(investigation)[:2] == ("construction", DAY.replace(day=9))


# Serialized rollback, as every transactional test here: the next one finds
# the database as the migrations left it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite writes one transaction at a time"
)
def test_two_teams_writing_phases_at_once_leave_the_latest(call):
    """Two transactions add a phase to one investigation at the same time: the
    kept phase is the latest one once both have committed, whichever commits
    last (PostgreSQL; SQLite writes one transaction at a time)."""
    investigation = Investigation.objects.create(
        call=call, title="Voirie", problem_statement="P", starts_on=DAY
    )
    written, errors = threading.Event(), []
    later = DAY + dt.timedelta(days=63)

    def first():
        try:
            with transaction.atomic():
                Phase.objects.create(
                    investigation=investigation, code="construction", starts_on=later
                )
                written.set()
                threading.Event().wait(0.5)  # the other one waits meanwhile
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            written.set()
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    written.wait()
    with transaction.atomic():
        # Begun before the first one committed: it does not see its phase yet.
        Phase.objects.create(
            investigation=investigation, code="investigation", starts_on=DAY
        )
    thread.join()
    assert errors == []
    assert kept(investigation)[:2] == ("construction", later)
