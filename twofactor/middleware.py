"""Holds every admin URL of a session that still owes its second factor.

After the password (Wagtail's sign-in, unchanged), the session is signed in
but not verified: each admin URL but what finishing the second factor or signing out needs (sign-out, the
verification and enrolment pages, the password reset, the icons and
translations they load) redirects to
the code page, or to the enrolment page for an account that must have a
second factor and has none. Must come after django-otp's ``OTPMiddleware``.
The API is not concerned: it authenticates by token, never by session.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .policy import pending

OPEN_PATHS = (
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_password_reset",
    # What the code and enrolment pages load from the admin: icons, translations.
    "wagtailadmin_sprite",
    "wagtailadmin_javascript_catalog",
    "twofactor_verify",
    "twofactor_enrol",
)
# Not the jury invitation: opened by a session owing its code, it would accept
# that person's invitations before the code is given.
OPEN_PREFIXES = ("password_reset/",)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open = None

    def open_paths(self):
        if self._open is None:
            admin = reverse("wagtailadmin_home")
            self._open = (
                admin,
                {reverse(name) for name in OPEN_PATHS},
                tuple(admin + prefix for prefix in OPEN_PREFIXES),
            )
        return self._open

    def __call__(self, request):
        admin, paths, prefixes = self.open_paths()
        if (
            request.path.startswith(admin)
            and request.path not in paths
            and not request.path.startswith(prefixes)
        ):
            step = pending(request)
            if step is not None:
                return self.hold(request, step)
        return self.get_response(request)

    def hold(self, request, step):
        target = reverse("twofactor_verify" if step == "verify" else "twofactor_enrol")
        if request.method == "GET" and not request.headers.get("x-requested-with"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
