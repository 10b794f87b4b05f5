"""Requests no page can answer, and refusals met deep in a view."""

import re

from django.db.models import ProtectedError, RestrictedError
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .deletion import Refused, refused_response


def _carries_nul(request):
    # The API's path parameters are numbers, refused by its own validation.
    if "\x00" in request.path and not request.path.startswith("/api/"):
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


_SITE_FILTER = re.compile(r"[^:]*(:[0-9]+)?")


def _why_unreadable(request):
    """Why no page can answer this request, in French; None when one may."""
    if _carries_nul(request):
        return _(
            "L'adresse demandée contient un caractère nul, qu'aucune page n'accepte."
        )
    if request.path.startswith("/api/") and not all(
        _SITE_FILTER.fullmatch(site) for site in request.GET.getlist("site")
    ):
        return _(
            "Le paramètre « site » attend un nom d'hôte, suivi au besoin de "
            "« :port », un nombre."
        )
    return None


class RefuseUnreadableRequestsMiddleware:
    """Refuses, with a French 400, a request no page can answer.

    Found by schemathesis (bench/fuzz.py), each a server error in Wagtail 8.0:

    - a NUL character in the path or the query string: PostgreSQL cannot
      compare text with it, and Wagtail's page routing, its search and its API
      filters (``?site=``, ``?search=``, ``?locale=``…) passed it on;
    - an API ``?site=host:port`` whose port is not a number: Wagtail's
      ``/api/v3/pages/find/?html_path=`` did not catch the database's refusal.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        detail = _why_unreadable(request)
        if detail is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            problem = {
                "type": "about:blank",
                "title": _("Requête invalide"),
                "status": 400,
            }
            return JsonResponse(
                {**problem, "detail": str(detail)},
                status=400,
                content_type="application/problem+json",
            )
        return render(
            request, "amorce/bad_request.html", {"detail": detail}, status=400
        )


class RefusedChangeMiddleware:
    """A deletion or change a rule refuses (``core.deletion``), met deep in a view: say why.

    In the admin, the refusal's French message is shown where the action was
    asked for; on the API, it is a 409 problem. Nothing was changed: the
    refusal came inside the action's transaction.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ProtectedError | RestrictedError):
            # A database constraint met before any rule: still a refusal, said in French.
            exception = Refused(
                _(
                    "Suppression refusée : d'autres éléments en dépendent (%(what)s) ; "
                    "ils sont conservés, et lui avec eux."
                )
                % {
                    "what": ", ".join(
                        sorted(
                            {
                                str(obj._meta.verbose_name_plural)
                                for obj in getattr(
                                    exception,
                                    "protected_objects",
                                    getattr(exception, "restricted_objects", ()),
                                )
                                if hasattr(obj, "_meta")
                            }
                        )
                    )
                }
            )
        if not isinstance(exception, Refused):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "title": exception.title,
                    "status": 409,
                    "detail": exception.message,
                },
                status=409,
                content_type="application/problem+json",
            )
        return refused_response(
            request, exception.message, reverse("wagtailadmin_home")
        )
