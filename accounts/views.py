"""The admin's sign-in page (password and/or ProConnect), the ProConnect flow
(mozilla-django-oidc's views, subclassed) and the sign-out at the provider.

A session opened by ProConnect carries ``amorce_auth_method = "proconnect"``,
and ``amorce_auth_strong = True`` only when the ID token's ``acr`` (or ``amr``)
shows more than one factor (``provider.strong``): the second factor counts
only such a session as already strong.

Whether a password may be used is decided for the person, not for the host
the form is posted to: refused if any site they work on has switched it off
(``password_refused``).
"""

import logging
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import (
    ImproperlyConfigured,
    SuspiciousOperation,
)
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.views import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)
from wagtail.admin.views.account import LogoutView
from wagtail.models import Site

from core.security import LOGIN_FAILURES, ThrottledLoginView

from . import provider
from .backends import APPLICANT, ProConnectRefused
from .models import SignInSettings
from .provider import AUTH_METHOD_KEY, AUTH_STRONG_KEY, PROCONNECT

logger = logging.getLogger("accounts.proconnect")

APPLICANT_SESSION_KEY = "amorce_proconnect_applicant"
STAFF = "staff"


def sign_in_settings(request):
    site = Site.find_for_request(request)
    return SignInSettings.for_site(site) if site else SignInSettings()


def break_glass():
    """Whether superusers may still use their password where a site switched it off."""
    return bool(getattr(settings, "AMORCE_PASSWORD_LOGIN_BREAK_GLASS", False))


def sites_of(user):
    """The sites ``user`` works on, through their groups (as cms_pages.sites.sites_of).

    accounts sits beside cms_pages, so it reads ``SiteGroup`` through the
    relation's name rather than by importing it.
    """
    return Site.objects.filter(amorce_groups__group__user=user).distinct()


def password_refused(user, request):
    """Whether ``user`` may not sign in with a password, wherever the form is posted.

    Refused if this host's site, or a site they work on, switched « Connexion
    par mot de passe » off. A superuser works on every site: refused if any
    site switched it off, unless break-glass (which is for superusers only).
    """
    off = SignInSettings.objects.filter(password_login=False)
    if user.is_superuser:
        return off.exists() and not break_glass()
    host = Site.find_for_request(request)
    if host is not None and off.filter(site=host).exists():
        return True
    return off.filter(site__in=sites_of(user)).exists()


# --- Sign-in page -------------------------------------------------------------


class SignInView(ThrottledLoginView):
    """Wagtail's sign-in, with the ProConnect button; the password may be off per site."""

    template_name = "accounts/login.html"

    def password_mode(self):
        """« on », « break-glass » (superusers only) or « off » on this site."""
        if sign_in_settings(self.request).password_login:
            return "on"
        return "break-glass" if break_glass() else "off"

    def get_form_class(self):
        base = super().get_form_class()
        request = self.request

        class PersonLoginForm(base):
            def clean(form):
                cleaned = super().clean()
                user = form.get_user()
                if user is not None and password_refused(user, request):
                    # The same answer as a wrong password, counted as a failure:
                    # the refusal must not tell that the password was right.
                    logger.warning(
                        "Password sign-in refused: switched off on a site of user %s",
                        user.pk,
                    )
                    LOGIN_FAILURES.record(request, cleaned.get("username", ""))
                    form.user_cache = None
                    raise form.get_invalid_login_error()
                return cleaned

        return PersonLoginForm

    def form_valid(self, form):
        # Signing in again with a password, in a session ProConnect opened for the
        # same person, must not keep its mark: the second factor is asked again.
        self.request.session.pop(AUTH_METHOD_KEY, None)
        self.request.session.pop(AUTH_STRONG_KEY, None)
        return super().form_valid(form)

    def post(self, request, *args, **kwargs):
        if self.password_mode() == "off":
            logger.warning("Password sign-in refused: switched off on this site")
            form = self.get_form()
            form.is_bound = False
            context = self.get_context_data(form=form)
            context["password_refused"] = password_off_message()
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mode = self.password_mode()
        context.update(
            proconnect_enabled=provider.enabled(),
            password_mode=mode,
            proconnect_url=reverse("proconnect_sign_in")
            + "?"
            + urlencode(
                {"next": self.get_redirect_url() or reverse("wagtailadmin_home")}
            ),
        )
        return context


def password_off_message():
    return _(
        "La connexion par mot de passe est désactivée sur ce site : "
        "connectez-vous avec ProConnect."
    )


# --- The ProConnect flow --------------------------------------------------------


class ProConnectSignInView(OIDCAuthenticationRequestView):
    """Send the browser to ProConnect, with a fresh state and nonce."""

    get_settings = staticmethod(provider.oidc_setting)
    purpose = STAFF

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoints are read when needed

    @property
    def OIDC_OP_AUTH_ENDPOINT(self):  # noqa: N802 - the library's name
        return self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")

    @property
    def OIDC_RP_CLIENT_ID(self):  # noqa: N802 - the library's name
        return self.get_settings("OIDC_RP_CLIENT_ID")

    def allowed(self, request):
        return provider.enabled()

    def next_url(self, request):
        return None  # the library's « next » (checked to stay on this site)

    def failure_url(self, request):
        return reverse("wagtailadmin_login")

    def get(self, request):
        if not self.allowed(request):
            raise Http404
        try:
            provider.issuer()  # no sign-in whose tokens' issuer could not be checked
            response = super().get(request)
        except (requests.RequestException, ValueError, ImproperlyConfigured):
            logger.exception("ProConnect: no authorization endpoint")
            messages.error(request, unreachable_message())
            return HttpResponseRedirect(self.failure_url(request))
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state].update(
            purpose=self.purpose,
            failure=self.failure_url(request),
            next=self.next_url(request),
        )
        request.session.modified = True
        return response


def unreachable_message():
    return _(
        "ProConnect ne répond pas pour le moment : réessayez dans quelques minutes."
    )


class ProConnectCallbackView(OIDCAuthenticationCallbackView):
    """ProConnect's answer: the state is checked, then the tokens, then the account."""

    get_settings = staticmethod(provider.oidc_setting)

    def get(self, request):
        state = request.GET.get("state")
        entry = request.session.get("oidc_states", {}).get(state) if state else None
        entry = entry or {}
        self.purpose = entry.get("purpose", STAFF)
        self.failure = entry.get("failure") or reverse("wagtailadmin_login")
        self.next = entry.get("next")
        if not entry:
            logger.warning("ProConnect: unknown or replayed state")
            return self.refuse(
                _(
                    "Cette réponse de ProConnect a expiré ou a déjà servi : "
                    "recommencez la connexion."
                )
            )
        request.proconnect_purpose = self.purpose
        try:
            return super().get(request)
        except ProConnectRefused as refusal:
            logger.warning("ProConnect: refused (%s)", refusal.message)
            return self.refuse(refusal.message)
        except (SuspiciousOperation, jwt.PyJWTError, KeyError):
            logger.warning("ProConnect: a token failed its checks", exc_info=True)
            return self.refuse(
                _(
                    "La réponse de ProConnect n'a pas pu être vérifiée : la "
                    "connexion est refusée. Recommencez ; si cela se répète, "
                    "prévenez l'équipe."
                )
            )
        except (requests.RequestException, ValueError, ImproperlyConfigured):
            logger.exception("ProConnect: the provider did not answer")
            return self.refuse(unreachable_message())

    def refuse(self, message):
        messages.error(self.request, message)
        return HttpResponseRedirect(self.failure)

    def login_failure(self):
        email = getattr(self.request, "proconnect_applicant_email", None)
        if email and self.purpose == APPLICANT:
            self.request.session.cycle_key()
            self.request.session[APPLICANT_SESSION_KEY] = {
                "email": email,
                "at": time.time(),
            }
            return HttpResponseRedirect(self.next or "/")
        if self.request.GET.get("error"):
            return self.refuse(
                _("La connexion avec ProConnect a été interrompue : rien n'a changé.")
            )
        return self.refuse(_("La connexion avec ProConnect n'a pas abouti."))

    def login_success(self):
        response = super().login_success()
        self.request.session[AUTH_METHOD_KEY] = PROCONNECT
        self.request.session[AUTH_STRONG_KEY] = bool(
            getattr(self.request, "proconnect_strong", False)
        )
        if not self.user.has_perm("wagtailadmin.access_admin"):
            messages.info(
                self.request,
                _(
                    "Vous êtes connecté avec ProConnect, mais votre compte n'a encore "
                    "accès à aucun espace : demandez à l'équipe de vous inviter."
                ),
            )
        return response


# --- Sign-out -------------------------------------------------------------------


def provider_logout_url(request, back=None):
    """ProConnect's end_session_endpoint for this session, or None; the provider
    sends the browser back to ``back`` (a path of ours, registered with it)."""
    id_token = request.session.get("oidc_id_token")
    endpoint = provider.setting("PROCONNECT_END_SESSION_ENDPOINT")
    if not id_token or not endpoint:
        return None
    params = {
        "id_token_hint": id_token,
        "state": get_random_string(32),
        "post_logout_redirect_uri": request.build_absolute_uri(
            back or reverse("wagtailadmin_login")
        ),
    }
    return f"{endpoint}?{urlencode(params)}"


class SignOutView(LogoutView):
    """Wagtail's sign-out, then ProConnect's for a session it opened."""

    def dispatch(self, request, *args, **kwargs):
        logout_url = None
        if (
            request.method == "POST"
            and request.session.get(AUTH_METHOD_KEY) == PROCONNECT
        ):
            try:
                logout_url = provider_logout_url(request)
            except (requests.RequestException, ValueError):
                logger.exception("ProConnect: no end_session_endpoint")
        response = super().dispatch(request, *args, **kwargs)
        if logout_url and response.status_code in (301, 302, 303):
            response["Location"] = logout_url
        return response
