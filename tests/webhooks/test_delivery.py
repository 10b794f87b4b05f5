"""Events reach the team's URLs signed, are retried with backoff, and never block a submission."""

import datetime as dt
import json
import logging
import socket
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from forms.factories import CandidatureFormPageFactory
from forms.models import Candidature
from forms.services import change_status
from tests.forms.helpers import answers
from tests.incubators import B_HOST, add_second_incubator
from webhooks import sending, services
from webhooks.models import Delivery, Endpoint

from .conftest import ALL_EVENTS
from .receiver import Receiver, verify

pytestmark = pytest.mark.django_db


def submit(client, form_page):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/api/v3/forms/{form_page.pk}/submissions/",
            json.dumps({"answers": answers()}),
            content_type="application/json",
        )


def retry_when_due():
    """The time of the next try has come: ``retry_webhooks`` (cron) sends it."""
    Delivery.objects.filter(status="pending").update(next_try_at=timezone.now())
    call_command("retry_webhooks", stdout=StringIO())


def test_a_submission_reaches_the_endpoint_signed_and_without_personal_data(
    client, form_page, endpoint, receiver
):
    response = submit(client, form_page)
    assert response.status_code == 201
    reference = response.json()["reference"]

    [(method, path, headers, body)] = receiver.posts
    assert (method, path) == ("POST", "/hooks/amorce")
    assert headers["X-Amorce-Event"] == "candidature.submitted"
    assert verify(endpoint.secret, headers["X-Amorce-Signature"], body)
    assert not verify("whsec_another", headers["X-Amorce-Signature"], body)
    assert not verify(endpoint.secret, headers["X-Amorce-Signature"], body + b" ")
    payload = json.loads(body)
    assert payload["event"] == "candidature.submitted"
    assert payload["data"]["candidature"]["reference"] == reference
    assert payload["data"]["candidature"]["status"] == "received"
    assert payload["data"]["call"]["title"] == "Appel de test"
    for personal in ("Camille", "camille.martin", "Préfecture", "trois mois"):
        assert personal not in body.decode()

    delivery = Delivery.objects.get()
    assert headers["X-Amorce-Delivery"] == str(delivery.pk)
    assert (delivery.status, delivery.response_code, delivery.attempts) == (
        "succeeded",
        200,
        1,
    )


def test_an_old_signature_is_refused_by_the_documented_check(
    client, form_page, endpoint, receiver
):
    submit(client, form_page)
    [(_, _, headers, body)] = receiver.posts
    later = timezone.now().timestamp() + 301
    assert not verify(endpoint.secret, headers["X-Amorce-Signature"], body, now=later)


def test_a_status_change_is_announced_with_both_statuses(
    client, form_page, endpoint, receiver
):
    submit(client, form_page)
    candidature = Candidature.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        change_status(candidature, "eligible")
    headers, body = receiver.posts[-1][2], receiver.posts[-1][3]
    assert headers["X-Amorce-Event"] == "candidature.status_changed"
    data = json.loads(body)["data"]
    assert (data["from_status"], data["to_status"]) == ("received", "eligible")
    assert data["candidature"]["status"] == "eligible"


def test_two_changes_in_one_transaction_are_two_events_each_with_its_statuses(
    client, form_page, endpoint, receiver
):
    submit(client, form_page)
    candidature = Candidature.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        change_status(candidature, "eligible")
        change_status(candidature, "preselected", reason="Retenue")
    events = [json.loads(post[3])["data"] for post in receiver.posts[1:]]
    assert [
        (e["from_status"], e["to_status"], e["candidature"]["status"]) for e in events
    ] == [
        ("received", "eligible", "eligible"),
        ("eligible", "preselected", "preselected"),
    ]
    assert events[0]["changed_at"] <= events[1]["changed_at"]


def test_an_endpoint_gets_only_the_events_it_subscribed_to(
    client, form_page, endpoint, receiver
):
    endpoint.events = ["candidature.status_changed"]
    endpoint.save()
    submit(client, form_page)
    assert receiver.posts == []
    with TestCase.captureOnCommitCallbacks(execute=True):
        change_status(Candidature.objects.get(), "eligible")
    assert [p[2]["X-Amorce-Event"] for p in receiver.posts] == [
        "candidature.status_changed"
    ]


def test_an_answer_500_is_retried_with_backoff_then_marked_failed(
    client, form_page, endpoint, receiver, short_backoff
):
    receiver.answers = [500]
    assert submit(client, form_page).status_code == 201
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        "pending",
        1,
        500,
    )
    wait = (delivery.next_try_at - delivery.updated_at).total_seconds()
    assert 55 < wait < 65, "the first retry waits a minute"

    call_command("retry_webhooks", stdout=StringIO())
    assert len(receiver.posts) == 1, "not before its time"

    retry_when_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    wait = (delivery.next_try_at - delivery.updated_at).total_seconds()
    assert 295 < wait < 305, "the second waits five minutes"

    retry_when_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_try_at) == (
        "failed",
        3,
        None,
    )
    assert "500" in delivery.last_error
    retry_when_due()
    assert len(receiver.posts) == 3, "a failed delivery is not tried again"
    bodies = {p[3] for p in receiver.posts}
    assert len(bodies) == 1, "every attempt sends the same event"


def test_a_receiver_that_times_out_is_retried_and_then_succeeds(
    client, form_page, endpoint, receiver, settings
):
    settings.AMORCE_WEBHOOKS_TIMEOUT = 0.5
    receiver.answers = [("sleep", 2, 200), 204]
    assert submit(client, form_page).status_code == 201
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.response_code is None
    assert delivery.last_error == (
        "Délai dépassé : le destinataire n'a pas répondu en 0.5 secondes."
    )

    retry_when_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        "succeeded",
        2,
        204,
    )


def test_a_receiver_that_trickles_its_answer_is_cut_at_the_deadline_and_retried(
    client, form_page, endpoint, receiver, settings
):
    """Each byte comes within the socket timeout; the attempt as a whole doesn't."""
    settings.AMORCE_WEBHOOKS_TIMEOUT = 0.5
    settings.AMORCE_WEBHOOKS_DEADLINE = 1
    receiver.answers = [("trickle", 0.1, 200), 204]
    assert submit(client, form_page).status_code == 201
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        "pending",
        1,
        None,
    )
    assert delivery.last_error == (
        "Délai dépassé : le destinataire n'a pas répondu complètement en 1 secondes."
    )
    wait = (delivery.next_try_at - delivery.updated_at).total_seconds()
    assert 55 < wait < 65, "retried after the backoff, not held by a lease"

    retry_when_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        "succeeded",
        2,
        204,
    )


def test_a_claimed_delivery_is_not_taken_again_before_its_attempt_has_ended(
    endpoint, receiver, settings
):
    settings.AMORCE_WEBHOOKS_TIMEOUT = 5
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={})
    now = timezone.now()
    token = sending.claim(delivery.pk, now)
    assert token is not None
    assert sending.claim(delivery.pk, now) is None, "one sender at a time"
    past_deadline = now + dt.timedelta(seconds=sending.deadline() + 1)
    assert sending.claim(delivery.pk, past_deadline) is None, "the lease still holds"


def test_an_attempt_that_outlived_its_claim_does_not_overwrite_the_newer_one(
    endpoint, receiver, monkeypatch
):
    receiver.answers = [500, 204]
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={})
    real_post = sending.post
    codes = []

    def slow_post(url, body, headers):
        code = real_post(url, body, headers)
        codes.append(code)
        if len(codes) == 1:
            # This attempt outlived its lease: retry_webhooks took the delivery
            # again, and succeeded, before this one came back with its 500.
            Delivery.objects.filter(pk=delivery.pk).update(next_try_at=timezone.now())
            call_command("retry_webhooks", stdout=StringIO())
        return code

    monkeypatch.setattr(sending, "post", slow_post)
    assert sending.attempt(delivery.pk) is None, "nothing to schedule"
    assert codes == [500, 204]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.last_error) == (
        "succeeded",
        204,
        "",
    )


def test_a_tls_failure_reads_in_french_and_the_details_go_to_the_log(
    endpoint, receiver, caplog
):
    endpoint.url = receiver.url.replace("http://", "https://")
    endpoint.save()
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={})
    with caplog.at_level(logging.WARNING, logger="amorce.webhooks"):
        sending.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.last_error == "Échec de la connexion sécurisée (TLS)."
    assert "SSL" in caplog.text, "the raw error stays in the server log"


def test_a_redirect_is_not_followed_and_ends_failed(
    client, form_page, endpoint, receiver, short_backoff
):
    receiver.answers = [("redirect", "/ailleurs")]
    submit(client, form_page)
    retry_when_due()
    retry_when_due()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        "failed",
        3,
        302,
    )
    assert "Redirection refusée" in delivery.last_error
    assert [r[0] for r in receiver.requests] == ["POST"] * 3, "never followed"


def test_the_submission_is_stored_when_the_endpoint_is_down(client, form_page, site):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    Endpoint.objects.create(
        site=site, name="Éteint", url=f"http://127.0.0.1:{port}/", events=ALL_EVENTS
    )
    response = submit(client, form_page)
    assert response.status_code == 201
    assert Candidature.objects.filter(reference=response.json()["reference"]).exists()
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.last_error == (
        "Connexion refusée : aucun service n'écoute à cette adresse."
    )


def test_the_submission_is_stored_when_webhooks_break(
    client, form_page, endpoint, receiver, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(services, "emit", broken)
    response = submit(client, form_page)
    assert response.status_code == 201
    assert Candidature.objects.count() == 1
    assert receiver.posts == []


def test_an_event_goes_only_to_the_endpoints_of_its_site(
    client, form_page, endpoint, receiver
):
    site_b, call_b = add_second_incubator()
    with Receiver() as receiver_b:
        Endpoint.objects.create(
            site=site_b, name="Mer", url=receiver_b.url, events=ALL_EVENTS
        )
        submit(client, form_page)
        assert len(receiver.posts) == 1
        assert receiver_b.posts == [], "site A's candidature is not site B's event"

        form_b = CandidatureFormPageFactory(
            parent=call_b,
            slug="candidater",
            fields=[{"label": "Le problème", "field_type": "multiline"}],
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(
                f"/api/v3/forms/{form_b.pk}/submissions/",
                json.dumps({"answers": answers(public_concerne=None, idee=None)}),
                content_type="application/json",
                HTTP_HOST=B_HOST,
            )
        assert response.status_code == 201, response.content
        assert len(receiver_b.posts) == 1
        assert len(receiver.posts) == 1, "nor the reverse"
        payload = json.loads(receiver_b.posts[0][3])
        assert payload["site"]["id"] == site_b.pk


def test_a_name_that_never_resolves_is_cut_at_the_deadline(
    endpoint, receiver, settings, monkeypatch
):
    """getaddrinfo has no timeout of its own: a stuck resolver ends at the deadline."""
    settings.AMORCE_WEBHOOKS_DEADLINE = 1
    answered = threading.Event()

    def stuck_resolver(*args, **kwargs):
        answered.wait(30)
        raise socket.gaierror("too late")

    monkeypatch.setattr("webhooks.targets.socket.getaddrinfo", stuck_resolver)
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={})
    try:
        next_try_at = sending.attempt(delivery.pk)
    finally:
        answered.set()
    delivery.refresh_from_db()
    assert next_try_at is not None and delivery.status == "pending"
    assert delivery.last_error == (
        "Délai dépassé : le destinataire n'a pas répondu complètement en 1 secondes."
    )
    assert receiver.posts == []
