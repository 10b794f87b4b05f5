"""Calls « au fil de l'eau »: open with no closing date, or a deadline extended.

The team edits the call in Wagtail's page editor; the public page, the form
and both APIs say what changed; a closing date moved into the past, or
earlier once candidatures came, is refused in French and nothing is saved.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from freezegun import freeze_time

from cms_pages.models import CallPage
from forms.factories import CandidatureFactory
from forms.models import Candidature
from tests.forms.helpers import post_form
from tests.pages import page_edit_data, publish

pytestmark = pytest.mark.django_db


def admin_minute(moment):
    """A moment as the admin's date-time field takes it (Paris time, minutes)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def text_of(response):
    from bs4 import BeautifulSoup

    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.fixture
def published_call(call):
    """The test call, closing on a round minute in ten days, published once."""
    call.closes_at = (timezone.now() + dt.timedelta(days=10)).replace(
        second=0, microsecond=0
    )
    # No later dates to keep in order: the tests move the closing freely.
    call.preselection_date = call.selection_date = call.investigations_start = None
    call.save()
    call.save_revision().publish()
    return CallPage.objects.get(pk=call.pk)


def test_a_rolling_call_with_no_closing_date_stays_open_and_takes_candidatures(
    client, form_page
):
    call = form_page.call
    call.rolling, call.closes_at = True, None
    call.save()
    assert call.status == "open"
    assert call.status_at(timezone.now() + dt.timedelta(days=3650)) == "open"
    page = text_of(client.get(call.url))
    assert "Appel au fil de l'eau" in page
    assert "il n'y a pas de date limite pour l'instant" in page
    post_form(client, form_page)
    assert Candidature.objects.filter(call=call).count() == 1
    api = client.get(f"/api/v3/forms/{form_page.pk}/").json()
    assert api["state"] == "open"
    assert api["call"]["rolling"] is True
    assert api["call"]["closes_at"] is None


def test_no_closing_date_is_refused_unless_the_call_is_rolling(admin_client, call):
    call.closes_at = None
    with pytest.raises(ValidationError) as error:
        call.full_clean()
    message = error.value.message_dict["closes_at"][0]
    assert "cochez « appel au fil de l'eau »" in message

    stored = CallPage.objects.get(pk=call.pk).closes_at
    data = page_edit_data(admin_client, call)
    data["closes_at"] = ""
    data.pop("rolling", None)
    response = publish(admin_client, call, data)
    assert response.status_code == 200
    assert "cochez « appel au fil de l" in text_of(response)
    assert CallPage.objects.get(pk=call.pk).closes_at == stored


def test_an_extended_deadline_is_kept_and_shown_with_its_original_date(
    admin_client, client, published_call, form_page
):
    original = published_call.closes_at
    later = original + dt.timedelta(days=7)
    data = page_edit_data(admin_client, published_call)
    data["closes_at"] = admin_minute(later)
    assert publish(admin_client, published_call, data).status_code == 302
    call = CallPage.objects.get(pk=published_call.pk)
    assert call.closes_at == later
    assert call.initial_closes_at == original
    assert call.extended

    shown = date_format(timezone.localtime(later), "j F Y à H:i")
    first = date_format(timezone.localtime(original), "j F Y à H:i")
    expected = f"Date limite prolongée : {shown} (initialement le {first})."
    assert expected in text_of(client.get(call.url))
    assert expected in text_of(client.get(form_page.url))

    # A second extension keeps the first date as the original one.
    data = page_edit_data(admin_client, call)
    data["closes_at"] = admin_minute(later + dt.timedelta(days=7))
    assert publish(admin_client, call, data).status_code == 302
    call = CallPage.objects.get(pk=call.pk)
    assert call.initial_closes_at == original
    assert call.closes_at == later + dt.timedelta(days=7)

    detail = client.get(f"/api/v3/pages/{call.pk}/").json()
    assert detail["extended"] is True and detail["rolling"] is False
    assert detail["initial_closes_at"] is not None
    listed = client.get("/api/v3/forms/").json()
    summary = next(form for form in listed if form["id"] == form_page.pk)
    assert summary["extended"] is True and summary["rolling"] is False
    call_out = client.get(f"/api/v3/forms/{form_page.pk}/").json()["call"]
    assert call_out["extended"] is True
    assert call_out["initial_closes_at"] is not None


def test_an_unpublished_call_moves_its_date_with_no_extension_said(call):
    """Before the call is first published, a new date is no « prolongation »."""
    assert call.first_published_at is None
    call.closes_at += dt.timedelta(days=3)
    call.save()
    call.refresh_from_db()
    assert call.initial_closes_at is None and not call.extended


def test_a_closing_date_in_the_past_is_refused_and_nothing_changes(
    admin_client, published_call
):
    data = page_edit_data(admin_client, published_call)
    data["closes_at"] = admin_minute(timezone.now() - dt.timedelta(days=1))
    response = publish(admin_client, published_call, data)
    assert response.status_code == 200
    assert "Cette date de clôture est déjà passée" in text_of(response)
    call = CallPage.objects.get(pk=published_call.pk)
    assert call.closes_at == published_call.closes_at
    assert call.initial_closes_at is None


def test_closing_earlier_is_refused_once_candidatures_came(
    admin_client, published_call, form_page
):
    CandidatureFactory(page=form_page)
    data = page_edit_data(admin_client, published_call)
    data["closes_at"] = admin_minute(published_call.closes_at - dt.timedelta(days=2))
    response = publish(admin_client, published_call, data)
    assert response.status_code == 200
    assert "la clôture ne peut plus être avancée" in text_of(response)
    assert (
        CallPage.objects.get(pk=published_call.pk).closes_at == published_call.closes_at
    )


def test_closing_earlier_with_no_candidature_yet_is_allowed(
    admin_client, published_call, form_page
):
    earlier = published_call.closes_at - dt.timedelta(days=2)
    data = page_edit_data(admin_client, published_call)
    data["closes_at"] = admin_minute(earlier)
    assert publish(admin_client, published_call, data).status_code == 302
    call = CallPage.objects.get(pk=published_call.pk)
    assert call.closes_at == earlier
    assert not call.extended


def test_the_team_closes_a_rolling_call_now_and_its_last_minute_still_counts(
    admin_client, client, form_page
):
    call = form_page.call
    call.rolling, call.closes_at = True, None
    call.save()
    call.save_revision().publish()
    CandidatureFactory(page=form_page)
    # Five seconds into a minute: the current minute is still open when posted.
    now = timezone.now().replace(second=5, microsecond=0)
    with freeze_time(now, tick=True):
        data = page_edit_data(admin_client, call)
        data["closes_at"] = admin_minute(now)
        assert "rolling" in data, "the form shows the call as rolling (checked)"
        data["rolling"] = "on"  # what a browser sends for a checked box
        assert publish(admin_client, call, data).status_code == 302
    call = CallPage.objects.get(pk=call.pk)
    assert call.closes_at == now.replace(second=0, microsecond=0)
    limit = call.closes_at + dt.timedelta(seconds=59)
    assert call.status_at(limit) == "open"
    assert call.status_at(limit + dt.timedelta(seconds=1)) == "closed"
    # It was open with no date: closing it is no extension.
    assert not call.extended
