"""Task workers that die (SIGKILL, a lost machine) do not leave their task claimed for good.

django-tasks-db marks a task RUNNING, with its worker's id, when a worker
claims it; only that worker ever marks it done or failed. A worker killed in
the middle of a task leaves it RUNNING for ever, and no other worker takes it:
a receipt never sent, an export « en cours » for ever.

So a worker started by ``manage.py run_worker`` keeps a heartbeat in the
shared cache (a key per worker, refreshed every ``AMORCE_WORKER_HEARTBEAT``
seconds, expiring after three of them), and, as often, hands the RUNNING tasks
of workers whose heartbeat has expired back to the queue (READY), where the
next free worker takes them. A task may thus run a second time, when its
worker died after its work and before writing its result: the tasks are
written to be run again (an email is marked sent under a lock on its
candidature and never sent twice; an export writes its file again).

Only tasks claimed by such workers (ids starting with ``WORKER_PREFIX``) are
ever handed back: a plain ``db_worker`` keeps no heartbeat. The heartbeats
live in the cache, which must be shared by the workers (Redis or the
database); with a cache of one process, nothing is handed back.
"""

import logging
import os
import socket
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("amorce.workers")

WORKER_PREFIX = "amorce-"
KEY = "amorce:worker:{}"


def new_worker_id():
    """Unique across the pool, and readable: ``amorce-<host>-<pid>-<random>``."""
    host = socket.gethostname()[:24]
    return f"{WORKER_PREFIX}{host}-{os.getpid()}-{get_random_string(8)}"


def heartbeat_seconds():
    return float(settings.AMORCE_WORKER_HEARTBEAT)


def beat(worker_id):
    cache.set(KEY.format(worker_id), 1, timeout=3 * heartbeat_seconds())


def is_alive(worker_id):
    return cache.get(KEY.format(worker_id)) is not None


def cache_is_shared():
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


# A task whose workers died this many times is failed, not handed back again.
MAX_CLAIMS = 3


def requeue_orphans():
    """Hand back to the queue the RUNNING tasks whose worker no longer beats. Returns their count.

    Safe on several workers or machines at once: each task goes back only
    if it is still RUNNING under the same claim (one UPDATE), so a task that
    finished, or that another worker took since, is left alone.
    """
    if not cache_is_shared():
        return 0
    count = 0
    running = DBTaskResult.objects.running().values_list("pk", "worker_ids")
    for pk, worker_ids in running:
        worker_id = worker_ids[-1] if worker_ids else ""
        if not worker_id.startswith(WORKER_PREFIX) or is_alive(worker_id):
            continue
        claimed = DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, worker_ids=worker_ids
        )
        if len(worker_ids) >= MAX_CLAIMS:
            # Each worker that took it died: the task itself kills them (memory…).
            if claimed.update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path="core.workers.WorkerDied",
                traceback=f"{len(worker_ids)} workers died running this task; "
                "it is not handed back again.",
            ):
                logger.error(
                    "task %s failed: %s workers died on it", pk, len(worker_ids)
                )
            continue
        handed_back = claimed.update(status=TaskResultStatus.READY, started_at=None)
        if handed_back:
            logger.warning(
                "task %s requeued: its worker %s no longer beats", pk, worker_id
            )
            count += handed_back
    return count


class Heartbeat(threading.Thread):
    """Beats for ``worker_id`` and requeues the orphans, until ``stop()``."""

    def __init__(self, worker_id):
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()
        beat(worker_id)  # before the first claim: never seen dead while alive

    def run(self):
        interval = heartbeat_seconds()
        while not self.stopping.wait(interval):
            try:
                close_old_connections()
                beat(self.worker_id)
                requeue_orphans()
            except Exception:  # the cache or the database away a moment: try again
                logger.exception("heartbeat of %s failed", self.worker_id)
        connections.close_all()

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)
        cache.delete(KEY.format(self.worker_id))
