"""Bearer authentication for staff tokens: Wagtail's, refusing revoked and expired ones.

Refused with 401 and a French problem (``application/problem+json``, as
Wagtail's API answers its own errors), saying why: no token, an unknown one,
a revoked one, an expired one, or its owner's account disabled.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.models import APIToken

from .models import expires_at_of


def refuse(message):
    return AuthenticationError(message=message)


class StaffTokenAuth(BearerTokenAuth):
    def __call__(self, request):
        if not request.headers.get(self.header, "").lower().startswith("bearer "):
            request.user = AnonymousUser()  # never a session: tokens only
            raise refuse(_("Jeton requis : en-tête « Authorization: Bearer <jeton> »."))
        return super().__call__(request)

    def authenticate(self, request, token):
        request.user = AnonymousUser()
        api_token = (
            APIToken.objects.select_related("user", "amorce_expiry")
            .filter(key_hash__in=APIToken.candidate_key_hashes(token.strip()))
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
        request.user = api_token.user
        self._touch_last_used(api_token)
        return api_token
