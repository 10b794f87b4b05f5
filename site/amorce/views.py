import logging

from django.template.response import TemplateResponse

logger = logging.getLogger("amorce.health")


def personal_data(request):
    """The personal-data notice written in the site's settings."""
    return TemplateResponse(request, "amorce/personal_data.html", {})
