"""Whatever body the submission API receives, it answers its documented Problem in French.

Found by review: a body nested thousands of levels deep (RecursionError) and
a lone surrogate in an answer (the database cannot encode it) were answered
500; an object where text was expected was stored as its Python ``repr``
(``{"nom": {"a": 1}}`` became « {'a': 1} »); names that are no field of the
form were silently dropped. Each JSON answer must now be of the type its field
takes, which the OpenAPI document states.
"""

import json
import uuid

import pytest
from django.test import TestCase

from forms.models import Candidature

from .test_api_document import assert_documented

pytestmark = pytest.mark.django_db

PATH = "/api/v3/forms/{page_id}/submissions/"
NOT_JSON = "Le corps de la requête n'est pas du JSON valide."
NO_ANSWERS = "Le corps doit contenir un objet « answers »."
TO_CORRECT = "Certaines réponses sont à corriger."
TEXT = "Réponse attendue : un texte (une chaîne JSON)."
NUMBER = "Réponse attendue : un nombre."
BOOLEAN = "Réponse attendue : true ou false."
LIST = "Réponse attendue : une liste de textes."
UNKNOWN = "Ce formulaire n'a pas de champ de ce nom."
BAD_TEXT = "Cette réponse contient un caractère invalide"
ONE_LINE = "Ce champ tient sur une ligne"


@pytest.fixture
def document(client):
    return client.get("/api/v3/openapi.json").json()


def send(client, page, body, content_type="application/json"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            PATH.format(page_id=page.pk), body, content_type=content_type
        )


def body_with(identity, **answers):
    return json.dumps({"answers": {**identity, **answers}})


def assert_refused(response, document, status=422):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert_documented(document, PATH.format(page_id="{page_id}"), "post", response)
    assert Candidature.objects.count() == 0
    return response.json()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"answers": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", None),
        (b'{"answers": {"titre": ' + b"[" * 3_000 + b"]" * 3_000 + b"}}", NOT_JSON),
        (b'{"answers": {"titre": "\xff\xfe caf\xe9"}}', NOT_JSON),
        (b'{"answers": {"titre": NaN}}', NOT_JSON),
        (b'{"answers": {"titre": Infinity}}', NOT_JSON),
        (b'{"answers": {"titre": -Infinity}}', NOT_JSON),
        (b'{"answers": {"titre": ' + b"9" * 5_000 + b"}}", NOT_JSON),
        (b'"answers"', NO_ANSWERS),
        (b"null", NO_ANSWERS),
        (b"42", NO_ANSWERS),
        (b'{"answers": "Camille"}', NO_ANSWERS),
        (b'{"answers": [["identity_name", "Camille"]]}', NO_ANSWERS),
        (b'{"answers": null}', NO_ANSWERS),
    ],
    ids=[
        "100000-levels",
        "3000-levels",
        "not-utf8",
        "nan",
        "infinity",
        "minus-infinity",
        "5000-digits",
        "string",
        "null",
        "number",
        "answers-string",
        "answers-array",
        "answers-null",
    ],
)
def test_an_unreadable_body_is_a_french_422(
    client, document, every_field_form, body, detail
):
    problem = assert_refused(send(client, every_field_form, body), document)
    assert problem["detail"] == (
        detail or "Le corps de la requête contient trop de listes ou d'objets."
    )


def test_a_json_body_past_the_limit_is_a_french_413(
    client, document, every_field_form, identity
):
    body = body_with(identity, recit="x" * (3 * 1024 * 1024))
    problem = assert_refused(send(client, every_field_form, body), document, 413)
    assert problem["detail"].startswith("Envoi trop volumineux")


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({"titre": {"a": 1}}, {"titre": [TEXT]}),
        ({"titre": ["Un titre"]}, {"titre": [TEXT]}),
        ({"titre": 12}, {"titre": [TEXT]}),
        ({"titre": True}, {"titre": [TEXT]}),
        ({"identity_name": {"prenom": "Camille"}}, {"identity_name": [TEXT]}),
        ({"depuis": 20240131}, {"depuis": [TEXT]}),
        ({"agents_concernes": [3]}, {"agents_concernes": [NUMBER]}),
        ({"agents_concernes": True}, {"agents_concernes": [NUMBER]}),
        ({"disponible": "oui"}, {"disponible": [BOOLEAN]}),
        ({"disponible": 1}, {"disponible": [BOOLEAN]}),
        ({"themes": "Santé"}, {"themes": [LIST]}),
        ({"themes": ["Santé", {"x": 1}]}, {"themes": [LIST]}),
        (
            {"pieces": "note.pdf"},
            {
                "pieces": [
                    "Les fichiers s'envoient en multipart/form-data, pas dans un corps JSON."
                ]
            },
        ),
        ({"inconnu": "x", "a\x00b": "y"}, {"inconnu": [UNKNOWN], "a\x00b": [UNKNOWN]}),
    ],
)
def test_an_answer_of_the_wrong_type_gets_its_field_error(
    client, document, every_field_form, identity, answers, errors
):
    body = body_with(identity, **answers)
    problem = assert_refused(send(client, every_field_form, body), document)
    assert problem["detail"] == TO_CORRECT
    assert problem["errors"] == errors


@pytest.mark.parametrize(
    ("answers", "name", "message"),
    [
        ({"titre": "Un \ud800 titre"}, "titre", ONE_LINE),
        ({"identity_name": "Camille \udfff"}, "identity_name", ONE_LINE),
        ({"recit": "Un récit\ud83d"}, "recit", BAD_TEXT),
        ({"code": "\udc00"}, "code", BAD_TEXT),
        ({"identity_email": "camille@\ud800.gouv.fr"}, "identity_email", BAD_TEXT),
        ({"site": "https://\ud800.gouv.fr/"}, "site", BAD_TEXT),
        ({"recit": "Un\x00récit"}, "recit", "Le caractère nul n’est pas autorisé."),
        ({"agents_concernes": "9" * 100}, "agents_concernes", "30 chiffres"),
        ({"agents_concernes": "beaucoup"}, "agents_concernes", "Saisissez un nombre."),
        ({"themes": ["Santé", "Loisirs"]}, "themes", "Sélectionnez un choix valide"),
    ],
)
def test_text_no_database_can_store_is_refused_per_field(
    client, document, every_field_form, identity, answers, name, message
):
    body = json.dumps({"answers": {**identity, **answers}})
    problem = assert_refused(send(client, every_field_form, body), document)
    assert list(problem["errors"]) == [name]
    assert message in problem["errors"][name][0]


def test_a_number_past_30_digits_is_refused_unread(
    client, document, every_field_form, identity
):
    """``1e999`` is no float (it would be infinite): read exactly, then refused."""
    body = body_with(identity)[:-2] + ', "agents_concernes": 1e999}}'
    problem = assert_refused(send(client, every_field_form, body), document)
    assert problem["errors"] == {
        "agents_concernes": [
            "Assurez-vous qu’il n’y a pas plus de 30 chiffres au total."
        ]
    }


def test_each_type_is_stored_as_the_form_would_store_it(
    client, every_field_form, identity
):
    body = body_with(
        identity,
        recit=None,
        agents_concernes=2.5,
        site="https://exemple.gouv.fr/",
        disponible=True,
        themes=["Santé", "Logement"],
        territoires=["Ville"],
        taille="Petite",
        depuis="2024-01-31",
        rendez_vous="2024-02-01T10:30",
        code="A1",
        pieces=[],
    )
    response = send(client, every_field_form, body)
    assert response.status_code == 201, response.content
    answers = Candidature.objects.get().form_data
    assert answers["titre"] == "Un titre"
    assert answers["recit"] == ""
    assert answers["agents_concernes"] == "2.5"
    assert answers["disponible"] is True
    assert answers["themes"] == ["Santé", "Logement"]
    assert answers["territoires"] == ["Ville"]
    assert answers["depuis"] == "2024-01-31"
    assert answers["rendez_vous"].startswith("2024-02-01T10:30")
    assert answers["code"] == "A1"


@pytest.mark.parametrize(
    ("value", "stored"),
    [(True, True), (False, False), ("on", True), ("true", True), ("false", False)],
)
def test_a_checkbox_reads_as_a_browser_or_a_boolean_sends_it(
    client, every_field_form, identity, value, stored
):
    """Found by the load test at the closing minute: its JSON clients send « on », as a browser does."""
    response = send(client, every_field_form, body_with(identity, disponible=value))
    assert response.status_code == 201, response.content
    assert Candidature.objects.get().form_data["disponible"] is stored


def test_a_whole_number_and_a_numeric_string_are_numbers(
    client, every_field_form, identity
):
    references = []
    for value in (12, "12"):
        response = send(
            client, every_field_form, body_with(identity, agents_concernes=value)
        )
        assert response.status_code == 201, response.content
        references.append(response.json()["reference"])
    # Read alike, they are the same answers: the second is the first sent again.
    assert references[0] == references[1]
    assert [c.form_data["agents_concernes"] for c in Candidature.objects.all()] == [
        "12"
    ]


def multipart(fields):
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def encoded(identity):
    return {name: value.encode() for name, value in identity.items()}


def test_multipart_bytes_that_are_not_utf8_are_read_not_stored_raw(
    client, every_field_form, identity
):
    """An encoded surrogate or a stray byte reads as « � », which any database stores."""
    body, boundary = multipart(
        {**encoded(identity), "recit": b"caf\xed\xa0\x80 \xff fin"}
    )
    response = send(
        client,
        every_field_form,
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 201, response.content
    assert (
        Candidature.objects.get().form_data["recit"]
        == "caf\ufffd\ufffd\ufffd \ufffd fin"
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"recit": b"a\x00b"}, {"recit": ["Le caractère nul n’est pas autorisé."]}),
        ({"inconnu": b"x"}, {"inconnu": [UNKNOWN]}),
    ],
)
def test_multipart_is_held_to_the_same_rules(
    client, document, every_field_form, identity, fields, errors
):
    body, boundary = multipart({**encoded(identity), **fields})
    response = send(
        client,
        every_field_form,
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    problem = assert_refused(response, document)
    assert problem["errors"] == errors
