"""A call for applications: its text, its dates, its FAQ (its criteria: ``criteria``)."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, Site
from wagtail.search import index
from wagtail.url_routing import RouteResult

from core.deletion import Refused
from core.pagecache import mark_uncacheable

from ..blocks import (
    RICH_TEXT_FEATURES,
    CallStreamBlock,
    FaqStreamBlock,
)
from ..panels import (
    ProgrammeTeamFieldPanel,
    ProgrammeTeamInlinePanel,
    ProgrammeTeamPageForm,
)
from .base import IntroductionMixin
from .closing import ClosingMixin, closing_limit_of
from .criteria import (
    CRITERION_FIELDS,
    SelectionCriterion,
    _criterion_differs,
    criteria_lock,
)
from .identity import SiteIdentity

# Call ----------------------------------------------------------------------

# The history entry of a scheduled publication refused for that reason.
PUBLICATION_REFUSED = "amorce.publication.refused"
# The public list of a call's laureates, which the apps that know them fill
# (functions of a call giving [{"title", "administration", "pitch"}], or None
# while the team has not published it). Served at « laureats/ » under the call.
LAUREATE_LISTS = []
LAUREATES_PATH = "laureats"


class CallPageForm(ProgrammeTeamPageForm):
    programme_team_formsets = ("criteria",)
    programme_team_fields = ("retention_months", "first_answer_target_days")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Frozen criteria are shown, not offered for editing: the rest of the
        # page publishes at once, and nobody types a change to be refused.
        self.read_only_reasons = {}
        message = criteria_lock(self.instance) if self.instance.pk else None
        if message and self.formsets.pop("criteria", None) is not None:
            self.read_only_reasons["criteria"] = message

    def clean(self):
        cleaned_data = super().clean()
        if "closes_at" in cleaned_data:
            message = self.instance.closing_refusal(cleaned_data["closes_at"])
            if message:
                self.add_error("closes_at", message)
        return cleaned_data


class CallStatus(models.TextChoices):
    UPCOMING = "upcoming", _("À venir")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clos")


class CallPage(ClosingMixin, IntroductionMixin, Page):  # noqa: DJ008 (Page gives __str__)
    """A call for applications: its text, its dates, its criteria."""

    body = StreamField(CallStreamBlock(), verbose_name=_("contenu"), blank=True)
    opens_at = models.DateTimeField(
        _("ouverture des candidatures"), help_text=_("Date et heure, heure de Paris.")
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
    first_answer_target_days = models.PositiveSmallIntegerField(
        _("délai visé pour une première réponse (jours ouvrés)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(250)],
        help_text=_(
            "Par exemple 10. Le tableau de bord signale les candidatures encore "
            "« Reçues » qui attendent depuis plus longtemps (du lundi au vendredi, "
            "jours fériés nationaux exclus). Vide : pas de délai visé."
        ),
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
    page_cache = True  # kept whole for visitors with no session (core.pagecache)
    base_form_class = CallPageForm
    exclude_fields_in_copy = ["initial_closes_at"]  # a copy was never extended

    content_panels = (
        Page.content_panels
        + IntroductionMixin.content_panels
        + [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                    FieldPanel("rolling"),
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
            ProgrammeTeamFieldPanel("first_answer_target_days"),
            ProgrammeTeamFieldPanel("retention_months"),
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
        APIField("rolling"),
        APIField("initial_closes_at"),
        APIField(
            "extended",
            serializer=serializers.BooleanField(read_only=True),
        ),
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
        APIField(
            "laureates",
            serializer=serializers.ListField(
                child=serializers.DictField(child=serializers.CharField()),
                read_only=True,
                allow_null=True,
            ),
        ),
    ]

    class Meta:
        verbose_name = _("appel à candidatures")
        verbose_name_plural = _("appels à candidatures")

    def publication_refusal(self, revision):
        """Why ``revision`` may not be published (it changes frozen criteria), or None."""
        message = criteria_lock(self)
        if message and revision.as_object()._criteria_differ_from_stored():
            return message
        return None

    def publish(self, revision, *args, **kwargs):
        """Refuse to publish frozen criteria changed, before Wagtail writes anything.

        The admin's form says so first; this catches a draft published later
        (from the revisions list, a bulk action, the API), which Wagtail does
        not wrap in a transaction: refused here, the page is not half-published
        and its schedule stays. ``publish_scheduled`` asks first (ours, in
        cms_pages/management/commands).
        """
        if message := self.publication_refusal(revision):
            raise Refused(message)
        return super().publish(revision, *args, **kwargs)

    def save(self, *args, **kwargs):
        """The same refusal for a save that would change frozen criteria in place.

        And the original closing date kept when a published call's closing is
        moved later (or removed, for a call « au fil de l'eau »), whatever path
        the change takes: the public page says the deadline was extended.
        """
        update_fields = kwargs.get("update_fields")
        if self.pk and (update_fields is None or "criteria" in update_fields):
            message = criteria_lock(self)
            if message and self._criteria_differ_from_stored():
                raise Refused(message)
        if self.pk and (update_fields is None or "closes_at" in update_fields):
            self._keep_initial_closing()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "initial_closes_at"}
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
        if self.closes_at is None and not self.rolling:
            errors["closes_at"] = _(
                "Indiquez la date de clôture, ou cochez « appel au fil de l'eau » "
                "pour un appel ouvert sans date limite."
            )
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

    def status_at(self, moment):
        """Upcoming before the opening second, closed after the closing limit.

        A call with no closing date (« au fil de l'eau ») stays open once opened.
        """
        moment = moment.replace(microsecond=0)
        if moment < self.opens_at.replace(microsecond=0):
            return CallStatus.UPCOMING
        limit = self.closing_limit
        if limit is not None and moment > limit:
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

    def site_identity_for(self, request):
        """``site_identity``, read through the request when the call is on its site.

        Routing found the request's site already, and its settings are kept on
        the request: the page then reads the same identity without reading the
        site's root paths, the site and its identity a second time.
        """
        if "site_identity" not in self.__dict__:
            site = Site.find_for_request(request)
            url_parts = self.get_url_parts(request)
            if site is not None and url_parts and url_parts[0] == site.pk:
                self.site_identity = SiteIdentity.for_request(request)
                self._request_site = site
        return self.site_identity

    def get_site(self):
        """Wagtail's, or the request's site once ``site_identity_for`` found the call on it.

        A submission's webhook and emails then name the site without reading the
        site's root paths and the site again.
        """
        site = self.__dict__.get("_request_site")
        return site if site is not None else super().get_site()

    @property
    def key_dates(self):
        """The call's calendar, in order, for the timeline and the API."""
        terms = {"terms": self.site_identity.term_candidatures}
        if self.closes_at:
            closes = timezone.localtime(self.closes_at)
            deposit = _("Dépôt des %(terms)s") % terms
        else:  # « au fil de l'eau »: open until the team sets a closing date
            closes = None
            deposit = _("Ouverture du dépôt des %(terms)s, au fil de l'eau") % terms
        dates = [
            (timezone.localtime(self.opens_at), closes, deposit),
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
        # One query for both kinds of child page (their title and URL are all we
        # show): a call holds FAQ pages and its form page (``subpage_types``).
        faq_type = ContentType.objects.get_for_model(FaqPage)
        children = list(self.get_children().live().public())
        context["faq_pages"] = [
            child for child in children if child.content_type_id == faq_type.pk
        ]
        context["form_page"] = next(
            (c for c in children if c.content_type_id != faq_type.pk), None
        )
        return context

    @cached_property
    def laureates(self):
        """The laureates the team published (title, administration, pitch), or None."""
        for listing in LAUREATE_LISTS:
            laureates = listing(self)
            if laureates is not None:
                return laureates
        return None

    def serve(self, request, *args, **kwargs):
        if kwargs.pop("laureates_page", False):
            # Read from the investigations the team edits at any time.
            mark_uncacheable(request)
            if self.laureates is None:
                raise Http404
            return TemplateResponse(
                request,
                "cms_pages/call_laureates.html",
                {"page": self, "self": self, "laureates": self.laureates},
            )
        return super().serve(request, *args, **kwargs)

    def _child_page(self, slug):
        """The child page at ``slug``, specific: one query for the types a call takes.

        Wagtail reads the page, then its specific row; a call's form and FAQ
        come joined to the page instead. Another type (none, the admin allows
        only these) is read as Wagtail does.
        """
        direct = {
            model: model._meta.model_name
            for model in self.allowed_subpage_models()
            if list(model._meta.parents) == [Page]
        }
        page = (
            self.get_children()
            .select_related(*direct.values())
            .filter(slug=slug)
            .first()
        )
        if page is None:
            raise Http404
        name = direct.get(page.specific_class)
        return getattr(page, name) if name else page.specific

    def route(self, request, path_components):
        """Hand this call to the form page below it: routing loaded it already.

        « laureats/ » under a live call is its public list of laureates (when
        published, else 404), unless a child page took that address.
        """
        if (
            list(path_components) == [LAUREATES_PATH]
            and self.live
            and not self.get_children().filter(slug=LAUREATES_PATH).exists()
        ):
            return RouteResult(self, kwargs={"laureates_page": True})
        if path_components:  # Wagtail's routing, the child read with its specific row
            child = self._child_page(path_components[0])
            child._cached_parent_obj = self
            result = child.route(request, path_components[1:])
        else:
            result = super().route(request, path_components)
        page = result[0] if result else None
        if (
            page is not None
            and page.depth == self.depth + 1
            and page.path.startswith(self.path)
        ):
            page.__dict__["call"] = self
        return result


def next_call_transition(moment):
    """The first second after ``moment`` at which a live call opens or closes, or None.

    Every public page that shows a call's state (« Ouvert », « Clos ») may
    change then by itself: the page cache keeps nothing past it. All sites'
    calls count: a page never shows another site's, so this is only earlier.
    """
    calls = CallPage.objects.live().filter(
        Q(opens_at__gt=moment - dt.timedelta(seconds=1))
        | Q(closes_at__gte=moment - dt.timedelta(seconds=60))
    )
    moments = []
    for opens_at, closes_at in calls.values_list("opens_at", "closes_at"):
        moments.append(opens_at.replace(microsecond=0))  # first second open
        limit = closing_limit_of(closes_at)
        if limit is not None:
            moments.append(limit + dt.timedelta(seconds=1))  # first second closed
    return min((m for m in moments if m > moment), default=None)


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
    page_cache = True  # kept whole for visitors with no session (core.pagecache)

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
