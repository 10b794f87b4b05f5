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
from django.db.models import Count, OuterRef
from wagtail.models import Site

from cms_pages.sites import (
    PROGRAMME_TEAM_PERMISSION,
    active,
    programme_scope,
    programme_site_scope,
    register_scoped_model,
    sites_of,
    under_sites,
)
from forms.models import Candidature
from forms.permissions import ATTACHMENT_NAMERS, CANDIDATURE_READERS

from .blind import blind_file_name, blind_file_terms
from .models import Assignment, Evaluation, NotificationTemplate, ReviewRound

PROGRAMME_APP, PROGRAMME_CODENAME = PROGRAMME_TEAM_PERMISSION.split(".")


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


def jury_group(site):
    """The group a site's invited jurors join: tied to the site, sitting on rounds,
    not reading candidatures (the programme team's). ``None`` if the site has none."""
    return (
        Group.objects.filter(
            site_link__site=site,
            permissions__content_type__app_label="selection",
            permissions__codename="sit_on_round",
        )
        .exclude(
            pk__in=Group.objects.filter(
                permissions__content_type__app_label=PROGRAMME_APP,
                permissions__codename=PROGRAMME_CODENAME,
            ).values("pk")
        )
        .order_by("pk")
        .first()
    )


def rounds_of(user):
    """The rounds this user sits on, on the sites they work on."""
    if not active(user):
        return ReviewRound.objects.none()
    return ReviewRound.objects.filter(
        memberships__user=user, memberships__removed_at__isnull=True
    ).filter(under_sites(sites_of(user)))


def juror_candidatures(user, review_round):
    """The dossiers a member of ``review_round`` may read: its own (or, when the round
    assigns dossiers, those assigned to them), minus their conflicts."""
    ids = juror_dossier_ids(user, review_round)
    if ids is None:
        return Candidature.objects.none()
    return Candidature.objects.filter(pk__in=ids)


def juror_dossier_ids(user, review_round, *, sits=False):
    """The ids of ``juror_candidatures``, read from the round's own tables
    (``None`` for a user who does not sit on it).

    Counting them reads neither the candidatures nor their answers.
    ``sits``: the caller read the round from ``rounds_of(user)``.
    """
    if not sits and not rounds_of(user).filter(pk=review_round.pk).exists():
        return None
    ids = ReviewRound.candidatures.through.objects.filter(reviewround=review_round)
    if review_round.per_dossier:
        assigned = Assignment.objects.filter(round=review_round, member=user)
        ids = ids.filter(candidature_id__in=assigned.values("candidature_id"))
    return ids.exclude(
        candidature_id__in=Evaluation.objects.filter(
            round=review_round, member=user, conflict_of_interest=True
        ).values("candidature_id")
    ).values("candidature_id")


def juror_dossier_counts(review_round, memberships):
    """How many dossiers each member reads on ``review_round``, by user id.

    The rule of ``juror_candidatures`` (and ``rounds_of``), counted for all
    the members at once in a fixed number of queries, for the team's progress
    table: keep the two in step (tests/selection/test_jury_progress.py
    compares them).
    """
    users = [m.user for m in memberships]
    call_path = review_round.call.path
    sites = [  # those whose tree holds the call (``under_sites``)
        site
        for site in Site.objects.select_related("root_page")
        if call_path.startswith(site.root_page.path)
    ]
    on_site = set(  # whose groups work on one of them (``sites_of``)
        get_user_model()
        .objects.filter(pk__in=[u.pk for u in users], groups__site_link__site__in=sites)
        .values_list("pk", flat=True)
    )
    conflicted = Evaluation.objects.filter(
        round=review_round,
        conflict_of_interest=True,
        candidature__in=review_round.candidatures.all(),
    )
    if review_round.per_dossier:  # each member reads his assigned dossiers
        readable = dict(
            Assignment.objects.filter(
                round=review_round, candidature__in=review_round.candidatures.all()
            )
            .values("member_id")
            .annotate(n=Count("pk"))
            .values_list("member_id", "n")
        )
        conflicted = conflicted.filter(
            candidature__in=Assignment.objects.filter(
                round=review_round, member=OuterRef("member_id")
            ).values("candidature_id")
        )
    else:
        total = review_round.candidatures.count()
        readable = {m.user_id: total for m in memberships}
    conflicts = dict(
        conflicted.values("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    return {
        m.user_id: readable.get(m.user_id, 0) - conflicts.get(m.user_id, 0)
        if m.removed_at is None
        and m.user.is_active
        and (m.user.is_superuser or m.user_id in on_site)
        else 0
        for m in memberships
    }


def pending_candidatures(user, review_round):
    """The dossiers a member still has to score: theirs, minus those submitted."""
    return juror_candidatures(user, review_round).exclude(
        pk__in=Evaluation.objects.filter(
            round=review_round, member=user, submitted_at__isnull=False
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


def file_name_as_member(user, attachment):
    """A file's name as a member reads it: masked if the dossier is in a blind
    round they sit on (as the dossier lists it), else not this rule's to say."""
    candidature = attachment.candidature
    if not blind_for(user, candidature):
        return None
    return blind_file_name(attachment.original_name, blind_file_terms(candidature))


CANDIDATURE_READERS.append(reads_as_member)
ATTACHMENT_NAMERS.append(file_name_as_member)


def templates_for(user):
    """The decision email templates of this user's sites."""
    return NotificationTemplate.objects.filter(programme_site_scope(user))


register_scoped_model(ReviewRound, rounds_for)
register_scoped_model(NotificationTemplate, templates_for)
