"""The worker sends the deliveries; a retry is a task that runs after its delay.

With a backend that cannot delay a task (the immediate one), retries wait for
``manage.py retry_webhooks``, which also sends any delivery whose task was lost.
"""

import logging

from django.db import transaction
from django_tasks import task

from . import sending

logger = logging.getLogger("amorce.webhooks")


@task()
def deliver_webhook(delivery_id):
    next_try_at = sending.attempt(delivery_id)
    if next_try_at is not None:
        schedule(delivery_id, next_try_at)


def schedule(delivery_id, run_after=None):
    """Queue a delivery (now, or after ``run_after``); a failure is logged, never raised."""
    try:
        if run_after is not None:
            if not deliver_webhook.get_backend().supports_defer:
                return  # retry_webhooks sends it when due
            queued = deliver_webhook.using(run_after=run_after)
        else:
            queued = deliver_webhook
        with transaction.atomic():  # a savepoint: a failed enqueue undoes nothing else
            queued.enqueue(delivery_id)
    except Exception:
        logger.exception("could not queue webhook delivery %s", delivery_id)


def send_due():
    """Send the deliveries that are due; their count."""
    count = 0
    for delivery_id in sending.due().values_list("pk", flat=True):
        next_try_at = sending.attempt(delivery_id)
        count += 1
        if next_try_at is not None:
            schedule(delivery_id, next_try_at)
    return count
