"""Bearer authentication for staff tokens: Wagtail's, refusing revoked and expired ones.

Refused with 401 and a French problem (``application/problem+json``, as
Wagtail's API answers its own errors) and ``WWW-Authenticate: Bearer
error="invalid_token"`` (RFC 6750), saying why: no token, an unknown one, a
revoked one, an expired one, or its owner's account disabled.

The same refusal holds on every route of the API, ours and Wagtail's (pages,
actions, revisions, schema, sites, whoami), the forms and the public
investigations: ``RefuseInvalidTokensMiddleware`` checks any bearer token
sent to them before the route runs, so a client whose token expired learns
it at once instead of reading as anyone. A request without a token is not
concerned: public reads stay public.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.api.v3.errors import problem_response
from wagtail.models import APIToken

from .models import expires_at_of

API_NAMESPACE = "wagtailapi_v3"
RESOLVED = "_amorce_api_token"  # (token string, APIToken) once checked


def refuse(message):
    return AuthenticationError(message=message)


def bearer_token(request):
    """The token of an ``Authorization: Bearer …`` header; None without one.

    Another scheme (``Basic``, from a proxy guarding a staging server) is not
    ours to judge: None too.
    """
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def check(request, token):
    """The valid ``APIToken`` for ``token``, or ``AuthenticationError`` saying why.

    Read once a request: the middleware's check serves the route's.
    """
    resolved = getattr(request, RESOLVED, None)
    if resolved is not None and resolved[0] == token:
        return resolved[1]
    api_token = None
    if token:
        api_token = (
            APIToken.objects.select_related("user", "amorce_expiry")
            .filter(key_hash__in=APIToken.candidate_key_hashes(token))
            .first()
        )
    if api_token is None:
        raise refuse(_("Jeton inconnu."))
    if api_token.revoked_at is not None:
        raise refuse(_("Ce jeton a été révoqué."))
    expires_at = expires_at_of(api_token)
    if expires_at <= timezone.now():
        raise refuse(
            _("Ce jeton a expiré le %(date)s : créez-en un autre.")
            % {"date": date_format(timezone.localtime(expires_at), "DATE_FORMAT")}
        )
    if not api_token.user.is_active:
        raise refuse(_("Le compte de ce jeton est désactivé."))
    setattr(request, RESOLVED, (token, api_token))
    return api_token


def refusal_response(request, message, *, token_sent=True):
    """The 401 every route of the API gives: a French problem, RFC 6750's header."""
    response = problem_response(status=401, detail=str(message))
    response["WWW-Authenticate"] = (
        'Bearer error="invalid_token"' if token_sent else "Bearer"
    )
    return response


def token_required():
    return _("Jeton requis : en-tête « Authorization: Bearer <jeton> ».")


class RefuseInvalidTokensMiddleware:
    """A bearer token sent to the API is valid, or the request stops at a 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or API_NAMESPACE not in match.namespaces:
            return None
        token = bearer_token(request)
        if token is None:
            return None
        try:
            check(request, token)
        except AuthenticationError as refused:
            request.user = AnonymousUser()
            return refusal_response(request, refused.message)
        return None


class StaffTokenAuth(BearerTokenAuth):
    def __call__(self, request):
        token = bearer_token(request)
        if token is None:
            request.user = AnonymousUser()  # never a session: tokens only
            raise refuse(token_required())
        return self.authenticate(request, token)

    def authenticate(self, request, token):
        request.user = AnonymousUser()
        api_token = check(request, token)
        request.user = api_token.user
        self._touch_last_used(api_token)
        return api_token
