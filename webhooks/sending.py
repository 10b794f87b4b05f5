"""One attempt at a delivery: signed, with a timeout, no redirect followed.

The body is signed like Stripe's webhooks: ``X-Amorce-Signature`` holds
``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's
secret>`` (docs/webhooks.md). A 2xx answer is a success; anything else (a
redirect included), a timeout or a refused target is a failure, tried again
after ``AMORCE_WEBHOOKS_BACKOFF`` seconds, then marked failed.
"""

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import socket
import time

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Delivery
from .targets import TargetRefused, resolve

logger = logging.getLogger("amorce.webhooks")

USER_AGENT = "Amorce-Webhooks/1"
MAX_READ = 64 * 1024


def timeout():
    return float(getattr(settings, "AMORCE_WEBHOOKS_TIMEOUT", 5))


def backoff():
    """Seconds to wait after the 1st, 2nd… failed attempt; one more attempt than delays."""
    return list(
        getattr(settings, "AMORCE_WEBHOOKS_BACKOFF", [60, 300, 1800, 7200, 43200])
    )


def body_of(payload):
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret, timestamp, body):
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post(url, body, headers):
    """POST ``body`` to ``url``, connecting to the address just checked; the status code."""
    scheme, host, port, path, addresses = resolve(url)
    connection_class = (
        http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(host, port, timeout=timeout())
    address = addresses[0]

    def connect_to_checked_address(_address, timeout=None, source_address=None):
        return socket.create_connection((address, port), timeout, source_address)

    # The Host header and TLS name stay the URL's; the socket goes where we checked.
    connection._create_connection = connect_to_checked_address
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_READ)
        return response.status
    finally:
        connection.close()


def claim(delivery_id, now):
    """Take a due delivery for this attempt (one sender at a time); False if not ours."""
    lease = now + dt.timedelta(seconds=2 * timeout() + 60)
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
        .update(next_try_at=lease)
    )


def attempt(delivery_id):
    """Try a delivery once; the time of the next try if it must be tried again, else None."""
    now = timezone.now()
    if not claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    code, error = None, ""
    if not endpoint.active:
        error = _("Webhook désactivé.")
    else:
        body = body_of(delivery.payload)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Amorce-Event": delivery.event,
            "X-Amorce-Delivery": str(delivery.pk),
            "X-Amorce-Signature": signature(endpoint.secret, timestamp, body),
        }
        try:
            code = post(endpoint.url, body, headers)
        except TargetRefused as refused:
            error = str(refused)
        except (OSError, http.client.HTTPException) as failure:
            error = f"{type(failure).__name__}: {failure}"
        else:
            if 300 <= code < 400:
                error = _("Redirection refusée (HTTP %(code)s).") % {"code": code}
            elif not 200 <= code < 300:
                error = _("Réponse HTTP %(code)s.") % {"code": code}
    delivery.attempts += 1
    delivery.response_code = code
    delivery.last_error = error[:2000]
    delays = backoff()
    if not error:
        delivery.status, delivery.next_try_at = Delivery.Status.SUCCEEDED, None
    elif not endpoint.active or delivery.attempts > len(delays):
        delivery.status, delivery.next_try_at = Delivery.Status.FAILED, None
    else:
        delivery.next_try_at = timezone.now() + dt.timedelta(
            seconds=delays[delivery.attempts - 1]
        )
    delivery.save(
        update_fields=[
            "attempts",
            "response_code",
            "last_error",
            "status",
            "next_try_at",
            "updated_at",
        ]
    )
    if error:
        logger.warning(
            "webhook delivery %s to endpoint %s failed (attempt %s): %s",
            delivery.pk,
            endpoint.pk,
            delivery.attempts,
            error,
        )
    return delivery.next_try_at if delivery.status == Delivery.Status.PENDING else None


def due(now=None):
    """Pending deliveries whose time has come, or never tried a minute after they were made."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=Delivery.Status.PENDING).filter(
        Q(next_try_at__lte=now)
        | Q(next_try_at__isnull=True, created_at__lte=now - dt.timedelta(minutes=1))
    )
