"""The form's preview from the editor: what an applicant will see, and nothing sent."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from forms.models import Candidature, Draft
from tests.pages import page_edit_data


@pytest.fixture
def upcoming(call):
    """The call of next season: its form is prepared before it opens."""
    call.opens_at = timezone.now() + dt.timedelta(days=30)
    call.closes_at = call.opens_at + dt.timedelta(days=12)
    call.preselection_date = call.selection_date = call.investigations_start = None
    call.save()
    return call


def preview(client, page, data, mode=""):
    url = f"/admin/pages/{page.pk}/edit/preview/"
    answer = client.post(url, data)
    assert answer.json()["is_valid"], answer.json()
    return client.get(url, {"mode": mode} if mode else {})


def test_the_unsaved_form_is_previewed_before_the_call_opens(
    programme_client, upcoming, form_page
):
    data = page_edit_data(programme_client, form_page)
    data["form_fields-0-label"] = "Le problème, en quelques lignes"
    response = preview(programme_client, form_page, data)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    assert "Aperçu du formulaire" in html.get_text()
    assert "Pas encore ouvert" not in html.get_text()
    assert "Le problème, en quelques lignes" in html.get_text()
    # Nothing can be sent from it: no POST form, every button disabled, no token issued.
    assert not html.select("form[method=post]")
    buttons = html.select("form button")
    assert buttons and all(b.has_attr("disabled") for b in buttons)
    assert "Cache-Control" in response and "no-cache" in response["Cache-Control"]
    assert not Candidature.objects.exists() and not Draft.objects.exists()
    # The live page still says it is not open, with the saved label.
    live = programme_client.get(form_page.url)
    assert "Pas encore ouvert" in live.text
    assert "Le problème, en quelques lignes" not in live.text


def test_the_confirmation_is_previewed_with_an_example_reference(
    programme_client, upcoming, form_page
):
    data = page_edit_data(programme_client, form_page)
    response = preview(programme_client, form_page, data, mode="landing")
    year = timezone.localtime(upcoming.opens_at).year
    assert response.status_code == 200
    assert f"-{year}-0001" in response.text
    assert "prenom.nom@exemple.fr" in response.text
    assert not Candidature.objects.exists()
