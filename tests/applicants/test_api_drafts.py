"""Drafts through the form API: started, saved, read back, then sent as a candidature."""

import json

import jsonschema_rs
import pytest
from django.core import mail
from django.test import TestCase

from forms.models import Candidature, Draft
from tests.forms.helpers import PDF, answers, upload

pytestmark = pytest.mark.django_db


def api(form_page, suffix=""):
    return f"/api/v3/forms/{form_page.pk}/drafts/{suffix}"


def post_json(client, url, body, method="post"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return getattr(client, method)(
            url, json.dumps(body), content_type="application/json"
        )


def test_a_draft_is_started_saved_read_and_sent(client, form_page):
    started = post_json(
        client, api(form_page), {"answers": answers(le_probleme="Début")}
    )
    assert started.status_code == 201, started.content
    body = started.json()
    jeton = body["jeton"]
    assert body["link_sent_to"] == "camille.martin@example.gouv.fr"
    assert len(mail.outbox) == 1
    assert not Candidature.objects.exists()

    saved = post_json(
        client,
        api(form_page, f"{jeton}/"),
        {"answers": answers(le_probleme="Suite")},
        method="put",
    )
    assert saved.status_code == 200
    assert len(mail.outbox) == 1  # a link at creation only
    read = client.get(api(form_page, f"{jeton}/")).json()
    assert read["answers"]["le_probleme"] == "Suite"
    assert Draft.objects.count() == 1

    sent = post_json(
        client,
        f"/api/v3/forms/{form_page.pk}/submissions/",
        {"answers": {**answers(le_probleme="Fin"), "jeton": jeton}},
    )
    assert sent.status_code == 201, sent.content
    assert Candidature.objects.get().form_data["le_probleme"] == "Fin"
    assert not Draft.objects.exists()
    assert client.get(api(form_page, f"{jeton}/")).status_code == 404


def test_draft_refusals_are_problems_in_french(client, form_page):
    no_email = post_json(
        client, api(form_page), {"answers": answers(identity_email=None)}
    )
    assert no_email.status_code == 422
    assert "identity_email" in no_email.json()["errors"]
    wrong_type = post_json(client, api(form_page), {"answers": {"le_probleme": 3}})
    assert wrong_type.status_code == 422
    assert "le_probleme" in wrong_type.json()["errors"]
    forged = client.get(api(form_page, "pas-un-jeton/"))
    assert forged.status_code == 404
    assert "Aucun brouillon" in forged.json()["detail"]
    assert not Draft.objects.exists()


def test_a_draft_file_goes_with_the_candidature(client, form_page):
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(
            api(form_page), {**answers(), "pieces_jointes": upload("plan.pdf", PDF)}
        )
    assert started.status_code == 201, started.content
    assert started.json()["files"] == [
        # Scanning is off in the tests' settings: « non analysé ».
        {
            "question": "pieces_jointes",
            "name": "plan.pdf",
            "size": len(PDF),
            "scan": "off",
        }
    ]
    jeton = started.json()["jeton"]
    sent = post_json(
        client,
        f"/api/v3/forms/{form_page.pk}/submissions/",
        {"answers": {**answers(), "jeton": jeton}},
    )
    assert sent.status_code == 201
    [attachment] = Candidature.objects.get().attachments.all()
    assert attachment.original_name == "plan.pdf"
    assert attachment.file.read() == PDF


def test_drafts_are_in_the_openapi_document(client, form_page):
    document = client.get("/api/v3/openapi.json").json()
    create = document["paths"]["/api/v3/forms/{page_id}/drafts/"]["post"]
    assert {"201", "404", "410", "422", "429"} <= set(create["responses"])
    assert "identity_email" in create["requestBody"]["description"]
    one = document["paths"]["/api/v3/forms/{page_id}/drafts/{jeton}/"]
    assert {"get", "put"} <= set(one)
    started = post_json(client, api(form_page), {"answers": answers()})
    schema = create["responses"]["201"]["content"]["application/json"]["schema"]
    schema = {**schema, "components": document["components"]}
    jsonschema_rs.validator_for(schema).validate(started.json())
