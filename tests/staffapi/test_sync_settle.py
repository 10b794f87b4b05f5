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
from django.db import connection
from django.utils import timezone
from wagtail.models import APIToken

from forms.factories import CandidatureFactory
from forms.models import Candidature

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
        # Another worker has begun writing (an anonymisation, say)...
        other.execute("SELECT 1")  # psycopg opens the transaction
        began = other.execute("SELECT now()").fetchone()[0]
        # ...while a later change commits and a client syncs.
        later = CandidatureFactory(page=form_page, reference="TST-2026-0003")
        assert later.updated_at > began
        assert references(client, paula) == []
    finally:
        other.rollback()
        other.close()
    assert references(client, paula) == [later.reference]
