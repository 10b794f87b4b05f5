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
    call = CallPage.objects.get()
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
    assert Page.objects.filter(depth=2).count() == 1, (
        "Wagtail's welcome page is left behind"
    )


def test_reset_rebuilds_the_demo(client):
    call_command("load_demo_content", stdout=StringIO())
    old_call = CallPage.objects.get().pk
    call_command("load_demo_content", "--reset", stdout=StringIO())
    assert CallPage.objects.get().pk != old_call
    assert client.get(CallPage.objects.get().url).status_code == 200
