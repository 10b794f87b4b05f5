from django.db import connection
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache


def personal_data(request):
    """The personal-data notice written in the site's settings."""
    return TemplateResponse(request, "amorce/personal_data.html", {})


@never_cache
def health(request):
    """For load balancers: the process answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
