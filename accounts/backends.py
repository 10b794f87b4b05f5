"""Sign-in with ProConnect: mozilla-django-oidc's backend, with ProConnect's rules.

- The ID token's signature (the provider's keys), nonce, audience (our client
  id) and issuer are checked; userinfo, which ProConnect signs too, likewise.
- The issuer is always checked (the discovered one, or PROCONNECT_ISSUER), and
  userinfo's ``sub`` must be the ID token's (OpenID Connect Core 5.3.2).
- The account is the one already linked to this ``sub`` of this issuer; else
  the one whose address is the verified email, whatever its case, unless that
  account is linked to another ``sub`` of the same issuer (an address given
  to someone else does not hand over the account: refused). No email, or ``email_verified`` false, is refused: ProConnect vouches
  for its addresses by contract and sends no ``email_verified``, so only an
  explicit « false » is a refusal (docs/authentication.md).
- A new account gets no group, unless the site maps its email domain to one
  (``EmailDomainGroup``).
- For an applicant (the flow started from the applicant space) no account is
  made: the verified address is handed back to the callback view.
"""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from wagtail.models import Site

from . import provider
from .models import EmailDomainGroup, ProConnectIdentity

logger = logging.getLogger("accounts.proconnect")

APPLICANT = "applicant"


class ProConnectRefused(Exception):  # noqa: N818 - reads as what happened
    """A sign-in refused, with the French sentence the person reads."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def free_username(email):
    User = get_user_model()
    base = email.lower()[:140]
    username, counter = base, 1
    while User.objects.filter(username__iexact=username).exists():
        counter += 1
        username = f"{base}-{counter}"
    return username


class ProConnectBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(provider.oidc_setting)

    def __init__(self, *args, **kwargs):
        # The library reads every endpoint here; Django makes a backend for each
        # password sign-in too, which must not wait on ProConnect's discovery.
        self.UserModel = get_user_model()

    def __getattr__(self, name):
        # OIDC_OP_TOKEN_ENDPOINT, OIDC_RP_CLIENT_ID…: read when the flow needs them.
        if name == "OIDC_RP_IDP_SIGN_KEY":
            return None  # the provider's keys come from its JWKS endpoint
        if name.startswith(("OIDC_OP_", "OIDC_RP_")):
            return provider.oidc_setting(name)
        raise AttributeError(name)

    def authenticate(self, request, **kwargs):
        if request is None or not provider.enabled() or "nonce" not in kwargs:
            return None  # a password sign-in, or ProConnect not configured here
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("Token issued for another client")
        if payload.get("iss") != provider.issuer():
            raise SuspiciousOperation("Token issued by another provider")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        claims = super().get_userinfo(access_token, id_token, payload)
        if str(claims.get("sub", "")) != str(payload.get("sub", "")) or not claims.get(
            "sub"
        ):
            logger.warning("ProConnect: userinfo's sub is not the ID token's")
            raise ProConnectRefused(
                _(
                    "La réponse de ProConnect n'a pas pu être vérifiée : la "
                    "connexion est refusée. Recommencez ; si cela se répète, "
                    "prévenez l'équipe."
                )
            )
        return claims

    def verify_claims(self, claims):
        if not claims.get("email"):
            raise ProConnectRefused(
                _(
                    "ProConnect n'a pas transmis d'adresse électronique : la "
                    "connexion est refusée."
                )
            )
        if claims.get("email_verified") is False or claims.get("email_verified") in (
            "false",
            "0",
        ):
            raise ProConnectRefused(
                _(
                    "Votre fournisseur d'identité n'a pas vérifié votre adresse "
                    "électronique : la connexion est refusée. Vérifiez-la auprès de "
                    "lui, puis recommencez."
                )
            )
        return True

    def get_or_create_user(self, access_token, id_token, payload):
        self.id_claims = payload
        # Whether the provider checked more than one factor: read by the callback.
        self.request.proconnect_strong = provider.strong(payload)
        if getattr(self.request, "proconnect_purpose", None) == APPLICANT:
            claims = self.get_userinfo(access_token, id_token, payload)
            self.verify_claims(claims)
            self.request.proconnect_applicant_email = claims["email"].strip()
            return None
        return super().get_or_create_user(access_token, id_token, payload)

    def issuer_and_sub(self):
        return str(self.id_claims["iss"])[:255], str(self.id_claims["sub"])[:255]

    def linked_identity(self):
        """The link already made to this ``sub`` of this issuer, or None."""
        issuer, sub = self.issuer_and_sub()
        # Legacy links, made before the issuer was kept, have an empty one.
        return (
            ProConnectIdentity.objects.filter(sub=sub, issuer__in=[issuer, ""])
            .select_related("user")
            .order_by("-issuer")
            .first()
        )

    def filter_users_by_claims(self, claims):
        issuer, sub = self.issuer_and_sub()
        linked = self.linked_identity()
        if linked is not None:
            return [linked.user]
        users = list(
            self.UserModel.objects.filter(email__iexact=claims["email"].strip())[:2]
        )
        if len(users) > 1:
            raise ProConnectRefused(
                _(
                    "Plusieurs comptes portent cette adresse électronique : "
                    "demandez à l'équipe de n'en garder qu'un."
                )
            )
        identity = ProConnectIdentity.objects.filter(user__in=users).first()
        if identity and identity.sub != sub and identity.issuer in (issuer, ""):
            logger.warning(
                "ProConnect: account %s is linked to another sub of %s; refused",
                identity.user_id,
                issuer,
            )
            raise ProConnectRefused(
                _(
                    "Le compte qui porte cette adresse électronique est lié à une "
                    "autre identité ProConnect : la connexion est refusée. Si "
                    "l'adresse vous a été attribuée récemment, demandez à l'équipe "
                    "de vous créer un compte."
                )
            )
        return users

    def create_user(self, claims):
        """A new account linked to this ``sub``; or, when a sign-in of the same
        person running beside this one (two tabs, a double click) made it between
        our lookup and this insert, the account that sign-in linked."""
        try:
            with transaction.atomic():  # a savepoint: the failed insert alone is undone
                return self.new_account(claims)
        except IntegrityError:
            linked = self.linked_identity()
            if linked is None:
                raise
            logger.info(
                "ProConnect: account %s linked by a sign-in alongside; used",
                linked.user_id,
            )
            return self.update_user(linked.user, claims)

    def new_account(self, claims):
        email = claims["email"].strip()
        user = self.UserModel.objects.create_user(
            free_username(email),
            email=email,
            first_name=(claims.get("given_name") or "")[:150],
            last_name=(claims.get("usual_name") or "")[:150],
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        site = Site.find_for_request(self.request)
        domain = email.rsplit("@", 1)[-1].lower()
        groups = Group.objects.filter(
            pk__in=EmailDomainGroup.objects.filter(site=site, domain=domain).values(
                "group"
            )
        )
        user.groups.add(*groups)
        logger.info(
            "ProConnect: account %s created, groups %s",
            user.pk,
            [group.name for group in groups],
        )
        self.remember(user, claims)
        return user

    def update_user(self, user, claims):
        if not user.is_active:
            raise ProConnectRefused(
                _("Ce compte est désactivé : demandez à l'équipe de le réactiver.")
            )
        self.remember(user, claims)
        return user

    def remember(self, user, claims):
        issuer, sub = self.issuer_and_sub()
        ProConnectIdentity.objects.update_or_create(
            user=user,
            defaults={
                "issuer": issuer,
                "sub": sub,
                "idp_id": str(claims.get("idp_id") or "")[:255],
                "siret": str(claims.get("siret") or "").replace(" ", "")[:14],
                "organizational_unit": str(claims.get("organizational_unit") or "")[
                    :255
                ],
            },
        )
