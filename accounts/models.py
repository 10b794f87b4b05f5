"""How people sign in to a site: the per-site switches, the email domains that
give a group to a new ProConnect account, and what ProConnect said of each user.

A first sign-in with ProConnect creates (or links) an account but grants no
group by itself: the team invites, or an administrator maps an email domain
to a group for the site (``EmailDomainGroup``). See docs/authentication.md.
"""

import re

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site

DOMAIN = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    _("Un nom de domaine, sans « @ » : « exemple.gouv.fr »."),
    flags=re.IGNORECASE,
)


@register_setting(icon="key")
class SignInSettings(BaseSiteSetting):
    """The ways to sign in on this site (editable by superusers)."""

    password_login = models.BooleanField(
        _("Connexion par mot de passe"),
        default=True,
        help_text=_(
            "Décoché : la page de connexion de l'administration de ce site ne propose "
            "plus que ProConnect, et un mot de passe saisi y est refusé."
        ),
    )
    applicant_proconnect = models.BooleanField(
        _("ProConnect pour les candidats"),
        default=False,
        help_text=_(
            "Coché : depuis l'espace candidat, un candidat peut retrouver ses "
            "brouillons et ses dossiers en se connectant avec ProConnect, sans "
            "attendre de lien par courriel."
        ),
    )

    panels = [FieldPanel("password_login"), FieldPanel("applicant_proconnect")]

    class Meta:
        verbose_name = _("connexion")
        verbose_name_plural = _("connexion")


class EmailDomainGroup(models.Model):
    """A new ProConnect account whose address is on ``domain`` joins ``group`` on ``site``."""

    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        related_name="email_domain_groups",
        verbose_name=_("site"),
    )
    domain = models.CharField(
        _("domaine de l'adresse"),
        max_length=253,
        validators=[DOMAIN],
        help_text=_(
            "Exactement le domaine après « @ » (« exemple.gouv.fr ») ; un "
            "sous-domaine n'en fait pas partie."
        ),
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("groupe donné"),
    )

    panels = [FieldPanel("site"), FieldPanel("domain"), FieldPanel("group")]

    class Meta:
        verbose_name = _("domaine autorisé")
        verbose_name_plural = _("domaines autorisés")
        ordering = ["site", "domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "domain", "group"], name="unique_domain_group"
            )
        ]

    def __str__(self):
        return f"@{self.domain} → {self.group}"

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)


class ProConnectIdentity(models.Model):
    """What ProConnect said of a user at the last sign-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proconnect",
        verbose_name=_("utilisateur"),
    )
    issuer = models.CharField(
        _("émetteur (iss)"), max_length=255, blank=True, default=""
    )
    sub = models.CharField(_("identifiant ProConnect (sub)"), max_length=255)
    idp_id = models.CharField(_("fournisseur d'identité"), max_length=255, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    organizational_unit = models.CharField(
        _("unité d'affectation"), max_length=255, blank=True
    )
    first_seen_at = models.DateTimeField(_("première connexion"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("dernière connexion"), auto_now=True)

    class Meta:
        verbose_name = _("identité ProConnect")
        verbose_name_plural = _("identités ProConnect")
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["sub"], name="proconnect_sub")]
        # One account per person of a provider, even when two first sign-ins race.
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "sub"], name="proconnect_one_account_per_sub"
            )
        ]

    def __str__(self):
        return str(self.user)
