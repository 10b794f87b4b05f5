"""Factories for the public pages, shared by the tests and the demo content.

Page factories get or create by slug under their parent, so that building the
same tree twice yields the same pages.
"""

import datetime as dt

import factory
import wagtail_factories
from django.utils import timezone

from . import models


def add_inline_rows(page, relation, rows, make):
    """Give ``page`` these inline rows, in order, unless it has some: building twice adds nothing."""
    if not rows or getattr(page, relation).exists():
        return
    for sort_order, row in enumerate(rows):
        make(page=page, sort_order=sort_order, **row)


def paragraph(html):
    return {"type": "paragraph", "value": html}


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Accueil"
    slug = "accueil"
    introduction = factory.Faker("sentence", locale="fr_FR")

    class Meta:
        model = models.HomePage
        django_get_or_create = ("slug", "parent")
        skip_postgeneration_save = True


class ProgrammePageFactory(wagtail_factories.PageFactory):
    title = "Le programme"
    slug = factory.Sequence(lambda n: f"programme-{n}")
    introduction = factory.Faker("sentence", locale="fr_FR")
    committee_interval_months = 6

    class Meta:
        model = models.ProgrammePage
        django_get_or_create = ("slug", "parent")
        skip_postgeneration_save = True

    @factory.post_generation
    def phases(obj, create, extracted, **kwargs):
        """``phases=[{...}, ...]`` adds these phases if the page has none yet."""
        if create:
            add_inline_rows(
                obj, "phases", extracted, models.ProgrammePhase.objects.create
            )


class SelectionCriterionFactory(factory.django.DjangoModelFactory):
    label = factory.Sequence(lambda n: f"Critère {n}")
    description = factory.Faker("sentence", locale="fr_FR")
    weight = 1
    scale_min = 0
    scale_max = 5

    class Meta:
        model = models.SelectionCriterion


def _opens_at():
    return timezone.now() - dt.timedelta(days=3)


class CallPageFactory(wagtail_factories.PageFactory):
    """A call open now, unless dates are given."""

    title = factory.Sequence(lambda n: f"Appel à candidatures {n}")
    slug = factory.Sequence(lambda n: f"appel-{n}")
    introduction = factory.Faker("sentence", locale="fr_FR")
    opens_at = factory.LazyFunction(_opens_at)
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + dt.timedelta(days=12))
    preselection_date = factory.LazyAttribute(
        lambda o: timezone.localdate(o.closes_at) + dt.timedelta(days=4)
    )
    selection_date = factory.LazyAttribute(
        lambda o: o.preselection_date + dt.timedelta(days=3)
    )
    investigations_start = factory.LazyAttribute(
        lambda o: o.selection_date + dt.timedelta(days=45)
    )
    target_preselected = 15
    target_laureates = 10

    class Meta:
        model = models.CallPage
        django_get_or_create = ("slug", "parent")
        skip_postgeneration_save = True

    @factory.post_generation
    def criteria(obj, create, extracted, **kwargs):
        """``criteria=[{...}, ...]`` or ``criteria=3`` adds criteria if it has none yet."""
        if isinstance(extracted, int):
            extracted = [{} for _ in range(extracted)]
        if create:
            add_inline_rows(obj, "criteria", extracted, SelectionCriterionFactory)


class FaqPageFactory(wagtail_factories.PageFactory):
    title = "Foire aux questions"
    slug = factory.Sequence(lambda n: f"faq-{n}")
    introduction = factory.Faker("sentence", locale="fr_FR")

    class Meta:
        model = models.FaqPage
        django_get_or_create = ("slug", "parent")
        skip_postgeneration_save = True

    @classmethod
    def body_from_sections(cls, sections):
        """``[(title, [(question, answer_html), ...]), ...]`` as StreamField data."""
        return [
            {
                "type": "section",
                "value": {
                    "title": title,
                    "questions": [
                        {"question": question, "answer": answer}
                        for question, answer in questions
                    ],
                },
            }
            for title, questions in sections
        ]


class NewsIndexPageFactory(wagtail_factories.PageFactory):
    title = "Actualités"
    slug = "actualites"

    class Meta:
        model = models.NewsIndexPage
        django_get_or_create = ("slug", "parent")
        skip_postgeneration_save = True


class NewsArticlePageFactory(wagtail_factories.PageFactory):
    title = factory.Faker("sentence", locale="fr_FR", nb_words=6)
    slug = factory.Sequence(lambda n: f"actualite-{n}")
    date = factory.LazyFunction(timezone.localdate)
    introduction = factory.Faker("sentence", locale="fr_FR")
    body = factory.LazyFunction(lambda: [paragraph("<p>Texte de l'actualité.</p>")])

    class Meta:
        model = models.NewsArticlePage
        django_get_or_create = ("slug", "parent")
        skip_postgeneration_save = True

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted and not obj.tags.exists():
            obj.tags.add(*extracted)
            obj.save()
