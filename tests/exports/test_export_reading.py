"""What an export of candidatures reads from the database, and how it reads it back."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count

from exports.resources import CandidatureResource, moment_reader
from forms.factories import CandidatureFactory
from forms.models import Candidature

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
@pytest.mark.parametrize("status", [None, ["received"]])
def test_export_totals_come_from_the_index_not_the_rows(form_page, status):
    """The forms, calls and total an export reads before its rows come from the
    index alone: on SQLite, a candidature's columns lie after its answers, and
    reading them walks every candidature's answers before the first row."""
    CandidatureFactory(page=form_page)
    queryset = Candidature.objects.filter(call_id=form_page.call.pk, page=form_page)
    if status:
        queryset = queryset.filter(status__in=status)
    resource = CandidatureResource(queryset)
    assert resource.total == 1
    query = (
        resource.queryset.order_by()
        .values_list("definition_id", "call_id")
        .annotate(count=Count("pk"))
    )  # as ``CandidatureResource.groups`` reads them
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        plan = " ".join(
            str(step[-1])
            for step in cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        )
    assert "COVERING INDEX candidature_call_status" in plan, plan


def test_moments_stored_as_text_are_read_in_their_zone():
    """SQLite keeps a moment as text in UTC: the export reads it as that moment,
    an offset written in the text is kept, a day alone is its midnight."""
    read = moment_reader(dt.UTC)
    assert read("2026-10-25 00:30:00.250000") == dt.datetime(
        2026, 10, 25, 0, 30, 0, 250000, tzinfo=dt.UTC
    )
    assert read("2026-10-25 02:30:00+02:00") == dt.datetime(
        2026, 10, 25, 0, 30, tzinfo=dt.UTC
    )
    assert read("2026-10-25") == dt.datetime(2026, 10, 25, tzinfo=dt.UTC)
    moment = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    assert read(moment) is moment  # PostgreSQL's datetime, as it comes
