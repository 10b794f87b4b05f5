import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger("amorce.health")


def personal_data(request):
    """The personal-data notice written in the site's settings."""
    return TemplateResponse(request, "amorce/personal_data.html", {})


@never_cache
def health(request):
    """For load balancers: the process answers and the database too (else 503)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: the database does not answer")
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})
