"""Every change of an investigation's current phase is announced once, whatever made it.

A phase changes through the service functions (``investigations.services``:
an outcome, an investment committee's decision, a corrected outcome), but
also through the edit form's « Phases » rows in the Wagtail admin (a code
corrected, a row added or deleted, a start date that makes another phase the
latest), the demo loader or a shell. So the announcement (``phase_changed``,
which the webhooks turn into « investigation.phase_changed ») is not made by
the functions but here, from the rows themselves: the first write to an
investigation's phases in a transaction notes its current phase; at the
commit, if the current phase is another one (or the same row with another
code), ``phase_changed`` goes out once, with the phase now current and the
code before. Several writes in one transaction (an admin form saves its rows
one by one; a decision closes a phase and opens the next) are one change;
a rolled-back transaction announces nothing. Outside a transaction (a shell
in autocommit), each write is its own change.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from .models import LATEST_PHASE_FIRST, Investigation, Phase
from .services import announce_phase

PENDING = "_amorce_phases_watched"


def current(investigation_id):
    """(pk, code) of the investigation's current phase (``Investigation.current_phase``)."""
    return (
        Phase.objects.filter(investigation_id=investigation_id)
        .order_by(*LATEST_PHASE_FIRST)
        .values_list("pk", "code")
        .first()
    )


def compare(investigation_id, before):
    after = current(investigation_id)
    if after is None or after == before:
        return  # no phase left to announce, or the same one
    investigation = (
        Investigation.objects.select_related("site", "call")
        .filter(pk=investigation_id)
        .first()
    )
    if investigation is None:  # deleted with its phases
        return
    phase = Phase.objects.get(pk=after[0])
    announce_phase(investigation, phase, before[1] if before else None)


def _pending(connection):
    return connection.__dict__.setdefault(PENDING, {})


def _still_planned(connection, check):
    """False once the transaction (or savepoint) that planned it rolled back."""
    return any(item[1] is check for item in connection.run_on_commit)


def _before_write(sender, instance, raw=False, **kwargs):
    if raw or instance.investigation_id is None:
        return
    connection = transaction.get_connection()
    pending = _pending(connection)
    key = instance.investigation_id
    if not connection.in_atomic_block:
        pending[key] = current(key)  # compared right after the write
        return
    check = pending.get(key)
    if callable(check) and _still_planned(connection, check):
        return
    before = current(key)

    def check():
        if pending.get(key) is check:
            del pending[key]
        compare(key, before)

    pending[key] = check
    transaction.on_commit(check)


def _after_write(sender, instance, raw=False, **kwargs):
    if raw or instance.investigation_id is None:
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        return  # compared at the commit
    pending = _pending(connection)
    key = instance.investigation_id
    if key in pending and not callable(pending[key]):
        compare(key, pending.pop(key))


pre_save.connect(
    _before_write, sender=Phase, dispatch_uid="investigations.phase_watch.pre_save"
)
pre_delete.connect(
    _before_write, sender=Phase, dispatch_uid="investigations.phase_watch.pre_delete"
)
post_save.connect(
    _after_write, sender=Phase, dispatch_uid="investigations.phase_watch.post_save"
)
post_delete.connect(
    _after_write, sender=Phase, dispatch_uid="investigations.phase_watch.post_delete"
)
