"""Resuming with ProConnect, where a site enables it: instead of a link sent by
email, the applicant signs in with ProConnect and this browser opens the drafts
and dossiers of the verified address on this site, as a link would
(``forms.access.grant``). No account is made for an applicant."""

import logging
import time

import requests
from django.conf import settings
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.models import Site

from accounts import provider
from accounts.backends import APPLICANT
from accounts.views import (
    APPLICANT_SESSION_KEY,
    ProConnectSignInView,
    provider_logout_url,
    sign_in_settings,
)
from forms.access import grant

from .links import dossiers_of

logger = logging.getLogger("accounts.proconnect")


def verified_applicant_email(request):
    """The address ProConnect verified for this browser's applicant, while it lasts."""
    held = request.session.get(APPLICANT_SESSION_KEY)
    age = getattr(settings, "AMORCE_APPLICANT_SESSION_AGE", 12 * 3600)
    if not held or time.time() - held.get("at", 0) > age:
        return None
    return held.get("email")


def applicant_proconnect_enabled(request):
    return provider.enabled() and sign_in_settings(request).applicant_proconnect


class ApplicantProConnectView(ProConnectSignInView):
    purpose = APPLICANT

    def allowed(self, request):
        return applicant_proconnect_enabled(request)

    def next_url(self, request):
        return reverse("applicants:mine")

    def failure_url(self, request):
        return reverse("applicants:new_link")


@never_cache
def mine(request):
    """The drafts and dossiers of the address ProConnect verified, opened for this browser."""
    email = verified_applicant_email(request)
    if email is None or not applicant_proconnect_enabled(request):
        return HttpResponseRedirect(reverse("applicants:new_link"))
    drafts, candidatures = dossiers_of(email, Site.find_for_request(request))
    items = []
    for draft in drafts:
        grant(request, "drafts", draft.pk)
        items.append(
            {
                "title": _("Brouillon — %(call)s") % {"call": draft.call.title},
                "url": draft.page.get_url(request) + f"?brouillon={draft.pk}",
            }
        )
    for candidature in candidatures:
        grant(request, "candidatures", candidature.pk)
        items.append(
            {
                "title": _("Dossier %(reference)s — %(call)s")
                % {"reference": candidature.reference, "call": candidature.call.title},
                "url": reverse("applicants:dossier", args=[candidature.reference]),
            }
        )
    response = TemplateResponse(
        request, "applicants/mine.html", {"email": email, "items": items}
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def sign_out(request):
    """Closes what this browser opened (ProConnect's address, the dossiers and drafts
    granted, links included: a shared computer keeps nothing), then signs out at
    ProConnect too, which sends the browser back to « Recevoir un nouveau lien »."""
    back = reverse("applicants:new_link")
    logout_url = None
    if request.session.get(APPLICANT_SESSION_KEY):
        try:
            logout_url = provider_logout_url(request, back)
        except (requests.RequestException, ValueError):
            logger.exception("ProConnect: no end_session_endpoint")
    request.session.flush()
    return HttpResponseRedirect(logout_url or back)
