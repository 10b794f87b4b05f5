"""Events become deliveries, one per endpoint of the event's site that subscribed to it.

Deliveries are made after the commit of what happened (nothing is announced
that was rolled back), then queued for the worker. Nothing here ever raises
into the change that triggered it: a submission or a decision never fails
because of a webhook.
"""

import logging

from django.db import transaction
from django.utils import timezone

from core.pagecache import remembered

from .models import Delivery, Endpoint, Event
from .tasks import schedule

logger = logging.getLogger("amorce.webhooks")


def envelope(site, event, data):
    return {
        "event": str(event),
        "created_at": timezone.now().isoformat(),
        "site": {"id": site.pk, "hostname": site.hostname},
        "data": data,
    }


def active_endpoints(site):
    """The site's active endpoints, kept by the process until one changes: every
    submission asks, and most sites have none or the same few."""
    return remembered(
        site.pk,
        "webhook-endpoints",
        lambda: tuple(Endpoint.objects.filter(site=site, active=True)),
    )


def emit(site, event, data):
    """Make and queue the deliveries of ``event`` on ``site``; the deliveries."""
    deliveries = [
        Delivery.objects.create(
            endpoint=endpoint, event=event, payload=envelope(site, event, data)
        )
        for endpoint in active_endpoints(site)
        if endpoint.receives(event)
    ]
    for delivery in deliveries:
        schedule(delivery.pk)
    return deliveries


def emit_on_commit(event, build):
    """After the commit, ``build()`` gives ``(site, data)`` and the event goes out.

    Any error is logged and swallowed.
    """

    def send():
        try:
            site, data = build()
            if site is not None:
                emit(site, event, data)
        except Exception:
            logger.exception("could not emit webhook event %s", event)

    try:
        transaction.on_commit(send)
    except Exception:
        logger.exception("could not plan webhook event %s", event)


def ping(endpoint):
    """A test event to one endpoint, whatever it subscribed to."""
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event=Event.PING,
        payload=envelope(endpoint.site, Event.PING, {"endpoint": {"id": endpoint.pk}}),
    )
    transaction.on_commit(lambda: schedule(delivery.pk))
    return delivery
