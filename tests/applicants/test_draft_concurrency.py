"""Autosave racing itself on PostgreSQL: one draft, whatever arrives at once."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from forms.builder import issue_token
from forms.models import Candidature, Draft
from tests.forms.helpers import answers

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrency is shown on PostgreSQL"
    ),
]


AUTOSAVE = "?amorce_action=autosave"


def race(form_page, payloads, *, same_browser=True):
    """Post every payload at the same moment; the status codes."""
    barrier = threading.Barrier(len(payloads))
    statuses, errors = [], []
    shared = Client()

    def post(payload):
        try:
            client = shared if same_browser else Client()
            barrier.wait(timeout=30)
            url, data = payload
            response = client.post(url, data, HTTP_ACCEPT="application/json")
            statuses.append(response.status_code)
        except Exception as error:  # collected and reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(p,)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return statuses


def test_autosaves_at_once_make_one_draft(form_page):
    """Two tabs of the same draft, a double click and a retry, all at the same moment."""
    token = issue_token(form_page)
    payloads = [
        (form_page.url + AUTOSAVE, answers(jeton=token, le_probleme=f"Version {i}"))
        for i in range(8)
    ]
    statuses = race(form_page, payloads, same_browser=False)
    assert statuses == [200] * 8
    draft = Draft.objects.get()
    assert draft.answers["le_probleme"].startswith("Version ")
    assert not Candidature.objects.exists()


def test_an_autosave_racing_the_submission_makes_one_candidature(form_page):
    token = issue_token(form_page)
    Client().post(
        form_page.url + AUTOSAVE, answers(jeton=token), HTTP_ACCEPT="application/json"
    )
    payloads = [(form_page.url, answers(jeton=token))] + [
        (form_page.url + AUTOSAVE, answers(jeton=token)) for _ in range(3)
    ]
    statuses = race(form_page, payloads, same_browser=False)
    assert Candidature.objects.count() == 1
    # Whatever the order, no draft is left beside the candidature it became: an
    # autosave that arrives after the submission is refused (already sent).
    assert not Draft.objects.exists()
    assert sorted(statuses)[0] == 200
    assert set(statuses) <= {200, 422}
