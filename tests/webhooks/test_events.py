"""Each event the team may subscribe to goes out when it happens, with ids, not people."""

import json

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from forms.factories import CandidatureFactory
from investigations.models import Investigation, Outcome
from investigations.services import record_outcome, start_investigation
from selection.evaluations import save_evaluation
from selection.models import Notification, ReviewRound, RoundMember
from selection.notifications import send_notification
from tests.users import member_of

pytestmark = pytest.mark.django_db


def events(receiver):
    return [(p[2]["X-Amorce-Event"], json.loads(p[3])["data"]) for p in receiver.posts]


@pytest.fixture
def candidature(form_page):
    return CandidatureFactory(
        page=form_page,
        status="preselected",
        applicant_name="Dominique Secret",
        applicant_email="dominique@example.org",
        reference="AMO-2026-0007",
    )


def test_a_submitted_evaluation_is_announced_without_the_member(
    candidature, call, endpoint, receiver
):
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    juror = member_of("Jury", "jules")
    RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(candidature)
    with TestCase.captureOnCommitCallbacks(execute=True):
        save_evaluation(review_round, candidature, juror, scores={}, submit=False)
    assert receiver.posts == [], "a draft is not an event"
    with TestCase.captureOnCommitCallbacks(execute=True):
        evaluation = save_evaluation(
            review_round, candidature, juror, scores={}, submit=True
        )
    [(event, data)] = events(receiver)
    assert event == "evaluation.submitted"
    assert data["evaluation"]["id"] == evaluation.pk
    assert data["round"] == {"id": review_round.pk, "kind": "preselection"}
    assert data["candidature"]["reference"] == "AMO-2026-0007"
    raw = receiver.posts[0][3].decode()
    assert "jules" not in raw.lower() and "Dominique" not in raw


def test_a_sent_decision_email_is_announced(candidature, endpoint, receiver):
    notification = Notification.objects.create(
        candidature=candidature,
        status="preselected",
        subject="Votre candidature",
        body="Bonjour Dominique Secret",
        state=Notification.State.RELEASED,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        send_notification.call(notification.pk)
    assert len(mail.outbox) == 1
    [(event, data)] = events(receiver)
    assert event == "decision.sent"
    assert data["decision"] == "preselected"
    assert data["candidature"]["reference"] == "AMO-2026-0007"
    assert data["sent_at"]
    assert "Dominique" not in receiver.posts[0][3].decode()


def test_phase_changes_of_an_investigation_are_announced(
    call, site, endpoint, receiver
):
    investigation = Investigation.objects.create(
        call=call,
        site=site,
        title="Rendez-vous en préfecture",
        problem_statement="Confidentiel",
        starts_on=timezone.localdate(),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        start_investigation(investigation)
    with TestCase.captureOnCommitCallbacks(execute=True):
        record_outcome(investigation, Outcome.BUILD_SERVICE)
    sent = events(receiver)
    assert [e for e, _ in sent] == ["investigation.phase_changed"] * 2
    assert sent[0][1]["phase"]["code"] == "investigation"
    assert sent[0][1]["previous_phase"] is None
    assert sent[1][1]["previous_phase"] == "investigation"
    assert sent[1][1]["investigation"]["id"] == investigation.pk
    assert "Confidentiel" not in receiver.posts[1][3].decode()
