"""Names, administrations, services and short answers hold on one line, through the form and the API alike.

A line break pasted from a table becomes a space; a control character that
hides or reorders text (a bell, a C1 control, a right-to-left override) is
refused in French, and nothing is stored. Long answers keep their lines.
"""

import json

import pytest
from django.test import TestCase

from forms.models import Candidature

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db

ONE_LINE = "Ce champ tient sur une ligne"
PASTED = {
    "identity_name": "Camille\r\nMartin",
    "identity_administration": "Préfecture\nde l'Exemple\t",
    "identity_service": "Accueil\u2028des usagers",
    "idee": "Un agenda\n\npartagé",
    "le_probleme": "Première ligne.\nDeuxième ligne.",
}


def post_json(client, page, payload):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/api/v3/forms/{page.pk}/submissions/",
            json.dumps({"answers": payload}),
            content_type="application/json",
        )


def assert_stored_on_one_line():
    candidature = Candidature.objects.get()
    assert candidature.applicant_name == "Camille Martin"
    assert candidature.administration == "Préfecture de l'Exemple"
    assert candidature.service == "Accueil des usagers"
    assert candidature.form_data["idee"] == "Un agenda partagé"
    assert candidature.form_data["le_probleme"] == "Première ligne.\nDeuxième ligne."


def test_line_breaks_become_spaces_in_the_form(client, form_page):
    response = post_form(client, form_page, answers(**PASTED))
    assert response.status_code == 200
    assert_stored_on_one_line()


def test_line_breaks_become_spaces_in_the_api(client, form_page):
    response = post_json(client, form_page, answers(**PASTED))
    assert response.status_code == 201, response.content
    assert_stored_on_one_line()


CONTROLS = [
    ("identity_name", "Camille\u202eMartin"),
    ("identity_administration", "Préfecture\x07"),
    ("identity_service", "Accueil\x9b"),
    ("idee", "Un agenda\u2066 partagé"),
]


@pytest.mark.parametrize(("name", "value"), CONTROLS)
def test_control_characters_are_refused_in_the_form(client, form_page, name, value):
    response = post_form(client, form_page, answers(**{name: value}))
    assert response.status_code == 200
    assert ONE_LINE in response.content.decode()
    assert Candidature.objects.count() == 0


@pytest.mark.parametrize(("name", "value"), CONTROLS)
def test_control_characters_are_refused_in_the_api(client, form_page, name, value):
    response = post_json(client, form_page, answers(**{name: value}))
    assert response.status_code == 422
    assert response.json()["errors"][name][0].startswith(ONE_LINE)
    assert Candidature.objects.count() == 0
