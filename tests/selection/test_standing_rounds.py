"""A standing round triages a call as its candidatures become eligible."""

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError

from forms.factories import CandidatureFactory
from forms.services import change_status
from selection.models import ReviewRound

pytestmark = pytest.mark.django_db


def test_a_candidature_made_eligible_enters_the_standing_round_at_once(
    programme_client, call, form_page
):
    review_round = ReviewRound.objects.create(
        call=call, kind="preselection", standing=True
    )
    candidature = CandidatureFactory(page=form_page)
    assert not review_round.candidatures.exists(), "« Reçue » does not enter yet"
    response = programme_client.post(
        f"/admin/candidatures/edit/{candidature.pk}/", {"status": "eligible"}
    )
    assert response.status_code == 302
    assert list(review_round.candidatures.all()) == [candidature]


def test_an_ordinary_round_waits_for_its_fill_button(programme_client, call, form_page):
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    candidature = CandidatureFactory(page=form_page)
    change_status(candidature, "eligible")
    assert not review_round.candidatures.exists()
    programme_client.post(f"/admin/tours/{review_round.pk}/remplir/")
    assert list(review_round.candidatures.all()) == [candidature]


def test_a_standing_round_of_another_call_or_stage_takes_nothing(
    call, form_page, programme
):
    from cms_pages.factories import CallPageFactory

    other_call = CallPageFactory(parent=programme, slug="autre-appel")
    elsewhere = ReviewRound.objects.create(
        call=other_call, kind="preselection", standing=True
    )
    committee = ReviewRound.objects.create(call=call, kind="selection", standing=True)
    candidature = CandidatureFactory(page=form_page)
    change_status(candidature, "eligible")
    assert not elsewhere.candidatures.exists()
    assert not committee.candidatures.exists(), "it takes « Pré-sélectionnée »"
    change_status(candidature, "preselected")
    assert list(committee.candidatures.all()) == [candidature]


def test_a_refused_change_puts_nothing_in_the_round(call, form_page):
    review_round = ReviewRound.objects.create(
        call=call, kind="preselection", standing=True
    )
    candidature = CandidatureFactory(page=form_page)
    with pytest.raises(ValidationError):
        change_status(candidature, "preselected")  # skips « Recevable »
    assert not review_round.candidatures.exists()


def test_marking_a_round_standing_takes_those_already_eligible_and_says_so(
    programme_client, call, form_page
):
    waiting = [CandidatureFactory(page=form_page, status="eligible") for _ in range(2)]
    CandidatureFactory(page=form_page)  # « Reçue »: not yet
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    review_round.standing = True
    review_round.save()
    assert set(review_round.candidatures.all()) == set(waiting)
    page = BeautifulSoup(
        programme_client.get(f"/admin/tours/{review_round.pk}/classement/").content,
        "html.parser",
    )
    notice = page.select_one(".amorce-standing-round").get_text(" ", strip=True)
    assert "Tour permanent" in notice and "« Recevable »" in notice
    # The fill button still works, and finds nothing more to add.
    response = programme_client.post(
        f"/admin/tours/{review_round.pk}/remplir/", follow=True
    )
    assert "Aucune nouvelle candidature" in response.content.decode()


def test_a_closed_standing_round_takes_nothing_until_reopened(call, form_page, paula):
    from selection.closing import close_round, reopen_round

    review_round = ReviewRound.objects.create(
        call=call, kind="preselection", standing=True
    )
    close_round(review_round, user=paula)
    candidature = CandidatureFactory(page=form_page)
    change_status(candidature, "eligible")
    review_round.refresh_from_db()
    review_round.save()  # an edit of the closed round does not fill it either
    assert not review_round.candidatures.exists(), "its ranking stays as shown"
    reopen_round(review_round, user=paula)
    assert list(review_round.candidatures.all()) == [candidature]
