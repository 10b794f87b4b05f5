"""What one submission costs the database, and what a failed one leaves behind.

The number of queries of a submission is pinned here: a check or a lookup
added to the pipeline shows up as a failing count, to be justified (and the
count raised) or taken back. The reference sequence stays gap-free: a
submission that fails after taking its number gives it back.
"""

import logging

import pytest
from django.db import DatabaseError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.models import Page

from forms.builder import issue_token
from forms.models import Candidature, CandidatureFormField

from .helpers import answers

pytestmark = pytest.mark.django_db

# Routing (site and pages: 9, one fewer than Wagtail's stock form: the call
# reads its form page joined to the page; with a cache every process shares,
# as in production, the route is kept and only the site is read: 8 fewer,
# ``test_route_memo.KEPT_ROUTE_QUERIES``), the site's identity,
# the address's candidatures of the last hour, the token and its draft (one
# query), the same answers sent lately, the reference sequence and the
# candidature in a transaction (4), then the confirmation page (2). The form's
# fields are read once per process (kept until the page is published again).
# Test settings: the cache is in memory (production reads the refused attempts
# there), and the emails' task waits for a commit that never comes here
# (production writes its row in the transaction, without a savepoint).
SUBMISSION_QUERIES = 19

# Production's task queue (rows of this database, ``django_tasks_db``): the
# emails' task row is written in the candidature's transaction, bare (no
# savepoint), and after the commit the site's webhooks are looked up (one
# query: the call's site is the request's, not read again).
SUBMISSION_QUERIES_WITH_TASK_ROWS = SUBMISSION_QUERIES + 2
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def post(client, page, **overrides):
    return client.post(page.url, answers(jeton=issue_token(page), **overrides))


def test_a_submission_costs_a_fixed_number_of_queries(client, form_page):
    """The second submission of a warm form: a known number of queries, no more."""
    post(client, form_page, le_probleme="Un premier problème")
    with CaptureQueriesContext(connection) as queries:
        response = post(client, form_page, le_probleme="Un second problème")
    assert response.status_code == 200
    assert Candidature.objects.count() == 2
    sql = "\n".join(query["sql"] for query in queries.captured_queries)
    assert len(queries.captured_queries) == SUBMISSION_QUERIES, sql


@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_task_queue_a_submission_costs_two_more(
    client, form_page, django_capture_on_commit_callbacks
):
    """The emails' task row and the webhooks' lookup: two queries, no savepoint
    around the task, no second reading of the call's site."""
    post(client, form_page, le_probleme="Un premier problème")
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post(client, form_page, le_probleme="Un second problème")
    assert response.status_code == 200
    assert DBTaskResult.objects.count() == 2
    sql = "\n".join(query["sql"] for query in queries.captured_queries)
    assert len(queries.captured_queries) == SUBMISSION_QUERIES_WITH_TASK_ROWS, sql
    assert "wagtailcore_site" not in sql.split("forms_candidature", 1)[1], sql


def refuse_task_rows():
    """The database itself refuses every task row (as a lock timeout or a tasks
    table not migrated would), for the rest of the test's transaction."""
    table = DBTaskResult._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION amorce_refuse_row() RETURNS trigger AS "
                "$$ BEGIN RAISE EXCEPTION 'task rows refused'; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER amorce_refuse BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION amorce_refuse_row()"
            )
        else:
            cursor.execute(
                f"CREATE TEMP TRIGGER amorce_refuse BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'task rows refused'); END"
            )


@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_row_refused_by_the_database_loses_no_candidature(
    client, form_page, caplog
):
    """Written bare, the task row refused by the database spoils the transaction
    (on PostgreSQL): it is rolled back and made again, the row in a savepoint.
    The candidature is stored under the next number, none skipped, and its
    emails left to ``retry_candidature_emails``."""
    post(client, form_page, le_probleme="Premier")
    refuse_task_rows()
    with caplog.at_level(logging.ERROR, logger="amorce.forms"):
        response = post(client, form_page, le_probleme="Deuxième")
    assert response.status_code == 200
    first, second = Candidature.objects.order_by("pk")
    assert first.reference.endswith("-0001")
    assert second.form_data["le_probleme"] == "Deuxième"
    assert second.reference.endswith("-0002")
    assert second.reference in response.content.decode()
    assert f"candidature {second.pk}" in caplog.text
    assert DBTaskResult.objects.count() == 1  # the first one's only


def test_a_failed_submission_gives_its_reference_back(client, form_page, monkeypatch):
    """A submission that fails after taking its number stores nothing, and the
    next one takes that number: references stay gap-free, and none is given twice."""
    post(client, form_page, le_probleme="Premier")

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("forms.services.tasks_share_the_database", broken)
    with pytest.raises(RuntimeError):
        post(client, form_page, le_probleme="Deuxième")
    monkeypatch.undo()
    post(client, form_page, le_probleme="Troisième")

    stored = dict(
        Candidature.objects.values_list("form_data__le_probleme", "reference")
    )
    assert set(stored) == {"Premier", "Troisième"}
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in stored.values())
    assert numbers == [1, 2]


class FailingTask:
    """The emails' task, refused when queued."""

    def __init__(self, error):
        self.error = error

    def enqueue(self, *args):
        raise self.error


def test_the_email_task_refused_by_the_database_loses_nothing(
    client, form_page, monkeypatch, caplog
):
    """The task row is written in the candidature's transaction: refused by the
    database (a lock timeout, a tasks table not migrated), the candidature is
    stored all the same and its emails left to ``retry_candidature_emails``."""
    monkeypatch.setattr("forms.services.tasks_share_the_database", lambda: True)
    monkeypatch.setattr(
        "forms.services.send_candidature_emails",
        FailingTask(DatabaseError("could not obtain lock")),
    )
    token = issue_token(form_page)
    with caplog.at_level(logging.ERROR, logger="amorce.forms"):
        response = client.post(form_page.url, answers(jeton=token))
    assert response.status_code == 200
    candidature = Candidature.objects.get()
    assert candidature.reference.endswith("-0001")
    assert candidature.reference in response.content.decode()
    assert f"candidature {candidature.pk}" in caplog.text


def test_an_email_task_that_cannot_be_made_loses_nothing(
    client, form_page, monkeypatch, caplog
):
    """A task refused before its row is written: the candidature is stored all the same,
    and the failure logged (``retry_candidature_emails`` sends its emails)."""
    monkeypatch.setattr("forms.services.tasks_share_the_database", lambda: True)
    monkeypatch.setattr(
        "forms.services.send_candidature_emails",
        FailingTask(TypeError("not serialisable")),
    )
    with caplog.at_level(logging.ERROR, logger="amorce.forms"):
        response = post(client, form_page)
    assert response.status_code == 200
    candidature = Candidature.objects.get()
    assert candidature.reference in response.content.decode()
    assert f"candidature {candidature.pk}" in caplog.text


def test_fields_published_by_another_process_are_read_again(client, form_page):
    """The fields are kept per process and per published revision: a publish made
    elsewhere (no signal reaches this process) gives the next submission the new ones."""
    post(client, form_page, le_probleme="Avant")  # this process keeps the fields
    # What another process's publish leaves in the database.
    CandidatureFormField.objects.filter(page=form_page, label="Idée").update(
        label="Votre idée", clean_name="votre_idee"
    )
    Page.objects.filter(pk=form_page.pk).update(last_published_at=timezone.now())
    response = post(
        client, form_page, le_probleme="Après", idee=None, votre_idee="Un agenda"
    )
    assert response.status_code == 200
    after = Candidature.objects.get(form_data__le_probleme="Après")
    assert after.form_data["votre_idee"] == "Un agenda"
    assert "idee" not in after.form_data
    assert "Votre idée" in [field["label"] for field in after.definition.fields]
