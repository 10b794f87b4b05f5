"""Refused attempts count towards a client address's limit, on the form and the API alike.

Found by review: only stored candidatures were counted, so one address could
send refused uploads without end, each costing the server its checks. Refused
attempts are now counted in the cache (``AMORCE_REFUSED_SUBMISSION_RATE_LIMIT``),
keyed by the same keyed hash of the address; past the limit, even a valid
candidature gets the French 429 until the window has passed.
"""

import json

import pytest
from bs4 import BeautifulSoup
from django.test import TestCase

from forms.models import Candidature

from .helpers import PNG, answers, post_form, upload

pytestmark = pytest.mark.django_db

# One refusal, said the same on the form and through the API (one pipeline).
API_REFUSAL = (
    "Trop d'envois refusés (fichiers refusés, pages expirées ou illisibles) depuis "
    "cette adresse : réessayez dans une heure."
)
FORM_REFUSAL = API_REFUSAL


@pytest.fixture
def three_refusals(settings):
    settings.AMORCE_REFUSED_SUBMISSION_RATE_LIMIT = (3, 3600)


def post_json(client, page, body, **extra):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/api/v3/forms/{page.pk}/submissions/",
            body,
            content_type="application/json",
            **extra,
        )


def post_multipart(client, page, payload):
    return client.post(f"/api/v3/forms/{page.pk}/submissions/", payload)


def text_of(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def test_refused_form_attempts_lead_to_the_429(client, form_page, three_refusals):
    refused = [
        post_form(
            client,
            form_page,
            files={"pieces_jointes": upload("photo.png", b"pas une image")},
        ),
        post_form(client, form_page, answers(site_web="http://robot.example")),
        client.post(form_page.url, answers()),  # no token: an expired page
    ]
    assert [response.status_code for response in refused] == [200, 200, 400]

    blocked = post_form(client, form_page, answers(le_probleme="Un vrai problème"))
    assert blocked.status_code == 429
    assert FORM_REFUSAL in text_of(blocked)
    soup = BeautifulSoup(blocked.content, "html.parser")
    assert soup.select_one("#id_le_probleme").get_text().strip() == "Un vrai problème"
    assert Candidature.objects.count() == 0

    other_address = post_form(client, form_page, REMOTE_ADDR="203.0.113.7")
    assert other_address.status_code == 200
    assert Candidature.objects.count() == 1


def test_refused_api_attempts_lead_to_the_429(client, form_page, three_refusals):
    bodies = [
        "{pas du json",
        json.dumps({"answers": answers(identity_name={"a": 1})}),
        json.dumps({"answers": answers(inconnu="x")}),
    ]
    assert [post_json(client, form_page, body).status_code for body in bodies] == [
        422,
        422,
        422,
    ]
    blocked = post_json(client, form_page, json.dumps({"answers": answers()}))
    assert blocked.status_code == 429
    assert blocked.json() == {"detail": API_REFUSAL, "errors": {}}
    assert Candidature.objects.count() == 0


def test_the_form_and_the_api_share_one_count(client, form_page, three_refusals):
    post_form(client, form_page, files={"pieces_jointes": upload("photo.png", b"x")})
    post_json(client, form_page, "[]")
    post_json(
        client,
        form_page,
        json.dumps({"answers": answers()}),
        headers={"Idempotency-Key": "pas-un-uuid"},
    )
    assert post_form(client, form_page).status_code == 429
    assert (
        post_json(client, form_page, json.dumps({"answers": answers()})).status_code
        == 429
    )
    assert Candidature.objects.count() == 0


def test_an_upload_refused_through_the_api_counts(client, form_page, three_refusals):
    payload = {**answers(), "pieces_jointes": upload("photo.png", PNG[:4])}
    for _attempt in range(3):
        assert post_multipart(client, form_page, payload).status_code == 422
    assert (
        post_json(client, form_page, json.dumps({"answers": answers()})).status_code
        == 429
    )


def test_answers_to_correct_never_lock_an_address_out(
    client, form_page, three_refusals
):
    """Agents behind one address (a ministry's network) correcting their typos
    are not held against each other: answers to correct do not count."""
    for _typo in range(5):
        response = post_form(client, form_page, answers(identity_email="camille@"))
        assert response.status_code == 200
    assert post_form(client, form_page).status_code == 200
    assert Candidature.objects.count() == 1


def test_an_unreadable_form_body_gets_a_french_400_and_counts(
    client, form_page, three_refusals
):
    for _attempt in range(3):
        response = client.post(
            form_page.url, "--x\r\n", content_type="multipart/form-data"
        )
        assert response.status_code == 400
        assert "Votre envoi n'a pas pu être lu" in text_of(response)
        assert BeautifulSoup(response.content, "html.parser").select_one(
            'input[name="jeton"]'
        )["value"]
    assert post_form(client, form_page).status_code == 429
