"""Who must give a second factor, and whether this session already has.

Whoever may read personal data (candidatures, dossiers of a round,
investigations, the accounts of others) needs one, derived from permissions
rather than group names: a site's own groups (« Jury — Mer ») hold the same
permissions as the starting ones. Superusers read everything. The list is
``AMORCE_2FA_PERMISSIONS``.

A session signed in through ProConnect is already strong only when the ID
token showed more than one factor (``acr`` in PROCONNECT_STRONG_ACR_VALUES,
eidas2 or eidas3 by default, or ``amr`` naming « mfa »): ``accounts``' sign-in
then marks it with ``session["amorce_auth_strong"] = True`` beside
``session["amorce_auth_method"] = "proconnect"``. At ProConnect's default
level (eidas1, one factor) the session owes its code as after a password.
A password sign-in clears both marks.
"""

from django.conf import settings
from django_otp import user_has_device

from accounts.provider import AUTH_METHOD_KEY as AUTH_METHOD_SESSION_KEY
from accounts.provider import AUTH_STRONG_KEY, PROCONNECT

STRONG_AUTH_METHODS = {PROCONNECT}


def reads_personal_data(user):
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return any(
        user.has_perm(permission) for permission in settings.AMORCE_2FA_PERMISSIONS
    )


def has_device(user):
    return user_has_device(user, confirmed=True)


def signed_in_strongly(request):
    """A ProConnect sign-in that checked more than one factor counts as a second one."""
    return (
        request.session.get(AUTH_METHOD_SESSION_KEY) in STRONG_AUTH_METHODS
        and request.session.get(AUTH_STRONG_KEY) is True
    )


def is_verified(request):
    """The session gave a code of one of the user's devices (django-otp's middleware)."""
    checker = getattr(request.user, "is_verified", None)
    return bool(checker and checker())


def pending(request):
    """What this signed-in session still has to do: « verify », « enrol » or None.

    A user with a device is always asked for a code, whether or not the setting
    enforces it: an enrolled account is never weaker than its owner chose.
    """
    user = request.user
    if not user.is_authenticated or signed_in_strongly(request) or is_verified(request):
        return None
    if has_device(user):
        return "verify"
    if settings.AMORCE_REQUIRE_2FA and reads_personal_data(user):
        return "enrol"
    return None
