"""Eligibility questions: asked first, an excluding answer ends the form with its
explanation and is counted (no one's data), and no channel gets past it."""

import json

import pytest
from bs4 import BeautifulSoup

from cms_pages.factories import CallPageFactory
from forms.eligibility import eligibility_errors
from forms.factories import CandidatureFormPageFactory
from forms.models import Candidature, CandidatureFormField, EligibilityRefusal
from tests.pages import page_edit_data

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db

MESSAGE = "Ce programme s'adresse aux agents publics."


@pytest.fixture
def eligible_form(programme):
    call = CallPageFactory(
        parent=programme, slug="appel-elig", title="Appel éligibilité"
    )
    return CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[
            {
                "label": "Vous êtes",
                "field_type": "radio",
                "choices": "Agent public\nSalarié du privé\nÉtudiant",
                "eligibility_values": "Salarié du privé\nÉtudiant",
                "eligibility_message": MESSAGE,
            },
            {"label": "Le problème", "field_type": "multiline"},
        ],
    )


def step(client, page, data):
    return client.post(f"{page.url}?amorce_action=eligibilite", data)


def test_the_questions_are_asked_alone_first(client, eligible_form):
    soup = BeautifulSoup(client.get(eligible_form.url).content, "html.parser")
    assert "Avant de commencer" in soup.get_text()
    assert soup.select("input[name=vous_etes]")
    assert not soup.select("[name=le_probleme]"), "the rest comes after"
    assert not soup.select("[name=identity_email]")


def test_an_excluding_answer_ends_the_form_and_is_counted(client, eligible_form):
    response = step(client, eligible_form, {"vous_etes": "Étudiant"})
    soup = BeautifulSoup(response.content, "html.parser")
    assert "Ce programme ne vous est pas ouvert" in soup.get_text()
    assert MESSAGE in soup.select_one("[role=alert]").get_text()
    assert not soup.select("[name=le_probleme]")
    step(client, eligible_form, {"vous_etes": "Salarié du privé"})
    counted = EligibilityRefusal.objects.get(page=eligible_form, field_name="vous_etes")
    assert counted.count == 2
    # Nothing about the person: a count per question and day.
    assert {f.name for f in EligibilityRefusal._meta.fields} == {
        "id",
        "page",
        "field_name",
        "day",
        "count",
    }
    assert not Candidature.objects.exists()


def test_no_answer_asks_for_one(client, eligible_form):
    response = step(client, eligible_form, {})
    assert response.status_code == 422
    assert "Avant de commencer" in response.text
    assert not EligibilityRefusal.objects.exists()


def test_an_eligible_answer_opens_the_whole_form_with_it_kept(client, eligible_form):
    response = step(client, eligible_form, {"vous_etes": "Agent public"})
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select("[name=le_probleme]") and soup.select("[name=identity_email]")
    assert soup.select_one("input[name=vous_etes][value='Agent public']").has_attr(
        "checked"
    )
    assert not EligibilityRefusal.objects.exists()


def test_the_whole_form_and_the_api_check_it_again(client, eligible_form):
    data = answers(
        **{
            "le_probleme": "Des files d'attente.",
            "public_concerne": None,
            "idee": None,
            "vous_etes": "Étudiant",
        }
    )
    response = post_form(client, eligible_form, data)
    assert MESSAGE in BeautifulSoup(response.content, "html.parser").get_text()
    assert not Candidature.objects.exists()

    url = f"/api/v3/forms/{eligible_form.pk}/submissions/"
    schema = client.get(f"/api/v3/forms/{eligible_form.pk}/").json()
    rule = {f["name"]: f for f in schema["fields"]}["vous_etes"]["eligibility"]
    assert rule == {"excluded": ["Salarié du privé", "Étudiant"], "message": MESSAGE}
    response = client.post(
        url, json.dumps({"answers": data}), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["vous_etes"] == [MESSAGE]
    assert not Candidature.objects.exists()
    assert EligibilityRefusal.objects.get(field_name="vous_etes").count == 2

    data["vous_etes"] = "Agent public"
    response = client.post(
        url, json.dumps({"answers": data}), content_type="application/json"
    )
    assert response.status_code == 201


def rule(**kwargs):
    return CandidatureFormField(label="Vous êtes", **kwargs)


@pytest.mark.parametrize(
    "kwargs, option, message",
    [
        (
            {
                "field_type": "singleline",
                "eligibility_values": "x",
                "eligibility_message": "m",
            },
            "eligibility_values",
            "liste déroulante",
        ),
        (
            {
                "field_type": "radio",
                "choices": "A\nB",
                "eligibility_values": "C",
                "eligibility_message": "m",
            },
            "eligibility_values",
            "pas une réponse possible",
        ),
        (
            {
                "field_type": "radio",
                "choices": "A\nB",
                "eligibility_values": "A\nB",
                "eligibility_message": "m",
            },
            "eligibility_values",
            "personne ne pourrait candidater",
        ),
        (
            {"field_type": "radio", "choices": "A\nB", "eligibility_values": "A"},
            "eligibility_message",
            "Dites à la personne",
        ),
        (
            {
                "field_type": "checkbox",
                "eligibility_values": "peut-être",
                "eligibility_message": "m",
            },
            "eligibility_values",
            "pas une réponse possible",
        ),
        (
            {
                "field_type": "radio",
                "choices": "A\nB",
                "eligibility_values": "A",
                "eligibility_message": "m",
                "condition_field": "autre",
            },
            "condition_field",
            "toujours posée",
        ),
    ],
)
def test_impossible_rules_are_refused(kwargs, option, message):
    errors = eligibility_errors([rule(**kwargs)])
    assert message in str(errors[0][option])


def test_the_editor_refuses_a_rule_nobody_passes(programme_client, eligible_form):
    data = page_edit_data(programme_client, eligible_form)
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-label") and value == "Vous êtes"
    )
    data[f"form_fields-{index}-eligibility_values"] = (
        "Agent public\nSalarié du privé\nÉtudiant"
    )
    response = programme_client.post(f"/admin/pages/{eligible_form.pk}/edit/", data)
    assert response.status_code == 200
    assert "personne ne pourrait candidater" in response.text
    field = eligible_form.form_fields.get(label="Vous êtes")
    assert field.eligibility_values == "Salarié du privé\nÉtudiant"


def test_the_programme_team_sees_the_refusals_in_its_figures(
    client, programme_client, eligible_form
):
    step(client, eligible_form, {"vous_etes": "Étudiant"})
    step(client, eligible_form, {"vous_etes": "Étudiant"})
    call = eligible_form.get_parent()
    response = programme_client.get(f"/admin/chiffres/?appel={call.pk}")
    soup = BeautifulSoup(response.content, "html.parser")
    figure = next(
        f
        for f in soup.select("figure")
        if "Arrêts aux questions d'éligibilité" in f.get_text()
    )
    assert "Vous êtes" in figure.get_text() and "2" in figure.get_text()
    csv = programme_client.get(f"/admin/chiffres/csv/eligibilite/?appel={call.pk}")
    assert "Vous êtes;2" in csv.content.decode("utf-8-sig")
