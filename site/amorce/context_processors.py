from django.conf import settings

# The State's own sites, which the DSFR asks every State service to link to.
STATE_LINKS = [
    ("info.gouv.fr", "https://www.info.gouv.fr"),
    ("service-public.gouv.fr", "https://www.service-public.gouv.fr"),
    ("legifrance.gouv.fr", "https://www.legifrance.gouv.fr"),
    ("data.gouv.fr", "https://www.data.gouv.fr"),
]


def amorce(request):
    """What every public template needs beside the site settings."""
    return {"AMORCE_THEME": settings.AMORCE_THEME, "STATE_LINKS": STATE_LINKS}
