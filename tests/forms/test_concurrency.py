"""Many submissions at once on PostgreSQL: unique references, nothing lost."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from forms.builder import issue_token
from forms.models import Candidature

from .helpers import answers

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrency is shown on PostgreSQL"
    ),
]


def test_concurrent_submissions_get_unique_references(form_page):
    """Twenty clients post at the same moment; twenty candidatures, twenty references."""
    clients = 20
    barrier = threading.Barrier(clients)
    statuses, errors = [], []

    def submit(index):
        try:
            client = Client(REMOTE_ADDR=f"10.0.0.{index}")
            barrier.wait(timeout=30)
            response = client.post(
                form_page.url,
                answers(le_probleme=f"Problème {index}", jeton=issue_token(form_page)),
            )
            statuses.append(response.status_code)
        except Exception as error:  # collected and reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert statuses == [200] * clients
    references = list(Candidature.objects.values_list("reference", flat=True))
    assert len(references) == clients
    assert len(set(references)) == clients
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
    assert numbers == list(range(1, clients + 1))
    problems = set(Candidature.objects.values_list("form_data__le_probleme", flat=True))
    assert problems == {f"Problème {i}" for i in range(clients)}


def test_the_same_token_sent_twice_at_once_makes_one(form_page):
    """A double click racing itself: one candidature."""
    token = issue_token(form_page)
    barrier = threading.Barrier(2)
    statuses = []

    def submit():
        client = Client()
        barrier.wait(timeout=30)
        statuses.append(client.post(form_page.url, answers(jeton=token)).status_code)
        connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200, 200]
    assert Candidature.objects.count() == 1
