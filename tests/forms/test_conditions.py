"""Conditional questions and sections: shown when another answer says so, on the server,
on the page without script, and through the API."""

import json

import pytest
from bs4 import BeautifulSoup

from cms_pages.factories import CallPageFactory
from forms.conditions import condition_errors, hidden_names
from forms.factories import CandidatureFormPageFactory
from forms.models import Candidature, CandidatureFormField
from tests.pages import page_edit_data

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db


def spec(*fields):
    return [(name, kind, condition) for name, kind, condition in fields]


def when(field, *values, operator="equals"):
    return {"field": field, "operator": operator, "values": list(values)}


def test_chains_sections_and_operators():
    rules = spec(
        ("public", "dropdown", None),
        ("usagers", "number", when("public", "Usagers")),
        ("detail", "multiline", when("usagers", "12")),  # a chain
        ("agents_section", "section", when("public", "Agents")),
        ("service", "singleline", None),  # in the section
        ("autre", "section", None),  # the section ends at the next one
        ("themes", "checkboxes", None),
        ("sante", "multiline", when("themes", "santé", operator="contains")),
        ("dispo", "checkbox", None),
        ("quand", "date", when("dispo", "oui")),
        ("taille", "radio", when("public", "Agents", "Usagers", operator="one_of")),
    )
    from decimal import Decimal

    hidden = hidden_names(
        rules,
        {
            "public": "usagers ",
            "usagers": Decimal("12.00"),
            "themes": ["Santé", "Travail"],
            "dispo": False,
        },
    )
    assert hidden == {"agents_section", "service", "quand"}
    hidden = hidden_names(rules, {"public": "Agents", "usagers": Decimal(12)})
    # « usagers » is hidden, so its answer counts as none: « detail » goes with it.
    assert {"usagers", "detail", "sante"} <= hidden
    assert not {"agents_section", "service", "taille"} & hidden


def fields(*rows):
    return [
        CandidatureFormField(
            label=label,
            field_type=kind,
            choices=choices,
            condition_field=source,
            condition_values=values,
            condition_operator=operator,
        )
        for label, kind, choices, source, values, operator in rows
    ]


@pytest.mark.parametrize(
    "rows, position, option, message",
    [
        (
            [
                ("Public", "dropdown", "Agents\nUsagers", "", "", "equals"),
                ("Combien", "number", "", "Publique", "Usagers", "equals"),
            ],
            1,
            "condition_field",
            "Aucune question de ce formulaire",
        ),
        (
            [
                ("Public", "dropdown", "Agents\nUsagers", "", "", "equals"),
                ("Combien", "number", "", "Public", "Élus", "equals"),
            ],
            1,
            "condition_values",
            "n'est pas un choix",
        ),
        (
            [
                ("Pièce", "file", "", "", "", "equals"),
                ("Combien", "number", "", "Pièce", "x", "equals"),
            ],
            1,
            "condition_field",
            "pas de réponse à comparer",
        ),
        (
            [("Combien", "number", "", "Combien", "1", "equals")],
            0,
            "condition_field",
            "d'elle-même",
        ),
        (
            [
                ("Public", "dropdown", "Agents\nUsagers", "", "", "equals"),
                ("Combien", "number", "", "Public", "", "equals"),
            ],
            1,
            "condition_values",
            "Donnez la ou les valeurs",
        ),
        (
            [
                ("A", "singleline", "", "B", "x", "equals"),
                ("B", "singleline", "", "A", "y", "equals"),
            ],
            0,
            "condition_field",
            "en boucle",
        ),
        (  # a section hanging on a question it holds
            [
                ("Section", "section", "", "Dedans", "x", "equals"),
                ("Dedans", "singleline", "", "", "", "equals"),
            ],
            1,
            "condition_field",
            "en boucle",
        ),
    ],
)
def test_impossible_conditions_are_refused(rows, position, option, message):
    errors = condition_errors(fields(*rows))
    assert position in errors, errors
    assert message in str(errors[position][option])


def test_a_condition_names_its_question_by_label_and_keeps_its_clean_name():
    rows = fields(
        ("Public concerné", "dropdown", "Agents\nUsagers", "", "", "equals"),
        ("Combien", "number", "", "public concerné", "Usagers", "equals"),
    )
    assert condition_errors(rows) == {}
    assert rows[1].condition_field == "public_concerne"


@pytest.fixture
def conditional_form(programme):
    call = CallPageFactory(
        parent=programme, slug="appel-cond", title="Appel conditionnel"
    )
    return CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[
            {
                "label": "Public concerné",
                "field_type": "dropdown",
                "choices": "Agents\nUsagers",
            },
            {
                "label": "Nombre d'usagers",
                "field_type": "number",
                "condition_field": "public_concerne",
                "condition_values": "Usagers",
            },
            {
                "label": "Pour les agents",
                "field_type": "section",
                "condition_field": "public_concerne",
                "condition_values": "Agents",
            },
            {"label": "Service des agents", "field_type": "singleline"},
            {"label": "Après", "field_type": "section"},
            {"label": "Idée", "field_type": "singleline"},
        ],
    )


def base(**overrides):
    return answers(
        **{"le_probleme": None, "public_concerne": None, "idee": None, **overrides}
    )


def test_a_hidden_question_is_not_required_and_its_answer_is_not_stored(
    client, conditional_form
):
    response = post_form(
        client,
        conditional_form,
        base(
            public_concerne="Agents",
            nombre_dusagers="40",  # typed, then the public changed: dropped
            service_des_agents="Accueil",
            idee="Un agenda",
        ),
    )
    assert response.status_code == 200
    data = Candidature.objects.get(page=conditional_form).form_data
    assert data["service_des_agents"] == "Accueil"
    assert "nombre_dusagers" not in data


def test_a_shown_question_is_required_and_a_hidden_section_is_not(
    client, conditional_form
):
    response = post_form(
        client, conditional_form, base(public_concerne="Usagers", idee="Un agenda")
    )
    soup = BeautifulSoup(response.content, "html.parser")
    errors = {p.get_text(strip=True) for p in soup.select(".fr-error-text")}
    assert errors  # « Nombre d'usagers » is asked for
    assert not Candidature.objects.exists()
    assert soup.select_one("[data-amorce-field=nombre_dusagers] .fr-error-text")
    assert not soup.select_one("[data-amorce-field=service_des_agents] .fr-error-text")

    response = post_form(
        client,
        conditional_form,
        base(public_concerne="Usagers", nombre_dusagers="40", idee="Un agenda"),
    )
    data = Candidature.objects.get(page=conditional_form).form_data
    assert data["nombre_dusagers"] == "40" and "service_des_agents" not in data


def test_without_script_every_question_is_shown_with_its_condition_explained(
    client, conditional_form
):
    soup = BeautifulSoup(client.get(conditional_form.url).content, "html.parser")
    box = soup.select_one("[data-amorce-field=nombre_dusagers]")
    assert not box.has_attr("hidden")
    assert "Seulement si « Public concerné » vaut « Usagers »." in box.get_text()
    section = soup.select_one("[data-amorce-field=pour_les_agents]")
    assert "Seulement si « Public concerné » vaut « Agents »." in section.get_text()
    inner = soup.select_one("[data-amorce-field=service_des_agents]")
    assert inner["data-amorce-section"] == "pour_les_agents"
    assert json.loads(box["data-amorce-when"]) == {
        "field": "public_concerne",
        "operator": "equals",
        "values": ["Usagers"],
    }


def test_the_api_gives_the_rules_and_refuses_answers_to_hidden_questions(
    client, conditional_form
):
    schema = client.get(f"/api/v3/forms/{conditional_form.pk}/").json()
    by_name = {f["name"]: f for f in schema["fields"]}
    assert by_name["nombre_dusagers"]["condition"]["values"] == ["Usagers"]
    assert by_name["service_des_agents"]["section"] == "pour_les_agents"
    assert by_name["pour_les_agents"]["condition"]["operator"] == "equals"

    url = f"/api/v3/forms/{conditional_form.pk}/submissions/"
    body = base(public_concerne="Agents", service_des_agents="Accueil", idee="x")
    response = client.post(
        url,
        json.dumps({"answers": {**body, "nombre_dusagers": "40"}}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "ne s'applique pas" in response.json()["errors"]["nombre_dusagers"][0]
    assert not Candidature.objects.exists()

    response = client.post(
        url,
        json.dumps({"answers": base(public_concerne="Agents", idee="x")}),
        content_type="application/json",
    )
    assert response.status_code == 422  # the section applies: its question is required
    assert "service_des_agents" in response.json()["errors"]

    response = client.post(
        url, json.dumps({"answers": body}), content_type="application/json"
    )
    assert response.status_code == 201


def test_the_editor_refuses_a_condition_on_a_deleted_question(
    programme_client, conditional_form
):
    data = page_edit_data(programme_client, conditional_form)
    label_keys = {value: key for key, value in data.items() if key.endswith("-label")}
    public = label_keys["Public concerné"].split("-")[1]
    data[f"form_fields-{public}-DELETE"] = "1"
    response = programme_client.post(f"/admin/pages/{conditional_form.pk}/edit/", data)
    assert response.status_code == 200
    assert "Aucune question de ce formulaire ne s&#x27;appelle" in response.text or (
        "Aucune question de ce formulaire ne s'appelle" in response.text
    )
    assert conditional_form.form_fields.filter(label="Public concerné").exists()


def test_labels_and_values_in_the_explanation_are_escaped(client, programme):
    call = CallPageFactory(parent=programme, slug="appel-xss", title="Appel XSS")
    page = CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[
            {"label": "Source <b>", "field_type": "singleline"},
            {
                "label": "Suite",
                "field_type": "singleline",
                "help_text": "l'aide",
                "condition_field": "source_b",
                "condition_values": "<img src=x onerror=alert(1)>",
            },
        ],
    )
    html = client.get(page.url).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "l&amp;#x27;aide" not in html


def test_a_date_and_time_cannot_be_a_condition_source():
    rows = fields(
        ("Quand", "datetime", "", "", "", "equals"),
        ("Suite", "singleline", "", "Quand", "2027-01-01T10:00", "equals"),
    )
    assert "pas de réponse à comparer" in str(condition_errors(rows)[1])


def test_an_answer_is_not_refused_for_hanging_on_an_answer_refused_itself(
    client, programme
):
    call = CallPageFactory(parent=programme, slug="appel-nb", title="Appel nombre")
    page = CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[
            {"label": "Combien", "field_type": "number"},
            {
                "label": "Pourquoi",
                "field_type": "singleline",
                "condition_field": "combien",
                "condition_values": "12",
            },
        ],
    )
    body = base(combien="douze", pourquoi="Parce que")
    response = client.post(
        f"/api/v3/forms/{page.pk}/submissions/",
        json.dumps({"answers": body}),
        content_type="application/json",
    )
    errors = response.json()["errors"]
    assert "combien" in errors and "pourquoi" not in errors
