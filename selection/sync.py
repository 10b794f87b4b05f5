"""``updated_at`` of rounds and dossiers moves with what makes them readable.

For the staff API's incremental sync (``changed_since``, the ``after``
cursor): a round moves when its members change (it appears in a member's
list, their role changes); a candidature moves when it enters or leaves a
round, or is given to a member or taken back (it appears in, or leaves, the
round's dossiers). Assignments made in bulk (``bulk_create``) call ``touch``
themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from forms.models import Candidature

from .models import Assignment, ReviewRound, RoundMember


def touch_rounds(*round_ids):
    ids = [pk for pk in round_ids if pk is not None]
    if ids:
        ReviewRound.objects.filter(pk__in=ids).update(updated_at=timezone.now())


def touch_candidatures(*candidature_ids):
    ids = [pk for pk in candidature_ids if pk is not None]
    if ids:
        Candidature.objects.filter(pk__in=ids).update(updated_at=timezone.now())


@receiver(post_save, sender=RoundMember, dispatch_uid="selection.sync.member")
@receiver(post_delete, sender=RoundMember, dispatch_uid="selection.sync.member_gone")
def _membership_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        touch_rounds(instance.round_id)


@receiver(post_save, sender=Assignment, dispatch_uid="selection.sync.assignment")
@receiver(post_delete, sender=Assignment, dispatch_uid="selection.sync.assignment_gone")
def _assignment_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        touch_candidatures(instance.candidature_id)


def dossiers_change(instance, action, reverse, pk_set):
    """(round ids, candidature ids) a change to the rounds' dossiers touches
    (``m2m_changed`` on ``ReviewRound.candidatures``, from either side).

    Read after an addition or a removal, and before a clearing (while what is
    cleared is still known); None for the other signals of the change."""
    if action in ("post_add", "post_remove"):
        return (
            (list(pk_set), [instance.pk]) if reverse else ([instance.pk], list(pk_set))
        )
    if action == "pre_clear":
        if reverse:
            rounds = instance.review_rounds.values_list("pk", flat=True)
            return list(rounds), [instance.pk]
        return [instance.pk], list(instance.candidatures.values_list("pk", flat=True))
    return None


@receiver(
    m2m_changed,
    sender=ReviewRound.candidatures.through,
    dispatch_uid="selection.sync.dossiers",
)
def _dossiers_changed(sender, instance, action, reverse, pk_set, **kwargs):
    change = dossiers_change(instance, action, reverse, pk_set)
    if change is not None:
        touch_candidatures(*change[1])
