"""A task worker killed mid-task (SIGKILL, a lost machine) loses no task and sends no email twice."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from core import workers
from forms.emails import send_candidature_emails
from forms.models import Candidature

from .forms.helpers import post_form

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def database_tasks(settings, monkeypatch):
    """Tasks as rows run by workers; the test's cache stands for the shared one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.AMORCE_WORKER_HEARTBEAT = 1
    monkeypatch.setattr(workers, "cache_is_shared", lambda: True)


def claimed_by(worker_id):
    """The email task of the one candidature, claimed as a worker claims it, then left."""
    task = DBTaskResult.objects.get(task_path__endswith="send_candidature_emails")
    task.claim(worker_id)
    return task


def run_worker_batch():
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=workers.new_worker_id(),
        excluded_queue_names=[],
    ).run()


def test_the_task_of_a_killed_worker_is_run_by_another(
    client, form_page, database_tasks
):
    """A worker that stopped beating mid-task: its task goes back to the queue, and
    the next worker sends the receipt, once."""
    post_form(client, form_page)
    dead = workers.new_worker_id()  # claimed, and never beat: killed at once
    task = claimed_by(dead)
    run_worker_batch()
    assert mail.outbox == [], "a RUNNING task is taken by no other worker"

    output = StringIO()
    call_command("requeue_orphan_tasks", stdout=output)
    assert "1 tâche(s) remise(s) dans la file" in output.getvalue()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY

    run_worker_batch()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids[0] == dead and len(task.worker_ids) == 2
    receipts = [m for m in mail.outbox if m.to == ["camille.martin@example.gouv.fr"]]
    assert len(receipts) == 1
    assert Candidature.objects.get().confirmation_sent_at is not None


def test_the_task_of_a_live_worker_stays_with_it(client, form_page, database_tasks):
    """A worker that still beats keeps its task; so does a plain db_worker, which does not beat."""
    post_form(client, form_page)
    alive = workers.new_worker_id()
    workers.beat(alive)
    task = claimed_by(alive)
    assert workers.requeue_orphans() == 0
    DBTaskResult.objects.filter(pk=task.pk).update(worker_ids=["a-plain-db-worker"])
    assert workers.requeue_orphans() == 0
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_a_heartbeat_that_stops_releases_its_worker(database_tasks):
    """A worker stopped cleanly leaves no heartbeat behind; one that beats is seen alive."""
    worker_id = workers.new_worker_id()
    heartbeat = workers.Heartbeat(worker_id)
    heartbeat.start()
    assert workers.is_alive(worker_id)
    heartbeat.stop()
    assert not workers.is_alive(worker_id)


def test_emails_run_again_are_not_sent_again(client, form_page, database_tasks):
    """The email task run a second time (its worker died before recording the end) sends nothing,
    and each email has a Message-ID that does not change between attempts."""
    post_form(client, form_page)
    candidature = Candidature.objects.get()
    send_candidature_emails(candidature.pk)
    first = list(mail.outbox)
    assert first, "the receipt (and the team's notice) went out"
    send_candidature_emails(candidature.pk)
    assert len(mail.outbox) == len(first)
    receipt = next(m for m in first if m.to == [candidature.applicant_email])
    message_id = receipt.message()["Message-ID"]
    assert (
        message_id
        == f"<receipt.{candidature.pk}.{candidature.reference}@"
        + (message_id.split("@", 1)[1])
    )
    assert candidature.reference in message_id


def test_a_task_that_kills_every_worker_is_failed_not_handed_back_forever(
    client, form_page, database_tasks
):
    post_form(client, form_page)
    task = DBTaskResult.objects.get(task_path__endswith="send_candidature_emails")
    for _attempt in range(workers.MAX_CLAIMS):
        task.refresh_from_db()
        task.claim(workers.new_worker_id())  # claimed, then the worker dies
        workers.requeue_orphans()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert "workers died" in task.traceback
    assert len(task.worker_ids) == workers.MAX_CLAIMS
