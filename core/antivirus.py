"""Every file someone sends is scanned by ClamAV's daemon (clamd), in the background.

A file is stored first, ``pending`` (« analyse en cours »), and a task streams
it to clamd (INSTREAM, through the ``clamav-client`` package). Until clamd has
said « OK », nobody downloads it. clamd's answers become states:

- OK: ``clean``, served as before;
- FOUND a signature: ``infected``, in quarantine, never served;
- FOUND a heuristic that says clamd could not look inside (an encrypted
  archive or document, a limit reached, a broken executable), or ERROR (the
  stream past clamd's ``StreamMaxLength``…): ``unscannable``, never served;
- no answer (clamd stopped, its socket gone, a timeout): still ``pending``;
  the task runs again later (``AMORCE_ANTIVIRUS_BACKOFF``), and
  ``manage.py scan_pending`` scans whatever still waits.

With scanning off (``AMORCE_ANTIVIRUS=off``) a new file is ``off`` (« non
analysé ») and served; files stored before the antivirus existed are
``legacy`` (served, and scanned by ``scan_pending --unscanned``).

This module knows no app: the models that hold files are the subclasses of
``ScannedFile`` (Django's registry lists them), and what an app does when a
file is quarantined (tell the applicant) it does on ``file_quarantined``.
"""

import datetime
import logging
import struct
from urllib.parse import urlparse

from clamav_client import clamd
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

logger = logging.getLogger("amorce.antivirus")

ACTION_QUARANTINED = "amorce.antivirus.quarantined"
HEALTH_KEY = "amorce:antivirus:health"
CHUNK_SIZE = 64 * 1024

# Sent when a file becomes ``infected`` or ``unscannable`` (sender: its model).
file_quarantined = Signal()


class ScanState(models.TextChoices):
    PENDING = "pending", _("analyse en cours")
    CLEAN = "clean", _("analysé, sain")
    INFECTED = "infected", _("en quarantaine : virus détecté")
    UNSCANNABLE = "unscannable", _("en quarantaine : impossible à analyser")
    OFF = "off", _("non analysé (antivirus désactivé)")
    LEGACY = "legacy", _("non analysé (antérieur à l'antivirus)")


SERVED = {ScanState.CLEAN, ScanState.OFF, ScanState.LEGACY}
QUARANTINED = {ScanState.INFECTED, ScanState.UNSCANNABLE}
# What clamd says when it could not look inside a file: not a virus, not clean.
UNSCANNABLE_PREFIXES = (
    "Heuristics.Encrypted",
    "Heuristics.Limits",
    "Heuristics.Broken",
    "Heuristics.Structured",
)


class ScannedFile(models.Model):
    """The antivirus's verdict on a stored file (``PrivateFile`` has it)."""

    scan_state = models.CharField(
        _("analyse antivirus"),
        max_length=12,
        choices=ScanState.choices,
        default=ScanState.PENDING,
        db_index=True,
        editable=False,
    )
    scanned_at = models.DateTimeField(_("analysé le"), null=True, editable=False)
    # The signature found, or why clamd could not scan it.
    scan_detail = models.CharField(max_length=255, blank=True, editable=False)
    scan_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

    @property
    def is_servable(self):
        return self.scan_state in SERVED

    @property
    def is_quarantined(self):
        return self.scan_state in QUARANTINED

    @property
    def is_pending(self):
        return self.scan_state == ScanState.PENDING


# --- Settings and the client ------------------------------------------------


def enabled():
    return bool(settings.AMORCE_ANTIVIRUS)


class Unreachable(Exception):
    """clamd did not answer (stopped, no socket, timeout): try again later."""


class _StreamMixin:
    """``INSTREAM`` in chunks of 64 KiB, and an honest answer past ``StreamMaxLength``.

    clamav-client sends 1 KiB chunks, and when clamd stops reading (the stream
    is past its ``StreamMaxLength``) the send fails with a broken pipe before
    clamd's « size limit exceeded » is read: here the answer is read anyway.
    """

    def instream(self, buff):
        self._init_socket()
        try:
            self._send_command("INSTREAM")
            try:
                while chunk := buff.read(CHUNK_SIZE):
                    self.clamd_socket.sendall(struct.pack("!L", len(chunk)) + chunk)
                self.clamd_socket.sendall(struct.pack("!L", 0))
            except (BrokenPipeError, ConnectionResetError):
                pass  # clamd stopped reading: its reason is in its answer
            result = self._recv_response()
            if not result:
                raise clamd.CommunicationError("clamd closed the stream unanswered")
            if "size limit exceeded" in result:
                raise clamd.BufferTooLongError(result)
            _name, reason, status = self._parse_response(result)
            return status, reason
        finally:
            self._close_socket()


class _UnixClient(_StreamMixin, clamd.ClamdUnixSocket):
    pass


class _NetworkClient(_StreamMixin, clamd.ClamdNetworkSocket):
    pass


def client(timeout=None):
    """A client for ``AMORCE_CLAMD`` (``unix:///path`` or ``tcp://host:port``)."""
    address = settings.AMORCE_CLAMD
    timeout = settings.AMORCE_CLAMD_TIMEOUT if timeout is None else timeout
    parsed = urlparse(address)
    if parsed.scheme == "tcp":
        return _NetworkClient(parsed.hostname, parsed.port or 3310, timeout=timeout)
    return _UnixClient(parsed.path or address, timeout=timeout)


def scan_stream(handle, size):
    """``(state, detail)`` for the bytes of ``handle``; raise ``Unreachable``."""
    if size > settings.AMORCE_CLAMD_STREAM_MAX_LENGTH:
        return ScanState.UNSCANNABLE, "StreamMaxLength"
    try:
        status, reason = client().instream(handle)
    except clamd.BufferTooLongError:
        return ScanState.UNSCANNABLE, "StreamMaxLength"
    except (TimeoutError, clamd.CommunicationError, OSError) as error:
        raise Unreachable(str(error)) from error
    except clamd.ResponseError as error:
        return ScanState.UNSCANNABLE, str(error)[:255] or "ERROR"
    if status == "OK":
        return ScanState.CLEAN, ""
    if status == "FOUND":
        if (reason or "").startswith(UNSCANNABLE_PREFIXES):
            return ScanState.UNSCANNABLE, reason[:255]
        return ScanState.INFECTED, (reason or "")[:255]
    return ScanState.UNSCANNABLE, (reason or status)[:255]


def scan_upload(upload):
    """``(state, detail)`` of a file scanned at once, before it is used (an import).

    ``off`` when scanning is off; raise ``Unreachable`` when clamd does not answer.
    """
    if not enabled():
        return ScanState.OFF, ""
    upload.seek(0)
    try:
        return scan_stream(upload, upload.size)
    finally:
        upload.seek(0)


def health():
    """``{"state": "active"|"off"|"unreachable", "version": …}``, kept 60 seconds."""
    if not enabled():
        return {"state": "off", "version": ""}
    known = cache.get(HEALTH_KEY)
    if known is not None:
        return known
    try:
        connection = client(timeout=min(settings.AMORCE_CLAMD_TIMEOUT, 3))
        if connection.ping() != "PONG":
            raise Unreachable("no PONG")
        known = {"state": "active", "version": connection.version()}
    except (Unreachable, clamd.ClamdError, OSError) as error:
        logger.warning("clamd unreachable: %s", error)
        known = {"state": "unreachable", "version": ""}
    cache.set(HEALTH_KEY, known, 60)
    return known


# --- The files --------------------------------------------------------------


def scanned_models():
    """Every concrete model that holds scanned files."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, ScannedFile) and not model._meta.abstract
    ]


def initial_state():
    return ScanState.PENDING if enabled() else ScanState.OFF


def schedule(instance, run_after=None):
    """Queue the scan of ``instance`` once its row is committed; never raises."""
    label = instance._meta.label
    pk = str(instance.pk)

    def enqueue():
        try:
            if run_after is not None:
                if not scan_file.get_backend().supports_defer:
                    return  # scan_pending scans it
                queued = scan_file.using(run_after=run_after)
            else:
                queued = scan_file
            queued.enqueue(label, pk)
        except Exception:  # the file waits, pending: scan_pending finds it
            logger.exception("could not queue the scan of %s %s", label, pk)

    if run_after is None:
        transaction.on_commit(enqueue)
    else:
        enqueue()


def copy_state(source):
    """The scan fields of ``source``, for a copy of its file (a draft's becomes a candidature's)."""
    return {
        "scan_state": source.scan_state,
        "scanned_at": source.scanned_at,
        "scan_detail": source.scan_detail,
        "scan_attempts": source.scan_attempts,
    }


def scan(instance, retry=True):
    """Scan one stored file and record the verdict; its new state.

    Run twice (a retried task), it changes nothing the second time: only a
    pending file is written. clamd silent: the file stays pending, and with
    ``retry`` a new try is queued after the next delay of the backoff. Its row
    deleted meanwhile (a draft sent, a file replaced): ``None``, nothing written.
    """
    model = type(instance)
    if instance.scan_state != ScanState.PENDING:
        return instance.scan_state
    if (
        not enabled()
    ):  # switched off since it was sent: « non analysé », like the others
        model.objects.filter(pk=instance.pk, scan_state=ScanState.PENDING).update(
            scan_state=ScanState.OFF
        )
        instance.scan_state = ScanState.OFF
        return ScanState.OFF
    try:
        with instance.file.open("rb") as handle:
            state, detail = scan_stream(handle, instance.size)
    except FileNotFoundError:
        state, detail = ScanState.UNSCANNABLE, "missing"
    except Unreachable as error:
        attempts = instance.scan_attempts + 1
        if not model.objects.filter(pk=instance.pk).update(scan_attempts=attempts):
            return None  # deleted meanwhile: nothing to retry
        instance.scan_attempts = attempts
        cache.delete(HEALTH_KEY)
        backoff = settings.AMORCE_ANTIVIRUS_BACKOFF
        logger.warning(
            "clamd unreachable for %s %s (attempt %s): %s",
            model._meta.label,
            instance.pk,
            attempts,
            error,
        )
        if retry and attempts <= len(backoff):
            delay = datetime.timedelta(seconds=backoff[attempts - 1])
            schedule(instance, run_after=timezone.now() + delay)
        return ScanState.PENDING
    if cache.get(HEALTH_KEY, {}).get("state") == "unreachable":
        cache.delete(HEALTH_KEY)  # clamd answered: the team's notice goes
    now = timezone.now()
    written = model.objects.filter(pk=instance.pk, scan_state=ScanState.PENDING).update(
        scan_state=state, scan_detail=detail, scanned_at=now
    )
    if not written:  # scanned by another run meanwhile, or deleted (None)
        return (
            model.objects.filter(pk=instance.pk)
            .values_list("scan_state", flat=True)
            .first()
        )
    instance.scan_state, instance.scan_detail, instance.scanned_at = state, detail, now
    if state in QUARANTINED:
        quarantine(instance)
    return state


def quarantine(instance):
    """The apps hear of a quarantined file (they log it in Wagtail's history, tell the applicant)."""
    logger.warning(
        "%s %s quarantined: %s",
        instance._meta.label,
        instance.pk,
        instance.scan_detail,
    )
    for receiver, result in file_quarantined.send_robust(
        sender=type(instance), instance=instance
    ):
        if isinstance(result, Exception):
            logger.error(
                "receiver %r of file_quarantined failed", receiver, exc_info=result
            )


@task()
def scan_file(label, pk):
    model = apps.get_model(label)
    instance = model.objects.filter(pk=pk).first()
    if instance is None:  # deleted since (a draft sent, a file replaced)
        return None
    return scan(instance)


def waiting(unscanned=False):
    """The files still to scan (and, with ``unscanned``, those never scanned)."""
    states = [ScanState.PENDING]
    if unscanned:
        states += [ScanState.OFF, ScanState.LEGACY]
    for model in scanned_models():
        yield from model.objects.filter(scan_state__in=states).order_by("pk").iterator()


GONE = "gone"  # deleted while it was scanned
FAILED = "failed"  # the scan raised: logged, the next file is scanned
NOT_SCANNED = "not_scanned"  # never scanned, left as it was: clamd went silent


def scan_waiting(unscanned=False):
    """Scan now what waits; ``{state: count}``. clamd silent: stop at once.

    Besides the states, ``GONE`` counts the files deleted meanwhile, ``FAILED``
    those whose scan raised (logged; the others are scanned all the same) and
    ``NOT_SCANNED`` those never scanned that clamd's silence left as they were.

    A file never scanned is set pending only for its own scan: clamd silent (or
    the scan failing), it gets its state back, downloadable as it was.
    """
    counts = {}

    def count(key):
        counts[key] = counts.get(key, 0) + 1

    cache.delete(HEALTH_KEY)
    if health()["state"] != "active":
        pending = sum(
            model.objects.filter(scan_state=ScanState.PENDING).count()
            for model in scanned_models()
        )
        raise Unreachable(
            f"clamd at {settings.AMORCE_CLAMD} does not answer ({pending} waiting)"
        )
    silent = False
    for instance in waiting(unscanned):
        previous = instance.scan_state
        if silent:  # clamd is silent: the rest waits too
            count(ScanState.PENDING if previous == ScanState.PENDING else NOT_SCANNED)
            continue
        model = type(instance)
        if previous != ScanState.PENDING:
            if not model.objects.filter(pk=instance.pk, scan_state=previous).update(
                scan_state=ScanState.PENDING
            ):
                count(GONE)  # deleted, or scanned by another run, meanwhile
                continue
            instance.scan_state = ScanState.PENDING
        try:
            state = scan(instance, retry=False)
        except Exception:
            logger.exception("scan of %s %s failed", model._meta.label, instance.pk)
            state = FAILED
        if state in (ScanState.PENDING, FAILED) and previous != ScanState.PENDING:
            model.objects.filter(pk=instance.pk, scan_state=ScanState.PENDING).update(
                scan_state=previous
            )
            if state == ScanState.PENDING:
                state = NOT_SCANNED
        if state in (ScanState.PENDING, NOT_SCANNED):
            silent = True
        count(GONE if state is None else state)
    return counts


def overview():
    """For the team: the antivirus's health, what waits, what clamd could not take, the last scan."""
    pending = stuck = 0
    last_scan = None
    waiting_files = models.Q(scan_state=ScanState.PENDING)
    for model in scanned_models():
        # One read a model (the latest scan reads the table whatever the
        # counts), not three: the dashboard asks it on every visit.
        counts = model.objects.aggregate(
            pending=models.Count("pk", filter=waiting_files),
            stuck=models.Count(
                "pk", filter=waiting_files & models.Q(scan_attempts__gt=0)
            ),
            last=models.Max("scanned_at"),
        )
        pending += counts["pending"]
        stuck += counts["stuck"]
        done = counts["last"]
        if done and (last_scan is None or done > last_scan):
            last_scan = done
    return {**health(), "pending": pending, "stuck": stuck, "last_scan": last_scan}
