from django.conf import settings


def amorce(request):
    """What every public template needs beside the site settings."""
    return {"AMORCE_THEME": settings.AMORCE_THEME}
