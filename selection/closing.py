"""Closing a round: the team says the scoring is over; members may then see the ranking.

A closed round takes no more submitted evaluations (drafts are kept) and no
reopened ones, so the ranking its members are shown does not move under
them. The team may reopen it; both steps go in the round's history (who,
when).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .models import ReviewRound

ROUND_CLOSED = "amorce.round.closed"
ROUND_REOPENED = "amorce.round.reopened"


def close_round(review_round, *, user):
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        if review_round.is_closed:
            raise ValidationError(_("Ce tour est déjà clos."), code="closed")
        review_round.closed_at = timezone.now()
        review_round.closed_by = user
        review_round.save(update_fields=["closed_at", "closed_by"])
        log(review_round, ROUND_CLOSED, user=user)
    return review_round


def reopen_round(review_round, *, user):
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        if not review_round.is_closed:
            raise ValidationError(_("Ce tour n'est pas clos."), code="open")
        review_round.closed_at = None
        review_round.closed_by = None
        review_round.save(update_fields=["closed_at", "closed_by"])
        log(review_round, ROUND_REOPENED, user=user)
    return review_round


def ranking_open_to_members(review_round):
    """Whether a member may read the round's ranking: closed, and the setting on."""
    return review_round.is_closed and review_round.members_see_ranking
