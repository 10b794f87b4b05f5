"""Each event goes out once, whatever path made the change.

A phase changes by a decision (the service functions), by the admin's edit
form (an outcome corrected there moves the phase it opened), or by a row
written elsewhere (the demo loader, a shell); an evaluation is submitted by
its member, or typed in by the team from a spreadsheet; a status changes on
the candidature's screen or from an imported spreadsheet. Every one of these
sends its event exactly once, to a real receiver; a correction that changes
no phase, a second save of a submitted evaluation, or a rolled-back change,
sends none.
"""

import datetime as dt
import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from cms_pages.choices import PhaseCode
from forms.factories import CandidatureFactory
from investigations.models import Investigation, Outcome, Phase
from investigations.services import record_outcome, start_investigation
from selection.evaluations import save_evaluation
from selection.models import Evaluation, ReviewRound, RoundMember
from tests.exports.test_import import evaluation_sheet, sheet
from tests.investigations.test_decisions import edit_form_data, said

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def admin_form(client, investigation):
    url, data = edit_form_data(client, investigation)
    if not data.get("organisations"):  # a multiple choice with none chosen
        data.pop("organisations", None)
    return url, data


def events(receiver, kind):
    return [
        json.loads(body)["data"]
        for _method, _path, headers, body in receiver.posts
        if headers["X-Amorce-Event"] == kind
    ]


def phases(receiver):
    return [
        (e["previous_phase"], e["phase"]["code"])
        for e in events(receiver, "investigation.phase_changed")
    ]


@pytest.fixture
def investigation(call, site):
    investigation = Investigation.objects.create(
        call=call,
        site=site,
        title="Rendez-vous en préfecture",
        problem_statement="Confidentiel",
        starts_on=TODAY() - dt.timedelta(weeks=10),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        start_investigation(investigation)  # before the endpoint: not counted
    return investigation


def test_a_decision_sends_one_phase_event(investigation, endpoint, receiver):
    with TestCase.captureOnCommitCallbacks(execute=True):
        record_outcome(investigation, Outcome.BUILD_SERVICE)  # closes one, opens one
    assert phases(receiver) == [(PhaseCode.INVESTIGATION, PhaseCode.CONSTRUCTION)]


def test_an_outcome_corrected_in_the_admin_sends_one_phase_event(
    programme_client, investigation, endpoint, receiver
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        record_outcome(investigation, Outcome.BUILD_SERVICE)
    receiver.requests.clear()
    url, data = admin_form(programme_client, investigation)
    data["outcome"] = Outcome.STOP
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = programme_client.post(url, data)
    assert response.status_code == 302, said(response)
    assert phases(receiver) == [
        (PhaseCode.CONSTRUCTION, PhaseCode.ABANDON_INVESTIGATION)
    ]


def test_a_date_corrected_in_the_admin_sends_no_phase_event(
    programme_client, investigation, endpoint, receiver
):
    url, data = admin_form(programme_client, investigation)
    data["phases-0-ends_on"] = TODAY().isoformat()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = programme_client.post(url, data)
    assert response.status_code == 302, said(response)
    assert investigation.phases.get().ends_on == TODAY()
    assert phases(receiver) == []


def test_a_phase_written_outside_the_services_sends_one_event(
    investigation, endpoint, receiver
):
    """As the demo loader or a shell writes it; a rollback announces nothing."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        Phase.objects.create(
            investigation=investigation, code=PhaseCode.CONSTRUCTION, starts_on=TODAY()
        )
    assert phases(receiver) == [(PhaseCode.INVESTIGATION, PhaseCode.CONSTRUCTION)]

    with TestCase.captureOnCommitCallbacks(execute=True):
        try:
            with transaction.atomic():
                Phase.objects.create(
                    investigation=investigation,
                    code=PhaseCode.ACCELERATION,
                    starts_on=TODAY(),
                )
                raise RuntimeError
        except RuntimeError:
            pass
    with TestCase.captureOnCommitCallbacks(execute=True):
        phase = investigation.phases.get(code=PhaseCode.CONSTRUCTION)
        phase.code = PhaseCode.ACCELERATION
        phase.save()
    assert phases(receiver) == [
        (PhaseCode.INVESTIGATION, PhaseCode.CONSTRUCTION),
        (PhaseCode.CONSTRUCTION, PhaseCode.ACCELERATION),
    ]


@pytest.fixture
def review_round(call, form_page):
    juror = User.objects.create_user("alice", "alice@example.org", "x")
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(
        *CandidatureFactory.create_batch(2, page=form_page, status="eligible")
    )
    return review_round


def test_evaluations_typed_in_from_a_spreadsheet_are_announced_once(
    programme_client, review_round, endpoint, receiver
):
    first, second = review_round.candidatures.order_by("pk")
    url = f"/admin/exports/tours/{review_round.pk}/importer-des-evaluations/"
    upload = evaluation_sheet(
        review_round,
        [
            [first.reference, "alice@example.org", 4, 3, 8, "Solide", "Non"],
            [second.reference, "alice@example.org", None, None, None, "", "Oui"],
        ],
    )
    preview = BeautifulSoup(
        programme_client.post(url, {"file": upload}).content, "html.parser"
    )
    stored = preview.select_one('input[name="stored"]')["value"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        programme_client.post(url, {"stored": stored, "confirm": "1"})
    announced = events(receiver, "evaluation.submitted")
    assert sorted(e["candidature"]["reference"] for e in announced) == sorted(
        [first.reference, second.reference]
    )
    assert Evaluation.objects.filter(submitted_at__isnull=False).count() == 2

    # A later save of a submitted evaluation (a bulk anonymisation, a shell): none.
    with TestCase.captureOnCommitCallbacks(execute=True):
        for evaluation in Evaluation.objects.all():
            evaluation.comment = ""
            evaluation.save()
    assert len(events(receiver, "evaluation.submitted")) == 2


def test_a_member_submitting_sends_one_event(review_round, endpoint, receiver):
    candidature = review_round.candidatures.first()
    member = review_round.memberships.get().user
    with TestCase.captureOnCommitCallbacks(execute=True):
        save_evaluation(
            review_round,
            candidature,
            member,
            scores={},
            comment="Brouillon",
            submit=False,
        )
    assert events(receiver, "evaluation.submitted") == []  # a draft
    with TestCase.captureOnCommitCallbacks(execute=True):
        save_evaluation(
            review_round, candidature, member, scores={}, comment="Net", submit=True
        )
    assert len(events(receiver, "evaluation.submitted")) == 1


def test_an_evaluation_read_without_its_submission_time_is_announced_once(
    review_round, endpoint, receiver
):
    """A shell or a script that reads an evaluation with ``.only()`` and submits it:
    the event goes out, once."""
    candidature = review_round.candidatures.first()
    member = review_round.memberships.get().user
    draft = Evaluation.objects.create(
        round=review_round, candidature=candidature, member=member, comment="Brouillon"
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        evaluation = Evaluation.objects.only("pk", "comment").get(pk=draft.pk)
        evaluation.submitted_at = timezone.now()
        evaluation.save()
    assert len(events(receiver, "evaluation.submitted")) == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = Evaluation.objects.defer("submitted_at").get(pk=draft.pk)
        again.comment = "Corrigé"
        again.submitted_at = timezone.now()
        again.save()
    assert len(events(receiver, "evaluation.submitted")) == 1, "already submitted"


def test_a_status_changed_on_screen_or_by_import_sends_one_event_each(
    programme_client, form_page, endpoint, receiver
):
    on_screen, imported = CandidatureFactory.create_batch(
        2, page=form_page, status="eligible"
    )
    url = f"/admin/candidatures/edit/{on_screen.pk}/"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = programme_client.post(
            url, {"status": "preselected", "reason": "Prometteur"}
        )
    assert response.status_code == 302, response.content[:2000]
    preview = BeautifulSoup(
        programme_client.post(
            "/admin/exports/importer-des-decisions/",
            {"file": sheet([[imported.reference, "Pré-sélectionnée", ""]])},
        ).content,
        "html.parser",
    )
    stored = preview.select_one('input[name="stored"]')["value"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        programme_client.post(
            "/admin/exports/importer-des-decisions/",
            {"stored": stored, "confirm": "1"},
        )
    changes = events(receiver, "candidature.status_changed")
    assert sorted(
        (c["candidature"]["reference"], c["to_status"]) for c in changes
    ) == sorted(
        [(on_screen.reference, "preselected"), (imported.reference, "preselected")]
    )
