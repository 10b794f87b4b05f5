"""Which investigations a user reads: those of the sites of their programme team."""

from cms_pages.sites import programme_site_scope, register_scoped_model

from .models import Funder, Investigation


def investigations_for(user):
    """The investigations of the user's sites."""
    return Investigation.objects.filter(programme_site_scope(user))


def funders_for(user):
    """The funders of the user's sites (their history stays on the site too)."""
    return Funder.objects.filter(programme_site_scope(user))


register_scoped_model(Investigation, investigations_for)
register_scoped_model(Funder, funders_for)
