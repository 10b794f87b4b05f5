"""Who runs a site (its identity, vocabulary, theme) and which groups work on it."""

import copy
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Site

from core.pagecache import remembered
from core.text import SingleLineCharField, email_subject

from ..blocks import (
    RICH_TEXT_FEATURES,
    LinkBlock,
)

# Site identity -------------------------------------------------------------


class Theme(models.TextChoices):
    DSFR = "dsfr", _("Système de design de l'État (DSFR)")
    NEUTRAL = "neutral", _("Neutre (collectivités)")


def default_theme():
    return getattr(settings, "AMORCE_THEME", Theme.DSFR)


def only_site():
    """The site of an instance that has a single one (its default site)."""
    from wagtail.models import Site

    return Site.objects.filter(is_default_site=True).first()


class OnOneSiteByDefault:
    """A model with a ``site``: saved without one on an instance of one site, that one."""

    def save(self, *args, **kwargs):
        if self.site_id is None:
            self.site = only_site()
        super().save(*args, **kwargs)


# A file name in beta.gouv.fr's content/_organisations or content/_incubators
# (« dinum », « FabNum-MI », « latelier.numerique.du.ministere… »).
beta_gouv_id_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    _(
        "Un identifiant beta.gouv.fr : lettres sans accent, chiffres, points, "
        "tirets et soulignés, sans espace (par exemple « dinum »)."
    ),
)


def default_investigation_weeks():
    return getattr(settings, "AMORCE_INVESTIGATION_WEEKS", 9)


def default_checkpoint_weeks():
    return getattr(settings, "AMORCE_CHECKPOINT_WEEKS", "3, 6")


def parse_weeks(text):
    """« 3, 6 » -> [3, 6]; a ValueError for anything but whole numbers of weeks."""
    weeks = [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
    if any(week < 1 for week in weeks):
        raise ValueError(text)
    return sorted(set(weeks))


@register_setting(icon="site")
class SiteIdentity(BaseSiteSetting):
    """Who runs this site: the ministry or authority, the incubator, contacts.

    Every public template reads these; nothing of it is written in code.
    """

    name_lines = models.TextField(
        _("bloc-marque"),
        default="République\nfrançaise",
        help_text=_(
            "Le nom de l'administration tel que l'en-tête l'affiche, une ligne par "
            "ligne. Service de l'État : « République » puis « française », ou le "
            "nom du ministère ; collectivité : son nom."
        ),
    )
    service_title = SingleLineCharField(
        _("nom du service"),
        max_length=120,
        default="Amorce",
        help_text=_("Nom de l'incubateur ou du programme, affiché dans l'en-tête."),
    )
    tagline = SingleLineCharField(_("devise du service"), max_length=200, blank=True)
    contact_email = models.EmailField(_("adresse de contact"), blank=True)
    footer_description = models.TextField(_("présentation en pied de page"), blank=True)
    footer_links = StreamField(
        [("link", LinkBlock())],
        verbose_name=_("liens du pied de page"),
        blank=True,
    )
    personal_data_notice = RichTextField(
        _("notice sur les données personnelles"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_(
            "Qui traite les données des candidatures, pour quoi, combien de temps, "
            "et comment exercer ses droits. Publiée sur la page « Données personnelles »."
        ),
    )
    accessibility_status = models.CharField(
        _("conformité RGAA"),
        max_length=20,
        choices=[
            ("none", _("non conforme")),
            ("partial", _("partiellement conforme")),
            ("full", _("totalement conforme")),
        ],
        default="partial",
    )
    reference_prefix = models.CharField(
        _("préfixe des références"),
        max_length=12,
        default="AMO",
        validators=[
            RegexValidator(r"^[A-Za-z0-9]+$", _("Lettres et chiffres seulement."))
        ],
        help_text=_(
            "Les candidatures sont numérotées PRÉFIXE-ANNÉE-NNNN, par exemple AMO-2026-0042."
        ),
    )
    accessibility_statement_url = models.CharField(
        _("déclaration d'accessibilité"),
        max_length=300,
        blank=True,
        help_text=_(
            "Adresse de la déclaration d'accessibilité (page du site ou lien externe)."
        ),
    )
    theme = models.CharField(
        _("thème"),
        max_length=20,
        choices=Theme.choices,
        default=default_theme,
        help_text=_(
            "« Système de design de l'État » pour les services de l'État ; "
            "« Neutre » pour une collectivité, qui n'utilise pas la marque de l'État."
        ),
    )
    term_candidature = SingleLineCharField(
        _("mot pour une candidature"),
        max_length=40,
        default="candidature",
        help_text=_(
            "Au singulier, en minuscules : « candidature », « dossier », « projet »…"
        ),
    )
    term_candidatures = SingleLineCharField(
        _("mot pour des candidatures"),
        max_length=40,
        default="candidatures",
        help_text=_("Au pluriel, en minuscules."),
    )
    term_investigation = SingleLineCharField(
        _("mot pour une investigation"),
        max_length=40,
        default="investigation",
        help_text=_("« investigation », « exploration », « défi »…"),
    )
    term_jury = SingleLineCharField(
        _("mot pour le jury"),
        max_length=40,
        default="jury",
        help_text=_("« jury », « comité de sélection »…"),
    )
    investigation_weeks = models.PositiveSmallIntegerField(
        _("durée d'une investigation (semaines)"),
        default=default_investigation_weeks,
        validators=[MinValueValidator(1), MaxValueValidator(104)],
        help_text=_("Durée proposée à l'ouverture d'une investigation."),
    )
    checkpoint_weeks = SingleLineCharField(
        _("points d'étape (semaines)"),
        max_length=40,
        blank=True,
        default=default_checkpoint_weeks,
        help_text=_(
            "Les semaines de l'investigation où un point d'étape est prévu, "
            "séparées par des virgules : « 3, 6 ». Vide : aucun point d'étape prévu."
        ),
    )
    beta_gouv_incubator_id = SingleLineCharField(
        _("identifiant de l'incubateur sur beta.gouv.fr"),
        max_length=100,
        blank=True,
        validators=[beta_gouv_id_validator],
        help_text=_(
            "Pour exporter les fiches beta.gouv.fr des investigations : le nom du "
            "fichier de l'incubateur dans content/_incubators du dépôt "
            "betagouv/beta.gouv.fr, sans « .md » (par exemple « dinum », « anct », "
            "« FabNum-MI »). Vide : l'export des fiches est refusé."
        ),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name_lines"),
                FieldPanel("service_title"),
                FieldPanel("tagline"),
            ],
            heading=_("En-tête"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("contact_email"),
                FieldPanel("footer_description"),
                FieldPanel("footer_links"),
                FieldPanel("accessibility_status"),
                FieldPanel("accessibility_statement_url"),
            ],
            heading=_("Pied de page"),
        ),
        FieldPanel("personal_data_notice"),
        MultiFieldPanel(
            [
                FieldPanel("theme"),
                FieldPanel("reference_prefix"),
                FieldPanel("investigation_weeks"),
                FieldPanel("checkpoint_weeks"),
                FieldPanel("beta_gouv_incubator_id"),
            ],
            heading=_("Fonctionnement"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("term_candidature"), FieldPanel("term_candidatures")]
                ),
                FieldRowPanel(
                    [FieldPanel("term_investigation"), FieldPanel("term_jury")]
                ),
            ],
            heading=_("Vocabulaire du programme"),
        ),
    ]

    class Meta:
        verbose_name = _("identité du site")
        verbose_name_plural = _("identités des sites")

    def clean(self):
        super().clean()
        self.reference_prefix = self.reference_prefix.upper()
        try:
            weeks = parse_weeks(self.checkpoint_weeks)
        except ValueError:
            raise ValidationError(
                {
                    "checkpoint_weeks": _(
                        "Écrivez des numéros de semaine séparés par des virgules, "
                        "par exemple « 3, 6 »."
                    )
                }
            ) from None
        if weeks and self.investigation_weeks and weeks[-1] >= self.investigation_weeks:
            raise ValidationError(
                {
                    "checkpoint_weeks": _(
                        "Un point d'étape tombe avant la fin de l'investigation "
                        "(%(weeks)s semaines)."
                    )
                    % {"weeks": self.investigation_weeks}
                }
            )
        self.checkpoint_weeks = ", ".join(str(week) for week in weeks)
        if (
            SiteIdentity.objects.exclude(pk=self.pk)
            .filter(reference_prefix__iexact=self.reference_prefix)
            .exists()
        ):
            raise ValidationError(
                {
                    "reference_prefix": _(
                        "Un autre site numérote déjà ses candidatures avec ce préfixe."
                    )
                }
            )

    @classmethod
    def kept_for_site(cls, site):
        """``for_site``, kept by the process between requests until something of
        the site changes (``core.pagecache.remembered``): every public page and
        every submission reads it. A copy each time: the caller may mark it."""
        return copy.copy(
            remembered(site.pk, "site-identity", lambda: cls.for_site(site))
        )

    @classmethod
    def for_request(cls, request):
        """Wagtail's, through ``kept_for_site``."""
        attr_name = cls.get_cache_attr_name()
        if hasattr(request, attr_name):
            return getattr(request, attr_name)
        site = Site.find_for_request(request)
        if site is None:
            return super().for_request(request)
        identity = cls.kept_for_site(site)
        identity._request = request  # as Wagtail does: page URLs from the request
        setattr(request, attr_name, identity)
        return identity

    @classmethod
    def for_site_or_defaults(cls, site):
        """The identity of ``site``; without a site, the defaults (unsaved)."""
        return cls.kept_for_site(site) if site is not None else cls()

    @property
    def checkpoint_week_list(self):
        """The weeks of the planned checkpoints (none if the setting cannot be read)."""
        try:
            return parse_weeks(self.checkpoint_weeks)
        except ValueError:
            return []

    @property
    def name_line_list(self):
        return [line.strip() for line in self.name_lines.splitlines() if line.strip()]

    @property
    def sender(self):
        """The From of this site's emails: its service's name on the instance's address."""
        address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        return str(
            Address(display_name=email_subject(self.service_title), addr_spec=address)
        )

    @property
    def accent_colour(self):
        """The colour of the site's headings and links, as its theme draws them.

        Both read at more than 7:1 on white: the State's « bleu France » for a
        DSFR site, the neutral theme's accent (``amorce/css/neutral.css``) otherwise.
        """
        return "#000091" if self.theme == Theme.DSFR else "#0b5566"

    @property
    def reply_to(self):
        """Where an applicant's reply goes: the site's contact, when it has one."""
        return [self.contact_email] if self.contact_email else []


class SiteGroup(models.Model):
    """Ties a group to the site whose data its members work on.

    The group's permissions say what its members may do (read candidatures,
    score, edit pages); this link says on which site. A member of a group tied
    to no site sees no candidature: only superusers see every site.
    """

    group = models.OneToOneField(
        "auth.Group",
        verbose_name=_("groupe"),
        on_delete=models.CASCADE,
        related_name="site_link",
    )
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        related_name="amorce_groups",
    )

    panels = [FieldPanel("group"), FieldPanel("site")]

    class Meta:
        verbose_name = _("groupe d'un site")
        verbose_name_plural = _("groupes des sites")
        ordering = ["site__site_name", "group__name"]

    def __str__(self):
        return f"{self.group} → {self.site.site_name or self.site.hostname}"
