"""ProConnect's configuration: the instance's settings (``PROCONNECT_*``, read
from the environment in settings/base.py), and the provider's endpoints read
from its discovery document when ``PROCONNECT_DISCOVERY_URL`` is set.

mozilla-django-oidc reads ``OIDC_*`` settings; our subclasses of its backend
and views answer them from here (``oidc_setting``), so an instance configures
ProConnect with a handful of variables and no ``OIDC_*`` at all.
"""

import json
import logging
import threading
import time

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A session opened by ProConnect says so; and, when the ID token's ``acr`` (or
# ``amr``) shows the provider checked more than one factor, that it is strong:
# the second factor then counts it as given (twofactor/policy.py).
AUTH_METHOD_KEY = "amorce_auth_method"
AUTH_STRONG_KEY = "amorce_auth_strong"
PROCONNECT = "proconnect"

logger = logging.getLogger("accounts.proconnect")

# The endpoints, by their setting and their name in the discovery document.
ENDPOINTS = {
    "PROCONNECT_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "PROCONNECT_TOKEN_ENDPOINT": "token_endpoint",
    "PROCONNECT_USERINFO_ENDPOINT": "userinfo_endpoint",
    "PROCONNECT_JWKS_ENDPOINT": "jwks_uri",
    "PROCONNECT_END_SESSION_ENDPOINT": "end_session_endpoint",
    "PROCONNECT_ISSUER": "issuer",
}

# mozilla-django-oidc's names -> ours.
OIDC_NAMES = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "PROCONNECT_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT": "PROCONNECT_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT": "PROCONNECT_USERINFO_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT": "PROCONNECT_JWKS_ENDPOINT",
    "OIDC_RP_CLIENT_ID": "PROCONNECT_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET": "PROCONNECT_CLIENT_SECRET",
    "OIDC_RP_SIGN_ALGO": "PROCONNECT_SIGN_ALGO",
    "OIDC_RP_SCOPES": "PROCONNECT_SCOPES",
    "OIDC_TIMEOUT": "PROCONNECT_TIMEOUT",
}
FIXED = {
    "OIDC_AUTHENTICATION_CALLBACK_URL": "proconnect_callback",
    "OIDC_STORE_ID_TOKEN": True,  # for the logout at the provider (id_token_hint)
    "OIDC_USE_NONCE": True,
    "OIDC_CREATE_USER": True,
    "OIDC_VERIFY_SSL": True,
}

_discovered = {}  # discovery URL -> (fetched at, document)
_lock = threading.Lock()
DISCOVERY_TTL = 3600


def enabled():
    """Whether this instance has ProConnect (a client id is set)."""
    return bool(getattr(settings, "PROCONNECT_CLIENT_ID", ""))


def discovery():
    """The provider's discovery document (kept an hour), or {} without a discovery URL."""
    url = getattr(settings, "PROCONNECT_DISCOVERY_URL", "")
    if not url:
        return {}
    with _lock:
        fetched = _discovered.get(url)
        if fetched and time.monotonic() - fetched[0] < DISCOVERY_TTL:
            return fetched[1]
    response = requests.get(url, timeout=setting("PROCONNECT_TIMEOUT"))
    response.raise_for_status()
    document = response.json()
    with _lock:
        _discovered[url] = (time.monotonic(), document)
    return document


def setting(name):
    """A ProConnect setting: the instance's (its defaults are in settings/base.py),
    else, for an endpoint, the discovery document's."""
    value = getattr(settings, name, None)
    if value in (None, "") and name in ENDPOINTS:
        value = discovery().get(ENDPOINTS[name])
    return value


def issuer():
    """The issuer the ID tokens must name: always checked.

    With a discovery document, its ``issuer`` (or PROCONNECT_ISSUER if set);
    with the endpoints given one by one, PROCONNECT_ISSUER must be set.
    """
    value = setting("PROCONNECT_ISSUER")
    if not value:
        raise ImproperlyConfigured(
            "PROCONNECT_ISSUER is required when the endpoints are set one by one "
            "(or the discovery document has no issuer): see docs/authentication.md."
        )
    return value


def oidc_setting(attr, *default):
    """mozilla-django-oidc's ``get_settings``, answered from the ProConnect settings."""
    if attr in FIXED:
        return FIXED[attr]
    if attr in OIDC_NAMES:
        value = setting(OIDC_NAMES[attr])
        if value in (None, "") and not default:
            raise ImproperlyConfigured(
                f"{OIDC_NAMES[attr]} manque : voir docs/authentication.md."
            )
        return value if value not in (None, "") else default[0]
    if attr == "OIDC_AUTH_REQUEST_EXTRA_PARAMS":
        return extra_params()
    if default:
        return getattr(settings, attr, default[0])
    return getattr(settings, attr)


def extra_params():
    """ProConnect's additions to the authorization request: acr_values, claims."""
    params = {}
    if acr := setting("PROCONNECT_ACR_VALUES"):
        params["acr_values"] = acr
    if claims := setting("PROCONNECT_CLAIMS"):
        json.loads(claims)  # a typo fails here, not at the provider
        params["claims"] = claims
    return params


def strong_levels():
    """The ``acr`` values that count as a second factor (PROCONNECT_STRONG_ACR_VALUES)."""
    levels = setting("PROCONNECT_STRONG_ACR_VALUES")
    if isinstance(levels, str):
        levels = levels.replace(",", " ").split()
    return set(levels or ())


def strong(id_claims):
    """Whether the ID token says the provider checked more than one factor.

    Its ``acr`` is one of the strong levels, or its ``amr`` names « mfa »; an
    absent or single-factor ``acr`` (« eidas1 », ProConnect's default) is not.
    """
    if id_claims.get("acr") in strong_levels():
        return True
    amr = id_claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    return "mfa" in amr
