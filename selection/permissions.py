"""Who sits on which round, and which dossiers a member reads.

A jury or committee member reads the dossiers of the rounds they sit on, on
the sites their groups are tied to, except those for which they declared a
conflict of interest; in a round « attribution par dossier », only the
dossiers assigned to them. The programme team runs the rounds of its sites.
Every screen and file a member reads a dossier through asks
``juror_candidatures``.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms_pages.sites import (
    active,
    programme_scope,
    programme_site_scope,
    register_scoped_model,
    sites_of,
    under_sites,
)
from forms.models import Candidature
from forms.permissions import CANDIDATURE_READERS

from .models import Assignment, Evaluation, NotificationTemplate, ReviewRound


def rounds_for(user):
    """The rounds the programme team of this user's sites runs."""
    return ReviewRound.objects.filter(programme_scope(user))


def site_users(sites):
    """People who may sit on a round of these sites: their jury and programme groups.

    ``None`` (a superuser's sites): those groups on every site.
    """
    groups = Group.objects.filter(
        permissions__content_type__app_label="selection",
        permissions__codename="sit_on_round",
    )
    if sites is not None:
        groups = groups.filter(site_link__site__in=sites)
    return get_user_model().objects.filter(is_active=True, groups__in=groups).distinct()


def rounds_of(user):
    """The rounds this user sits on, on the sites they work on."""
    if not active(user):
        return ReviewRound.objects.none()
    return ReviewRound.objects.filter(memberships__user=user).filter(
        under_sites(sites_of(user))
    )


def juror_candidatures(user, review_round):
    """The dossiers a member of ``review_round`` may read: its own (or, when the round
    assigns dossiers, those assigned to them), minus their conflicts."""
    if not rounds_of(user).filter(pk=review_round.pk).exists():
        return Candidature.objects.none()
    dossiers = review_round.candidatures.all()
    if review_round.per_dossier:
        assigned = Assignment.objects.filter(round=review_round, member=user)
        dossiers = dossiers.filter(pk__in=assigned.values("candidature_id"))
    return dossiers.exclude(
        pk__in=Evaluation.objects.filter(
            round=review_round, member=user, conflict_of_interest=True
        ).values("candidature_id")
    )


def blind_for(user, candidature):
    """Whether a member reads this dossier without its applicant's identity: it is in a
    blind round they sit on. The programme team of its site always sees it."""
    return rounds_of(user).filter(candidatures=candidature, blind=True).exists()


def reads_as_member(user, candidature):
    """A member reads a dossier of a round they sit on (their conflicts aside)."""
    return any(
        juror_candidatures(user, review_round).filter(pk=candidature.pk).exists()
        for review_round in rounds_of(user).filter(candidatures=candidature)
    )


CANDIDATURE_READERS.append(reads_as_member)


def templates_for(user):
    """The decision email templates of this user's sites."""
    return NotificationTemplate.objects.filter(programme_site_scope(user))


register_scoped_model(ReviewRound, rounds_for)
register_scoped_model(NotificationTemplate, templates_for)
