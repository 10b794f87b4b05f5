"""Which page goes where, and what the editors cannot save."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Page

from cms_pages.models import (
    CallPage,
    FaqPage,
    HomePage,
    NewsArticlePage,
    NewsIndexPage,
    ProgrammePage,
    ProgrammePhase,
    SelectionCriterion,
)
from forms.models import CandidatureFormPage

pytestmark = pytest.mark.django_db


def test_subpage_rules():
    """The tree is home > programme > call > FAQ, and home > news > article."""
    assert set(HomePage.allowed_subpage_models()) == {
        ProgrammePage,
        NewsIndexPage,
        FaqPage,
    }
    assert set(ProgrammePage.allowed_subpage_models()) == {CallPage, FaqPage}
    assert set(CallPage.allowed_subpage_models()) == {FaqPage, CandidatureFormPage}
    assert set(NewsIndexPage.allowed_subpage_models()) == {NewsArticlePage}
    assert NewsArticlePage.allowed_subpage_models() == []
    assert FaqPage.allowed_subpage_models() == []


def test_parent_rules(home, programme, call, news_index):
    """A call only under a programme, an article only under the news index."""
    root = Page.get_first_root_node()
    assert HomePage.can_create_at(root)
    assert CallPage.can_create_at(programme)
    assert not CallPage.can_create_at(home)
    assert not CallPage.can_create_at(news_index)
    assert not ProgrammePage.can_create_at(call)
    assert NewsArticlePage.can_create_at(news_index)
    assert not NewsArticlePage.can_create_at(home)
    assert FaqPage.can_create_at(call)


def test_only_one_news_index_per_home(home, news_index):
    assert not NewsIndexPage.can_create_at(home)


def test_admin_refuses_a_call_under_the_home_page(admin_client, home, programme):
    """The admin will not even show the form for a call placed under the home page."""
    refused = admin_client.get(f"/admin/pages/add/cms_pages/callpage/{home.pk}/")
    assert refused.status_code == 302
    assert refused.url == "/admin/"
    allowed = admin_client.get(f"/admin/pages/add/cms_pages/callpage/{programme.pk}/")
    assert allowed.status_code == 200


def test_call_must_close_after_it_opens(call):
    call.closes_at = call.opens_at - dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        call.full_clean()
    assert error.value.message_dict["closes_at"] == [
        "La clôture doit être postérieure à l'ouverture."
    ]


def test_call_dates_must_follow_each_other(call):
    call.selection_date = call.preselection_date - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        call.full_clean()
    assert (
        "ne peut pas précéder la pré-sélection"
        in error.value.message_dict["selection_date"][0]
    )


def test_call_status_edges_are_inclusive(call):
    """Open from the opening second to the closing second, both included."""
    call.opens_at = call.opens_at.replace(microsecond=0)
    call.closes_at = call.closes_at.replace(
        hour=22, minute=59, second=59, microsecond=0
    )
    assert call.status_at(call.opens_at - dt.timedelta(seconds=1)) == "upcoming"
    assert call.status_at(call.opens_at) == "open"
    assert call.status_at(call.closes_at) == "open"
    assert call.status_at(call.closes_at + dt.timedelta(seconds=1)) == "closed"


def test_criterion_scale_must_be_increasing(call):
    criterion = SelectionCriterion(
        page=call, label="X", scale_min=5, scale_max=5, weight=1
    )
    with pytest.raises(ValidationError) as error:
        criterion.full_clean()
    assert "supérieure à la note minimale" in error.value.message_dict["scale_max"][0]


def test_phase_durations_must_be_ordered(programme):
    phase = ProgrammePhase(
        page=programme,
        code="construction",
        title="C",
        min_duration=12,
        max_duration=6,
        duration_unit="months",
    )
    with pytest.raises(ValidationError):
        phase.full_clean()


def test_call_edited_in_admin_with_bad_dates_shows_french_error(admin_client, call):
    """Posting a call that closes before it opens re-shows the form with a French error."""
    from wagtail.test.utils.form_data import (
        inline_formset,
        nested_form_data,
        rich_text,
        streamfield,
    )

    opens = timezone.localtime(call.opens_at)
    data = nested_form_data(
        {
            "title": call.title,
            "slug": call.slug,
            "introduction": "",
            "opens_at": opens.strftime("%Y-%m-%d %H:%M"),
            "closes_at": (opens - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "preselection_date": "",
            "selection_date": "",
            "investigations_start": "",
            "body": streamfield([]),
            "eligibility": rich_text(""),
            "target_preselected": "",
            "target_laureates": "",
            "criteria": inline_formset(
                [
                    {
                        "label": "Critère",
                        "description": "",
                        "weight": "1",
                        "scale_min": "0",
                        "scale_max": "5",
                    }
                ]
            ),
        }
    )
    response = admin_client.post(f"/admin/pages/{call.pk}/edit/", data)
    assert response.status_code == 200
    assert (
        "La clôture doit être postérieure à l&#x27;ouverture."
        in response.content.decode()
    )
    call.refresh_from_db()
    assert call.closes_at > call.opens_at


def test_a_closing_time_in_minutes_includes_its_last_minute(call):
    """Entered as 23:59 in the admin, the call accepts until 23:59:59."""
    call.closes_at = call.closes_at.replace(second=0, microsecond=0)
    assert (
        call.status_at(call.closes_at + dt.timedelta(seconds=59, microseconds=999_999))
        == "open"
    )
    assert call.status_at(call.closes_at + dt.timedelta(seconds=60)) == "closed"
