"""A form's one-time token belongs to that form, and so does an API idempotency key.

Found by review: a token of form A posted to form B showed A's candidature
(its reference, its applicant's email) on B's confirmation page, through the
replay of a double click; the API's ``Idempotency-Key`` did the same across
forms, even once B had closed. A page sent without a token, or with one this
form did not give, is now refused as expired: the answers typed come back in a
fresh form (files must be chosen again), and nothing is stored.
"""

import datetime as dt
import json
import uuid

import pytest
from bs4 import BeautifulSoup
from django.test import TestCase
from django.utils import timezone

from forms.models import Candidature

from .helpers import answers, post_form, token_from

pytestmark = pytest.mark.django_db

EXPIRED = "Cette page a expiré : votre candidature n'a pas été enregistrée."


@pytest.fixture
def stored_on_a(client, form_page):
    """A candidature made on form A with the token A gave, and that token."""
    token = token_from(client.get(form_page.url))
    post_form(client, form_page, answers(jeton=token, identity_email="alice@a.gouv.fr"))
    return Candidature.objects.get(), token


def text_of(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def b_answers(identity, **overrides):
    return {**identity, "identity_email": "bob@b.gouv.fr", **overrides}


def test_a_token_of_another_form_is_refused_and_reveals_nothing(
    client, form_page, every_field_form, identity, stored_on_a
):
    candidature_a, token_a = stored_on_a
    response = post_form(client, every_field_form, b_answers(identity, jeton=token_a))
    page = text_of(response)
    assert response.status_code == 400
    assert EXPIRED in page
    assert candidature_a.reference not in page
    assert "alice@a.gouv.fr" not in page
    assert Candidature.objects.count() == 1


def test_an_expired_page_keeps_what_was_typed_with_a_fresh_token(client, form_page):
    typed = answers(idee="Un agenda partagé", public_concerne="Agents")
    response = client.post(form_page.url, typed)  # no token at all
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    alert = soup.select_one(".fr-alert--error").get_text(" ", strip=True)
    assert EXPIRED in alert
    assert "choisissez-les de nouveau" in alert
    assert soup.select_one("#id_identity_name")["value"] == "Camille Martin"
    assert soup.select_one("#id_le_probleme").get_text().strip() == typed["le_probleme"]
    assert soup.select_one("#id_public_concerne option[selected]")["value"] == "Agents"
    assert not soup.select("#form-errors")
    assert Candidature.objects.count() == 0

    fresh = token_from(response)
    assert fresh
    again = post_form(client, form_page, {**typed, "jeton": fresh})
    assert again.status_code == 200
    assert Candidature.objects.get().reference in again.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "0b7c2f0e-3f1a-4d6e-9a52-6f1e2d3c4b5a",  # a UUID alone, unsigned
        "5f0c6c1e-8a4b-4c39-9f43-0d2f1f6a2b11:forged-signature",
        "a\x00b",
    ],
)
def test_a_token_this_form_did_not_give_is_refused(client, form_page, token):
    response = post_form(client, form_page, answers(jeton=token))
    assert response.status_code == 400
    assert EXPIRED in text_of(response)
    assert Candidature.objects.count() == 0


def test_a_double_click_still_shows_the_same_reference(client, form_page):
    token = token_from(client.get(form_page.url))
    first = post_form(client, form_page, answers(jeton=token))
    second = post_form(client, form_page, answers(jeton=token))
    reference = Candidature.objects.get().reference
    assert reference in first.content.decode()
    assert reference in second.content.decode()


def post_json(client, page, payload, key):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/api/v3/forms/{page.pk}/submissions/",
            json.dumps({"answers": payload}),
            content_type="application/json",
            headers={"Idempotency-Key": key} if key else {},
        )


def test_an_idempotency_key_of_another_form_is_refused(
    client, form_page, every_field_form, identity
):
    key = str(uuid.uuid4())
    first = post_json(client, form_page, answers(identity_email="alice@a.gouv.fr"), key)
    assert first.status_code == 201
    reference_a = first.json()["reference"]

    response = post_json(client, every_field_form, b_answers(identity), key)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Cette clé Idempotency-Key a déjà servi pour un autre formulaire : "
        "donnez à chaque candidature une clé nouvelle."
    )
    assert reference_a not in response.content.decode()
    assert Candidature.objects.count() == 1

    # The same key on its own form still gives its reference back.
    again = post_json(client, form_page, answers(), key)
    assert again.status_code == 201 and again.json()["reference"] == reference_a


def test_a_closed_form_does_not_answer_for_another_forms_key(
    client, form_page, every_field_form, identity
):
    key = str(uuid.uuid4())
    reference_a = post_json(client, form_page, answers(), key).json()["reference"]
    call_b = every_field_form.call
    call_b.closes_at = timezone.now() - dt.timedelta(minutes=2)
    call_b.opens_at = call_b.closes_at - dt.timedelta(days=3)
    call_b.save()
    response = post_json(client, every_field_form, b_answers(identity), key)
    assert response.status_code == 410
    assert reference_a not in response.content.decode()


def test_a_form_token_of_another_form_sent_to_the_api_reveals_nothing(
    client, form_page, every_field_form, identity, stored_on_a
):
    candidature_a, token_a = stored_on_a
    response = post_json(
        client, every_field_form, b_answers(identity, jeton=token_a), key=None
    )
    assert response.status_code == 422
    assert candidature_a.reference not in response.content.decode()
    assert Candidature.objects.count() == 1


def test_the_form_is_kept_for_the_back_button_never_by_a_shared_cache(
    client, form_page
):
    """Back on the form after sending it, the browser shows its own copy (the same
    token), so that sending it again finds the candidature: never ``no-store``."""
    response = client.get(form_page.url)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-cache"} <= cache_control
    assert "no-store" not in cache_control
    token = token_from(response)
    first = post_form(client, form_page, answers(jeton=token))
    again = post_form(client, form_page, answers(jeton=token, le_probleme="Autre"))
    reference = Candidature.objects.get().reference
    assert reference in text_of(first) and reference in text_of(again)
    assert "no-store" in first["Cache-Control"], "the confirmation is not kept"


def test_the_same_candidature_sent_again_with_a_new_token_is_the_first(
    client, form_page
):
    """Back on a form the browser fetched again (a new token, the answers it
    restored), « Envoyer » finds what was stored; other answers make another."""
    first = post_form(
        client, form_page, answers(jeton=token_from(client.get(form_page.url)))
    )
    again = post_form(
        client, form_page, answers(jeton=token_from(client.get(form_page.url)))
    )
    reference = Candidature.objects.get().reference
    assert reference in text_of(first) and reference in text_of(again)
    other = post_form(
        client,
        form_page,
        answers(jeton=token_from(client.get(form_page.url)), le_probleme="Un autre"),
    )
    assert Candidature.objects.count() == 2
    assert Candidature.objects.exclude(reference=reference).get().reference in text_of(
        other
    )
