"""Standing rounds: a call run « au fil de l'eau » is triaged as candidatures arrive.

A round marked standing takes each candidature of its call the moment it
gets the round's entry status (« Recevable » for a pre-selection), in the same
transaction as the decision: forms says so through ``status_changed`` and
knows nothing of rounds. Saving a standing round also takes those already
waiting, as the « Ajouter les candidatures attendues » button does.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from forms.models import Candidature
from forms.services import status_changed

from .models import ReviewRound


def fill_round(review_round):
    """Put in the round every candidature of its call that has the entry status.

    Returns how many were not in it yet.
    """
    candidatures = Candidature.objects.filter(
        call=review_round.call_id, status=review_round.source_status
    ).exclude(review_rounds=review_round)
    added = list(candidatures)
    review_round.candidatures.add(*added)
    return len(added)


@receiver(status_changed, dispatch_uid="selection.standing_rounds")
def enter_standing_rounds(sender, candidature, to_status, **kwargs):
    # A closed round takes nothing more: its ranking stays as its members were
    # shown it (as « Ajouter les candidatures attendues » refuses); reopening it
    # takes those that came meanwhile.
    rounds = ReviewRound.objects.filter(
        call_id=candidature.call_id, standing=True, closed_at__isnull=True
    )
    for review_round in rounds:
        if review_round.source_status == to_status:
            review_round.candidatures.add(candidature)


@receiver(post_save, sender=ReviewRound, dispatch_uid="selection.standing_fill")
def fill_standing_round(sender, instance, raw=False, **kwargs):
    if instance.standing and not raw and not instance.is_closed:
        fill_round(instance)
