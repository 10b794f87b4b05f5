"""An investigation's ``updated_at`` moves with its rows, for the staff API's sync.

A reader of ``/api/v3/staff/investigations/?changed_since=…`` (or following
its cursor) sees an investigation again when anything it was read with
changes: its own fields (``auto_now``), and its phases, checkpoints, team,
investment committees and administrations, which Wagtail's admin saves row by
row after the investigation itself. Bulk ``.update()`` calls on investigations
set ``updated_at`` themselves (``auto_now`` does not reach them).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import Checkpoint, CommitteeEvent, Investigation, Phase, TeamMember

ROWS = (Phase, Checkpoint, TeamMember, CommitteeEvent)


def touch(*investigation_ids):
    """Move the investigations' ``updated_at`` to now."""
    ids = [pk for pk in investigation_ids if pk is not None]
    if ids:
        Investigation.objects.filter(pk__in=ids).update(updated_at=timezone.now())


def _row_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        touch(instance.investigation_id)


for _model in ROWS:
    post_save.connect(
        _row_changed,
        sender=_model,
        dispatch_uid=f"investigations.sync.{_model.__name__}",
    )
    post_delete.connect(
        _row_changed,
        sender=_model,
        dispatch_uid=f"investigations.sync.delete.{_model.__name__}",
    )


@receiver(
    m2m_changed,
    sender=Investigation.organisations.through,
    dispatch_uid="investigations.sync.organisations",
)
def _organisations_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            touch(instance.pk)
    elif action in ("post_add", "post_remove"):  # from an administration's side
        touch(*pk_set)
    elif action == "pre_clear":  # its investigations, while it still has them
        touch(
            *Investigation.objects.filter(organisations=instance).values_list(
                "pk", flat=True
            )
        )
