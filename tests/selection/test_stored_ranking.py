"""The ranking pages read the round's ranking kept in the database, and never a
stale one: whatever writes the scores (the jury's screens, the team's, a
``queryset.update()``, raw SQL), the next page shows what computing the
ranking afresh shows."""

import threading
from decimal import ROUND_HALF_UP, Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.deletion import deletions_allowed
from forms.factories import CandidatureFactory
from selection.models import (
    Evaluation,
    RankedDossier,
    ReviewRound,
    RoundMember,
    RoundScores,
)
from selection.scoring import Aggregate, ranking, refresh_ranking
from tests.pages import page_edit_data, publish
from tests.users import member_of

from .conftest import as_user, scores_form

pytestmark = pytest.mark.django_db


# Two connections writing at once, each in its transaction: PostgreSQL (the
# tests' SQLite database, in memory, refuses a second writer at once).
def concurrent(test):
    test = pytest.mark.django_db(transaction=True, serialized_rollback=True)(test)
    return pytest.mark.skipif(
        connection.vendor != "postgresql", reason="two writers at once: PostgreSQL"
    )(test)


def submitted(review_round, dossiers, members):
    """Each member's evaluation of each dossier, submitted (no score yet)."""
    return Evaluation.objects.bulk_create(
        Evaluation(
            round=review_round,
            candidature=dossier,
            member=member,
            scores={},
            submitted_at=timezone.now(),
        )
        for dossier in dossiers
        for member in members
    )


@pytest.fixture
def team(db):
    return as_user(member_of("Équipe programme", "paula"))


@pytest.fixture
def scene(call, form_page, jurors):
    """A round of seven dossiers that every member reads, three scored by
    three members (the last two with a wide disagreement)."""
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    for juror in jurors:
        RoundMember.objects.create(round=review_round, user=juror)
    dossiers = [
        CandidatureFactory(
            page=form_page, status="eligible", reference=f"RNK-2026-{i:04d}"
        )
        for i in range(1, 8)
    ]
    review_round.candidatures.add(*dossiers)
    criteria = list(call.criteria.all())
    given = {
        dossiers[0]: ([4, 4, 8], [4, 3, 8], [5, 4, 9]),
        dossiers[1]: ([0, 0, 0], [5, 5, 10], [1, 1, 1]),
        dossiers[2]: ([5, 5, 10], [0, 0, 0], [2, 2, 2]),
    }
    for dossier, rows in given.items():
        for juror, values in zip(jurors, rows, strict=False):
            Evaluation.objects.create(
                round=review_round,
                candidature=dossier,
                member=juror,
                scores={str(c.pk): v for c, v in zip(criteria, values, strict=True)},
                submitted_at=timezone.now(),
            )
    return review_round, dossiers, criteria


def number(text):
    return None if text in ("—", "") else float(text.replace(",", "."))


def page_rows(client, review_round, query=""):
    """The committee's table and « À discuter en priorité », as a person reads them."""
    response = client.get(f"/admin/tours/{review_round.pk}/classement/{query}")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    rows = []
    for row in soup.select("table.amorce-ranking tbody tr"):
        cells = [td.get_text(" ", strip=True) for td in row.select("td")]
        if len(cells) < 9:
            continue  # « Aucune candidature »
        rows.append(
            (
                cells[1],  # rank
                cells[2].split(" — ")[0],  # reference
                number(cells[5]),  # mean
                int(cells[6].split()[0]),  # evaluations
                number(cells[7].split()[0]),  # spread
                int(cells[8]),  # conflicts
                "réouverture" in cells[6],
            )
        )
    discussed = [
        li.get_text(" ", strip=True).split(" — ")[0]
        for li in soup.select("ol.amorce-discuss li")
    ]
    return rows, discussed


def tenth(value):
    """As the page writes it (``floatformat:1`` rounds half up)."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def live_rows(review_round, status=None, order="note"):
    """The same, computed afresh from the evaluations by ``ranking`` (as before
    the ranking was kept): the reference the pages are held to."""
    queryset = ranking(review_round)
    if status:
        queryset = queryset.filter(status=status)
    by_note = list(queryset)
    rank_of = {c.pk: i for i, c in enumerate(by_note, start=1)}
    rows = []
    for c in queryset.order_by(*ranking(review_round, order=order).query.order_by):
        a = Aggregate.of(c)
        rows.append(
            (
                str(rank_of[c.pk]) if a.mean is not None else "—",
                c.reference,
                tenth(a.mean),
                a.count,
                tenth(a.spread),
                a.conflict_count,
                bool(a.reopened),
            )
        )
    discussed = [
        c.reference
        for c in ranking(review_round, order="ecart").filter(scored__gte=2)[:10]
    ]
    return rows, discussed


def assert_shows_live(client, review_round, query="", **live):
    assert page_rows(client, review_round, query) == live_rows(review_round, **live)


def test_every_order_and_status_ranks_as_computed_afresh(team, scene):
    review_round, dossiers, _criteria = scene
    dossiers[2].status = "preselected"
    dossiers[2].save()
    dossiers[5].status = "preselected"
    dossiers[5].save()
    for order in ("note", "ecart", "evaluations", "reference"):
        assert_shows_live(team, review_round, f"?ordre={order}", order=order)
        assert_shows_live(
            team,
            review_round,
            f"?ordre={order}&statut=preselected",
            order=order,
            status="preselected",
        )
    rows, discussed = page_rows(team, review_round, "?statut=preselected")
    assert [row[:2] for row in rows] == [
        ("1", dossiers[2].reference),
        ("—", dossiers[5].reference),
    ]
    assert discussed[0] in (dossiers[1].reference, dossiers[2].reference)


def test_a_page_read_twice_does_not_group_the_evaluations_again(team, scene):
    """Once kept, the ranking is read from its own rows: the evaluations are
    not read again until they change."""
    review_round, _dossiers, _criteria = scene
    url = f"/admin/tours/{review_round.pk}/classement/"
    team.get(url)
    with CaptureQueriesContext(connection) as kept:
        team.get(url)
    assert not any('"selection_evaluation"' in q["sql"] for q in kept.captured_queries)
    Evaluation.objects.filter(round=review_round).first().save()  # nothing changed
    with CaptureQueriesContext(connection) as unchanged:
        team.get(url)
    assert len(unchanged) == len(kept)
    Evaluation.objects.filter(round=review_round).update(weighted=50)
    with CaptureQueriesContext(connection) as changed:
        team.get(url)
    assert any('"selection_evaluation"' in q["sql"] for q in changed.captured_queries)


def test_the_jury_screens_move_the_ranking(team, scene, jurors, criteria):
    """Submitted, drafted then submitted, reopened and submitted again through
    the screens: the page follows each step."""
    review_round, dossiers, _criteria = scene
    assert_shows_live(team, review_round)
    david = as_user(jurors[3])
    url = f"/admin/jury/{review_round.pk}/{dossiers[3].pk}/"
    assert david.post(url, scores_form(criteria, [5, 5, 10])).status_code == 302
    assert_shows_live(team, review_round)
    rows, _ = page_rows(team, review_round)
    assert rows[0][:4] == ("1", dossiers[3].reference, 100.0, 1)

    other = f"/admin/jury/{review_round.pk}/{dossiers[4].pk}/"
    david.post(other, scores_form(criteria, [1, 1, 1], action="draft"))
    assert_shows_live(team, review_round)
    david.post(other, scores_form(criteria, [2, 2, 2]))
    assert_shows_live(team, review_round)
    david.post(
        f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/",
        scores_form(criteria, [0, 0, 0], conflict=True),
    )
    assert_shows_live(team, review_round)

    evaluation = Evaluation.objects.get(
        round=review_round, candidature=dossiers[3], member=jurors[3]
    )
    response = team.post(
        f"/admin/tours/{review_round.pk}/dossiers/{dossiers[3].pk}/",
        {"evaluation": evaluation.pk, "reason": "Erreur de saisie"},
    )
    assert response.status_code == 302
    assert_shows_live(team, review_round)
    rows, _ = page_rows(team, review_round)
    reopened = next(row for row in rows if row[1] == dossiers[3].reference)
    assert reopened[2:4] == (None, 0) and reopened[6], "no longer counted"
    david.post(url, scores_form(criteria, [1, 0, 0]))
    assert_shows_live(team, review_round)


def test_writes_behind_the_apps_back_move_the_ranking(team, scene, jurors):
    review_round, dossiers, _criteria = scene
    assert_shows_live(team, review_round)
    Evaluation.objects.filter(round=review_round, candidature=dossiers[2]).update(
        weighted=99
    )
    assert_shows_live(team, review_round)
    assert page_rows(team, review_round)[0][0][1] == dossiers[2].reference

    evaluation = Evaluation.objects.filter(candidature=dossiers[0]).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE selection_evaluation SET submitted_at = NULL WHERE id = %s",
            [evaluation.pk],
        )
    assert_shows_live(team, review_round)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE selection_evaluation SET conflict_of_interest = %s WHERE id = %s",
            [True, Evaluation.objects.filter(candidature=dossiers[1]).first().pk],
        )
    assert_shows_live(team, review_round)

    with deletions_allowed("test: an evaluation deleted in the shell"):
        Evaluation.objects.filter(candidature=dossiers[2]).first().delete()
    assert_shows_live(team, review_round)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM selection_evaluation WHERE candidature_id = %s",
            [dossiers[1].pk],
        )
    assert_shows_live(team, review_round)
    Evaluation.objects.bulk_create(
        [
            Evaluation(
                round=review_round,
                candidature=dossiers[6],
                member=jurors[0],
                scores={},
                submitted_at=timezone.now(),
            )
        ]
    )
    Evaluation.objects.filter(candidature=dossiers[6]).update(weighted=100)
    assert_shows_live(team, review_round)

    # Ties go by reference: a reference changed reorders them.
    Evaluation.objects.filter(round=review_round).update(weighted=50)
    assert_shows_live(team, review_round)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE forms_candidature SET reference = %s WHERE id = %s",
            ["AAA-2026-0001", dossiers[6].pk],
        )
    assert_shows_live(team, review_round)
    assert_shows_live(team, review_round, "?ordre=reference", order="reference")
    assert page_rows(team, review_round)[0][0][1] == "AAA-2026-0001"


def test_dossiers_added_to_and_taken_from_the_round_move_the_ranking(
    team, scene, form_page, jurors
):
    review_round, dossiers, _criteria = scene
    assert_shows_live(team, review_round)
    late = CandidatureFactory(
        page=form_page, status="eligible", reference="RNK-2026-0100"
    )
    Evaluation.objects.create(
        round=review_round,
        candidature=late,
        member=jurors[0],
        scores={},
        submitted_at=timezone.now(),
    )
    Evaluation.objects.filter(candidature=late).update(weighted=100)
    assert_shows_live(team, review_round)  # scored outside the round: not in it
    response = team.post(f"/admin/tours/{review_round.pk}/remplir/")
    assert response.status_code == 302
    assert_shows_live(team, review_round)
    assert page_rows(team, review_round)[0][0][1] == late.reference
    review_round.candidatures.remove(dossiers[0], late)
    assert_shows_live(team, review_round)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM selection_reviewround_candidatures "
            "WHERE reviewround_id = %s AND candidature_id = %s",
            [review_round.pk, dossiers[1].pk],
        )
    assert_shows_live(team, review_round)
    assert len(page_rows(team, review_round)[0]) == 5


def test_a_new_weight_of_a_criterion_ranks_the_next_submissions_with_it(
    team, call, form_page, jurors, criteria
):
    """Before the first submitted evaluation a criterion's weight may change:
    what is submitted afterwards counts with the new weight, on the page as
    when computed afresh."""
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=jurors[0])
    dossiers = [CandidatureFactory(page=form_page, status="eligible") for _ in range(2)]
    review_round.candidatures.add(*dossiers)
    alice = as_user(jurors[0])
    for dossier, values in zip(dossiers, ([5, 0, 0], [0, 5, 0]), strict=True):
        alice.post(
            f"/admin/jury/{review_round.pk}/{dossier.pk}/",
            scores_form(criteria, values, action="draft"),
        )
    assert_shows_live(team, review_round)
    data = page_edit_data(team, call)
    data["criteria-0-weight"] = "1"
    data["criteria-1-weight"] = "3"
    assert publish(team, call, data).status_code == 302
    for dossier, values in zip(dossiers, ([5, 0, 0], [0, 5, 0]), strict=True):
        alice.post(
            f"/admin/jury/{review_round.pk}/{dossier.pk}/",
            scores_form(criteria, values),
        )
    assert_shows_live(team, review_round)
    rows, _ = page_rows(team, review_round)
    assert [(row[1], row[2]) for row in rows] == [
        (dossiers[1].reference, 60.0),  # 3 × 100 / 5
        (dossiers[0].reference, 20.0),
    ]


def test_a_members_ranking_is_the_kept_one_over_the_whole_round(scene, jurors):
    """The member's page: ranks over the whole round, his conflicts left out,
    and it moves with the scores."""
    review_round, dossiers, _criteria = scene
    review_round.closed_at = timezone.now()
    review_round.members_see_ranking = True
    review_round.save()
    alice = as_user(jurors[0])
    Evaluation.objects.filter(member=jurors[0], candidature=dossiers[0]).update(
        conflict_of_interest=True
    )

    def shown():
        soup = BeautifulSoup(
            alice.get(f"/admin/jury/{review_round.pk}/classement/").content,
            "html.parser",
        )
        return [
            [td.get_text(" ", strip=True) for td in row.select("td")][:2]
            for row in soup.select("tbody tr")
        ]

    def expected():
        by_note = list(ranking(review_round))
        return [
            [
                str(rank) if c.mean is not None else "—",
                f"{c.reference} — {c.applicant_name}",
            ]
            for rank, c in enumerate(by_note, start=1)
            if c.pk != dossiers[0].pk
        ]

    assert shown() == expected()
    assert shown()[0][0] == "2", "ranked over the whole round"
    Evaluation.objects.filter(candidature=dossiers[0]).update(weighted=0)
    assert shown() == expected()
    assert shown()[0][0] == "1"


def test_a_stale_page_costs_the_same_queries_whatever_the_round(
    team, scene, form_page, jurors
):
    """The first page after a change computes the round once, in the same
    number of queries for 7 dossiers as for 200."""
    review_round, _dossiers, _criteria = scene
    url = f"/admin/tours/{review_round.pk}/classement/"
    team.get(url)

    def stale_page():
        Evaluation.objects.filter(round=review_round).update(weighted=40)
        Evaluation.objects.filter(round=review_round).update(weighted=None)
        with CaptureQueriesContext(connection) as captured:
            assert team.get(url).status_code == 200
        return len(captured)

    few = stale_page()
    more = CandidatureFactory.create_batch(200, page=form_page, status="eligible")
    review_round.candidatures.add(*more)
    submitted(review_round, more, jurors[:1])
    assert stale_page() == few
    assert RankedDossier.objects.filter(round=review_round).count() == 207


def test_computing_twice_keeps_one_row_a_dossier(scene):
    review_round, _dossiers, _criteria = scene
    refresh_ranking(review_round)
    assert refresh_ranking(review_round) is False, "current: left as it is"
    version = RoundScores.objects.get(round=review_round)
    assert version.ranked_version == version.version
    assert RankedDossier.objects.filter(round=review_round).count() == 7


@concurrent
def test_two_pages_computing_the_same_round_at_once(call, form_page, jurors):
    """Two requests find the ranking stale at the same moment: neither fails,
    the round is kept once, current."""
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    dossiers = CandidatureFactory.create_batch(300, page=form_page, status="eligible")
    review_round.candidatures.add(*dossiers)
    submitted(review_round, dossiers, jurors[:2])
    for i, dossier in enumerate(dossiers):  # a single statement would be nicer;
        if i % 50 == 0:  # a few distinct means are enough
            Evaluation.objects.filter(candidature=dossier).update(weighted=i / 3)
    start, results, errors = threading.Barrier(3), [], []

    def compute():
        try:
            start.wait()
            results.append(refresh_ranking(review_round))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=compute) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [False, False, True], "computed once, the others waited"
    kept = list(
        RankedDossier.objects.filter(round=review_round)
        .order_by("rank")
        .values_list("candidature_id", flat=True)
    )
    assert kept == list(ranking(review_round).values_list("pk", flat=True))


@concurrent
def test_a_write_during_a_computation_leaves_the_ranking_stale(call, form_page, jurors):
    """A write committed while the round is being computed is counted, or the
    kept rows look stale: never current without it."""
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    dossiers = CandidatureFactory.create_batch(2, page=form_page, status="eligible")
    review_round.candidatures.add(*dossiers)
    (evaluation,) = submitted(review_round, dossiers[:1], jurors[:1])
    written, computed = threading.Event(), threading.Event()

    def write():
        from django.db import transaction

        try:
            with transaction.atomic():
                Evaluation.objects.filter(pk=evaluation.pk).update(weighted=75)
                written.set()
                computed.wait(timeout=2)  # the computation waits for this one
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    written.wait()
    refresh_ranking(review_round)
    computed.set()
    writer.join()
    kept = RankedDossier.objects.get(round=review_round, candidature=dossiers[0])
    version = RoundScores.objects.get(round=review_round)
    counted = kept.mean is not None and float(kept.mean) == 75.0
    assert counted or version.ranked_version != version.version
    refresh_ranking(review_round)
    kept = RankedDossier.objects.get(round=review_round, candidature=dossiers[0])
    assert float(kept.mean) == 75.0


def version_of(review_round):
    from selection import ranking_triggers

    ranking_triggers.flush(connection)  # PostgreSQL counts at the commit
    return RoundScores.objects.get(round=review_round).version


def test_a_draft_never_submitted_leaves_the_ranking_current(scene, jurors, criteria):
    """A member's draft is not in the ranking: writing one does not make the
    next page compute the round again; submitting it does."""
    review_round, dossiers, _criteria = scene
    refresh_ranking(review_round)
    before = version_of(review_round)
    draft = Evaluation.objects.create(
        round=review_round, candidature=dossiers[5], member=jurors[0], scores={}
    )
    draft.scores = {str(c.pk): c.scale_max for c in criteria}
    draft.comment = "Brouillon"
    draft.save()
    assert version_of(review_round) == before
    draft.submitted_at = timezone.now()
    draft.save()
    assert version_of(review_round) > before


def test_triggers_lost_by_a_table_rebuild_are_made_again_after_migrating(scene):
    """SQLite drops a table's triggers when a migration rebuilds it: after any
    ``migrate``, each is there again and every kept ranking is stale."""
    from django.core.management.sql import emit_post_migrate_signal

    from selection import ranking_triggers

    review_round, dossiers, _criteria = scene
    assert ranking_triggers.missing(connection) == []
    refresh_ranking(review_round)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "DROP TRIGGER selection_evaluation_scores ON selection_evaluation"
            )
        else:
            cursor.execute("DROP TRIGGER selection_evaluation_scores_update")
    assert ranking_triggers.missing(connection) != []
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert ranking_triggers.missing(connection) == []
    scores = RoundScores.objects.get(round=review_round)
    assert scores.ranked_version != scores.version
    Evaluation.objects.filter(candidature=dossiers[0]).update(weighted=1)
    refresh_ranking(review_round)
    Evaluation.objects.filter(candidature=dossiers[0]).update(weighted=99)
    assert (
        version_of(review_round)
        != RoundScores.objects.get(round=review_round).ranked_version
    )


def test_a_dump_loaded_again_never_says_its_ranking_is_current(scene, tmp_path):
    from django.core.management import call_command

    review_round, _dossiers, _criteria = scene
    refresh_ranking(review_round)
    dump = tmp_path / "scores.json"
    call_command("dumpdata", "selection.roundscores", output=str(dump), verbosity=0)
    call_command("loaddata", str(dump), verbosity=0)
    assert RoundScores.objects.get(round=review_round).ranked_version is None


@concurrent
def test_a_long_import_and_a_members_save_never_deadlock(call, form_page, jurors):
    """An import writes a round's evaluations in one long transaction while a
    member saves one of them: each waits for the other's row at most, never for
    the round's version (moved at the commit), and both end."""
    from django.db import transaction

    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    dossiers = CandidatureFactory.create_batch(2, page=form_page, status="eligible")
    review_round.candidatures.add(*dossiers)
    first, second = submitted(review_round, dossiers, jurors[:1])
    imported, saved, errors = threading.Event(), threading.Event(), []

    def import_rows():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '5s'")
                Evaluation.objects.filter(pk=first.pk).update(weighted=10)
                imported.set()
                saved.wait(timeout=5)
                Evaluation.objects.filter(pk=second.pk).update(weighted=20)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    importer = threading.Thread(target=import_rows)
    importer.start()
    imported.wait(timeout=5)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            mine = Evaluation.objects.select_for_update().get(pk=second.pk)
            mine.weighted = 30
            mine.save(update_fields=["weighted"])
    finally:
        saved.set()
        importer.join()
    assert not errors
    assert dict(Evaluation.objects.values_list("pk", "weighted")) == {
        first.pk: 10,
        second.pk: 20,
    }
    refresh_ranking(review_round)
    kept = dict(
        RankedDossier.objects.filter(round=review_round).values_list(
            "candidature_id", "mean"
        )
    )
    assert {pk: float(mean) for pk, mean in kept.items()} == {
        dossiers[0].pk: 10.0,
        dossiers[1].pk: 20.0,
    }
