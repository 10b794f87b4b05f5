"""Reminders to the members who still have dossiers to score before a round's deadline.

Run once a day (``send_jury_reminders``, or the task of the same name). A
member gets at most two reminders per round and deadline: one
``reminder_days`` before it (sent on a later day if the job did not run that
day, as long as the deadline has not come), and one on the day. One email per
member and round, listing every dossier they still have to score, never one
per dossier. Each reminder sent is recorded (``JuryReminder``) in the same
transaction as its sending: a job run twice, or two at once, sends it once.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from forms.emails import Letterhead

from .models import JuryReminder, ReminderKind, ReviewRound
from .permissions import pending_candidatures

logger = logging.getLogger("amorce.selection")


@dataclass
class ReminderReport:
    sent: int = 0
    skipped: int = 0  # already sent, or nothing left to score
    failed: list = field(default_factory=list)


def due_kind(review_round, today):
    """Which reminder a round is due on ``today``, or None."""
    deadline = review_round.evaluation_deadline
    if deadline is None or today > deadline:
        return None
    if today == deadline:
        return ReminderKind.DAY
    if review_round.reminder_days and today >= deadline - timedelta(
        days=review_round.reminder_days
    ):
        return ReminderKind.BEFORE
    return None


def rounds_due(today):
    """Rounds whose deadline is today or within their reminder window."""
    # The widest window a round may set (its field's validator): a narrow
    # query, then each round's own number of days.
    return (
        ReviewRound.objects.filter(
            closed_at__isnull=True,  # a closed round takes no more evaluations
            evaluation_deadline__gte=today,
            evaluation_deadline__lte=today + timedelta(days=60),
        )
        .select_related("call")
        .prefetch_related("memberships__user")
    )


def reminder_message(review_round, member, dossiers, kind):
    letterhead = Letterhead(review_round.call)
    deadline = review_round.evaluation_deadline
    if kind == ReminderKind.DAY:
        subject = _("Dernier jour pour vos évaluations — %(round)s")
    else:
        subject = _("Rappel : vos évaluations avant le %(date)s — %(round)s")
    subject %= {
        "round": str(review_round),
        "date": deadline.strftime("%d/%m/%Y"),
    }
    return letterhead.message(
        subject,
        [member.email],
        template="selection/emails/jury_reminder",
        context={
            "member": member,
            "review_round": review_round,
            "call": review_round.call,
            "deadline": deadline,
            "on_the_day": kind == ReminderKind.DAY,
            "dossiers": [
                {
                    "reference": c.reference,
                    "url": letterhead.url(
                        reverse("jury:evaluate", args=[review_round.pk, c.pk])
                    ),
                }
                for c in dossiers
            ],
            "round_url": letterhead.url(reverse("jury:round", args=[review_round.pk])),
        },
    )


def remind_member(review_round, member, kind):
    """Send one member their reminder for the round, once. True if sent."""
    if not member.email:
        return False
    dossiers = list(
        pending_candidatures(member, review_round)
        .only("pk", "reference")
        .order_by("reference")
    )
    if not dossiers:
        return False
    try:
        with transaction.atomic():
            JuryReminder.objects.create(
                round=review_round,
                member=member,
                kind=kind,
                deadline=review_round.evaluation_deadline,
                pending=len(dossiers),
            )
            reminder_message(review_round, member, dossiers, kind).send()
    except IntegrityError:  # already sent, by this job earlier or another at once
        return False
    return True


def send_jury_reminders(today=None):
    """Every reminder due on ``today`` (Paris time), each once."""
    today = today or timezone.localdate()
    report = ReminderReport()
    for review_round in rounds_due(today):
        kind = due_kind(review_round, today)
        if kind is None:
            continue
        sent_before = set(
            JuryReminder.objects.filter(
                round=review_round,
                kind=kind,
                deadline=review_round.evaluation_deadline,
            ).values_list("member_id", flat=True)
        )
        for membership in review_round.memberships.all():
            if membership.removed_at is not None:
                continue
            if membership.user_id in sent_before:
                report.skipped += 1
                continue
            try:
                if remind_member(review_round, membership.user, kind):
                    report.sent += 1
                else:
                    report.skipped += 1
            except Exception as error:  # noqa: BLE001 - the next members still get theirs
                logger.exception(
                    "jury reminder of round %s to member %s failed",
                    review_round.pk,
                    membership.user_id,
                )
                report.failed.append((review_round, membership.user, error))
    return report


@task()
def send_jury_reminders_task():
    report = send_jury_reminders()
    return {"sent": report.sent, "failed": len(report.failed)}
