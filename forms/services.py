"""Storing a candidature: one transaction, a unique reference, then the emails.

Used by the HTML form and by the API alike.
"""

import datetime as dt
import functools
import hashlib
import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend
from wagtail.log_actions import log

from cms_pages.models import CallPage, CallStatus
from core.antivirus import QUARANTINED, copy_state
from core.antivirus import schedule as schedule_scan
from core.files import store_upload
from core.throttle import bump

from .choices import REASON_REQUIRED, TRANSITIONS, FieldType, Status
from .drafts import delete_draft, draft_files
from .models.applicants import Draft
from .models.candidatures import (
    Candidature,
    CandidatureAttachment,
    CandidatureStatusChange,
    CandidatureVersion,
    ReferenceSequence,
    answers_json,
)
from .tasks import send_candidature_emails

logger = logging.getLogger("amorce.forms")

# Sent inside the transaction of every status change (``change_status``), with
# ``candidature``, ``from_status``, ``to_status`` and ``user``: the apps above
# (a standing review round) act on it, and fail the change if they fail.
status_changed = Signal()

# Sent once a new candidature is committed (never for a double click or a
# resent form), with ``candidature``. Receivers' errors are logged, never
# raised: the candidature is stored whatever they do.
candidature_submitted = Signal()


def _refusals_key(client_key):
    return f"amorce:submission-refusals:{client_key}"


def record_refusal(client_key):
    """Count a refused attempt that cost the server its checks for nothing.

    A refused file, an unreadable or oversized body, a forged or stale page:
    not answers to correct, so that agents behind one address (a ministry's
    network) do not lock each other out by their typos. Kept in the cache, in
    a fixed window from the first refusal.
    """
    count, seconds = getattr(settings, "AMORCE_REFUSED_SUBMISSION_RATE_LIMIT", (0, 0))
    if not client_key or not count:
        return
    bump(_refusals_key(client_key), seconds, sliding=False)


# Why an address is refused for a while (None: it is not).
TOO_MANY_CANDIDATURES = "candidatures"
TOO_MANY_REFUSALS = "refusals"


def rate_limited(client_key):
    """Why this client is refused for a while: too many candidatures, or refusals.

    Stored candidatures are counted in the database
    (``AMORCE_SUBMISSION_RATE_LIMIT``), refused attempts in the cache
    (``AMORCE_REFUSED_SUBMISSION_RATE_LIMIT``). None when neither limit is reached.
    """
    if not client_key:
        return None
    refused, _window = getattr(settings, "AMORCE_REFUSED_SUBMISSION_RATE_LIMIT", (0, 0))
    if refused and cache.get(_refusals_key(client_key), 0) >= refused:
        return TOO_MANY_REFUSALS
    count, seconds = getattr(settings, "AMORCE_SUBMISSION_RATE_LIMIT", (20, 3600))
    if not count:
        return None
    since = timezone.now() - dt.timedelta(seconds=seconds)
    stored = Candidature.objects.filter(
        client_key=client_key, submit_time__gte=since
    ).count()
    return TOO_MANY_CANDIDATURES if stored >= count else None


def reference_prefix_for(call):
    """The reference prefix of the call's site, whichever host the candidature came through."""
    return (call.site_identity.reference_prefix or "AMO").upper()


# The next number, and the call's dates as they are stored now (``received_at``).
_NEXT_NUMBER_SQL = (
    "UPDATE forms_referencesequence SET last_number = last_number + 1 "
    "WHERE key = %s RETURNING last_number, "
    "(SELECT opens_at FROM cms_pages_callpage WHERE page_ptr_id = %s), "
    "(SELECT closes_at FROM cms_pages_callpage WHERE page_ptr_id = %s)"
)


class CallNotOpen(Exception):  # noqa: N818 - reads as what happened
    """The call's stored dates say it was not open when the submission came.

    Raised inside the candidature's transaction, which is rolled back (its
    reference number given back); ``status`` is the call's, from those dates.
    """

    def __init__(self, status):
        super().__init__(status)
        self.status = status


def _stored_datetime(value):
    """A date read by a plain cursor: SQLite answers text, PostgreSQL a datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def _stored_dates(call):
    found = CallPage.objects.filter(pk=call.pk).values_list("opens_at", "closes_at")
    return found.first() or (None, None)


def next_reference(call, prefix=None, *, received_at=None):
    """``PREFIX-YEAR-NNNN``: the next number of its sequence, in the caller's transaction.

    The sequence row is locked by the update until the transaction ends, so two
    submissions at once get two numbers; a rolled-back one gives its number
    back before anyone saw it, and a stored one is never given again.

    With ``received_at`` (when the submission came), the call's dates are read
    from the database in the same statement and written on ``call``, and
    ``CallNotOpen`` is raised if they say it was not open then: whatever copy
    of the call the request was routed with, what is stored is decided by the
    dates stored (read apart for the first number of a year, whose sequence
    row is made then). The year of the reference is that of the opening the
    caller's copy holds.
    """
    year = timezone.localtime(call.opens_at).year
    key = f"{prefix or reference_prefix_for(call)}-{year}"
    dates = None
    for _attempt in range(5):
        with connection.cursor() as cursor:
            cursor.execute(_NEXT_NUMBER_SQL, [key, call.pk, call.pk])
            row = cursor.fetchone()
        if row:
            number, dates = row[0], row[1:]
            break
        try:
            with transaction.atomic():
                ReferenceSequence.objects.create(key=key, last_number=1)
            number = 1
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five lost races in a row
        raise RuntimeError("could not reserve a reference number")
    if received_at is not None:
        opens_at, closes_at = dates or _stored_dates(call)
        if opens_at is None:  # the call deleted meanwhile
            raise CallNotOpen(CallStatus.CLOSED)
        call.opens_at = _stored_datetime(opens_at)
        call.closes_at = _stored_datetime(closes_at)
        if (status := call.status_at(received_at)) != CallStatus.OPEN:
            raise CallNotOpen(status)
    return f"{key}-{number:04d}"


class TokenUsedElsewhere(Exception):
    """The one-time token (or idempotency key) already made a candidature to another form."""


def earlier_candidature(page, token):
    """The candidature this form's token (or idempotency key) already made, if any.

    Looked up on this form only: a token of another form reveals nothing of it.
    """
    if not token:
        return None
    return Candidature.objects.filter(page=page, submission_token=token).first()


_MADE_BY_SQL = (
    "SELECT (SELECT id FROM forms_candidature "
    "WHERE page_id = %s AND submission_token = %s), "
    "(SELECT id FROM forms_draft WHERE page_id = %s AND token = %s)"
)


def made_by_token(page, token):
    """``(candidature, draft)``: what this form's token made already, each or None.

    One query for both, which a submission asks before its answers are read
    (its draft's files answer its file fields); the objects themselves are
    read only when there is one.
    """
    if not token:
        return None, None
    value = Candidature._meta.get_field("submission_token").get_db_prep_value(
        token, connection
    )
    with connection.cursor() as cursor:
        cursor.execute(_MADE_BY_SQL, [page.pk, value, page.pk, value])
        candidature_id, draft_id = cursor.fetchone()
    if candidature_id is not None:
        return Candidature.objects.get(pk=candidature_id), None
    if draft_id is not None:
        return None, Draft.objects.filter(pk=draft_id).first()
    return None, None


# How long the same candidature sent again is taken for the first one.
RESENT_WITHIN = dt.timedelta(hours=24)


def content_digest(cleaned_data, answers, field_types):
    """A hash of who sent what (files aside: a browser does not send them again)."""
    sent = {
        "identity": [
            cleaned_data.get(name) or ""
            for name in (
                "identity_name",
                "identity_email",
                "identity_administration",
                "identity_service",
            )
        ],
        "answers": {
            name: value
            for name, value in answers_json(answers).items()
            if field_types.get(name) != FieldType.FILE
        },
    }
    payload = json.dumps(sent, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


_SENT_AGAIN_SQL = (
    "SELECT id FROM forms_candidature WHERE page_id = %s AND content_digest = %s "
    "AND submit_time >= %s ORDER BY submit_time LIMIT 1"
)


def sent_again(page, digest):
    """The candidature the same person sent to this form with the same answers, lately.

    The browser's Back button brings the form back with its answers but not
    always with its one-time token: sent again, it is the same candidature.
    """
    since = timezone.now() - RESENT_WITHIN
    # Its number only, in plain SQL: most submissions find none.
    with connection.cursor() as cursor:
        cursor.execute(
            _SENT_AGAIN_SQL,
            [page.pk, digest, connection.ops.adapt_datetimefield_value(since)],
        )
        row = cursor.fetchone()
    return Candidature.objects.get(pk=row[0]) if row else None


def submit_candidature(
    page,
    cleaned_data,
    *,
    answer_fields,
    token=None,
    client_key="",
    draft=None,
    token_checked=False,
    received_at=None,
):
    """Store a candidature and its files; return ``(candidature, created)``.

    With a token already used on this form, return the candidature it made: a
    double click or a resent form never makes two. A token already used on
    another form raises ``TokenUsedElsewhere``, and that form's candidature
    stays out of sight. With a ``draft``, its files answer the file fields
    that were sent empty, and the draft is gone once the candidature is stored.
    ``token_checked``: the caller looked the token up already (a token sent
    twice at once still finds one candidature: the insert fails on its unique
    token, and the candidature it made is returned). ``received_at``: when the
    submission came, checked against the call's dates as stored when its
    reference is taken (``next_reference``; ``CallNotOpen``, nothing stored).
    """
    if not token_checked and (existing := earlier_candidature(page, token)):
        return existing, False

    field_types = {f.clean_name: f.field_type for f in page.get_form_fields()}
    kept = draft_files(draft)
    answers, uploads, from_draft = {}, [], []
    for name in answer_fields:
        value = cleaned_data.get(name)
        if field_types.get(name) == FieldType.FILE:
            files = value or []
            if not files and kept.get(name):
                from_draft.append(name)
                answers[name] = [a.original_name for a in kept[name]]
                continue
            answers[name] = [upload.name for upload in files]
            uploads.extend((name, upload) for upload in files)
        else:
            answers[name] = value
    digest = content_digest(cleaned_data, answers, field_types)
    if existing := sent_again(page, digest):
        return existing, False

    # Reads first: the transaction below holds the reference sequence's lock
    # (SQLite: the write lock) for as short a time as possible.
    prefix = reference_prefix_for(page.call)
    definition = page.get_definition()
    fields = {
        "page": page,
        "call": page.call,
        "definition": definition,
        "form_data": answers_json(answers),
        "applicant_name": cleaned_data["identity_name"],
        "applicant_email": cleaned_data["identity_email"],
        "administration": cleaned_data["identity_administration"],
        "service": cleaned_data.get("identity_service") or "",
        "status": Status.RECEIVED,
        "submission_token": token,
        "client_key": client_key,
        "content_digest": digest,
    }
    # The task row is written bare first (no savepoint: two statements fewer on
    # PostgreSQL). Refused, it spoils nothing that stays: the whole transaction
    # is rolled back (its reference number given back), and made again with the
    # row in a savepoint, where a refusal is logged and the candidature stored.
    # With files or a draft, which would be stored or taken twice, the savepoint
    # comes first.
    store = functools.partial(
        _store_candidature,
        page,
        prefix,
        fields,
        uploads,
        draft,
        from_draft,
        received_at=received_at,
    )
    try:
        try:
            candidature = store(bare_task=not uploads and draft is None)
        except _EmailTaskRefused:
            candidature = store(bare_task=False)
    except IntegrityError:
        if existing := earlier_candidature(page, token):
            return existing, False  # the same token, sent twice at once
        if token and Candidature.objects.filter(submission_token=token).exists():
            raise TokenUsedElsewhere(token) from None
        raise
    logger.debug("candidature %s stored", candidature.reference)
    transaction.on_commit(lambda: announce_submission(candidature))
    return candidature, True


class _EmailTaskRefused(Exception):
    """The emails' task row, written bare, was refused: its transaction rolls back."""


def _store_candidature(
    page, prefix, fields, uploads, draft, from_draft, *, bare_task, received_at
):
    """The candidature's transaction: its reference, its row, its files, its draft
    taken, its emails' task. ``bare_task``: that task's row without a savepoint,
    a refusal raising ``_EmailTaskRefused`` (the caller stores again, guarded)."""
    stored_files = []
    try:
        with transaction.atomic():
            reference = next_reference(page.call, prefix, received_at=received_at)
            candidature = Candidature.objects.create(reference=reference, **fields)
            for name, upload in uploads:
                attachment = store_attachment(candidature, name, upload)
                stored_files.append(attachment.file.name)
            if draft is not None:
                # Locked: a draft save in flight neither changes its files now
                # nor deletes those the candidature takes.
                Draft.objects.select_for_update().filter(pk=draft.pk).exists()
                take_draft_files(candidature, draft, from_draft)
                delete_draft(draft)
            if not tasks_share_the_database():
                transaction.on_commit(lambda: enqueue_emails(candidature.pk))
            elif bare_task:
                # The task row commits with the candidature (one commit, an
                # outbox): a worker cannot see it, hence send, before the
                # candidature is stored.
                try:
                    send_candidature_emails.enqueue(candidature.pk)
                except Exception as error:
                    raise _EmailTaskRefused from error
            else:
                enqueue_emails(candidature.pk, with_candidature=True)
    except Exception:
        for name in stored_files:
            CandidatureAttachment.file.field.storage.delete(name)
        raise
    return candidature


def announce_submission(candidature):
    for receiver, result in candidature_submitted.send_robust(
        sender=type(candidature), candidature=candidature
    ):
        if isinstance(result, Exception):
            logger.error(
                "receiver %r of candidature_submitted failed for %s",
                receiver,
                candidature.reference,
                exc_info=result,
            )


def store_attachment(candidature, field_name, upload):
    return store_upload(
        CandidatureAttachment(candidature=candidature, field_name=field_name), upload
    )


def take_draft_files(candidature, draft, field_names):
    """The draft's files for ``field_names`` become the candidature's (same stored files)."""
    kept = draft.attachments.filter(field_name__in=field_names)
    for attachment in kept.exclude(scan_state__in=QUARANTINED):
        taken = CandidatureAttachment.objects.create(
            candidature=candidature,
            field_name=attachment.field_name,
            file=attachment.file.name,
            original_name=attachment.original_name,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
            **copy_state(attachment),
        )
        if taken.is_pending:  # the draft's scan, if still to run, finds its row gone
            schedule_scan(taken)
        attachment.delete()


def tasks_share_the_database():
    """True when tasks are rows of this database (django-tasks-db), run by a worker."""
    return isinstance(task_backends["default"], DatabaseBackend)


def enqueue_emails(candidature_id, *, with_candidature=False):
    """Queue the candidature's emails; a failure is logged, and they are sent later.

    ``with_candidature``: the task is a row written in the candidature's own
    transaction, here in a savepoint, so that a database refusing that row (a
    lock timeout, a tasks table not migrated) does not refuse the candidature.
    On SQLite too: Django marks the whole transaction for rollback when a
    model's save fails inside it. ``submit_candidature`` writes the row bare
    first and comes here only when that was refused. Either way the failure is
    logged and ``retry_candidature_emails`` sends what was not.
    """
    try:
        if with_candidature:
            with transaction.atomic():
                send_candidature_emails.enqueue(candidature_id)
        else:
            send_candidature_emails.enqueue(candidature_id)
    except Exception:  # the candidature is stored; `retry_candidature_emails` will send
        logger.exception(
            "could not enqueue the emails of candidature %s", candidature_id
        )


def change_status(candidature, new_status, *, user=None, reason=""):
    """Move a candidature to ``new_status``, with its history and Wagtail's log."""
    old_status = candidature.status
    if new_status == old_status:
        return candidature
    if candidature.anonymised_at:
        raise ValidationError(
            _("Cette candidature a été anonymisée : son statut ne change plus.")
        )
    if new_status not in TRANSITIONS[Status(old_status)]:
        raise ValidationError(
            _("Une candidature « %(old)s » ne peut pas passer à « %(new)s ».")
            % {"old": Status(old_status).label, "new": Status(new_status).label}
        )
    if new_status in REASON_REQUIRED and not reason.strip():
        raise ValidationError(_("Indiquez le motif de cette décision."))
    with transaction.atomic():
        candidature.status = new_status
        candidature.save(update_fields=["status", "updated_at"])
        CandidatureStatusChange.objects.create(
            candidature=candidature,
            from_status=old_status,
            to_status=new_status,
            reason=reason,
            user=user,
        )
        log(
            candidature,
            "amorce.candidature.status",
            user=user,
            data={"from": old_status, "to": new_status, "reason": reason},
        )
        status_changed.send(
            sender=type(candidature),
            candidature=candidature,
            from_status=old_status,
            to_status=new_status,
            user=user,
        )
    return candidature


def revisable(candidature):
    """Whether its applicant may still edit it: the call open, nobody examining it yet.

    The programme team starts by the eligibility check: once a candidature
    left « Reçue », what the team reads no longer changes under its eyes.
    """
    return (
        candidature.anonymised_at is None
        and candidature.status == Status.RECEIVED
        and candidature.call.status == CallStatus.OPEN
    )


class NotRevisable(Exception):  # noqa: N818 - reads as what happened
    pass


def same_answer(one, other):
    """Two stored answers alike, nothing being nothing (``None``, ``""``, ``[]``)."""
    empty = (None, "", [])
    return one == other or (one in empty and other in empty)


IDENTITY_ATTRIBUTES = {
    "identity_name": "applicant_name",
    "identity_administration": "administration",
    "identity_service": "service",
}


def revise_candidature(candidature, form, *, only=None, allowed=revisable):
    """Store the applicant's edit: the previous version kept, with the files it replaced.

    ``form`` is the candidature's form, valid. ``only``: the names of the
    fields the applicant may change (a correction request), the others kept
    as they are; ``allowed(candidature)`` is checked again under lock
    (``NotRevisable``). Returns the version replaced, None when nothing changed.
    """
    page = candidature.page.specific
    field_types = {f.clean_name: f.field_type for f in page.get_form_fields()}
    cleaned = form.cleaned_data

    def editable(name):
        return only is None or name in only

    answers, uploads = {}, []
    for name in form.answer_fields:
        value = cleaned.get(name)
        if not editable(name):
            continue  # kept as stored, read under the lock below
        if field_types.get(name) == FieldType.FILE:
            files = value or []
            if files:
                answers[name] = [upload.name for upload in files]
                uploads.extend((name, upload) for upload in files)
            else:  # nothing new: the files kept
                answers[name] = candidature.form_data.get(name, [])
        else:
            answers[name] = value
    answers = answers_json(answers)  # the editable ones; the others come below
    identity = {
        attribute: (cleaned.get(name) or "")
        for name, attribute in IDENTITY_ATTRIBUTES.items()
        if editable(name)
    }
    replaced = {name for name, _upload in uploads}
    stored_files = []
    try:
        with transaction.atomic():
            current = Candidature.objects.select_for_update().get(pk=candidature.pk)
            current.call = candidature.call
            if not allowed(current):
                raise NotRevisable
            stored = current.form_data
            for name in form.answer_fields:
                if not editable(name):
                    answers[name] = stored.get(name)
            changed = [
                name
                for name in form.answer_fields
                if not same_answer(answers.get(name), stored.get(name))
                or name in replaced
            ] + [
                name
                for name, attribute in IDENTITY_ATTRIBUTES.items()
                if attribute in identity
                and getattr(current, attribute) != identity[attribute]
            ]
            if not changed:
                return None
            version = CandidatureVersion.objects.create(
                candidature=current,
                number=current.versions.count() + 1,
                definition_id=current.definition_id,
                form_data=current.form_data,
                applicant_name=current.applicant_name,
                administration=current.administration,
                service=current.service,
                submitted_at=current.revised_at or current.submit_time,
                changed_fields=changed,
            )
            current.attachments.filter(field_name__in=replaced, version=None).update(
                version=version
            )
            for name, upload in uploads:
                attachment = store_attachment(current, name, upload)
                stored_files.append(attachment.file.name)
            current.form_data = answers
            current.definition = page.get_definition()
            for attribute, value in identity.items():
                setattr(current, attribute, value)
            current.revised_at = timezone.now()
            current.save()
            log(
                current,
                "amorce.candidature.revised",
                data={"version": version.number, "changed": changed},
            )
    except Exception:
        for name in stored_files:
            CandidatureAttachment.file.field.storage.delete(name)
        raise
    candidature.refresh_from_db()
    return version
