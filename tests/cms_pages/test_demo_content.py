"""``load_demo_content`` builds a usable site, and running it twice changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Page, Revision, Site

from cms_pages.models import CallPage, FaqPage, NewsArticlePage, SiteIdentity

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "pages": list(
            Page.objects.order_by("path").values_list("path", "title", "live")
        ),
        "revisions": Revision.objects.count(),
        "sites": list(Site.objects.values_list("root_page_id", "is_default_site")),
        "criteria": list(CallPage.objects.values_list("criteria__label", flat=True)),
    }


def test_demo_content_twice_is_idempotent(client):
    call_command("load_demo_content", stdout=StringIO())
    first = snapshot()
    call_command("load_demo_content", stdout=StringIO())
    assert snapshot() == first


def test_demo_content_builds_an_open_call_with_its_faq_and_news(client):
    call_command("load_demo_content", stdout=StringIO())
    site = Site.objects.get(is_default_site=True)
    call = CallPage.objects.descendant_of(site.root_page).get()
    assert call.is_open
    assert [c.label for c in call.criteria.all()] == [
        "Ampleur du problème",
        "Motivation et connaissance du terrain",
        "Idée de solution",
    ]
    faq = FaqPage.objects.child_of(call).get()
    assert len(list(faq.questions)) >= 5
    assert NewsArticlePage.objects.live().count() == 2
    assert site.root_page.specific.__class__.__name__ == "HomePage"
    assert SiteIdentity.for_site(site).contact_email
    for page in (site.root_page, call, faq, *NewsArticlePage.objects.all()):
        assert client.get(page.url).status_code == 200, page.url
    assert Page.objects.filter(depth=2).count() == 2, (
        "two incubators' homes, and not Wagtail's welcome page"
    )


def test_demo_has_a_second_incubator_in_the_neutral_theme(client):
    """A local authority's lab on localhost, its own team and dossiers."""
    from django.contrib.auth.models import User

    from forms.permissions import candidatures_for

    call_command("load_demo_content", stdout=StringIO())
    region = Site.objects.get(is_default_site=False)
    assert region.hostname == "localhost"
    assert SiteIdentity.for_site(region).theme == "neutral"
    page = client.get("/", HTTP_HOST="localhost")
    assert "Laboratoire de la Région Exemple" in page.content.decode()
    assert "République" not in page.content.decode()
    region_team = User.objects.get(username="programme-region")
    ministry_team = User.objects.get(username="programme")
    assert {c.reference[:3] for c in candidatures_for(region_team)} == {"REG"}
    assert {c.reference[:3] for c in candidatures_for(ministry_team)} == {"AMO"}


def test_reset_rebuilds_the_demo(client):
    from django.utils import timezone

    from selection.evaluations import reopen_evaluation
    from selection.models import Evaluation, ReviewRound

    call_command("load_demo_content", stdout=StringIO())
    old_calls = set(CallPage.objects.values_list("pk", flat=True))
    # Someone tried the demo: a juror scored, the team reopened, and scored again.
    review_round = ReviewRound.objects.first()
    juror = review_round.memberships.first().user
    evaluation = Evaluation.objects.create(
        round=review_round,
        candidature=review_round.candidatures.first(),
        member=juror,
        scores={},
        submitted_at=timezone.now(),
    )
    reopen_evaluation(evaluation, user=juror, reason="essai")
    call_command("load_demo_content", "--reset", stdout=StringIO())
    calls = CallPage.objects.all()
    assert len(calls) == 2 and not old_calls & {c.pk for c in calls}
    for call in calls:
        site = call.get_site()
        response = client.get(call.url, HTTP_HOST=site.hostname)
        assert response.status_code == 200
