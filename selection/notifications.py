"""Decision emails: prepared from the team's templates, sent only when released.

One email per candidature and announced status. A stage's email may still be
prepared once the candidature has moved on: a laureate, or a candidature the
committee did not retain, was pre-selected first, and may be told so.
"""

import logging

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from wagtail.log_actions import log

from forms.choices import Status
from forms.emails import CANDIDATURE_EMAILS, EmailRecord, Letterhead
from forms.models import Candidature, CandidatureStatusChange

from .letters import letter_filename, render_decision_letter_pdf
from .models import Notification, NotificationTemplate

logger = logging.getLogger("amorce.forms")

# Sent once a decision email left (``send_notification``), with ``notification``.
# Receivers' errors are logged, never raised: the email is sent and marked so.
decision_sent = Signal()

# A status that still holds once the candidature has gone on to these: the
# jury's pre-selection, whatever the committee decided after it.
STILL_HOLDS_AFTER = {
    Status.PRESELECTED: (Status.SELECTED, Status.NOT_SELECTED),
}


def reason_for(candidature, status):
    change = (
        CandidatureStatusChange.objects.filter(
            candidature=candidature, to_status=status
        )
        .order_by("-created_at")
        .first()
    )
    return change.reason if change else ""


def holding(call, status):
    """The candidatures of ``call`` at ``status``, or past it with it in their history."""
    return Candidature.objects.filter(_holding_q(status), call=call)


def awaiting(call, status):
    """Those of ``holding`` that have no email for ``status`` yet, and someone to write to."""
    return (
        holding(call, status)
        .filter(anonymised_at=None)  # nobody left to write to
        .exclude(notifications__status=status)
    )


def _holding_q(status):
    """``holding``'s condition, for one candidature (a filter or a count's)."""
    reached = Q(status=status)
    later = STILL_HOLDS_AFTER.get(status)
    if later:
        reached |= Q(status__in=later) & Q(
            Exists(
                CandidatureStatusChange.objects.filter(
                    candidature=OuterRef("pk"), to_status=status
                )
            )
        )
    return reached


def emails_by_state(call):
    """{(status, state): (number, highest id)} of ``call``'s decision emails, in one query.

    Read from the emails, not from the call's candidatures: there are as many
    rows to read as emails, and the page's prepared total and its last id (what
    the team rereads before releasing) come from it too.
    """
    return {
        (status, state): (count, upto)
        for status, state, count, upto in Notification.objects.filter(
            candidature__call=call
        )
        .order_by()
        .values_list("status", "state")
        .annotate(count=Count("pk"), upto=Max("pk"))
    }


def counts_by_status(call, statuses, emails=None):
    """{status: {"count", "to_prepare", "prepared", "sent"}} for ``call``, in two queries.

    ``count`` is ``holding(call, status).count()`` and ``to_prepare``
    ``awaiting(call, status).count()``, for every status in one read of the
    call's candidatures instead of two each (from the ``candidature_call_status``
    index alone). The emails prepared and sent are those of ``emails_by_state``
    (one email per candidature and decision: counting the emails counts the
    candidatures); ``emails``: that, when the caller has read it already.
    """
    # The conditions as ``IN (subquery)`` rather than ``EXISTS``: PostgreSQL
    # reads each subquery once and hashes it, instead of one index probe per
    # candidature and condition (10 000 candidatures: some 9 000 probes, 30 ms,
    # against 8 ms). The ids are never NULL, so ``NOT IN`` is ``NOT EXISTS``.
    # The emails prepared and sent are counted apart: as conditions here they
    # cost every candidature twelve probes more, twice this query's time.
    aggregates = {}
    for status in statuses:
        holds = Q(status=status)
        if later := STILL_HOLDS_AFTER.get(status):
            holds |= Q(status__in=later) & Q(
                pk__in=CandidatureStatusChange.objects.filter(to_status=status).values(
                    "candidature_id"
                )
            )
        aggregates[f"count_{status}"] = Count("pk", filter=holds)
        aggregates[f"to_prepare_{status}"] = Count(
            "pk",
            filter=holds
            & Q(anonymised_at=None)
            & ~Q(
                pk__in=Notification.objects.filter(status=status).values(
                    "candidature_id"
                )
            ),
        )
    counted = Candidature.objects.filter(call=call).aggregate(**aggregates)
    if emails is None:
        emails = emails_by_state(call)
    return {
        status: {
            "count": counted[f"count_{status}"],
            "to_prepare": counted[f"to_prepare_{status}"],
            "prepared": emails.get((status, Notification.State.PREPARED), (0,))[0],
            "sent": emails.get((status, Notification.State.SENT), (0,))[0],
        }
        for status in statuses
    }


def prepare_notifications(call, status, user=None):
    """Draft one email per candidature of ``call`` holding ``status`` not yet notified of it.

    Returns (prepared, without_template).
    """
    prepared = missing = 0
    for candidature in awaiting(call, status).select_related("call"):
        template = NotificationTemplate.for_candidature(candidature, status)
        if template is None:
            missing += 1
            continue
        subject, body = template.render(candidature, reason_for(candidature, status))
        Notification.objects.create(
            candidature=candidature,
            template=template,
            status=status,
            subject=subject,
            body=body,
            prepared_by=user,
        )
        prepared += 1
    return prepared, missing


def release_notifications(call, user=None, *, upto=None, expected=None):
    """Send the prepared emails of ``call``, each in its own task; their count.

    ``upto`` and ``expected``: the last prepared email and how many the team
    had before it when it said it read them. None is sent (None is returned)
    when the prepared emails are no longer those: another member prepared,
    sent or withdrew some meanwhile.
    """
    with transaction.atomic():
        prepared = Notification.objects.select_for_update().filter(
            candidature__call=call, state=Notification.State.PREPARED
        )
        if upto is not None:
            prepared = prepared.filter(pk__lte=upto)
        ids = list(prepared.values_list("pk", flat=True))
        if expected is not None and len(ids) != expected:
            return None
        Notification.objects.filter(pk__in=ids).update(
            state=Notification.State.RELEASED, released_by=user
        )
        for pk in ids:
            transaction.on_commit(lambda pk=pk: send_notification.enqueue(pk))
    return len(ids)


def joins_letter(notification):
    return bool(notification.template and notification.template.attach_letter)


def decision_message(notification):
    """The email of a decision: the team's text on the site's letterhead, its letter joined."""
    candidature = notification.candidature
    attachments = []
    if joins_letter(notification):
        # No fallback: a letter announced by the template that cannot be drawn
        # fails the email, which the team sees and the worker tries again.
        attachments.append(
            (
                letter_filename(notification),
                render_decision_letter_pdf(notification),
                "application/pdf",
            )
        )
    return Letterhead(candidature.call).message(
        notification.subject,
        [candidature.applicant_email],
        template="selection/emails/decision",
        context={
            "notification": notification,
            "body": notification.body,
            "letter_attached": bool(attachments),
        },
        attachments=attachments,
    )


@task()
def send_notification(notification_id):
    """Send one released decision email (a task: retried by the worker on failure)."""
    notification = Notification.objects.select_related(
        "candidature__call", "template"
    ).get(pk=notification_id)
    if notification.state not in (
        Notification.State.RELEASED,
        Notification.State.FAILED,
    ):
        return
    candidature = notification.candidature
    try:
        decision_message(notification).send()
    except Exception as error:
        logger.exception("notification %s failed", notification.pk)
        Notification.objects.filter(pk=notification.pk).update(
            state=Notification.State.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        raise
    Notification.objects.filter(pk=notification.pk).update(
        state=Notification.State.SENT, sent_at=timezone.now(), error=""
    )
    log(
        candidature,
        "amorce.candidature.notified",
        user=notification.released_by,
        data={"status": notification.status, "subject": notification.subject},
    )
    notification.refresh_from_db(fields=["state", "sent_at"])
    for receiver, result in decision_sent.send_robust(
        sender=Notification, notification=notification
    ):
        if isinstance(result, Exception):
            logger.error(
                "receiver %r of decision_sent failed for notification %s",
                receiver,
                notification.pk,
                exc_info=result,
            )


def decision_emails(candidature):
    """The decision emails of a candidature, for its page in the admin."""
    return [
        EmailRecord(
            kind=_("Décision : %(status)s")
            % {"status": notification.get_status_display()},
            state=notification.get_state_display(),
            date=notification.sent_at or notification.created_at,
            subject=notification.subject,
            body=notification.body,
            recipients=(candidature.applicant_email,),
            attachments=(letter_filename(notification),)
            if joins_letter(notification)
            else (),
            error=notification.error,
        )
        for notification in candidature.notifications.select_related("template")
    ]


CANDIDATURE_EMAILS.append(decision_emails)
