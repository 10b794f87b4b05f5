"""The pages the communications team edits, and the per-site identity."""

import datetime as dt
from email.headerregistry import Address
from email.utils import parseaddr

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from rest_framework import serializers
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core.deletion import Refused, deletion_rule
from core.text import SingleLineCharField, email_subject

from .blocks import (
    RICH_TEXT_FEATURES,
    CallStreamBlock,
    FaqStreamBlock,
    HomeStreamBlock,
    LinkBlock,
    NewsStreamBlock,
    ProgrammeStreamBlock,
)
from .choices import DurationUnit, PhaseCode
from .panels import (
    PROGRAMME_TEAM_PERMISSION,
    ProgrammeTeamInlinePanel,
    ProgrammeTeamPageForm,
)


class IntroductionMixin(models.Model):
    """A lead paragraph ("chapô") shown under the title and in listings."""

    introduction = models.TextField(
        _("chapô"),
        blank=True,
        help_text=_(
            "Une ou deux phrases qui résument la page, affichées sous le titre."
        ),
    )

    content_panels = [FieldPanel("introduction")]
    search_fields = [index.SearchField("introduction")]

    class Meta:
        abstract = True


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


def default_investigation_weeks():
    return getattr(settings, "AMORCE_INVESTIGATION_WEEKS", 9)


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
    def for_site_or_defaults(cls, site):
        """The identity of ``site``; without a site, the defaults (unsaved)."""
        return cls.for_site(site) if site is not None else cls()

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


# Home ----------------------------------------------------------------------


class HomePage(IntroductionMixin, Page):  # noqa: DJ008 (Page gives __str__)
    body = StreamField(HomeStreamBlock(), verbose_name=_("contenu"), blank=True)

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms_pages.ProgrammePage",
        "cms_pages.NewsIndexPage",
        "cms_pages.FaqPage",
    ]
    max_count = None  # one per Wagtail Site, and an instance may hold several sites

    content_panels = (
        Page.content_panels + IntroductionMixin.content_panels + [FieldPanel("body")]
    )
    search_fields = Page.search_fields + IntroductionMixin.search_fields
    api_fields = [APIField("introduction"), APIField("body")]

    class Meta:
        verbose_name = _("page d'accueil")
        verbose_name_plural = _("pages d'accueil")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["calls"] = (
            CallPage.objects.live()
            .public()
            .descendant_of(self)
            .order_by("-opens_at")[:3]
        )
        context["news"] = (
            NewsArticlePage.objects.live()
            .public()
            .descendant_of(self)
            .order_by("-date")[:3]
        )
        return context


# Programme -----------------------------------------------------------------


class ProgrammePage(IntroductionMixin, Page):  # noqa: DJ008 (Page gives __str__)
    """The programme: its phases and its investment committee."""

    body = StreamField(ProgrammeStreamBlock(), verbose_name=_("contenu"), blank=True)
    committee_interval_months = models.PositiveSmallIntegerField(
        _("fréquence du comité d'investissement (mois)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    committee_description = RichTextField(
        _("comité d'investissement"), blank=True, features=RICH_TEXT_FEATURES
    )

    parent_page_types = ["cms_pages.HomePage"]
    subpage_types = ["cms_pages.CallPage", "cms_pages.FaqPage"]
    max_count = None

    content_panels = (
        Page.content_panels
        + IntroductionMixin.content_panels
        + [
            FieldPanel("body"),
            InlinePanel("phases", heading=_("Phases du programme"), label=_("Phase")),
            MultiFieldPanel(
                [
                    FieldPanel("committee_interval_months"),
                    FieldPanel("committee_description"),
                ],
                heading=_("Comité d'investissement"),
            ),
        ]
    )
    search_fields = Page.search_fields + IntroductionMixin.search_fields
    api_fields = [
        APIField("introduction"),
        APIField("body"),
        APIField("phases"),
        APIField("committee_interval_months"),
        APIField("committee_description"),
    ]

    class Meta:
        verbose_name = _("page programme")
        verbose_name_plural = _("pages programme")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["phases"] = self.phases.all()
        context["calls"] = (
            CallPage.objects.live().public().child_of(self).order_by("-opens_at")
        )
        return context


class ProgrammePhase(Orderable):
    page = ParentalKey(ProgrammePage, on_delete=models.CASCADE, related_name="phases")
    code = models.CharField(_("phase"), max_length=30, choices=PhaseCode.choices)
    title = SingleLineCharField(_("intitulé"), max_length=120)
    min_duration = models.PositiveSmallIntegerField(_("durée minimale"))
    max_duration = models.PositiveSmallIntegerField(_("durée maximale"))
    duration_unit = models.CharField(
        _("unité"),
        max_length=10,
        choices=DurationUnit.choices,
        default=DurationUnit.MONTHS,
    )
    description = models.TextField(_("objectif de la phase"), blank=True)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("title")]),
        FieldRowPanel(
            [
                FieldPanel("min_duration"),
                FieldPanel("max_duration"),
                FieldPanel("duration_unit"),
            ]
        ),
        FieldPanel("description"),
    ]
    api_fields = [
        APIField("code"),
        APIField("title"),
        APIField("min_duration"),
        APIField("max_duration"),
        APIField("duration_unit"),
        APIField("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if (
            self.min_duration is not None
            and self.max_duration is not None
            and self.min_duration > self.max_duration
        ):
            raise ValidationError(
                {
                    "max_duration": _(
                        "La durée maximale doit être au moins égale à la durée minimale."
                    )
                }
            )

    @property
    def duration_display(self):
        unit = self.get_duration_unit_display()
        if self.min_duration == self.max_duration:
            return f"{self.min_duration} {unit}"
        return _("%(min)s à %(max)s %(unit)s") % {
            "min": self.min_duration,
            "max": self.max_duration,
            "unit": unit,
        }


# Call ----------------------------------------------------------------------


# The criteria of a call are written once: shown publicly and used to score.
# Once a jury scored with them, changing them would change a ranking already
# printed. The apps that score say when they are frozen (``CRITERIA_LOCKS``:
# functions of a call giving a French message, or None).
CRITERIA_LOCKS = []
CRITERION_FIELDS = ("label", "description", "weight", "scale_min", "scale_max")


def criteria_lock(call):
    """Why the criteria of ``call`` may no longer change, or None."""
    if call is None or call.pk is None:
        return None
    for lock in CRITERIA_LOCKS:
        message = lock(call)
        if message:
            return message
    return None


def _criterion_differs(stored, values):
    """Whether ``values`` (a mapping of CRITERION_FIELDS) change the stored criterion."""
    for name in CRITERION_FIELDS:
        old, new = getattr(stored, name), values.get(name)
        if isinstance(old, str) and isinstance(new, str):
            old, new = old.strip(), new.strip()  # forms trim what they read
        if old != new:
            return True
    return False


def criteria_changed(formset, call):
    """True when a criteria formset adds, removes or changes a stored criterion."""
    stored = {c.pk: c for c in SelectionCriterion.objects.filter(page=call)}
    kept = set()
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or formset._should_delete_form(form):
            continue
        criterion = stored.get(form.instance.pk)
        if criterion is None or _criterion_differs(criterion, data):
            return True
        kept.add(criterion.pk)
    return kept != set(stored)


class CallPageForm(ProgrammeTeamPageForm):
    programme_team_formsets = ("criteria",)

    def clean(self):
        cleaned_data = super().clean()
        formset = self.formsets.get("criteria")
        # The formset is validated after this form: validate it now to compare.
        if formset is not None and self.instance.pk and formset.is_valid():
            message = criteria_lock(self.instance)
            if message and criteria_changed(formset, self.instance):
                self.add_error(None, message)
        return cleaned_data


class CallStatus(models.TextChoices):
    UPCOMING = "upcoming", _("À venir")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clos")


class CallPage(IntroductionMixin, Page):  # noqa: DJ008 (Page gives __str__)
    """A call for applications: its text, its dates, its criteria."""

    body = StreamField(CallStreamBlock(), verbose_name=_("contenu"), blank=True)
    opens_at = models.DateTimeField(
        _("ouverture des candidatures"), help_text=_("Date et heure, heure de Paris.")
    )
    closes_at = models.DateTimeField(
        _("clôture des candidatures"),
        help_text=_(
            "Date et heure, heure de Paris. La minute indiquée compte encore : "
            "« 23:59 » accepte les candidatures jusqu'à 23:59:59."
        ),
    )
    preselection_date = models.DateField(
        _("pré-sélection par le jury"), null=True, blank=True
    )
    selection_date = models.DateField(
        _("sélection par le comité"), null=True, blank=True
    )
    investigations_start = models.DateField(
        _("lancement des investigations"), null=True, blank=True
    )
    eligibility = RichTextField(
        _("qui peut candidater"), blank=True, features=RICH_TEXT_FEATURES
    )
    target_preselected = models.PositiveSmallIntegerField(
        _("nombre de projets pré-sélectionnés visé"), null=True, blank=True
    )
    target_laureates = models.PositiveSmallIntegerField(
        _("nombre de lauréats visé"), null=True, blank=True
    )
    retention_months = models.PositiveSmallIntegerField(
        _("conservation des candidatures non retenues (mois)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Après la clôture, durée au bout de laquelle les candidatures non "
            "retenues sont anonymisées (nombres et notes conservés)."
        ),
    )

    parent_page_types = ["cms_pages.ProgrammePage"]
    subpage_types = ["cms_pages.FaqPage", "forms.CandidatureFormPage"]
    max_count = None
    base_form_class = CallPageForm

    content_panels = (
        Page.content_panels
        + IntroductionMixin.content_panels
        + [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                    FieldRowPanel(
                        [
                            FieldPanel("preselection_date"),
                            FieldPanel("selection_date"),
                            FieldPanel("investigations_start"),
                        ]
                    ),
                ],
                heading=_("Calendrier"),
            ),
            FieldPanel("body"),
            FieldPanel("eligibility"),
            FieldRowPanel(
                [FieldPanel("target_preselected"), FieldPanel("target_laureates")]
            ),
            FieldPanel("retention_months", permission=PROGRAMME_TEAM_PERMISSION),
            ProgrammeTeamInlinePanel(
                "criteria",
                heading=_("Critères de sélection"),
                label=_("Critère"),
                min_num=1,
                help_text=_(
                    "Affichés sur la page publique et repris dans la grille du jury."
                ),
            ),
        ]
    )
    search_fields = (
        Page.search_fields
        + IntroductionMixin.search_fields
        + [
            index.SearchField("eligibility"),
            index.FilterField("opens_at"),
            index.FilterField("closes_at"),
        ]
    )
    api_fields = [
        APIField("introduction"),
        APIField("body"),
        APIField("opens_at"),
        APIField("closes_at"),
        APIField("preselection_date"),
        APIField("selection_date"),
        APIField("investigations_start"),
        APIField("eligibility"),
        APIField("target_preselected"),
        APIField("target_laureates"),
        APIField("criteria"),
        APIField(
            "status",
            serializer=serializers.ChoiceField(
                choices=CallStatus.choices, read_only=True
            ),
        ),
    ]

    class Meta:
        verbose_name = _("appel à candidatures")
        verbose_name_plural = _("appels à candidatures")

    def save(self, *args, **kwargs):
        """Refuse to publish criteria that differ from frozen ones, before anything is written.

        The admin's form says so first; this catches a draft published later
        (scheduled, or from the revisions list), which Wagtail does not wrap
        in a transaction: checked here, the page is not half-published.
        """
        update_fields = kwargs.get("update_fields")
        if self.pk and (update_fields is None or "criteria" in update_fields):
            message = criteria_lock(self)
            if message and self._criteria_differ_from_stored():
                raise Refused(message)
        super().save(*args, **kwargs)

    def _criteria_differ_from_stored(self):
        stored = {c.pk: c for c in SelectionCriterion.objects.filter(page_id=self.pk)}
        current = list(self.criteria.all())  # in memory when read from a revision
        if {c.pk for c in current} != set(stored):
            return True
        return any(
            _criterion_differs(
                stored[c.pk], {name: getattr(c, name) for name in CRITERION_FIELDS}
            )
            for c in current
        )

    def clean(self):
        super().clean()
        errors = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("La clôture doit être postérieure à l'ouverture.")
        closes_on = self.closes_at and timezone.localdate(self.closes_at)
        ordered = [
            ("preselection_date", self.preselection_date),
            ("selection_date", self.selection_date),
            ("investigations_start", self.investigations_start),
        ]
        previous_label, previous = _("la clôture"), closes_on
        labels = {
            "preselection_date": _("la pré-sélection"),
            "selection_date": _("la sélection"),
            "investigations_start": _("le lancement des investigations"),
        }
        for name, value in ordered:
            if value is None:
                continue
            if previous is not None and value < previous:
                errors[name] = _("Cette date ne peut pas précéder %(previous)s.") % {
                    "previous": previous_label
                }
            previous_label, previous = labels[name], value
        if errors:
            raise ValidationError(errors)

    @property
    def closing_limit(self):
        """The last second at which a submission counts.

        Closing times are inclusive to the precision they were entered with: the
        admin takes minutes, so "23:59" accepts until 23:59:59; a time given to
        the second (the API, the demo) accepts until that second.
        """
        limit = self.closes_at.replace(microsecond=0)
        if limit.second == 0:
            limit += dt.timedelta(seconds=59)
        return limit

    def status_at(self, moment):
        """Upcoming before the opening second, closed after the closing limit."""
        moment = moment.replace(microsecond=0)
        if moment < self.opens_at.replace(microsecond=0):
            return CallStatus.UPCOMING
        if moment > self.closing_limit:
            return CallStatus.CLOSED
        return CallStatus.OPEN

    @property
    def status(self):
        return self.status_at(timezone.now())

    @property
    def is_open(self):
        return self.status == CallStatus.OPEN

    @cached_property
    def site_identity(self):
        """The identity and vocabulary of the site this call is published on."""
        return SiteIdentity.for_site_or_defaults(self.get_site())

    @property
    def key_dates(self):
        """The call's calendar, in order, for the timeline and the API."""
        dates = [
            (
                timezone.localtime(self.opens_at),
                timezone.localtime(self.closes_at),
                _("Dépôt des %(terms)s")
                % {"terms": self.site_identity.term_candidatures},
            ),
            (
                self.preselection_date,
                None,
                _("Pré-sélection par un jury pluridisciplinaire"),
            ),
            (self.selection_date, None, _("Sélection des lauréats par le comité")),
            (self.investigations_start, None, _("Lancement des investigations")),
        ]
        return [
            {"date": start, "end_date": end, "label": label}
            for start, end, label in dates
            if start is not None
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["criteria"] = self.criteria.all()
        # One query for both kinds of child page (their title and URL are all we show).
        faq_type = ContentType.objects.get_for_model(FaqPage)
        form_type = ContentType.objects.get_for_model(
            apps.get_model("forms", "CandidatureFormPage")
        )
        children = list(
            self.get_children()
            .live()
            .public()
            .filter(content_type__in=[faq_type, form_type])
        )
        context["faq_pages"] = [
            child for child in children if child.content_type_id == faq_type.pk
        ]
        context["form_page"] = next(
            (c for c in children if c.content_type_id == form_type.pk), None
        )
        return context

    def route(self, request, path_components):
        """Hand this call to the form page below it: routing loaded it already."""
        result = super().route(request, path_components)
        page = result[0] if result else None
        if (
            page is not None
            and page.depth == self.depth + 1
            and page.path.startswith(self.path)
        ):
            page.__dict__["call"] = self
        return result


class SelectionCriterion(Orderable):
    """A criterion of a call, written once: shown publicly, scored by the jury."""

    page = ParentalKey(CallPage, on_delete=models.CASCADE, related_name="criteria")
    label = SingleLineCharField(_("critère"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("pondération"),
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0.01)],
        help_text=_("Poids relatif dans la note pondérée (1 par défaut)."),
    )
    scale_min = models.PositiveSmallIntegerField(_("note minimale"), default=0)
    scale_max = models.PositiveSmallIntegerField(
        _("note maximale"), default=5, validators=[MaxValueValidator(100)]
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("description"),
        FieldRowPanel(
            [FieldPanel("weight"), FieldPanel("scale_min"), FieldPanel("scale_max")]
        ),
    ]
    api_fields = [
        APIField("label"),
        APIField("description"),
        APIField("weight"),
        APIField("scale_min"),
        APIField("scale_max"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("critère de sélection")
        verbose_name_plural = _("critères de sélection")

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        """Refuse a change once the call's criteria are frozen, whatever path it takes.

        The admin form says so first; this catches a scheduled publication
        or an old draft published later.
        """
        message = criteria_lock(self.page) if self.page_id else None
        if message:
            stored = SelectionCriterion.objects.filter(pk=self.pk).first()
            values = {name: getattr(self, name) for name in CRITERION_FIELDS}
            if stored is None or _criterion_differs(stored, values):
                raise Refused(message)
        super().save(*args, **kwargs)

    @property
    def display(self):
        """« Ampleur du problème — × 2, de 0 à 5 »: what the jury scores with."""
        return _("%(label)s — × %(weight)s, de %(min)s à %(max)s") % {
            "label": self.label,
            "weight": self.weight_display,
            "min": self.scale_min,
            "max": self.scale_max,
        }

    @property
    def weight_display(self):
        """The weight as a person writes it: « 2 », « 1,5 » (never « 1E+1 »)."""
        text = f"{self.weight:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")

    def clean(self):
        super().clean()
        if (
            self.scale_min is not None
            and self.scale_max is not None
            and self.scale_min >= self.scale_max
        ):
            raise ValidationError(
                {
                    "scale_max": _(
                        "La note maximale doit être supérieure à la note minimale."
                    )
                }
            )


# FAQ -----------------------------------------------------------------------


class FaqPage(IntroductionMixin, Page):  # noqa: DJ008 (Page gives __str__)
    body = StreamField(
        FaqStreamBlock(), verbose_name=_("questions et réponses"), blank=True
    )

    parent_page_types = [
        "cms_pages.CallPage",
        "cms_pages.ProgrammePage",
        "cms_pages.HomePage",
    ]
    subpage_types = []
    max_count = None

    content_panels = (
        Page.content_panels + IntroductionMixin.content_panels + [FieldPanel("body")]
    )
    search_fields = (
        Page.search_fields
        + IntroductionMixin.search_fields
        + [index.SearchField("body")]
    )
    api_fields = [APIField("introduction"), APIField("body")]

    class Meta:
        verbose_name = _("foire aux questions")
        verbose_name_plural = _("foires aux questions")

    @property
    def questions(self):
        for block in self.body:
            if block.block_type == "section":
                yield from block.value["questions"]

    def get_json_ld(self):
        """schema.org FAQPage, for search engines."""
        return {
            "@context": "https://schema.org",
            "@type": "FAQPage",
            "mainEntity": [
                {
                    "@type": "Question",
                    "name": item["question"],
                    "acceptedAnswer": {"@type": "Answer", "text": str(item["answer"])},
                }
                for item in self.questions
            ],
        }


# News ----------------------------------------------------------------------


class NewsIndexPage(IntroductionMixin, Page):  # noqa: DJ008 (Page gives __str__)
    parent_page_types = ["cms_pages.HomePage"]
    subpage_types = ["cms_pages.NewsArticlePage"]
    max_count = None
    max_count_per_parent = 1

    content_panels = Page.content_panels + IntroductionMixin.content_panels
    search_fields = Page.search_fields + IntroductionMixin.search_fields
    api_fields = [APIField("introduction")]

    articles_per_page = 10

    class Meta:
        verbose_name = _("liste des actualités")
        verbose_name_plural = _("listes des actualités")

    def get_articles(self, tag=None):
        articles = (
            NewsArticlePage.objects.live()
            .public()
            .child_of(self)
            .order_by("-date", "-pk")
        )
        if tag:
            articles = articles.filter(tags__slug=tag)
        return articles.prefetch_related("tags")

    def get_context(self, request, *args, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context(request, *args, **kwargs)
        tag = request.GET.get("tag") or None
        paginator = Paginator(self.get_articles(tag), self.articles_per_page)
        context["articles"] = paginator.get_page(request.GET.get("page"))
        context["current_tag"] = tag
        return context


class NewsArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms_pages.NewsArticlePage",
        on_delete=models.CASCADE,
        related_name="tagged_items",
    )


class NewsArticlePage(IntroductionMixin, Page):  # noqa: DJ008 (Page gives __str__)
    date = models.DateField(_("date de publication"), default=dt.date.today)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(NewsStreamBlock(), verbose_name=_("contenu"), blank=True)
    tags = ClusterTaggableManager(
        through=NewsArticleTag, blank=True, verbose_name=_("thèmes")
    )

    parent_page_types = ["cms_pages.NewsIndexPage"]
    subpage_types = []
    max_count = None

    content_panels = (
        Page.content_panels
        + [FieldPanel("date")]
        + IntroductionMixin.content_panels
        + [FieldPanel("image"), FieldPanel("body"), FieldPanel("tags")]
    )
    search_fields = (
        Page.search_fields
        + IntroductionMixin.search_fields
        + [
            index.SearchField("body"),
            index.FilterField("date"),
        ]
    )
    api_fields = [
        APIField("date"),
        APIField("introduction"),
        APIField("body"),
        APIField("tag_names"),
    ]

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")

    @cached_property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags.all()]


@deletion_rule(SelectionCriterion)
def frozen_criterion(criterion):
    return criteria_lock(criterion.page)
