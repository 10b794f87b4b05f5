"""Who may read which candidature.

Every site (one incubator) has its own groups, tied to it by
``cms_pages.SiteGroup``. A member of the programme team
(``forms.view_candidature``) reads the candidatures, rounds and investigations
of the calls under the sites their programme groups are tied to. A jury or
committee member reads the dossiers of the rounds they sit on, on the sites
their groups are tied to, except those for which they declared a conflict of
interest. Superusers read every site. Nobody else reads any.

The scope is a path prefix in Wagtail's page tree: a call belongs to the site
whose root page is above it, wherever the page moves.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from wagtail.models import Site

from .models import Candidature, Evaluation, ReviewRound

CANDIDATURE_PERMISSION = ("forms", "view_candidature")


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


def sites_of(user, permission=None):
    """The sites this user works on (through a group holding ``permission``, if given).

    ``None`` means every site: superusers are not tied to one.
    """
    if not _active(user):
        return []
    if user.is_superuser:
        return None
    cache_name = f"_amorce_sites_{'.'.join(permission or ('any',))}"
    if not hasattr(user, cache_name):
        groups = user.groups.all()
        if permission:
            app_label, codename = permission
            groups = groups.filter(
                permissions__content_type__app_label=app_label,
                permissions__codename=codename,
            )
        sites = Site.objects.filter(amorce_groups__group__in=groups)
        setattr(user, cache_name, list(sites.select_related("root_page").distinct()))
    return getattr(user, cache_name)


def programme_sites(user):
    """The sites whose candidatures this user reads as a member of the programme team."""
    if not (_active(user) and user.has_perm("forms.view_candidature")):
        return []
    return sites_of(user, CANDIDATURE_PERMISSION)


def under_sites(sites, path_field="call__path"):
    """A filter keeping what lies under ``sites`` (``None``: everything)."""
    if sites is None:
        return Q()
    condition = Q(pk__in=[])
    for site in sites:
        condition |= Q(**{f"{path_field}__startswith": site.root_page.path})
    return condition


def programme_scope(user, path_field="call__path"):
    """What the programme team of ``user`` reads, for data that hangs under a call."""
    return under_sites(programme_sites(user), path_field)


def programme_site_scope(user, site_field="site"):
    """The same, for data that names its site (investigations, decision templates)."""
    sites = programme_sites(user)
    if sites is None:
        return Q()
    return Q(**{f"{site_field}__in": [site.pk for site in sites]})


def is_programme_team(user, site=None):
    sites = programme_sites(user)
    if site is None:
        return sites is None or bool(sites)
    return sites is None or any(s.pk == site.pk for s in sites)


def calls_for(user):
    """The calls whose candidatures this user reads."""
    from cms_pages.models import CallPage

    return CallPage.objects.filter(programme_scope(user, "path"))


def candidatures_for(user):
    return Candidature.objects.filter(programme_scope(user))


def rounds_for(user):
    """The rounds the programme team of this user's sites runs."""
    return ReviewRound.objects.filter(programme_scope(user))


def site_users(sites):
    """People who may sit on a round of these sites: their jury and programme groups.

    ``None`` (a superuser's sites): those groups on every site.
    """
    groups = Group.objects.filter(
        permissions__content_type__app_label="forms",
        permissions__codename="sit_on_round",
    )
    if sites is not None:
        groups = groups.filter(site_link__site__in=sites)
    return get_user_model().objects.filter(is_active=True, groups__in=groups).distinct()


def rounds_of(user):
    """The rounds this user sits on, on the sites they work on."""
    if not _active(user):
        return ReviewRound.objects.none()
    return ReviewRound.objects.filter(memberships__user=user).filter(
        under_sites(sites_of(user))
    )


def conflicted_candidature_ids(user, review_round):
    return set(
        Evaluation.objects.filter(
            round=review_round, member=user, conflict_of_interest=True
        ).values_list("candidature_id", flat=True)
    )


def juror_candidatures(user, review_round):
    """The dossiers a member of ``review_round`` may read: its own, minus their conflicts."""
    if not rounds_of(user).filter(pk=review_round.pk).exists():
        return Candidature.objects.none()
    return review_round.candidatures.exclude(
        pk__in=Evaluation.objects.filter(
            round=review_round, member=user, conflict_of_interest=True
        ).values("candidature_id")
    )


def can_view_candidature(user, candidature):
    if candidatures_for(user).filter(pk=candidature.pk).exists():
        return True
    if not _active(user):
        return False
    for review_round in rounds_of(user).filter(candidatures=candidature):
        if juror_candidatures(user, review_round).filter(pk=candidature.pk).exists():
            return True
    return False


def can_change_candidature(user, candidature):
    return bool(
        _active(user)
        and user.has_perm("forms.change_candidature")
        and candidatures_for(user).filter(pk=candidature.pk).exists()
    )
