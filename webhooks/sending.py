"""One attempt at a delivery: signed, with a timeout, no redirect followed.

The body is signed like Stripe's webhooks: ``X-Amorce-Signature`` holds
``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's
secret>`` (docs/webhooks.md). A 2xx answer is a success; anything else (a
redirect included), a timeout or a refused target is a failure, tried again
after ``AMORCE_WEBHOOKS_BACKOFF`` seconds, then marked failed.

An attempt has a total deadline (``AMORCE_WEBHOOKS_DEADLINE``: resolving,
connecting, sending and reading together), shorter than the claim's lease, and
its outcome is saved only if the delivery is still claimed by it: a late
attempt never overwrites a newer one. The error kept for the team is a French
sentence; the raw exception goes to the server log only.
"""

import contextlib
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import threading
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


def deadline():
    """Seconds one attempt may take in all (name, connection, request, answer)."""
    return float(getattr(settings, "AMORCE_WEBHOOKS_DEADLINE", 3 * timeout()))


def lease():
    """How long a claim holds: longer than any attempt can last."""
    return deadline() + 60


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


class DeadlineExceeded(TimeoutError):
    """The attempt as a whole took longer than ``deadline()``."""


def post(url, body, headers):
    """POST ``body`` to ``url``, connecting to the address just checked; the status code.

    ``timeout()`` bounds each socket operation, ``deadline()`` the whole: when
    it passes, the socket is shut down, which ends any read or write under way
    (a receiver that trickles its answer a byte at a time included).
    """
    ends_at = time.monotonic() + deadline()

    def remaining():
        left = ends_at - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(f"no answer within {deadline():g} s")
        return left

    try:
        scheme, host, port, path, addresses = resolve(url, timeout=remaining())
    except TimeoutError as slow:
        raise DeadlineExceeded(str(slow)) from None
    connection_class = (
        http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(host, port, timeout=timeout())
    address = addresses[0]
    expired = threading.Event()
    sockets = []

    def cut():
        expired.set()
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed: nothing to cut
                sock.shutdown(socket.SHUT_RDWR)

    def connect_to_checked_address(_address, timeout=None, source_address=None):
        sock = socket.create_connection(
            (address, port), min(timeout, remaining()), source_address
        )
        # A duplicate to shut down: TLS takes the original over (and detaches it).
        sockets.append(sock.dup())
        if expired.is_set():
            cut()
        return sock

    # The Host header and TLS name stay the URL's; the socket goes where we checked.
    connection._create_connection = connect_to_checked_address
    watchdog = threading.Timer(remaining(), cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_READ)
        if expired.is_set():
            raise DeadlineExceeded(f"no answer within {deadline():g} s")
        return response.status
    except (OSError, http.client.HTTPException):
        if expired.is_set():
            raise DeadlineExceeded(f"no answer within {deadline():g} s") from None
        raise
    finally:
        watchdog.cancel()
        watchdog.join()
        connection.close()
        for sock in sockets:
            sock.close()


def describe(failure):
    """What the team reads in the log for an exception of ``post``: French, no jargon."""
    if isinstance(failure, TargetRefused):
        return str(failure)
    if isinstance(failure, DeadlineExceeded):
        return _(
            "Délai dépassé : le destinataire n'a pas répondu complètement en "
            "%(seconds)s secondes."
        ) % {"seconds": f"{deadline():g}"}
    if isinstance(failure, TimeoutError):
        return _(
            "Délai dépassé : le destinataire n'a pas répondu en %(seconds)s secondes."
        ) % {"seconds": f"{timeout():g}"}
    if isinstance(failure, ConnectionRefusedError):
        return _("Connexion refusée : aucun service n'écoute à cette adresse.")
    if isinstance(failure, socket.gaierror):
        return _("Le nom de cette adresse ne se résout pas.")
    if isinstance(failure, ssl.SSLCertVerificationError):
        return _("Certificat TLS invalide : la connexion sécurisée est refusée.")
    if isinstance(failure, ssl.SSLError):
        return _("Échec de la connexion sécurisée (TLS).")
    if isinstance(failure, (ConnectionError, http.client.RemoteDisconnected)):
        return _("Connexion interrompue par le destinataire.")
    if isinstance(failure, http.client.HTTPException):
        return _("Réponse invalide du destinataire (ce n'est pas du HTTP correct).")
    return _("Destinataire injoignable (erreur réseau).")


def claim(delivery_id, now):
    """Take a due delivery for this attempt (one sender at a time).

    The lease's end (in ``next_try_at``) is the claim's token, or None if the
    delivery is not ours.
    """
    held_until = now + dt.timedelta(seconds=lease())
    taken = (
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
        .update(next_try_at=held_until)
    )
    return held_until if taken else None


def attempt(delivery_id):
    """Try a delivery once; the time of the next try if it must be tried again, else None."""
    now = timezone.now()
    token = claim(delivery_id, now)
    if token is None:
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    code, error, raw = None, "", ""
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
        except (OSError, http.client.HTTPException, TargetRefused) as failure:
            error = describe(failure)
            raw = f"{type(failure).__name__}: {failure}"
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
    # Saved only while the claim is still ours: past the lease, another sender
    # may have taken the delivery, and its outcome is the one that counts.
    saved = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.PENDING, next_try_at=token
    ).update(
        attempts=delivery.attempts,
        response_code=code,
        last_error=delivery.last_error,
        status=delivery.status,
        next_try_at=delivery.next_try_at,
        updated_at=timezone.now(),
    )
    if error:
        logger.warning(
            "webhook delivery %s to endpoint %s failed (attempt %s): %s",
            delivery.pk,
            endpoint.pk,
            delivery.attempts,
            raw or error,
        )
    if not saved:
        logger.warning(
            "webhook delivery %s: attempt outlived its claim, outcome not saved",
            delivery.pk,
        )
        return None
    return delivery.next_try_at if delivery.status == Delivery.Status.PENDING else None


def due(now=None):
    """Pending deliveries whose time has come, or never tried a minute after they were made."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=Delivery.Status.PENDING).filter(
        Q(next_try_at__lte=now)
        | Q(next_try_at__isnull=True, created_at__lte=now - dt.timedelta(minutes=1))
    )
