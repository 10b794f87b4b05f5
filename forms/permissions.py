"""Who may read which candidature.

The programme team (``forms.view_candidature``) reads them all. A jury or
committee member reads the dossiers of the rounds they sit on, except those
for which they declared a conflict of interest. Nobody else reads any.
"""

from .models import Candidature, Evaluation, ReviewRound


def is_programme_team(user):
    return bool(user and user.is_active and user.has_perm("forms.view_candidature"))


def rounds_of(user):
    """The rounds this user sits on."""
    if not (user and user.is_authenticated and user.is_active):
        return ReviewRound.objects.none()
    return ReviewRound.objects.filter(memberships__user=user)


def conflicted_candidature_ids(user, review_round):
    return set(
        Evaluation.objects.filter(
            round=review_round, member=user, conflict_of_interest=True
        ).values_list("candidature_id", flat=True)
    )


def juror_candidatures(user, review_round):
    """The dossiers a member of ``review_round`` may read: its own, minus their conflicts."""
    if not review_round.memberships.filter(user=user).exists():
        return Candidature.objects.none()
    return review_round.candidatures.exclude(
        pk__in=Evaluation.objects.filter(
            round=review_round, member=user, conflict_of_interest=True
        ).values("candidature_id")
    )


def can_view_candidature(user, candidature):
    if is_programme_team(user):
        return True
    if not (user and user.is_authenticated and user.is_active):
        return False
    for review_round in rounds_of(user).filter(candidatures=candidature):
        if juror_candidatures(user, review_round).filter(pk=candidature.pk).exists():
            return True
    return False


def can_change_candidature(user, candidature):
    return bool(user and user.is_active and user.has_perm("forms.change_candidature"))
