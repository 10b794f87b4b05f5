"""The headless API: Wagtail 8's API v3 (django-ninja), one OpenAPI document.

Wagtail's own routers serve the pages (``/api/v3/pages/``) with the fields
each page model lists in ``api_fields``; later apps add their routers to the
same ``api`` instance so that everything shows in ``/api/v3/openapi.json``.
"""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja.errors import AuthenticationError
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.api.v3.errors import problem_response
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination
from wagtail.api.v3.urls import api

from forms.api import router as forms_router
from investigations.api import router as investigations_router
from staffapi.api import router as staff_router
from staffapi.auth import bearer_token, check, refusal_response, token_required
from staffapi.models import expires_at_of

# Wagtail 8.0's lists (pages, images, documents, redirects, sites, revisions)
# take any offset, and one beyond the database's 64-bit integers is a server
# error (found by schemathesis). Past the end is past the end: such an offset
# reads an empty page, as any offset after the last item does.
MAX_OFFSET = 2**62
_wagtail_paginate = WagtailLimitOffsetPagination.paginate_queryset


def _paginate_within_integers(self, queryset, pagination, request, **params):
    if pagination.offset > MAX_OFFSET:
        pagination = pagination.model_copy(update={"offset": MAX_OFFSET})
    return _wagtail_paginate(self, queryset, pagination, request, **params)


WagtailLimitOffsetPagination.paginate_queryset = _paginate_within_integers


# A token's expiry is ours (``staffapi.TokenExpiry``): Wagtail 8.0's
# ``BearerTokenAuth`` checks revocation only. Its routers (pages and their
# create/patch/delete, the publish/unpublish/move/copy/revert actions,
# revisions, schema, sites, whoami) build their own instances of that class
# at import, so no subclass or ``auth=`` of ours reaches them: the class
# itself is patched, once, here, where the API is put together (as its
# pagination above), to check a token as our routes do
# (``staffapi.auth.check``, read once a request). A token refused there never
# gets this far: ``staffapi.auth.RefuseInvalidTokensMiddleware`` answers the
# 401 first, on every route; this is the same rule where no middleware runs.
def _authenticate_unexpired(self, request, token):
    try:
        api_token = check(request, token)
    except AuthenticationError:
        request.user = AnonymousUser()
        return None
    request.user = api_token.user
    self._touch_last_used(api_token)
    return api_token


BearerTokenAuth.authenticate = _authenticate_unexpired

# Wagtail notes a token's last use before this check: a refused, expired
# token is not « used » (the reverse one-to-one is cached: no second query).
_wagtail_touch_last_used = BearerTokenAuth._touch_last_used


def _touch_unexpired(self, api_token):
    if expires_at_of(api_token) > timezone.now():
        _wagtail_touch_last_used(self, api_token)


BearerTokenAuth._touch_last_used = _touch_unexpired


# Every 401 of the API is the same: a French problem and RFC 6750's
# ``WWW-Authenticate`` (``error="invalid_token"`` when a token was sent).
# Wagtail's routes answer their own in English (« Unauthorized »,
# « Authentication required »); ours say why (``staffapi.auth``).
def _authentication_refused(request, exc):
    message = exc.message if exc.message != "Unauthorized" else token_required()
    return refusal_response(
        request, message, token_sent=bearer_token(request) is not None
    )


def _permission_denied(request, exc):
    if not request.user.is_authenticated:  # v3 trusts tokens only, not sessions
        return refusal_response(
            request, token_required(), token_sent=bearer_token(request) is not None
        )
    return problem_response(status=403, detail=str(exc) or "Permission denied")


api.add_exception_handler(AuthenticationError, _authentication_refused)
api.add_exception_handler(PermissionDenied, _permission_denied)


# Wagtail 8.0 declares its ``AllowAnonymous`` auth as an HTTP security scheme
# with no ``scheme``, which OpenAPI 3.1 requires: the document fails
# openapi-spec-validator. Anonymous access is what an empty requirement
# (``{}``) means in OpenAPI, so the scheme goes and its uses become ``{}``
# (docs/api.md; to be proposed upstream). Pydantic also gives a decimal field
# (a criterion's weight) the type ``string`` with the model's numeric default:
# such a default is written as the string the API sends.
_ninja_openapi_schema = api.get_openapi_schema


#: What the web server answers before Django for a request line longer than
#: it reads (gunicorn: 4,094 bytes): an HTML page, not a problem (found by
#: schemathesis, a query string of 7 KB). Declared on the reading operations,
#: whose filters make the query string as long as a client wants; not on the
#: writing ones, whose address is short (a generated client would otherwise
#: no longer know that a refusal's absence means the body it expects).
URI_TOO_LONG = {
    "description": (
        "Adresse trop longue : refusée par le serveur web avant l'application "
        "(ligne de requête au-delà de 4 094 octets avec gunicorn)"
    ),
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def valid_openapi(document):
    """The document with its two known OpenAPI 3.1 errors corrected, in place,
    and the web server's 414 declared on each reading operation."""
    schemes = document.get("components", {}).get("securitySchemes", {})
    anonymous = {
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and "scheme" not in scheme
    }
    for name in anonymous:
        del schemes[name]
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "security" in operation:
                operation["security"] = [
                    {} if set(requirement) & anonymous else requirement
                    for requirement in operation["security"]
                ]
    for path in document.get("paths", {}).values():
        operation = path.get("get")
        if isinstance(operation, dict) and "responses" in operation:
            operation["responses"].setdefault("414", URI_TOO_LONG)
    _string_defaults(document)
    return document


def _string_defaults(node):
    if isinstance(node, dict):
        if (
            node.get("type") == "string"
            and "default" in node
            and isinstance(node["default"], int | float)
            and not isinstance(node["default"], bool)
        ):
            node["default"] = str(node["default"])
        for value in node.values():
            _string_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _string_defaults(value)


def _valid_openapi_schema(**kwargs):
    return valid_openapi(_ninja_openapi_schema(**kwargs))


api.get_openapi_schema = _valid_openapi_schema

api.title = "Amorce API"
api.description = (
    "Pages publiées (appels à candidatures, programme, FAQ, actualités) et, "
    "selon les modules installés, formulaires de candidature."
)

api.add_router("/forms/", forms_router)
api.add_router("/investigations/", investigations_router)
api.add_router("/staff/", staff_router)

__all__ = ["api"]
