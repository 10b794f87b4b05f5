"""The pages around the calls: home, programme, news."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core.text import SingleLineCharField

from ..blocks import (
    RICH_TEXT_FEATURES,
    HomeStreamBlock,
    NewsStreamBlock,
    ProgrammeStreamBlock,
)
from ..choices import DurationUnit, PhaseCode
from .base import IntroductionMixin
from .call import CallPage

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
    page_cache = True  # kept whole for visitors with no session (core.pagecache)

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


DEFAULT_COMMITTEE_MONTHS = 6


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
    page_cache = True  # kept whole for visitors with no session (core.pagecache)

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

    @classmethod
    def committee_interval_for(cls, site):
        """Months between two investment committees on ``site``: its programme page's.

        Six without a programme page (the programme's rhythm, « tous les six mois »).
        """
        programme = (
            cls.objects.descendant_of(site.root_page)
            .only("committee_interval_months")
            .first()
            if site is not None
            else None
        )
        return (
            programme.committee_interval_months
            if programme
            else DEFAULT_COMMITTEE_MONTHS
        )

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


# News ----------------------------------------------------------------------


class NewsIndexPage(IntroductionMixin, Page):  # noqa: DJ008 (Page gives __str__)
    parent_page_types = ["cms_pages.HomePage"]
    subpage_types = ["cms_pages.NewsArticlePage"]
    max_count = None
    max_count_per_parent = 1
    page_cache = True  # kept whole for visitors with no session (core.pagecache)

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
    page_cache = True  # kept whole for visitors with no session (core.pagecache)

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
