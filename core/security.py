"""Production hardening that Django does not ship: the content security policy
(django-csp's, with the admin's own policy and remote media), a health check
that load balancers reach, and throttling of the admin's sign-in and password
reset."""

import logging
from urllib.parse import urlsplit

from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import storages
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.admin.views.account import LoginView, PasswordResetView

from .throttle import Throttle

logger = logging.getLogger("core.security")

MEDIA = (
    "'media'"  # placeholder: replaced by the public media storage's origin, if remote
)


# --- Content security policy -------------------------------------------------


def _storage_origin():
    """The origin of the public media storage when it is not this site (object storage)."""
    try:
        parts = urlsplit(storages["default"].url("csp"))
    except Exception:  # a storage that cannot build a URL offline: no extra origin
        logger.warning("No origin for the media storage in the CSP", exc_info=True)
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else None


def _with_media(directives, media_origin):
    """The directives that name ``'media'``, with the storage's origin in its place (or none)."""
    return {
        directive: [
            media_origin if source == MEDIA else source
            for source in sources
            if source != MEDIA or media_origin
        ]
        for directive, sources in directives.items()
        if isinstance(sources, list | tuple | set) and MEDIA in sources
    }


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with ``AMORCE_CSP_ADMIN`` under the admin.

    The public site gets ``CONTENT_SECURITY_POLICY``; each request has a fresh
    nonce (``request.csp_nonce``) for the few inline scripts our templates
    have. Wagtail's admin still has inline scripts and style attributes, hence
    its own, looser policy; a page previewed in the admin keeps the public
    policy but may be framed by the admin. A response that already has a
    policy (a served file, a document) keeps it, and a view may set its own
    with django-csp's decorators. ``'media'`` in a directive stands for the
    public media storage's origin when it is remote (object storage).
    """

    def __init__(self, get_response):
        if hasattr(settings, "AMORCE_CSP"):
            raise ImproperlyConfigured(
                "AMORCE_CSP est devenu CONTENT_SECURITY_POLICY = "
                '{"DIRECTIVES": {...}} (django-csp) : voir docs/configuration.md.'
            )
        super().__init__(get_response)
        self._media_origin = None
        self._media_origin_known = False

    @property
    def media_origin(self):
        if not self._media_origin_known:
            self._media_origin = _storage_origin()
            self._media_origin_known = True
        return self._media_origin

    def process_request(self, request):
        super().process_request(request)
        # Made now, not when a template first reads it: django-csp's lazy nonce
        # is falsy until read, and django-dsfr's ``{% if self.nonce %}`` would
        # then leave the DSFR's scripts without it.
        str(request.csp_nonce)

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if (
            parts.config is None  # no policy of the view's own (csp decorator)
            and not report_only
            and request.path.startswith(settings.AMORCE_CSP_ADMIN_PATH)
        ):
            parts.config = settings.AMORCE_CSP_ADMIN or {}
        if parts.config is None:  # django-csp's setting, which it reads itself
            setting = "CONTENT_SECURITY_POLICY" + (
                "_REPORT_ONLY" if report_only else ""
            )
            directives = (getattr(settings, setting, None) or {}).get("DIRECTIVES", {})
        else:
            directives = parts.config
        # Only the few directives that change are replaced: django-csp copies
        # every part of the policy it is given, on every response.
        replace = _with_media(directives, self.media_origin)
        if parts.replace:
            replace.update(parts.replace)
            replace.update(_with_media(parts.replace, self.media_origin))
        if parts.update:
            parts.update = {
                **parts.update,
                **_with_media(parts.update, self.media_origin),
            }
        if directives and getattr(request, "is_dummy", False):
            # Wagtail renders a preview through the middleware with a dummy
            # request for the page's own URL; the admin shows it in a frame.
            replace["frame-ancestors"] = [SELF]
        parts.replace = replace
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        permissions = getattr(settings, "AMORCE_PERMISSIONS_POLICY", "")
        if permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions
        return response


# --- Health check ------------------------------------------------------------


@never_cache
def health(request):
    """For load balancers: the process answers and the database too (else 503)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logging.getLogger("amorce.health").exception(
            "Health check: the database does not answer"
        )
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})


class HealthCheckMiddleware:
    """Answers ``/sante/`` before host validation and the HTTPS redirect.

    Load balancers probe the app over plain HTTP, by its internal address:
    neither must turn the probe into a 301 or a 400.
    """

    path = "/sante/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == self.path:
            return health(request)
        return self.get_response(request)


# --- Admin sign-in and password reset throttling ----------------------------
# (the counting lives in core.throttle)


LOGIN_FAILURES = Throttle(
    "login-failures",
    "AMORCE_LOGIN_RATE_LIMIT",
    "AMORCE_LOGIN_ADDRESS_RATE_LIMIT",
    ngettext_lazy(
        "Trop de tentatives de connexion ont échoué. Réessayez dans %(minutes)s minute.",
        "Trop de tentatives de connexion ont échoué. Réessayez dans %(minutes)s minutes.",
        "minutes",
    ),
)
PASSWORD_RESETS = Throttle(
    "password-resets",
    "AMORCE_PASSWORD_RESET_RATE_LIMIT",
    "AMORCE_PASSWORD_RESET_ADDRESS_RATE_LIMIT",
    ngettext_lazy(
        "Trop de demandes de réinitialisation du mot de passe. Réessayez dans %(minutes)s minute.",
        "Trop de demandes de réinitialisation du mot de passe. Réessayez dans %(minutes)s minutes.",
        "minutes",
    ),
)


class ThrottledLoginView(LoginView):
    """Wagtail's admin sign-in, refused for a while after repeated failures.

    The password is not even checked while the username or the address is
    blocked: the right password is refused too, with a French message and 429.
    """

    def get_form_class(self):
        base = super().get_form_class()

        class ThrottledLoginForm(base):
            def __init__(form, *args, **kwargs):
                super().__init__(*args, **kwargs)
                # Wagtail 8.0's form leaves this label untranslated.
                form.fields["password"].label = _("Mot de passe")

            def clean(form):
                username = form.cleaned_data.get("username", "")
                window = LOGIN_FAILURES.blocked_for(self.request, username)
                if window:
                    logger.warning("Admin sign-in refused: too many failures")
                    raise ValidationError(
                        LOGIN_FAILURES.refusal_message(window), code="throttled"
                    )
                try:
                    return super().clean()
                except ValidationError:
                    LOGIN_FAILURES.record(self.request, username)
                    raise

        return ThrottledLoginForm

    def form_valid(self, form):
        LOGIN_FAILURES.forget_subject(
            self.request, form.cleaned_data.get("username", "")
        )
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", code="throttled"):
            response.status_code = 429
        return response


class ThrottledPasswordResetView(PasswordResetView):
    """Wagtail's « mot de passe oublié », refused for a while after repeated requests.

    Each request sends an email; without a limit, anyone could fill a
    colleague's inbox. The limit holds for any address typed, known or not,
    so the refusal tells nothing about who has an account.
    """

    def form_valid(self, form):
        email = form.cleaned_data.get("email", "")
        window = PASSWORD_RESETS.blocked_for(self.request, email)
        if window:
            logger.warning("Password reset refused: too many requests")
            form.add_error(
                None,
                ValidationError(
                    PASSWORD_RESETS.refusal_message(window), code="throttled"
                ),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        PASSWORD_RESETS.record(self.request, email)
        self.from_email = self.sender_for(self.request) or self.from_email
        return super().form_valid(form)

    def sender_for(self, request):
        """The From of the reset email for this request; None: the instance's."""
        return None
