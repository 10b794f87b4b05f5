"""Any front end renders a call's form and submits to it through the API."""

import datetime as dt
import json
import uuid

import pytest
from django.test import TestCase
from django.utils import timezone

from forms.models import Candidature

from .helpers import PDF, answers, upload

pytestmark = pytest.mark.django_db


def post_json(client, url, payload, **headers):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            url, json.dumps(payload), content_type="application/json", headers=headers
        )


def submissions_url(page):
    return f"/api/v3/forms/{page.pk}/submissions/"


def test_form_schema_lists_fields_state_dates_and_criteria(client, form_page):
    response = client.get(f"/api/v3/forms/{form_page.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["state"] == "open"
    assert [c["label"] for c in data["call"]["criteria"]] == [
        "Ampleur du problème",
        "Motivation",
        "Idée de solution",
    ]
    fields = {f["name"]: f for f in data["fields"]}
    assert (
        fields["identity_email"]["type"] == "email"
        and fields["identity_email"]["required"]
    )
    assert fields["le_probleme"]["max_length"] == 500
    assert fields["public_concerne"]["choices"] == ["Agents", "Usagers"]
    assert fields["idee"]["required"] is False
    assert fields["contexte"]["type"] == "section"
    assert fields["pieces_jointes"]["file"] == {
        "allowed_types": ["pdf", "docx", "png"],
        "max_size": 1024 * 1024,
        "max_files": 2,
    }
    assert "site_web" not in fields and "jeton" not in fields


def test_json_submission_answers_201_with_the_reference(client, form_page):
    response = post_json(client, submissions_url(form_page), {"answers": answers()})
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    candidature = Candidature.objects.get(reference=reference)
    assert candidature.form_data["public_concerne"] == "Usagers"


def test_multipart_submission_with_a_file(client, form_page):
    payload = {**answers(), "pieces_jointes": upload("note.pdf", PDF)}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(submissions_url(form_page), payload)
    assert response.status_code == 201, response.content
    assert Candidature.objects.get().attachments.get().original_name == "note.pdf"


def test_answers_sent_as_a_json_file_part_are_read_as_a_browser_sends_them(
    client, form_page
):
    """``FormData.append("answers", new Blob([json]))`` makes a file named « blob »."""
    payload = {
        "answers": upload("blob", json.dumps(answers()).encode(), "application/json"),
        "pieces_jointes": upload("note.pdf", PDF),
    }
    response = client.post(submissions_url(form_page), payload)
    assert response.status_code == 201, response.content
    candidature = Candidature.objects.get()
    assert candidature.form_data["public_concerne"] == "Usagers"
    assert [a.original_name for a in candidature.attachments.all()] == ["note.pdf"]


def test_invalid_answers_get_422_with_per_field_errors(client, form_page):
    response = post_json(
        client,
        submissions_url(form_page),
        {"answers": answers(identity_email="x", le_probleme=None)},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["identity_email"] == ["Saisissez une adresse de courriel valide."]
    assert errors["le_probleme"] == ["Champ requis."]
    assert Candidature.objects.count() == 0


@pytest.mark.parametrize("body", [b"not json", b'{"answers": []}', b"[1, 2]"])
def test_unreadable_body_gets_422(client, form_page, body):
    response = client.post(
        submissions_url(form_page), body, content_type="application/json"
    )
    assert response.status_code == 422
    assert Candidature.objects.count() == 0


def test_closed_call_gets_410_and_upcoming_409(client, form_page):
    call = form_page.call
    # Clearly past, and given to the second (a time to the minute counts its whole minute).
    call.closes_at = (timezone.now() - dt.timedelta(minutes=2)).replace(second=30)
    call.opens_at = call.closes_at - dt.timedelta(days=3)
    call.save()
    assert (
        post_json(
            client, submissions_url(form_page), {"answers": answers()}
        ).status_code
        == 410
    )
    call.opens_at = timezone.now() + dt.timedelta(days=1)
    call.closes_at = call.opens_at + dt.timedelta(days=3)
    call.save()
    response = post_json(client, submissions_url(form_page), {"answers": answers()})
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Cet appel n'est pas encore ouvert : votre candidature n'a pas été enregistrée."
    )
    assert Candidature.objects.count() == 0


def test_idempotency_key_makes_one_candidature(client, form_page):
    key = str(uuid.uuid4())
    first = post_json(
        client,
        submissions_url(form_page),
        {"answers": answers()},
        **{"Idempotency-Key": key},
    )
    second = post_json(
        client,
        submissions_url(form_page),
        {"answers": answers()},
        **{"Idempotency-Key": key},
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert Candidature.objects.count() == 1


def test_unknown_or_unpublished_form_is_404(client, form_page):
    assert client.get("/api/v3/forms/999999/").status_code == 404
    form_page.unpublish()
    assert client.get(f"/api/v3/forms/{form_page.pk}/").status_code == 404
    assert (
        post_json(
            client, submissions_url(form_page), {"answers": answers()}
        ).status_code
        == 404
    )


def test_openapi_documents_the_form_routes(client, db):
    schema = client.get("/api/v3/openapi.json").json()
    post = schema["paths"]["/api/v3/forms/{page_id}/submissions/"]["post"]
    assert {"201", "409", "410", "422"} <= set(post["responses"])
    assert {"application/json", "multipart/form-data"} <= set(
        post["requestBody"]["content"]
    )
    assert "/api/v3/forms/{page_id}/" in schema["paths"]


def preflight(client, url, origin):
    return client.options(
        url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )


def test_cors_for_allowed_origins_only(client, form_page, settings):
    """An allowed front end may send a candidature from a browser; others are not answered."""
    settings.CORS_ALLOWED_ORIGINS = ["https://front.example.gouv.fr"]
    allowed = preflight(
        client, submissions_url(form_page), "https://front.example.gouv.fr"
    )
    assert allowed.status_code in (200, 204)
    assert allowed["Access-Control-Allow-Origin"] == "https://front.example.gouv.fr"
    assert allowed["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"
    assert allowed["Access-Control-Allow-Headers"] == (
        "Content-Type, Idempotency-Key, Authorization, Accept-Language"
    )
    assert allowed["Access-Control-Max-Age"] == "3600"
    assert "Access-Control-Allow-Credentials" not in allowed
    got = client.get(
        f"/api/v3/forms/{form_page.pk}/",
        headers={"Origin": "https://front.example.gouv.fr"},
    )
    assert got["Access-Control-Allow-Origin"] == "https://front.example.gouv.fr"
    assert "origin" in got["Vary"].lower()
    # Another origin: no CORS header, so its browser refuses the answer (and,
    # on a preflight, never sends the candidature).
    refused = preflight(client, submissions_url(form_page), "https://evil.example")
    assert "Access-Control-Allow-Origin" not in refused
    assert "Access-Control-Allow-Methods" not in refused
    other = client.get(
        f"/api/v3/forms/{form_page.pk}/", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in other
    assert "origin" in other["Vary"].lower()
    assert Candidature.objects.count() == 0


def test_cors_only_on_the_api(client, form_page, settings):
    """The site's pages and forms are never opened to another origin."""
    settings.CORS_ALLOWED_ORIGINS = ["https://front.example.gouv.fr"]
    for url in (form_page.url, "/admin/login/"):
        response = preflight(client, url, "https://front.example.gouv.fr")
        assert "Access-Control-Allow-Origin" not in response
        response = client.get(url, headers={"Origin": "https://front.example.gouv.fr"})
        assert "Access-Control-Allow-Origin" not in response


def test_cors_for_any_origin_when_allowed(client, form_page, settings):
    """AMORCE_API_ALLOWED_ORIGINS=* opens the API to any origin, without credentials."""
    settings.CORS_ALLOWED_ORIGINS = []
    settings.CORS_ALLOW_ALL_ORIGINS = True
    response = preflight(client, submissions_url(form_page), "https://a.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Idempotency-Key" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
