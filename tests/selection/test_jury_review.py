"""How a member scores and discusses: what each note means, a comment per
criterion, the dossier's discussion, closing a round and the ranking shown
to its members, and the committee reading the jury's pre-selection."""

import datetime as dt
import io

import openpyxl
import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.deletion import DeletionRefused, Refused, why_not_deletable
from forms.factories import CandidatureFactory
from selection.models import (
    DiscussionComment,
    Evaluation,
    EvaluationReopening,
    OthersScores,
    ReviewRound,
    RoundMember,
)
from tests.pages import page_edit_data, publish
from tests.users import member_of

pytestmark = pytest.mark.django_db

LEVELS = (
    "0 : problème non décrit\n"
    "3 : problème décrit avec des exemples\n"
    "5 : problème chiffré et documenté"
)


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
def chloe(db):
    return member_of("Jury", "chloe")


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
def review_round(call, alice, bruno, chloe, dossiers):
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    for juror in (alice, bruno, chloe):
        RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(*dossiers)
    return review_round


def as_member(user):
    client = Client()
    client.force_login(user)
    return client


def evaluate_url(review_round, dossier):
    return f"/admin/jury/{review_round.pk}/{dossier.pk}/"


def scores_form(criteria, values, action="submit", comment="", per_criterion=()):
    data = {f"score_{c.pk}": v for c, v in zip(criteria, values, strict=True)}
    for criterion, text in zip(criteria, per_criterion, strict=False):
        data[f"criterion_comment_{criterion.pk}"] = text
    return {**data, "comment": comment, "action": action}


def submit(member, review_round, dossier, criteria, values, **kwargs):
    return as_member(member).post(
        evaluate_url(review_round, dossier), scores_form(criteria, values, **kwargs)
    )


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def text_of(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


# Levels described ------------------------------------------------------------


def test_the_team_describes_each_note_and_the_member_reads_it_beside_the_scale(
    programme_client, alice, call, review_round, dossiers, criteria
):
    data = page_edit_data(programme_client, call)
    data["criteria-0-levels"] = LEVELS
    assert publish(programme_client, call, data).status_code == 302
    assert call.criteria.get(pk=criteria[0].pk).levels_described == {
        0: "problème non décrit",
        3: "problème décrit avec des exemples",
        5: "problème chiffré et documenté",
    }

    page = BeautifulSoup(
        as_member(alice).get(evaluate_url(review_round, dossiers[0])).content,
        "html.parser",
    )
    fieldsets = page.select("fieldset.amorce-criterion")
    legends = [f.legend.get_text(" ", strip=True) for f in fieldsets]
    assert legends == [
        "Ampleur du problème (× 2) — note de 0 à 5",
        "Motivation (× 1) — note de 0 à 5",
        "Idée de solution (× 1) — note de 0 à 10",
    ]
    radios = fieldsets[0].select(f'input[type=radio][name="score_{criteria[0].pk}"]')
    assert [r["value"] for r in radios] == ["0", "1", "2", "3", "4", "5"]
    labels = [
        page.select_one(f'label[for="{r["id"]}"]').get_text(strip=True) for r in radios
    ]
    assert labels[0] == "0 — problème non décrit"
    assert labels[1] == "1", "a note not described is its number alone"
    assert labels[5] == "5 — problème chiffré et documenté"


@pytest.mark.parametrize(
    "levels,message",
    [
        (
            "0 : rien\n7 : au-delà",
            "La note 7 n'existe pas : ce critère se note de 0 à 5.",
        ),
        ("2 : un peu\n2 : encore", "La note 2 est décrite deux fois"),
        ("0 : rien\nbien documenté", "Ligne 2 : écrivez la note, deux-points"),
    ],
)
def test_a_note_described_outside_the_scale_is_refused_in_french(
    programme_client, call, criteria, levels, message
):
    data = page_edit_data(programme_client, call)
    data["criteria-0-levels"] = levels
    response = publish(programme_client, call, data)
    assert response.status_code == 200, "the editor shows the error"
    assert message in text_of(response)
    assert call.criteria.get(pk=criteria[0].pk).levels == "", "nothing saved"


def test_described_notes_freeze_with_the_criteria(
    alice, review_round, dossiers, criteria
):
    """A member gave 3 against what 3 meant then: rewording it later is refused."""
    criterion = criteria[0]
    criterion.levels = LEVELS
    criterion.save()
    submit(alice, review_round, dossiers[0], criteria, [3, 3, 5])
    criterion.levels = "3 : autre chose"
    with pytest.raises(Refused):
        criterion.save()


def test_the_jury_book_prints_what_each_note_means(
    programme_client, review_round, criteria
):
    from tests.forms.test_jury_integrity import pdf_text

    criteria[0].levels = "0 : absent\n5 : chiffré"
    criteria[0].save()
    text = pdf_text(
        programme_client.get(f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/")
    )
    assert "0 : absent" in text and "5 : chiffré" in text


# A comment per criterion -----------------------------------------------------


def test_a_comment_per_criterion_is_drafted_submitted_locked_and_shown_to_the_team(
    programme_client, alice, review_round, dossiers, criteria
):
    url = evaluate_url(review_round, dossiers[0])
    client = as_member(alice)
    client.post(
        url,
        scores_form(
            criteria, [4, "", ""], action="draft", per_criterion=["Chiffres solides"]
        ),
    )
    draft = Evaluation.objects.get(member=alice)
    assert draft.criterion_comments == {str(criteria[0].pk): "Chiffres solides"}
    assert "Chiffres solides" in client.get(url).content.decode(), "kept in the draft"

    client.post(
        url,
        scores_form(
            criteria,
            [4, 3, 8],
            comment="Dossier solide",
            per_criterion=["Chiffres solides", "", "Piste réaliste"],
        ),
    )
    evaluation = Evaluation.objects.get(member=alice)
    assert evaluation.is_locked
    assert evaluation.criterion_comments == {
        str(criteria[0].pk): "Chiffres solides",
        str(criteria[2].pk): "Piste réaliste",
    }
    # Locked like the rest.
    again = client.post(
        url, scores_form(criteria, [4, 3, 8], per_criterion=["Changé", "", ""])
    )
    assert again.status_code == 409
    evaluation.refresh_from_db()
    assert evaluation.criterion_comments[str(criteria[0].pk)] == "Chiffres solides"

    team_page = text_of(
        programme_client.get(
            f"/admin/tours/{review_round.pk}/dossiers/{dossiers[0].pk}/"
        )
    )
    assert "Ampleur du problème : Chiffres solides" in team_page
    assert "Idée de solution : Piste réaliste" in team_page


def test_a_reopening_keeps_the_comments_it_had(
    programme_client, alice, review_round, dossiers, criteria
):
    submit(
        alice,
        review_round,
        dossiers[0],
        criteria,
        [1, 1, 1],
        comment="Trop vague",
        per_criterion=["Pas de chiffres"],
    )
    evaluation = Evaluation.objects.get(member=alice)
    programme_client.post(
        f"/admin/tours/{review_round.pk}/dossiers/{dossiers[0].pk}/",
        {"evaluation": evaluation.pk, "reason": "Mauvais dossier"},
    )
    reopening = EvaluationReopening.objects.get(evaluation=evaluation)
    assert reopening.previous_comment == "Trop vague"
    assert reopening.previous_criterion_comments == {
        str(criteria[0].pk): "Pas de chiffres"
    }


def test_the_evaluations_export_has_a_column_per_criterions_comment(
    programme_client, alice, review_round, dossiers, criteria
):
    submit(
        alice,
        review_round,
        dossiers[0],
        criteria,
        [1, 1, 1],
        per_criterion=["", "Très motivée"],
    )
    content = b"".join(
        programme_client.get(
            f"/admin/exports/tours/{review_round.pk}/evaluations/",
            {"format": "xlsx"},
        ).streaming_content
    )
    rows = [
        [cell.value for cell in row]
        for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()
    ]
    header = rows[0]
    column = header.index("Commentaire — Motivation")
    assert rows[1][column] == "Très motivée"
    assert header[-1] == "Critères"


def test_others_see_each_criterions_comment_once_they_submitted(
    alice, bruno, review_round, dossiers, criteria
):
    submit(
        bruno, review_round, dossiers[0], criteria, [5, 5, 10], per_criterion=["Net"]
    )
    url = evaluate_url(review_round, dossiers[0])
    assert "Ampleur du problème : Net" not in text_of(as_member(alice).get(url))
    submit(alice, review_round, dossiers[0], criteria, [1, 1, 1])
    assert "Ampleur du problème : Net" in text_of(as_member(alice).get(url))


# Discussion ------------------------------------------------------------------


def post_message(member, review_round, dossier, body):
    return as_member(member).post(
        evaluate_url(review_round, dossier), {"action": "discuss", "body": body}
    )


def test_a_member_who_has_not_submitted_cannot_post_nor_read_the_discussion(
    alice, bruno, review_round, dossiers, criteria
):
    submit(bruno, review_round, dossiers[0], criteria, [5, 5, 10])
    post_message(bruno, review_round, dossiers[0], "Avis-de-Bruno")

    refused = post_message(alice, review_round, dossiers[0], "Je n'ai pas noté")
    assert refused.status_code == 400
    assert "quand vous avez rendu votre évaluation" in " ".join(said(refused))
    assert not DiscussionComment.objects.filter(author=alice).exists()
    page = as_member(alice).get(evaluate_url(review_round, dossiers[0]))
    assert "Avis-de-Bruno" not in page.content.decode()

    # A draft is not enough either.
    as_member(alice).post(
        evaluate_url(review_round, dossiers[0]),
        scores_form(criteria, [1, "", ""], action="draft"),
    )
    draft_only = post_message(alice, review_round, dossiers[0], "Brouillon")
    assert draft_only.status_code == 400
    assert not DiscussionComment.objects.filter(author=alice).exists()


def test_members_who_submitted_and_the_team_discuss_a_dossier(
    programme_client, paula, alice, bruno, review_round, dossiers, criteria
):
    for member in (alice, bruno):
        submit(member, review_round, dossiers[0], criteria, [3, 3, 5])
    posted = post_message(alice, review_round, dossiers[0], "Le problème est réel.")
    assert posted.status_code == 302
    message = DiscussionComment.objects.get()
    assert (message.author, message.round, message.candidature, message.body) == (
        alice,
        review_round,
        dossiers[0],
        "Le problème est réel.",
    )
    assert not message.by_programme_team

    team_url = f"/admin/tours/{review_round.pk}/dossiers/{dossiers[0].pk}/"
    team_page = text_of(programme_client.get(team_url))
    assert "Alice" in team_page and "Le problème est réel." in team_page
    programme_client.post(team_url, {"action": "discuss", "body": "Vu en réunion."})
    empty = programme_client.post(team_url, {"action": "discuss", "body": "  "})
    assert "Écrivez votre message avant de l'envoyer." in text_of(empty)
    assert DiscussionComment.objects.filter(author=paula).get().by_programme_team

    bruno_page = text_of(as_member(bruno).get(evaluate_url(review_round, dossiers[0])))
    assert "Le problème est réel." in bruno_page
    assert "Vu en réunion." in bruno_page and "(équipe programme)" in bruno_page
    submit(alice, review_round, dossiers[1], criteria, [3, 3, 5])
    other = text_of(as_member(alice).get(evaluate_url(review_round, dossiers[1])))
    assert "Discussion du dossier" in other
    assert "Vu en réunion." not in other, "another dossier's discussion is its own"


def test_a_member_with_a_conflict_neither_reads_nor_posts(
    alice, chloe, review_round, dossiers, criteria
):
    submit(alice, review_round, dossiers[0], criteria, [3, 3, 5])
    post_message(alice, review_round, dossiers[0], "Secret-du-jury")
    as_member(chloe).post(
        evaluate_url(review_round, dossiers[0]),
        {"conflict_of_interest": "on", "action": "submit"},
    )
    assert Evaluation.objects.get(member=chloe).conflict_of_interest
    response = post_message(chloe, review_round, dossiers[0], "Je me mêle")
    assert response.status_code == 404, "the dossier is withdrawn from her"
    assert not DiscussionComment.objects.filter(author=chloe).exists()
    page = as_member(chloe).get(evaluate_url(review_round, dossiers[0]))
    assert page.status_code == 404 and b"Secret-du-jury" not in page.content


def test_the_discussion_follows_the_rounds_rule_on_others_scores(
    alice, review_round, dossiers, criteria
):
    submit(alice, review_round, dossiers[0], criteria, [3, 3, 5])
    review_round.others_scores = OthersScores.AFTER_MEETING
    review_round.ends_on = timezone.localdate() + dt.timedelta(days=3)
    review_round.save()
    early = post_message(alice, review_round, dossiers[0], "Trop tôt")
    assert early.status_code == 400
    assert "s'ouvre à la date de la réunion" in " ".join(said(early))

    review_round.ends_on = timezone.localdate()
    review_round.save()
    on_the_day = post_message(alice, review_round, dossiers[0], "Le jour J")
    assert on_the_day.status_code == 302

    review_round.others_scores = OthersScores.NEVER
    review_round.save()
    never = post_message(alice, review_round, dossiers[0], "Jamais")
    assert never.status_code == 400
    page = as_member(alice).get(evaluate_url(review_round, dossiers[0]))
    assert "Le jour J" not in page.content.decode()
    assert [m.body for m in DiscussionComment.objects.all()] == ["Le jour J"]


def test_a_discussion_message_is_never_deleted_nor_its_author(
    programme_client, paula, alice, review_round, dossiers, criteria
):
    submit(alice, review_round, dossiers[0], criteria, [3, 3, 5])
    post_message(alice, review_round, dossiers[0], "Gardé")
    programme_client.post(
        f"/admin/tours/{review_round.pk}/dossiers/{dossiers[0].pk}/",
        {"action": "discuss", "body": "Noté"},
    )
    refused = pytest.raises(DeletionRefused, match="jamais supprimé")
    with refused, transaction.atomic():
        DiscussionComment.objects.filter(author=alice).get().delete()
    assert DiscussionComment.objects.count() == 2
    # Paula only wrote in the discussion: her account is kept (deactivated instead).
    assert "a écrit dans la discussion d'un dossier" in why_not_deletable(paula)


# Closing the round and the members' ranking -----------------------------------


def close(client, review_round, action="close"):
    """« Clore le tour » (or « Rouvrir le tour ») on the round's ranking."""
    return client.post(f"/admin/tours/{review_round.pk}/cloture/", {"action": action})


def test_closing_stops_submissions_keeps_drafts_and_is_in_the_history(
    programme_client, paula, alice, review_round, dossiers, criteria
):
    url = evaluate_url(review_round, dossiers[0])
    as_member(alice).post(url, scores_form(criteria, [4, "", ""], action="draft"))

    # A member cannot close the round.
    refused = close(as_member(alice), review_round)
    assert refused.status_code in (302, 403), "Wagtail's « permission denied »"
    review_round.refresh_from_db()
    assert not review_round.is_closed

    assert close(programme_client, review_round).status_code == 302
    review_round.refresh_from_db()
    assert review_round.is_closed and review_round.closed_by == paula
    ranking = text_of(
        programme_client.get(f"/admin/tours/{review_round.pk}/classement/")
    )
    assert "Tour clos le" in ranking and "Rouvrir le tour" in ranking

    refused = as_member(alice).post(url, scores_form(criteria, [4, 3, 8]))
    assert refused.status_code == 409
    assert "Ce tour est clos" in " ".join(said(refused))
    draft = Evaluation.objects.get(member=alice)
    assert draft.submitted_at is None and list(draft.scores.values()) == [4.0]
    # A conflict declared is a submission too.
    as_member(alice).post(
        evaluate_url(review_round, dossiers[1]),
        {"conflict_of_interest": "on", "action": "submit"},
    )
    assert not Evaluation.objects.filter(
        member=alice, candidature=dossiers[1], submitted_at__isnull=False
    ).exists()

    close(programme_client, review_round, "reopen")
    review_round.refresh_from_db()
    assert not review_round.is_closed
    again = as_member(alice).post(url, scores_form(criteria, [4, 3, 8]))
    assert again.status_code == 302
    assert Evaluation.objects.get(member=alice, candidature=dossiers[0]).is_locked
    assert list(
        ModelLogEntry.objects.filter(action__startswith="amorce.round.")
        .order_by("timestamp", "pk")
        .values_list("action", "user")
    ) == [
        ("amorce.round.closed", paula.pk),
        ("amorce.round.reopened", paula.pk),
    ]


def test_a_closed_rounds_evaluations_are_not_reopened_nor_imported(
    programme_client, alice, review_round, dossiers, criteria
):
    from tests.exports.test_import import errors_of, evaluation_sheet

    submit(alice, review_round, dossiers[0], criteria, [1, 1, 1])
    evaluation = Evaluation.objects.get(member=alice)
    close(programme_client, review_round)
    response = programme_client.post(
        f"/admin/tours/{review_round.pk}/dossiers/{dossiers[0].pk}/",
        {"evaluation": evaluation.pk, "reason": "Erreur"},
    )
    assert "Ce tour est clos" in text_of(response)
    evaluation.refresh_from_db()
    assert evaluation.is_locked and evaluation.reopened_count == 0

    sheet = evaluation_sheet(
        review_round,
        [[dossiers[1].reference, alice.email, 5, 5, 10, "Hors ligne", "Non"]],
    )
    response = programme_client.post(
        f"/admin/exports/tours/{review_round.pk}/importer-des-evaluations/",
        {"file": sheet},
    )
    assert any("Ce tour est clos" in error for error in errors_of(response))
    assert not Evaluation.objects.filter(candidature=dossiers[1]).exists()


def test_members_see_the_ranking_only_once_the_round_is_closed_and_if_it_says_so(
    programme_client, alice, bruno, chloe, review_round, dossiers, criteria
):
    submit(alice, review_round, dossiers[0], criteria, [5, 5, 10])  # 100
    submit(bruno, review_round, dossiers[0], criteria, [0, 0, 0])  # 0
    submit(alice, review_round, dossiers[1], criteria, [1, 1, 1])  # 17.5
    as_member(chloe).post(
        evaluate_url(review_round, dossiers[2]),
        {"conflict_of_interest": "on", "action": "submit"},
    )
    url = f"/admin/jury/{review_round.pk}/classement/"
    review_round.members_see_ranking = True
    review_round.save()

    before = as_member(alice).get(url)
    assert before.status_code == 403
    assert "quand l'équipe programme aura clos le tour" in text_of(before)
    assert dossiers[0].reference not in before.content.decode()
    assert "Classement du tour" not in text_of(
        as_member(alice).get(f"/admin/jury/{review_round.pk}/")
    )

    close(programme_client, review_round)
    page = BeautifulSoup(as_member(alice).get(url).content, "html.parser")
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in page.select("table.amorce-ranking tbody tr")
    ]
    assert rows[0] == ["1", "TST-2026-0001 — Agent 1", "50,0", "50,0", "2"]
    assert rows[1] == ["2", "TST-2026-0002 — Agent 2", "17,5", "0,0", "1"]
    assert rows[2] == ["—", "TST-2026-0003 — Agent 3", "—", "—", "0"]
    assert "Bruno" not in page.get_text(), "no member's name"
    assert "Classement du tour" in text_of(
        as_member(alice).get(f"/admin/jury/{review_round.pk}/")
    )
    # Chloé declared a conflict on the third dossier: it is left out of hers.
    chloe_page = as_member(chloe).get(url).content.decode()
    assert "TST-2026-0003" not in chloe_page and "TST-2026-0001" in chloe_page

    # Setting off: never, even closed. Someone outside the round: nothing.
    review_round.members_see_ranking = False
    review_round.save()
    off = as_member(alice).get(url)
    assert off.status_code == 403 and "TST-2026-0001" not in off.content.decode()
    outsider = member_of("Jury", "xavier")
    assert as_member(outsider).get(url).status_code == 404


# The committee reads the pre-selection --------------------------------------


@pytest.fixture
def committee(call, dossiers, review_round, alice, bruno, criteria):
    """The jury pre-selected the first two dossiers; the committee's round has them."""
    submit(
        alice,
        review_round,
        dossiers[0],
        criteria,
        [5, 5, 10],
        comment="Excellent-dossier",
        per_criterion=["Très bien chiffré"],
    )
    submit(bruno, review_round, dossiers[0], criteria, [0, 0, 0])
    submit(alice, review_round, dossiers[1], criteria, [1, 1, 1])
    for dossier in dossiers[:2]:
        dossier.status = "preselected"
        dossier.save()
    member = member_of("Jury", "dominique")
    committee = ReviewRound.objects.create(call=call, kind="selection")
    RoundMember.objects.create(round=committee, user=member)
    committee.candidatures.add(*dossiers[:2])
    return committee, member


def test_the_committee_member_reads_the_pre_selection_beside_his_scoring(committee):
    committee_round, member = committee
    dossier = committee_round.candidatures.order_by("reference").first()
    page = text_of(as_member(member).get(evaluate_url(committee_round, dossier)))
    assert "Résultat de la pré-sélection" in page
    assert "Note moyenne du jury : 50,0/100, écart-type 50,0, 2 évaluations" in page
    assert "Excellent-dossier" in page
    assert "Ampleur du problème : Très bien chiffré" in page
    assert "Alice" not in page, "the jury's comments, not their names"


def test_the_committees_ranking_shows_the_pre_selection_in_flat_queries(
    programme_client, committee, form_page, call, criteria, alice
):
    committee_round, _member = committee
    url = f"/admin/tours/{committee_round.pk}/classement/"
    page = BeautifulSoup(programme_client.get(url).content, "html.parser")
    cells = [
        td.get_text(" ", strip=True)
        for td in page.select("table.amorce-ranking td.amorce-preselection")
    ]
    assert cells[0].startswith("50,0/100, écart-type 50,0, 2 év.")
    assert "Excellent-dossier" in cells[0]
    assert cells[1].startswith("17,5/100")

    with CaptureQueriesContext(connection) as few:
        programme_client.get(url)
    preselection = ReviewRound.objects.get(call=call, kind="preselection")
    for i in range(6):
        dossier = CandidatureFactory(
            page=form_page, status="preselected", reference=f"TST-2026-{i + 10:04d}"
        )
        preselection.candidatures.add(dossier)
        committee_round.candidatures.add(dossier)
        Evaluation.objects.create(
            round=preselection,
            candidature=dossier,
            member=alice,
            scores={str(c.pk): 2 for c in criteria},
            comment=f"Avis {i}",
            submitted_at=timezone.now(),
        )
    programme_client.get(url)  # the round changed: its kept ranking is computed again
    with CaptureQueriesContext(connection) as many:
        programme_client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_pre_selection_round_shows_no_pre_selection(alice, review_round, dossiers):
    page = as_member(alice).get(evaluate_url(review_round, dossiers[0]))
    assert "Résultat de la pré-sélection" not in page.content.decode()


def test_anonymising_a_candidature_empties_its_criterion_comments_and_discussion(
    alice, review_round, dossiers, criteria
):
    """The words go with the applicant's data; that there were some stays."""
    from forms.models import Candidature
    from privacy.services import anonymise

    submit(
        alice,
        review_round,
        dossiers[0],
        criteria,
        [3, 3, 5],
        per_criterion=["Connaît Agent 1"],
    )
    post_message(alice, review_round, dossiers[0], "Agent 1 est un collègue")
    anonymise(Candidature.objects.filter(pk=dossiers[0].pk))
    assert Evaluation.objects.get(member=alice).criterion_comments == {}
    assert list(DiscussionComment.objects.values_list("body", flat=True)) == [""]
