"""A sync never hands out a cursor past a change that is not committed yet.

``updated_at`` is stamped when a row is written, but other readers see the row
when its transaction commits. A sync that read a later row first, then moved
its cursor past the instant of the uncommitted one, would never see it (an
anonymisation's long transaction, and the client keeps names that were
erased). So the lists stop before the oldest transaction still open
(PostgreSQL) and a few seconds before now (``AMORCE_SYNC_SETTLE_SECONDS``).
"""

import datetime as dt

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import APIToken

from forms.factories import CandidatureFactory
from forms.models import Candidature
from privacy.services import anonymise

pytestmark = pytest.mark.django_db

URL = "/api/v3/staff/candidatures/"


def references(client, user):
    plaintext = APIToken.create_token(user=user, name="Synchro")[1]
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["items"]]


def test_a_change_of_the_last_seconds_waits_for_the_next_sync(
    client, paula, form_page, settings
):
    settings.AMORCE_SYNC_SETTLE_SECONDS = 30
    older = CandidatureFactory(page=form_page, reference="TST-2026-0001")
    newer = CandidatureFactory(page=form_page, reference="TST-2026-0002")
    Candidature.objects.filter(pk=older.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert references(client, paula) == [older.reference]
    Candidature.objects.filter(pk=newer.pk).update(
        updated_at=timezone.now() - dt.timedelta(seconds=31)
    )
    assert references(client, paula) == [older.reference, newer.reference]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL tells its open transactions"
)
def test_a_transaction_still_open_holds_back_what_was_stamped_after_it_began(
    client, paula, form_page
):
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"] or None,
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        password=settings_dict["PASSWORD"] or None,
    )
    try:
        # A reader's open transaction (a BI tool, psql) holds nothing back...
        other.execute("SELECT 1")  # psycopg opens the transaction
        began = other.execute("SELECT now()").fetchone()[0]
        early = CandidatureFactory(page=form_page, reference="TST-2026-0002")
        assert references(client, paula) == [early.reference]
        # ...but once it has written (an anonymisation under way, say), what
        # was stamped after it began waits for it to end.
        other.execute("CREATE TEMPORARY TABLE amorce_probe (x int)")
        later = CandidatureFactory(page=form_page, reference="TST-2026-0003")
        assert early.updated_at > began
        assert references(client, paula) == []
    finally:
        other.rollback()
        other.close()
    assert references(client, paula) == [early.reference, later.reference]


def test_an_anonymisation_run_reaches_a_client_that_synced_between_its_calls(
    client, paula, form_page
):
    """The retention command reads « now » once and anonymises call after call, each
    in its own transaction: the rows are stamped when written, so a client that
    synced between two calls still receives the second call's rows."""
    plaintext = APIToken.create_token(user=paula, name="Synchro")[1]

    def page(after=None):
        response = client.get(
            URL,
            {"after": after} if after else {},
            HTTP_AUTHORIZATION=f"Bearer {plaintext}",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        return [row["reference"] for row in body["items"]], body["next"]

    first, second = (
        CandidatureFactory(page=form_page, reference=f"TST-2026-000{n}") for n in (1, 2)
    )
    Candidature.objects.update(updated_at=timezone.now() - dt.timedelta(hours=1))
    _rows, cursor = page()
    run_started = timezone.now() - dt.timedelta(minutes=1)  # read once, at the start
    with transaction.atomic():
        anonymise(Candidature.objects.filter(pk=first.pk), now=run_started)
    rows, cursor = page(cursor)
    assert rows == [first.reference]
    with transaction.atomic():
        anonymise(Candidature.objects.filter(pk=second.pk), now=run_started)
    rows, cursor = page(cursor)
    assert rows == [second.reference], "the second call's anonymisation is received"
    assert Candidature.objects.get(pk=second.pk).anonymised_at == run_started
