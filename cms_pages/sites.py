"""Which sites a user works on, and the filters that keep each site's data to it.

Every site (one incubator) has its own groups, tied to it by
``cms_pages.SiteGroup``. A member of the programme team (a group holding
``PROGRAMME_TEAM_PERMISSION``) reads the candidatures, rounds and
investigations of the calls under the sites their programme groups are tied
to. A jury or committee member reads the dossiers of the rounds they sit on,
on the sites their groups are tied to. Superusers read every site. Nobody
else reads any.

The scope is a path prefix in Wagtail's page tree: a call belongs to the site
whose root page is above it, wherever the page moves. The apps build their
own filters (``candidatures_for``, ``rounds_for``…) from these.
"""

from django.db.models import Q
from wagtail.models import Site

# The programme team is whoever may read the candidatures of a site.
PROGRAMME_TEAM_PERMISSION = "forms.view_candidature"


def active(user):
    return bool(user and user.is_authenticated and user.is_active)


def sites_of(user, permission=None):
    """The sites this user works on (through a group holding ``permission``, if given).

    ``permission`` is « app_label.codename ». ``None`` means every site:
    superusers are not tied to one.
    """
    if not active(user):
        return []
    if user.is_superuser:
        return None
    cache_name = f"_amorce_sites_{permission or 'any'}"
    if not hasattr(user, cache_name):
        groups = user.groups.all()
        if permission:
            app_label, codename = permission.split(".")
            groups = groups.filter(
                permissions__content_type__app_label=app_label,
                permissions__codename=codename,
            )
        sites = Site.objects.filter(amorce_groups__group__in=groups)
        setattr(user, cache_name, list(sites.select_related("root_page").distinct()))
    return getattr(user, cache_name)


def programme_sites(user):
    """The sites whose candidatures this user reads as a member of the programme team."""
    if not (active(user) and user.has_perm(PROGRAMME_TEAM_PERMISSION)):
        return []
    return sites_of(user, PROGRAMME_TEAM_PERMISSION)


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


# Per-site models whose history entries and other listings stop at the site:
# each app registers (model, function of a user giving the objects they read).
SCOPED_MODELS = []


def register_scoped_model(model, readable_by):
    SCOPED_MODELS.append((model, readable_by))
