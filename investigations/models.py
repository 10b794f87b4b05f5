"""Investigations: what follows a laureate, from the first week to the outcome and after."""

import datetime as dt
import secrets

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms_pages.choices import PhaseCode
from cms_pages.models import (
    OnOneSiteByDefault,
    ProgrammePage,
    SiteIdentity,
    beta_gouv_id_validator,
    only_site,
)
from core.stamps import stamped
from core.text import SingleLineCharField


class Organisation(OnOneSiteByDefault, models.Model):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministère")
        CENTRAL = "central", _("Administration centrale")
        DECONCENTRATED = "deconcentrated", _("Service déconcentré")
        REGION = "region", _("Région")
        DEPARTMENT = "department", _("Département")
        EPCI = "epci", _("Intercommunalité (EPCI)")
        CITY = "city", _("Commune")
        OPERATOR = "operator", _("Opérateur public")
        OTHER = "other", _("Autre")

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("L'incubateur dont c'est le répertoire."),
    )
    name = SingleLineCharField(_("nom"), max_length=200)
    kind = models.CharField(
        _("nature"), max_length=20, choices=Kind.choices, default=Kind.OTHER
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("rattachée à"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    beta_gouv_id = SingleLineCharField(
        _("identifiant beta.gouv.fr"),
        max_length=100,
        blank=True,
        validators=[beta_gouv_id_validator],
        help_text=_(
            "Pour exporter les fiches beta.gouv.fr des investigations de cette "
            "administration : le nom de son fichier dans content/_organisations du "
            "dépôt betagouv/beta.gouv.fr, sans « .md » (par exemple « dinum », "
            "« anct », « ademe ») ; la liste est aussi sur "
            "https://beta.gouv.fr/api/v2.6/organisations.json. Vide : l'export "
            "des fiches de ses investigations est refusé."
        ),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("parent"),
        FieldPanel("beta_gouv_id"),
        FieldPanel("site"),
    ]

    class Meta:
        verbose_name = _("administration")
        verbose_name_plural = _("administrations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "name"],
                name="one_organisation_name_per_site",
                violation_error_message=_(
                    "Une administration porte déjà ce nom dans ce répertoire."
                ),
            )
        ]

    def __str__(self):
        return self.name


class Funder(OnOneSiteByDefault, models.Model):
    """Who pays for an investigation (« financeur »), per site.

    Each site lists its own funders and, for each, the kinds of administration
    it funds by default: an investigation is then proposed the funder of its
    administrations' kind, and the team may change it.
    """

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("L'incubateur dont c'est le financeur."),
    )
    name = SingleLineCharField(_("nom"), max_length=200)
    kinds = models.JSONField(
        _("finance par défaut les administrations de nature"),
        default=list,
        blank=True,
        help_text=_(
            "Une investigation dont l'administration est de l'une de ces natures "
            "se voit proposer ce financeur. Chaque nature n'a qu'un financeur "
            "par défaut."
        ),
    )

    panels = [FieldPanel("name"), FieldPanel("kinds"), FieldPanel("site")]

    class Meta:
        verbose_name = _("financeur")
        verbose_name_plural = _("financeurs")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "name"],
                name="one_funder_name_per_site",
                violation_error_message=_(
                    "Un financeur porte déjà ce nom sur ce site."
                ),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def kinds_display(self):
        labels = dict(Organisation.Kind.choices)
        return ", ".join(str(labels.get(kind, kind)) for kind in self.kinds)


def proposed_funder(site_id, kinds):
    """The funder of ``site_id`` for administrations of ``kinds``, if one only answers.

    Administrations of kinds funded by two different funders (an investigation
    across a State service and a region) get no proposal: the team chooses.
    """
    kinds = set(kinds)
    if site_id is None or not kinds:
        return None
    funders = [
        funder
        for funder in Funder.objects.filter(site_id=site_id)
        if kinds.intersection(funder.kinds)
    ]
    return funders[0] if len(funders) == 1 else None


class Outcome(models.TextChoices):
    STOP = "stop", _("Arrêt")
    CONTINUE_IN_HOUSE = (
        "continue_in_house",
        _("Poursuite de l'expérimentation en interne"),
    )
    DEPLOY_EXISTING = (
        "deploy_existing_solution",
        _("Déploiement d'une solution existante"),
    )
    BUILD_SERVICE = "build_service", _("Construction d'un service numérique")


class Decision(models.TextChoices):
    CONTINUE = "continue", _("Continuer")
    STOP = "stop", _("Arrêter")
    PIVOT = "pivot", _("Pivoter")


DOCUMENT_TAGS = [
    ("user_research", _("recherche utilisateur")),
    ("benchmark", _("benchmark")),
    ("impact", _("impact")),
    ("roadmap", _("feuille de route")),
    ("budget", _("budget")),
]

# Target time in a phase, in days, for the dashboard (other phases: until the
# next investment committee, an interval of the programme page after they start).
PHASE_TARGET_DAYS = {PhaseCode.INVESTIGATION: 63}


def committee_due(
    *,
    last_committee_on,
    phase_code,
    phase_starts_on,
    final_committee_on,
    planned_end,
    months,
    next_committee_on=None,
):
    """When an investigation's next committee is due: the one rule, for a row or a list.

    During the investigation phase, at the final committee (else the planned
    end). After it, the investment committee planned (``next_committee_on``,
    set by each decision and editable); without one (a record older than the
    planning), ``months`` after the last committee (the interval of the site's
    programme page), else ``months`` after the phase started.
    """
    if phase_code != PhaseCode.INVESTIGATION and next_committee_on:
        return next_committee_on
    if last_committee_on:
        return last_committee_on + relativedelta(months=months)
    if phase_code == PhaseCode.INVESTIGATION:
        return final_committee_on or planned_end
    if phase_starts_on:
        return phase_starts_on + relativedelta(months=months)
    return None


def default_length(site=None):
    """The length an investigation is planned for: its site's, else the instance's."""

    return dt.timedelta(
        weeks=SiteIdentity.for_site_or_defaults(site).investigation_weeks
    )


class InvestigationQuerySet(models.QuerySet):
    def published(self):
        return self.filter(publish_learnings=True).exclude(learnings="")

    def for_site(self, site):
        return self.filter(site=site) if site is not None else self.none()


class Investigation(index.Indexed, ClusterableModel):
    title = SingleLineCharField(_("intitulé"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True, blank=True)
    candidature = models.OneToOneField(
        "forms.Candidature",
        verbose_name=_("candidature lauréate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="investigation",
    )
    call = models.ForeignKey(
        "cms_pages.CallPage",
        verbose_name=_("appel"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="investigations",
    )
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("L'incubateur qui la mène ; celui de l'appel, s'il y en a un."),
    )
    problem_statement = models.TextField(_("le problème"))
    contact_name = SingleLineCharField(
        _("porteur ou porteuse"), max_length=200, blank=True
    )
    contact_email = models.EmailField(_("adresse du porteur"), blank=True)
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("administrations"), blank=True
    )
    coach = SingleLineCharField(_("coach"), max_length=200, blank=True)
    designer = SingleLineCharField(_("designer"), max_length=200, blank=True)
    referent = SingleLineCharField(
        _("référent de l'administration"), max_length=200, blank=True
    )
    sponsor = SingleLineCharField(_("sponsor"), max_length=200, blank=True)
    funder = models.ForeignKey(
        Funder,
        verbose_name=_("financeur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="investigations",
        help_text=_(
            "Laissé vide, il est proposé à l'enregistrement d'après la nature "
            "des administrations (voir « Financeurs »). Vous pouvez le changer."
        ),
    )
    starts_on = models.DateField(_("début"), default=timezone.localdate)
    planned_end = models.DateField(_("fin prévue"), null=True, blank=True)
    final_committee_on = models.DateField(_("comité final"), null=True, blank=True)
    next_committee_on = models.DateField(
        _("prochain comité d'investissement"),
        null=True,
        blank=True,
        help_text=_(
            "Prévu à l'ouverture (après le comité final, selon la fréquence de la "
            "page programme), puis après chaque comité. Modifiable."
        ),
    )
    pitch = SingleLineCharField(
        _("en une phrase"),
        max_length=200,
        blank=True,
        help_text=_(
            "Publique si la liste des lauréats de l'appel est publiée : le projet en "
            "une ligne, sans nom de personne."
        ),
    )
    outcome = models.CharField(
        _("issue"), max_length=30, choices=Outcome.choices, blank=True
    )
    outcome_rationale = models.TextField(_("pourquoi cette issue"), blank=True)
    recommendations = models.TextField(_("recommandations"), blank=True)
    conditions_of_success = models.TextField(_("conditions de réussite"), blank=True)
    means_budget = SingleLineCharField(_("moyens : budget"), max_length=200, blank=True)
    means_skills = models.TextField(_("moyens : compétences"), blank=True)
    learnings = models.TextField(_("enseignements"), blank=True)
    publish_learnings = models.BooleanField(
        _("publier les enseignements"),
        default=False,
        help_text=_("Sur le site public et dans l'API."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    # Its own fields and its rows (phases, checkpoints, team, committees,
    # administrations): every write to them moves it (``investigations.sync``),
    # for the staff API's incremental sync.
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    # Kept by the database from its phases and committees: whatever Django or
    # anyone writes there is replaced (``investigations/phase_triggers.py``).
    # The follow-up's totals read them from an index.
    current_phase_code = models.CharField(  # noqa: DJ001 - NULL: no phase
        _("phase courante"), max_length=30, null=True, editable=False
    )
    current_phase_starts_on = models.DateField(
        _("début de la phase courante"), null=True, editable=False
    )
    last_committee_on = models.DateField(_("dernier comité"), null=True, editable=False)

    objects = InvestigationQuerySet.as_manager()

    panels = [
        FieldPanel("title"),
        FieldPanel("pitch"),
        FieldPanel("problem_statement"),
        MultiFieldPanel(
            [
                FieldPanel("candidature"),
                FieldPanel("call"),
                FieldPanel("site"),
                FieldPanel("contact_name"),
                FieldPanel("contact_email"),
                FieldPanel("organisations"),
                FieldPanel("funder"),
            ],
            heading=_("Origine"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("coach"), FieldPanel("designer")]),
                FieldRowPanel([FieldPanel("referent"), FieldPanel("sponsor")]),
                InlinePanel("members", label=_("Membre de l'équipe")),
            ],
            heading=_("Équipe"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("starts_on"),
                        FieldPanel("planned_end"),
                        FieldPanel("final_committee_on"),
                        FieldPanel("next_committee_on"),
                    ]
                ),
                InlinePanel("checkpoints", label=_("Point d'étape")),
            ],
            heading=_("Calendrier"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("outcome"),
                FieldPanel("outcome_rationale"),
                FieldPanel("recommendations"),
                FieldPanel("conditions_of_success"),
                FieldRowPanel([FieldPanel("means_budget"), FieldPanel("means_skills")]),
            ],
            heading=_("Issue"),
        ),
        InlinePanel(
            "phases",
            heading=_("Phases"),
            label=_("Phase"),
            help_text=_(
                "Pour corriger une date seulement. Une phase s'ouvre en enregistrant la "
                "décision du comité final ou d'un comité d'investissement, depuis la "
                "fiche de l'investigation."
            ),
        ),
        InlinePanel(
            "committee_events",
            heading=_("Comités d'investissement"),
            label=_("Comité"),
            help_text=_(
                "Pour corriger une date ou un commentaire seulement. Un comité "
                "s'enregistre depuis la fiche de l'investigation."
            ),
        ),
        MultiFieldPanel(
            [FieldPanel("learnings"), FieldPanel("publish_learnings")],
            heading=_("Enseignements"),
        ),
    ]
    search_fields = [
        index.SearchField("title"),
        index.SearchField("problem_statement"),
        index.SearchField("learnings"),
        index.AutocompleteField("title"),
        index.FilterField("site"),  # a team searches only its own site
    ]

    class Meta:
        verbose_name = _("investigation")
        verbose_name_plural = _("investigations")
        ordering = ["-starts_on", "-pk"]
        indexes = [
            # The staff API's sync order and cursor (updated_at, then id).
            models.Index(fields=["updated_at", "id"], name="investigation_sync"),
            # The follow-up dashboard's table, by title: a page read from the
            # index, not all the investigations sorted for its 100 rows.
            models.Index(fields=["title", "id"], name="investigation_by_title"),
            # The list's order, newest first: its page read from the index.
            models.Index(
                fields=["site", "-starts_on", "-id"], name="investigation_newest"
            ),
            # The follow-up's totals by current phase, and its soonest
            # committee: grouped or found from the index alone.
            models.Index(
                fields=["site", "current_phase_code", "current_phase_starts_on"],
                name="investigation_phase_now",
            ),
            models.Index(
                fields=["site", "last_committee_on", "title"],
                name="investigation_last_committee",
            ),
            models.Index(
                fields=["site", "next_committee_on", "title"],
                name="investigation_next_committee",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            base = slugify(self.title)[:70] or "investigation"
            slug, counter = base, 2
            while Investigation.objects.filter(slug=slug).exclude(pk=self.pk).exists():
                slug, counter = f"{base}-{counter}", counter + 1
            self.slug = slug
        if self.call_id:
            self.site = self.call.get_site()
        elif self.site_id is None:  # an instance of one site: that one
            self.site = only_site()
        if self.planned_end is None and self.starts_on:
            self.planned_end = self.starts_on + default_length(self.site)
        super().save(*args, **stamped(kwargs))

    def propose_funder(self):
        """Give it the funder its administrations' kind calls for, if it has none.

        Returns whether one was given. Called once the administrations are saved.
        """
        if self.funder_id is not None or self.pk is None:
            return False
        kinds = self.organisations.values_list("kind", flat=True)
        funder = proposed_funder(self.site_id, kinds)
        if funder is None:
            return False
        self.funder = funder
        Investigation.objects.filter(pk=self.pk, funder=None).update(
            funder=funder, updated_at=timezone.now()
        )
        return True

    @property
    def current_phase(self):
        phases = chronological(self.phases.all())
        return phases[-1] if phases else None

    def days_in_phase(self, today=None):
        """Days spent in the current phase; ``None`` before it starts (not a negative count)."""
        phase = self.current_phase
        if phase is None:
            return None
        today = today or timezone.localdate()
        if phase.starts_on > today:
            return None
        end = phase.ends_on or today
        return (end - phase.starts_on).days

    @cached_property
    def committee_months(self):
        """Months between two committees, from the programme page of its site."""
        return ProgrammePage.committee_interval_for(self.site)

    def target_days(self):
        phase = self.current_phase
        if phase is None:
            return None
        if phase.code in PHASE_TARGET_DAYS:
            return PHASE_TARGET_DAYS[phase.code]
        return (
            phase.starts_on
            + relativedelta(months=self.committee_months)
            - phase.starts_on
        ).days

    def next_committee_due(self):
        events = sorted(self.committee_events.all(), key=lambda e: e.date)
        phase = self.current_phase
        return committee_due(
            last_committee_on=events[-1].date if events else None,
            phase_code=phase.code if phase else None,
            phase_starts_on=phase.starts_on if phase else None,
            final_committee_on=self.final_committee_on,
            planned_end=self.planned_end,
            months=self.committee_months,
            next_committee_on=self.next_committee_on,
        )


class TeamMember(Orderable):
    investigation = ParentalKey(
        Investigation, on_delete=models.CASCADE, related_name="members"
    )
    name = SingleLineCharField(_("nom"), max_length=200)
    role = SingleLineCharField(_("rôle"), max_length=120, blank=True)
    organisation = SingleLineCharField(_("administration"), max_length=200, blank=True)
    days_per_week = models.DecimalField(
        _("jours par semaine"), max_digits=3, decimal_places=1, null=True, blank=True
    )

    panels = [
        FieldRowPanel(
            [
                FieldPanel("name"),
                FieldPanel("role"),
                FieldPanel("organisation"),
                FieldPanel("days_per_week"),
            ]
        )
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("membre de l'équipe")

    def __str__(self):
        return self.name


class Checkpoint(Orderable):
    investigation = ParentalKey(
        Investigation, on_delete=models.CASCADE, related_name="checkpoints"
    )
    date = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True)

    panels = [FieldPanel("date"), FieldPanel("notes")]

    class Meta(Orderable.Meta):
        verbose_name = _("point d'étape")

    def __str__(self):
        return str(self.date)


# The order phases follow one another, the current one last: by start, then
# sort order (a phase without one before those with one), then creation. The
# database keeps each investigation's current phase in this order
# (``phase_triggers``); every list of phases and every « current phase » uses
# it, so that the follow-up, the page, the API and the webhooks agree.
LATEST_PHASE_FIRST = (
    models.F("starts_on").desc(),
    models.F("sort_order").desc(nulls_last=True),
    models.F("pk").desc(),
)


def chronological(phases):
    """``phases`` in the order they follow one another, the current one last."""
    return sorted(
        phases,
        key=lambda phase: (
            phase.starts_on,
            phase.sort_order is not None,
            phase.sort_order or 0,
            phase.pk or 0,
        ),
    )


class Phase(Orderable):
    investigation = ParentalKey(
        Investigation, on_delete=models.CASCADE, related_name="phases"
    )
    code = models.CharField(_("phase"), max_length=30, choices=PhaseCode.choices)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"), null=True, blank=True)

    panels = [
        FieldRowPanel(
            [FieldPanel("code"), FieldPanel("starts_on"), FieldPanel("ends_on")]
        )
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("phase")
        indexes = [
            # An investigation's current phase (the one that started last), read
            # for every row of the lists: one index step, not a sort per row.
            models.Index(
                fields=["investigation", "-starts_on", "-sort_order", "-id"],
                name="phase_latest_first",
            )
        ]

    def __str__(self):
        return self.get_code_display()

    def clean(self):
        super().clean()
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {"ends_on": _("Une phase ne peut pas finir avant d'avoir commencé.")}
            )


class CommitteeEvent(Orderable):
    investigation = ParentalKey(
        Investigation, on_delete=models.CASCADE, related_name="committee_events"
    )
    date = models.DateField(_("date"))
    decision = models.CharField(_("décision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("commentaire"), blank=True)
    documents = SingleLineCharField(
        _("documents présentés"),
        max_length=200,
        blank=True,
        help_text=_(
            "Parmi : user_research, benchmark, impact, roadmap, budget (séparés par des virgules)."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("date"), FieldPanel("decision")]),
        FieldPanel("comment"),
        FieldPanel("documents"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("comité d'investissement")
        indexes = [
            # An investigation's last committee, read for every row of the
            # dashboard: one index step, and the « last committees » grouped
            # from the index alone.
            models.Index(
                fields=["investigation", "-date"], name="committee_latest_first"
            )
        ]

    def __str__(self):
        return f"{self.date} — {self.get_decision_display()}"

    @property
    def document_tags(self):
        known = dict(DOCUMENT_TAGS)
        return [
            tag.strip() for tag in self.documents.split(",") if tag.strip() in known
        ]


def new_calendar_key():
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's private calendar address: whoever has the key reads the dates.

    Regenerating the key voids the old address (``services.renew_calendar_key``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    key = models.CharField(
        _("clé"), max_length=64, unique=True, default=new_calendar_key, editable=False
    )
    created_at = models.DateTimeField(_("créée le"), auto_now=True)

    class Meta:
        verbose_name = _("agenda privé")
        verbose_name_plural = _("agendas privés")

    def __str__(self):
        return str(self.user)


class LaureateList(models.Model):
    """Whether a call's laureates are listed on the public site, and who said so."""

    call = models.OneToOneField(
        "cms_pages.CallPage",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="laureate_list",
    )
    published = models.BooleanField(_("publiée"), default=False)
    changed_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifiée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("liste des lauréats")
        verbose_name_plural = _("listes des lauréats")

    def __str__(self):
        return str(self.call)


class LearningsIndexPage(Page):
    """The public page of the learnings investigations chose to share."""

    introduction = models.TextField(_("chapô"), blank=True)

    parent_page_types = ["cms_pages.HomePage"]
    subpage_types = []
    max_count = None
    max_count_per_parent = 1

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    search_fields = Page.search_fields
    api_fields = [APIField("introduction")]

    class Meta:
        verbose_name = _("enseignements des investigations")
        verbose_name_plural = _("enseignements des investigations")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["investigations"] = (
            Investigation.objects.published()
            .for_site(self.get_site())
            .prefetch_related("organisations")
            .order_by("-starts_on")
        )
        return context
