"""The lower apps' signals, turned into webhook events.

Payloads carry identifiers, references, statuses and dates, never a person's
name, email or answers: a consumer reads those through the API, with a token.
"""

from django.dispatch import receiver
from django.utils import timezone

from forms.services import candidature_submitted, status_changed
from investigations.services import phase_changed
from selection.evaluations import evaluation_submitted
from selection.notifications import decision_sent

from .models import Event
from .services import emit_on_commit


def iso(value):
    return value.isoformat() if value else None


def call_data(call):
    if call is None:
        return None
    return {"id": call.pk, "title": call.title}


def candidature_data(candidature):
    return {
        "id": candidature.pk,
        "reference": candidature.reference,
        "status": candidature.status,
        "submitted_at": iso(candidature.submit_time),
    }


def site_of_call(call):
    return call.get_site() if call is not None else None


@receiver(candidature_submitted, dispatch_uid="webhooks.candidature_submitted")
def on_candidature_submitted(sender, candidature, **kwargs):
    emit_on_commit(
        Event.CANDIDATURE_SUBMITTED,
        lambda: (
            site_of_call(candidature.call),
            {
                "candidature": candidature_data(candidature),
                "call": call_data(candidature.call),
            },
        ),
    )


@receiver(status_changed, dispatch_uid="webhooks.status_changed")
def on_status_changed(sender, candidature, from_status, to_status, **kwargs):
    # Taken now, not after the commit: two changes in one transaction are two
    # events, each with its own statuses and time.
    data = {**candidature_data(candidature), "status": to_status}
    changed_at = iso(timezone.now())
    emit_on_commit(
        Event.STATUS_CHANGED,
        lambda: (
            site_of_call(candidature.call),
            {
                "candidature": data,
                "call": call_data(candidature.call),
                "from_status": from_status,
                "to_status": to_status,
                "changed_at": changed_at,
            },
        ),
    )


@receiver(decision_sent, dispatch_uid="webhooks.decision_sent")
def on_decision_sent(sender, notification, **kwargs):
    candidature = notification.candidature
    emit_on_commit(
        Event.DECISION_SENT,
        lambda: (
            site_of_call(candidature.call),
            {
                "candidature": candidature_data(candidature),
                "call": call_data(candidature.call),
                "decision": notification.status,
                "sent_at": iso(notification.sent_at),
            },
        ),
    )


@receiver(evaluation_submitted, dispatch_uid="webhooks.evaluation_submitted")
def on_evaluation_submitted(sender, evaluation, **kwargs):
    review_round = evaluation.round
    emit_on_commit(
        Event.EVALUATION_SUBMITTED,
        lambda: (
            site_of_call(review_round.call),
            {
                "evaluation": {
                    "id": evaluation.pk,
                    "submitted_at": iso(evaluation.submitted_at),
                },
                "round": {"id": review_round.pk, "kind": review_round.kind},
                "candidature": candidature_data(evaluation.candidature),
                "call": call_data(review_round.call),
            },
        ),
    )


@receiver(phase_changed, dispatch_uid="webhooks.phase_changed")
def on_phase_changed(sender, investigation, phase, previous, **kwargs):
    emit_on_commit(
        Event.PHASE_CHANGED,
        lambda: (
            investigation.site or site_of_call(investigation.call),
            {
                "investigation": {"id": investigation.pk, "title": investigation.title},
                "phase": {
                    "code": phase.code,
                    "starts_on": iso(phase.starts_on),
                    "ends_on": iso(phase.ends_on),
                },
                "previous_phase": previous,
                "call": call_data(investigation.call),
            },
        ),
    )
