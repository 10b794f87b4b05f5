"""How long candidatures wait for a first answer, against the call's target.

A candidature waits while it is « Reçue »: its first answer is the team's
first decision on it (« Recevable » or « Irrecevable »), the moment the
applicant's space says its examination started. Waits are counted in working
days (``core.workdays``) from the day after it was sent. The queries do not
grow with the number of candidatures: counts by the database, one read of
the answered ones' two dates for the medians, a capped list.
"""

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Min,
    Q,
    Value,
    When,
)
from django.utils import timezone

from core.workdays import nth_working_day_back, working_days_between

from .choices import Status
from .models import Candidature
from .permissions import calls_for

WAITING_LISTED = 20  # the longest waits shown; the rest is one click away
RECENT_DAYS = 90  # calls closed longer ago are shown only while some wait
ANSWERS = (Status.ELIGIBLE, Status.INELIGIBLE)


def waiting_filter(prefix=""):
    return Q(**{f"{prefix}status": Status.RECEIVED, f"{prefix}anonymised_at": None})


def late_before(today, target):
    """The Paris midnight before which a candidature has waited more than ``target``."""
    day = nth_working_day_back(today, target + 1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass
class CallWaits:
    call: object
    target: int | None
    waiting: int
    late: int
    answered: int = 0
    median: float | None = None
    _waits: list = field(default_factory=list, repr=False)


@dataclass
class WaitingRow:
    candidature: object
    call: object
    days: int
    target: int | None

    @property
    def late(self):
        return self.target is not None and self.days > self.target


def first_answer_overview(user, today=None, listed=WAITING_LISTED):
    """(per call, the longest waits first) for the calls ``user`` reads."""
    today = today or timezone.localdate()
    now = timezone.now()
    calls = list(
        calls_for(user)
        .live()
        .annotate(
            waiting=Count("candidatures", filter=waiting_filter("candidatures__"))
        )
        .filter(
            Q(waiting__gt=0)
            | Q(closes_at__isnull=True)
            | Q(closes_at__gte=now - dt.timedelta(days=RECENT_DAYS))
        )
        .order_by("-waiting", "title", "pk")
    )
    if not calls:
        return [], []
    cutoffs = {
        call.pk: late_before(today, call.first_answer_target_days)
        for call in calls
        if call.first_answer_target_days
    }
    late_when = [
        When(call_id=pk, submit_time__lt=cutoff, then=Value(True))
        for pk, cutoff in cutoffs.items()
    ]
    late_flag = Value(False, output_field=BooleanField())
    if late_when:
        late_flag = Case(*late_when, default=late_flag, output_field=BooleanField())
    ids = [call.pk for call in calls]
    waiting = Candidature.objects.filter(waiting_filter(), call_id__in=ids)
    waiting = waiting.annotate(is_late=late_flag)
    late_counts = dict(
        waiting.filter(is_late=True)
        .order_by()
        .values_list("call_id")
        .annotate(count=Count("pk"))
    )
    by_call = {
        call.pk: CallWaits(
            call=call,
            target=call.first_answer_target_days,
            waiting=call.waiting,
            late=late_counts.get(call.pk, 0),
        )
        for call in calls
    }
    # Only the candidatures answered, found from their answers (an inner join
    # on the status changes that answer): those still waiting are not read.
    answered = (
        Candidature.objects.filter(
            call_id__in=list(by_call),
            status_changes__from_status=Status.RECEIVED,
            status_changes__to_status__in=ANSWERS,
        )
        .annotate(first_answer=Min("status_changes__created_at"))
        .order_by()
        .values_list("call_id", "submit_time", "first_answer")
    )
    for call_id, sent, answer in answered:
        by_call[call_id]._waits.append(
            working_days_between(timezone.localdate(sent), timezone.localdate(answer))
        )
    for summary in by_call.values():
        summary.answered = len(summary._waits)
        if summary._waits:
            summary.median = statistics.median(summary._waits)
    rows = []
    longest = waiting.only("pk", "reference", "submit_time", "call")
    for candidature in longest.order_by("-is_late", "submit_time", "pk")[:listed]:
        summary = by_call[candidature.call_id]
        sent = timezone.localdate(candidature.submit_time)
        rows.append(
            WaitingRow(
                candidature=candidature,
                call=summary.call,  # read above, not once a row
                days=working_days_between(sent, today),
                target=summary.target,
            )
        )
    rows.sort(key=urgency)
    return list(by_call.values()), rows


def urgency(row):
    """Late first, the latest first; then the longest waits."""
    if row.late:
        return (0, row.target - row.days)
    return (1, -row.days)
