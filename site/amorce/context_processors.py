from django.conf import settings
from django.utils.functional import SimpleLazyObject

from cms_pages.models import SiteIdentity, Theme

# The State's own sites, which the DSFR asks every State service to link to.
STATE_LINKS = [
    ("info.gouv.fr", "https://www.info.gouv.fr"),
    ("service-public.gouv.fr", "https://www.service-public.gouv.fr"),
    ("legifrance.gouv.fr", "https://www.legifrance.gouv.fr"),
    ("data.gouv.fr", "https://www.data.gouv.fr"),
]

# The State's bloc-marque, SiteIdentity's default name lines: never shown by a
# site in the neutral theme, which may not use the State's brand.
STATE_NAME_LINES = ["République", "française"]


def site_identity(request):
    """The request's site's identity, or None when no site answers the request."""
    try:
        return SiteIdentity.for_request(request)
    except SiteIdentity.DoesNotExist:
        return None


def site_theme(request):
    """The theme of the request's site: "dsfr" or "neutral"."""
    identity = site_identity(request)
    if identity is None or identity.theme not in Theme.values:
        return settings.AMORCE_THEME
    return identity.theme


def brand_lines(request):
    """The name lines the header and footer show, one per line."""
    identity = site_identity(request)
    if identity is None:
        return []
    lines = identity.name_line_list
    if site_theme(request) == Theme.NEUTRAL and lines == STATE_NAME_LINES:
        return []
    return lines


def amorce(request):
    """What every public template needs beside the site settings.

    ``site_theme`` is the request's site's theme (``SiteIdentity.theme``), read
    only by the templates that use it: admin pages never look it up.
    """
    return {
        "site_theme": SimpleLazyObject(lambda: site_theme(request)),
        "brand_lines": SimpleLazyObject(lambda: brand_lines(request)),
        "STATE_LINKS": STATE_LINKS,
    }
