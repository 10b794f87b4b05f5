"""Nothing changed behind the jury's back: locked evaluations, reopened only by the
team with a reason, frozen criteria, a personal jury book that leaks no ranking,
and what routes applicants' data kept to the programme team."""

import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from cms_pages.models import CallPage
from core.deletion import Refused
from forms.factories import CandidatureFactory
from forms.models import CandidatureFormPage
from selection.models import (
    Evaluation,
    EvaluationReopening,
    OthersScores,
    ReviewRound,
    RoundMember,
)
from selection.scoring import criteria_version, round_aggregates
from tests.pages import page_edit_data, publish
from tests.users import member_of

from ..exports.test_import import errors_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def criteria(call):
    return list(call.criteria.all())  # weights 2, 1, 1; scales 0–5, 0–5, 0–10


@pytest.fixture
def alice(db):
    return member_of("Jury", "alice")


@pytest.fixture
def bruno(db):
    return member_of("Jury", "bruno")


@pytest.fixture
def dossiers(form_page):
    return [
        CandidatureFactory(
            page=form_page,
            status="eligible",
            reference=f"TST-2026-{i:04d}",
            applicant_name=f"Agent {i}",
        )
        for i in (1, 2, 3)
    ]


@pytest.fixture
def review_round(call, alice, bruno, dossiers):
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    for juror in (alice, bruno):
        RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(*dossiers)
    return review_round


def scores_form(criteria, values, action="submit", comment=""):
    data = {f"score_{c.pk}": v for c, v in zip(criteria, values, strict=True)}
    return {**data, "comment": comment, "action": action}


def as_member(juror):
    client = Client()
    client.force_login(juror)
    return client


def submit(juror, review_round, dossier, criteria, values, comment=""):
    """The member submits their evaluation, in their own browser."""
    return as_member(juror).post(
        f"/admin/jury/{review_round.pk}/{dossier.pk}/",
        scores_form(criteria, values, comment=comment),
    )


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# A submitted evaluation is locked ----------------------------------------------


def test_a_submitted_evaluation_cannot_be_changed_by_its_member(
    alice, review_round, dossiers, criteria
):
    submit(alice, review_round, dossiers[0], criteria, [1, 1, 1], "Faible")
    evaluation = Evaluation.objects.get(member=alice)
    assert evaluation.submitted_at is not None
    client = as_member(alice)

    url = f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/"
    page = client.get(url).content.decode()
    assert "ne se modifie plus" in page
    assert 'name="score_' not in page, "no form to change it"
    again = client.post(url, scores_form(criteria, [5, 5, 10], comment="Excellent"))
    assert again.status_code == 409
    evaluation.refresh_from_db()
    assert sorted(evaluation.scores.values()) == [1.0, 1.0, 1.0]
    assert evaluation.comment == "Faible"


def test_a_draft_does_not_count_and_may_be_partial(
    client, alice, review_round, dossiers, criteria
):
    client.force_login(alice)
    url = f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/"
    response = client.post(url, scores_form(criteria, [4, "", ""], action="draft"))
    assert response.status_code == 302
    draft = Evaluation.objects.get(member=alice)
    assert draft.submitted_at is None and list(draft.scores.values()) == [4.0]
    aggregate = next(
        a for a in round_aggregates(review_round) if a.candidature == dossiers[0]
    )
    assert aggregate.count == 0
    # Submitting needs every score; then it counts.
    incomplete = client.post(url, scores_form(criteria, [4, "", ""]))
    assert "Notez « Motivation »" in incomplete.content.decode()
    client.post(url, scores_form(criteria, [4, 3, 8]))
    assert Evaluation.objects.get(member=alice).submitted_at is not None


def test_the_team_reopens_with_a_reason_and_the_ranking_shows_it(
    programme_client, alice, review_round, dossiers, criteria
):
    submit(alice, review_round, dossiers[0], criteria, [5, 5, 10])
    evaluation = Evaluation.objects.get(member=alice)
    url = f"/admin/tours/{review_round.pk}/dossiers/{dossiers[0].pk}/"

    # A juror cannot reopen their own evaluation.
    assert (
        as_member(alice)
        .post(url, {"evaluation": evaluation.pk, "reason": "Je me suis trompée"})
        .status_code
        == 404
    )
    evaluation.refresh_from_db()
    assert evaluation.is_locked

    no_reason = programme_client.post(url, {"evaluation": evaluation.pk, "reason": " "})
    assert no_reason.status_code == 200
    assert (
        "Indiquez pourquoi cette évaluation est rouverte." in no_reason.content.decode()
    )
    evaluation.refresh_from_db()
    assert evaluation.is_locked

    programme_client.post(
        url,
        {"evaluation": evaluation.pk, "reason": "Note saisie sur le mauvais dossier"},
    )
    evaluation.refresh_from_db()
    assert not evaluation.is_locked and evaluation.reopened_count == 1
    reopening = EvaluationReopening.objects.get(evaluation=evaluation)
    assert reopening.reason == "Note saisie sur le mauvais dossier"
    assert sorted(reopening.previous_scores.values()) == [5.0, 5.0, 10.0]
    assert ModelLogEntry.objects.filter(action="amorce.evaluation.reopened").exists()

    ranking = programme_client.get(f"/admin/tours/{review_round.pk}/classement/")
    assert "1 réouverture" in ranking.content.decode()
    assert "1 à rendre de nouveau" in ranking.content.decode()
    detail = programme_client.get(url).content.decode()
    assert "Note saisie sur le mauvais dossier" in detail

    # The member is told why, changes it and submits it again; it is locked again.
    told = as_member(alice).get(f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/")
    assert "Note saisie sur le mauvais dossier" in told.content.decode()
    submit(alice, review_round, dossiers[0], criteria, [2, 2, 4])
    evaluation.refresh_from_db()
    assert evaluation.is_locked and sorted(evaluation.scores.values()) == [
        2.0,
        2.0,
        4.0,
    ]


def test_an_import_does_not_overwrite_a_submitted_evaluation(
    programme_client, alice, review_round, dossiers, criteria
):
    from ..exports.test_import import evaluation_sheet

    submit(alice, review_round, dossiers[0], criteria, [1, 1, 1])
    url = f"/admin/exports/tours/{review_round.pk}/importer-des-evaluations/"
    sheet = evaluation_sheet(
        review_round,
        [[dossiers[0].reference, alice.email, 5, 5, 10, "Excellent", "Non"]],
    )
    errors = errors_of(programme_client.post(url, {"file": sheet}))
    assert any("déjà rendue" in error for error in errors), errors
    assert sorted(Evaluation.objects.get(member=alice).scores.values()) == [1.0] * 3


# What a member sees of the others ----------------------------------------------


def test_others_scores_follow_the_rounds_rule(
    client, alice, bruno, review_round, dossiers, criteria
):
    submit(
        bruno,
        review_round,
        dossiers[0],
        criteria,
        [5, 5, 10],
        "Avis-confidentiel-de-Bruno",
    )
    client.force_login(alice)
    url = f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/"
    assert "Avis-confidentiel-de-Bruno" not in client.get(url).content.decode()
    submit(alice, review_round, dossiers[0], criteria, [1, 1, 1])
    assert "Avis-confidentiel-de-Bruno" in client.get(url).content.decode()

    review_round.others_scores = OthersScores.NEVER
    review_round.save()
    page = client.get(url).content.decode()
    assert (
        "Avis-confidentiel-de-Bruno" not in page and "seule l'équipe programme" in page
    )


def pdf_text(response):
    content = b"".join(response) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_personal_jury_book_leaks_no_ranking_before_the_member_scored(
    client, alice, bruno, review_round, dossiers, criteria
):
    # Bruno puts the last dossier first and the first one last.
    for dossier, values in zip(
        dossiers, ([0, 0, 0], [3, 3, 5], [5, 5, 10]), strict=True
    ):
        submit(bruno, review_round, dossier, criteria, values)
    client.force_login(alice)
    url = f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/?membre=moi"
    text = pdf_text(client.get(url))
    assert "Classement" not in text and "Rang" not in text
    assert "le classement du jury n'est pas communiqué" in text
    positions = [text.rindex(d.reference) for d in dossiers]
    assert positions == sorted(positions), "in the order of their references"
    assert f"Version des critères : {criteria_version(criteria)}" in text

    for dossier in dossiers:
        submit(alice, review_round, dossier, criteria, [2, 2, 4])
    text = pdf_text(client.get(url))
    assert "Rang" not in text, "all scored, but the round is still open"

    review_round.closed_at = timezone.now()
    review_round.save()
    assert "Rang" not in pdf_text(client.get(url)), "closed, not shown to members"
    review_round.members_see_ranking = True
    review_round.save()
    text = pdf_text(client.get(url))
    assert "Classement" in text and "Rang" in text


# Criteria --------------------------------------------------------------------


def test_criteria_are_frozen_once_an_evaluation_is_submitted(
    programme_client, alice, call, review_round, dossiers, criteria
):
    data = page_edit_data(programme_client, call)
    data["criteria-0-weight"] = "3"
    assert publish(programme_client, call, data).status_code == 302
    assert call.criteria.get(pk=criteria[0].pk).weight == 3

    submit(alice, review_round, dossiers[0], criteria, [1, 1, 1])
    editor = BeautifulSoup(
        programme_client.get(f"/admin/pages/{call.pk}/edit/").content, "html.parser"
    )
    said = editor.get_text(" ")
    assert "Les critères de cet appel sont figés" in said
    assert "Ampleur du problème — × 3, de 0 à 5" in said, "shown, read-only"
    assert not editor.select('input[name^="criteria-"]'), "not offered for editing"

    # Whatever is posted for them (a stale page, a forged request) changes nothing,
    # and the rest of the page publishes at once.
    data = page_edit_data(programme_client, call)
    data.update(
        {
            "criteria-TOTAL_FORMS": "3",
            "criteria-INITIAL_FORMS": "3",
            "criteria-0-id": str(criteria[0].pk),
            "criteria-0-weight": "5",
            "criteria-0-label": "Autre chose",
            "criteria-2-DELETE": "1",
            "title": "Appel de test, précisé",
        }
    )
    assert publish(programme_client, call, data).status_code == 302
    assert CallPage.objects.get(pk=call.pk).title == "Appel de test, précisé"
    assert [(c.label, c.weight, c.scale_max) for c in call.criteria.all()] == [
        ("Ampleur du problème", 3, 5),
        ("Motivation", 1, 5),
        ("Idée de solution", 1, 10),
    ]


def test_an_old_draft_published_later_cannot_change_frozen_criteria(
    programme_client, alice, call, review_round, dossiers, criteria
):
    data = page_edit_data(programme_client, call)
    data["criteria-0-weight"] = "9"
    data["title"] = "Appel de test, brouillon"
    programme_client.post(f"/admin/pages/{call.pk}/edit/", data)  # a draft
    revision = CallPage.objects.get(pk=call.pk).get_latest_revision()
    submit(alice, review_round, dossiers[0], criteria, [1, 1, 1])
    with pytest.raises(Refused):
        revision.publish()
    live = CallPage.objects.get(pk=call.pk)
    assert live.criteria.get(pk=criteria[0].pk).weight == 2
    assert live.title == "Appel de test", "nothing of the draft was published"


def test_a_rounds_call_and_stage_stay_once_it_has_evaluations(
    programme_client, alice, review_round, dossiers, criteria, programme
):
    original = review_round.call_id
    other = CallPage.objects.get(pk=original).copy(
        update_attrs={"slug": "autre-appel", "title": "Autre appel"}
    )
    submit(alice, review_round, dossiers[0], criteria, [1, 1, 1])
    url = f"/admin/tours/edit/{review_round.pk}/"
    soup = BeautifulSoup(programme_client.get(url).content, "html.parser")
    data = {
        tag["name"]: tag.get("value", "")
        for tag in soup.select("form input[name]")
        if tag.get("type") not in ("checkbox", "radio")
    }
    data.update(call=other.pk, kind="selection", others_scores="after_own")
    for select in soup.select("form select[name]"):
        option = select.select_one("option[selected]")
        data.setdefault(select["name"], option["value"] if option else "")
    response = programme_client.post(url, data)
    assert "son appel et son étape ne changent plus" in response.content.decode()
    review_round.refresh_from_db()
    assert (review_round.call_id, review_round.kind) == (original, "preselection")


# Who edits what routes applicants' data -------------------------------------------


def test_the_communication_team_cannot_route_applicants_data(client, call, form_page):
    client.force_login(member_of("Communication", "chloe"))
    page = BeautifulSoup(
        client.get(f"/admin/pages/{form_page.pk}/edit/").content, "html.parser"
    ).get_text(" ")
    assert "Réservé à l'équipe programme" in page
    assert "programme@example.org" in page, "the addresses shown, read-only"
    data = page_edit_data(client, form_page, empty_streams=())
    assert "notification_emails" not in data
    data["notification_emails"] = "fuite@example.com"
    data["form_fields-TOTAL_FORMS"] = "0"
    publish(client, form_page, data)
    form_page = CandidatureFormPage.objects.get(pk=form_page.pk)
    assert form_page.notification_emails == "programme@example.org"
    assert form_page.form_fields.count() == 5

    data = page_edit_data(client, call)
    data.update(
        {"retention_months": "120", "criteria-TOTAL_FORMS": "0", "title": "Appel, v2"}
    )
    publish(client, call, data)
    call = CallPage.objects.get(pk=call.pk)
    assert call.title == "Appel, v2", "the rest of the page is theirs"
    assert call.retention_months == 24 and call.criteria.count() == 3


def test_a_conflict_declared_by_mistake_is_reopened_and_the_dossier_comes_back(
    programme_client, alice, review_round, dossiers, criteria
):
    member = as_member(alice)
    url = f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/"
    member.post(
        url, {**scores_form(criteria, ["", "", ""]), "conflict_of_interest": "on"}
    )
    assert member.get(url).status_code == 404, "the dossier is withdrawn from her"
    evaluation = Evaluation.objects.get(member=alice)
    programme_client.post(
        f"/admin/tours/{review_round.pk}/dossiers/{dossiers[0].pk}/",
        {"evaluation": evaluation.pk, "reason": "Pas de lien avec ce service"},
    )
    assert member.get(url).status_code == 200
    assert EvaluationReopening.objects.get().previous_conflict_of_interest
    submit(alice, review_round, dossiers[0], criteria, [3, 3, 6])
    evaluation.refresh_from_db()
    assert evaluation.is_locked and not evaluation.conflict_of_interest


def test_reverting_to_an_old_revision_keeps_the_programme_teams_parts(
    programme_client, client, form_page
):
    from wagtail.test.utils.form_data import querydict_from_html

    data = page_edit_data(programme_client, form_page, empty_streams=())
    data["notification_emails"] = "ancienne@example.org"
    publish(programme_client, form_page, data)
    old = CandidatureFormPage.objects.get(pk=form_page.pk).get_latest_revision()
    data = page_edit_data(programme_client, form_page, empty_streams=())
    data["notification_emails"] = "programme@example.org"
    publish(programme_client, form_page, data)

    client.force_login(member_of("Communication", "chloe"))
    url = f"/admin/pages/{form_page.pk}/revisions/{old.pk}/revert/"
    reverted = querydict_from_html(
        client.get(url).content.decode(), form_id="page-edit-form"
    )
    reverted["action-publish"] = "action-publish"
    client.post(url, reverted)
    form_page = CandidatureFormPage.objects.get(pk=form_page.pk)
    assert form_page.notification_emails == "programme@example.org"
    assert form_page.form_fields.count() == 5


def test_a_scheduled_publication_of_frozen_criteria_is_left_aside_and_others_go_ahead(
    programme_client, alice, call, faq, review_round, dossiers, criteria
):
    import datetime as dt

    from django.core.management import call_command
    from wagtail.models import PageLogEntry, Revision

    from cms_pages.models import FaqPage

    past = timezone.now() - dt.timedelta(minutes=5)
    data = page_edit_data(programme_client, call)
    data["criteria-0-weight"] = "9"
    programme_client.post(f"/admin/pages/{call.pk}/edit/", data)
    call_revision = CallPage.objects.get(pk=call.pk).get_latest_revision()
    faq.title = "FAQ revue"
    faq_revision = faq.save_revision()
    Revision.objects.filter(pk__in=[call_revision.pk, faq_revision.pk]).update(
        approved_go_live_at=past
    )
    submit(alice, review_round, dossiers[0], criteria, [1, 1, 1])

    errors = io.StringIO()
    call_command("publish_scheduled", stdout=io.StringIO(), stderr=errors)

    assert CallPage.objects.get(pk=call.pk).criteria.get(pk=criteria[0].pk).weight == 2
    assert "Les critères de cet appel sont figés" in errors.getvalue()
    assert Revision.objects.get(pk=call_revision.pk).approved_go_live_at is None
    assert PageLogEntry.objects.filter(
        page=call, action="amorce.publication.refused"
    ).exists()
    assert FaqPage.objects.get(pk=faq.pk).title == "FAQ revue", "the others go ahead"
