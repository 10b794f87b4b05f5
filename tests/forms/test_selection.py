"""Rounds, weighted scores, what each juror sees, the ranking and the decisions."""

import math
import random

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forms.factories import CandidatureFactory
from forms.models import Candidature
from selection.models import Evaluation, ReviewRound, RoundMember
from selection.scoring import round_aggregates, weighted_score
from tests.users import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def criteria(call):
    return list(call.criteria.all())  # weights 2, 1, 1; scales 0–5, 0–5, 0–10


@pytest.fixture
def jurors(db):
    return member_of("Jury", "alice"), member_of("Jury", "bruno")


@pytest.fixture
def dossiers(form_page):
    return [
        CandidatureFactory(
            page=form_page,
            status="eligible",
            applicant_email=f"agent{i}@prefecture.example.gouv.fr",
        )
        for i in range(3)
    ]


@pytest.fixture
def preselection(call, jurors, dossiers):
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    for juror in jurors:
        RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(*dossiers[:2])
    return review_round


def evaluate(review_round, candidature, member, values, criteria, conflict=False):
    return Evaluation.objects.create(
        round=review_round,
        candidature=candidature,
        member=member,
        scores={str(c.pk): v for c, v in zip(criteria, values, strict=True)},
        conflict_of_interest=conflict,
        submitted_at=timezone.now(),
    )


def test_weighted_score_on_known_numbers(criteria):
    def scores(values):
        return {str(c.pk): v for c, v in zip(criteria, values, strict=True)}

    assert weighted_score(scores([5, 5, 10]), criteria) == 100
    assert weighted_score(scores([0, 0, 0]), criteria) == 0
    assert (
        weighted_score(scores([4, 2, 5]), criteria) == 62.5
    )  # (2×0.8 + 0.4 + 0.5) / 4
    assert weighted_score(scores([3, 3, 5]), criteria) == 57.5
    assert weighted_score({str(criteria[0].pk): 5}, criteria) is None


def test_aggregates_mean_count_spread_and_disagreement(
    preselection, dossiers, jurors, criteria
):
    alice, bruno = jurors
    evaluate(preselection, dossiers[0], alice, [4, 2, 5], criteria)
    evaluate(preselection, dossiers[0], bruno, [3, 3, 5], criteria)
    evaluate(preselection, dossiers[1], alice, [5, 5, 10], criteria)
    evaluate(preselection, dossiers[1], bruno, [0, 0, 0], criteria)
    first, second = round_aggregates(preselection)
    assert (
        first.candidature,
        first.mean,
        first.count,
        first.spread,
        first.disagreement,
    ) == (dossiers[0], 60.0, 2, 2.5, False)
    assert (second.candidature, second.mean, second.spread, second.disagreement) == (
        dossiers[1],
        50.0,
        50.0,
        True,
    )


def test_a_declared_conflict_is_left_out_of_the_aggregate(
    preselection, dossiers, jurors, criteria
):
    alice, bruno = jurors
    evaluate(preselection, dossiers[0], alice, [5, 5, 10], criteria)
    evaluate(preselection, dossiers[0], bruno, [0, 0, 0], criteria, conflict=True)
    aggregate = round_aggregates(preselection)[0]
    assert (aggregate.mean, aggregate.count, aggregate.conflicts) == (100.0, 1, [bruno])


def test_the_database_ranks_as_the_formula_scores(call, form_page, criteria):
    """Means, spreads, extremes and order come from SQL: the same as the formula,
    drafts, conflicts, missing criteria and other rounds' evaluations left out."""
    chance = random.Random(15)  # noqa: S311 - a fixed sample, not a secret
    members = [member_of("Jury", f"juror{i}") for i in range(4)]
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    other_round = ReviewRound.objects.create(call=call, kind="committee")
    dossiers = [
        CandidatureFactory(page=form_page, status="eligible") for _ in range(12)
    ]
    review_round.candidatures.add(*dossiers)
    other_round.candidatures.add(*dossiers)
    expected, listed = {}, {}
    for dossier in dossiers:
        counted = []
        for member in members:
            values = [chance.choice([0, 1.5, 2, 3, 4.25, 5]) for _ in range(2)] + [
                chance.randint(0, 10)
            ]
            case = chance.choice(["counted", "counted", "draft", "conflict", "partial"])
            scores = {str(c.pk): v for c, v in zip(criteria, values, strict=True)}
            if case == "partial":
                scores.pop(str(criteria[1].pk))
            Evaluation.objects.create(
                round=review_round,
                candidature=dossier,
                member=member,
                scores=scores,
                conflict_of_interest=case == "conflict",
                submitted_at=None if case == "draft" else timezone.now(),
            )
            Evaluation.objects.create(  # never read into the first round
                round=other_round,
                candidature=dossier,
                member=member,
                scores={str(c.pk): c.scale_max for c in criteria},
                submitted_at=timezone.now(),
            )
            if case == "counted":
                counted.append(weighted_score(scores, criteria))
        listed[dossier.pk] = counted
        mean = round(sum(counted) / len(counted), 2) if counted else None
        spread = (
            round(math.sqrt(sum((s - mean) ** 2 for s in counted) / len(counted)), 2)
            if counted
            else None
        )
        expected[dossier.pk] = (
            len(counted),
            mean,
            spread,
            min(counted, default=None),
            max(counted, default=None),
        )
    aggregates = round_aggregates(review_round)
    for a in aggregates:
        count, mean, spread, low, high = expected[a.candidature.pk]
        assert (a.count, a.minimum, a.maximum) == (count, low, high)
        assert a.mean == pytest.approx(mean, abs=0.011)
        assert a.spread == pytest.approx(spread, abs=0.011)
        assert sorted(score for _member, score in a.scores) == sorted(
            listed[a.candidature.pk]
        )
    means = [a.mean for a in aggregates]
    scored = [m for m in means if m is not None]
    assert scored == sorted(scored, reverse=True)
    assert means[: len(scored)] == scored  # unscored last


def test_juror_sees_only_the_dossiers_of_their_round(
    client, preselection, dossiers, jurors
):
    alice, _bruno = jurors
    client.force_login(alice)
    page = client.get(f"/admin/jury/{preselection.pk}/").content.decode()
    assert dossiers[0].reference in page and dossiers[1].reference in page
    assert dossiers[2].reference not in page, "not in the round"
    assert "0/2 évalués" in page
    assert (
        client.get(f"/admin/jury/{preselection.pk}/{dossiers[2].pk}/").status_code
        == 404
    )
    for url in (
        "/admin/candidatures/",
        f"/admin/candidatures/inspect/{dossiers[0].pk}/",
    ):
        assert client.get(url).status_code in (302, 403, 404)


def test_a_juror_cannot_reach_another_rounds_dossier(
    client, call, preselection, dossiers, jurors
):
    outsider = member_of("Jury", "chloe")
    other = ReviewRound.objects.create(call=call, kind="selection")
    RoundMember.objects.create(round=other, user=outsider)
    client.force_login(outsider)
    assert client.get(f"/admin/jury/{preselection.pk}/").status_code == 404
    assert (
        client.get(f"/admin/jury/{preselection.pk}/{dossiers[0].pk}/").status_code
        == 404
    )
    assert client.get(f"/admin/jury/{other.pk}/{dossiers[0].pk}/").status_code == 404


def test_scoring_then_seeing_the_others(
    client, preselection, dossiers, jurors, criteria
):
    alice, bruno = jurors
    evaluate(
        preselection, dossiers[0], bruno, [3, 3, 5], criteria
    ).__class__.objects.filter(member=bruno).update(comment="Très convaincant")
    client.force_login(alice)
    url = f"/admin/jury/{preselection.pk}/{dossiers[0].pk}/"
    before = client.get(url).content.decode()
    assert "Très convaincant" not in before, (
        "others' scores stay hidden until one's own is in"
    )

    missing = client.post(url, {f"score_{criteria[0].pk}": "4", "comment": ""})
    assert missing.status_code == 200
    assert "Notez « Motivation »." in missing.content.decode()
    assert not Evaluation.objects.filter(member=alice).exists()

    done = client.post(
        url,
        {f"score_{c.pk}": v for c, v in zip(criteria, ["4", "2", "5"], strict=True)},
    )
    assert done.status_code == 302
    after = client.get(url).content.decode()
    assert "Très convaincant" in after
    assert "Ma note pondérée : 62,5/100" in after
    assert (
        "1/2 évalués" in client.get(f"/admin/jury/{preselection.pk}/").content.decode()
    )


def test_a_juror_goes_from_one_dossier_to_the_next(
    client, preselection, dossiers, jurors, criteria
):
    alice, _bruno = jurors
    client.force_login(alice)
    first, second = sorted(dossiers[:2], key=lambda c: c.reference)
    page = client.get(f"/admin/jury/{preselection.pk}/{first.pk}/").content.decode()
    assert f"Dossier suivant à évaluer : {second.reference}" in page
    assert f'href="/admin/jury/{preselection.pk}/"' in page, "back to the round"
    evaluate(preselection, second, alice, [3, 3, 5], criteria)
    page = client.get(f"/admin/jury/{preselection.pk}/{second.pk}/").content.decode()
    assert f"Dossier suivant à évaluer : {first.reference}" in page
    evaluate(preselection, first, alice, [3, 3, 5], criteria)
    page = client.get(f"/admin/jury/{preselection.pk}/{first.pk}/").content.decode()
    assert "Vous avez évalué tous les dossiers de ce tour." in page


def test_out_of_scale_score_is_refused(
    client, preselection, dossiers, jurors, criteria
):
    client.force_login(jurors[0])
    url = f"/admin/jury/{preselection.pk}/{dossiers[0].pk}/"
    response = client.post(
        url,
        {f"score_{c.pk}": v for c, v in zip(criteria, ["9", "2", "5"], strict=True)},
    )
    assert response.status_code == 200
    assert not Evaluation.objects.exists()


def test_declaring_a_conflict_removes_the_dossier(
    client, preselection, dossiers, jurors
):
    alice, _ = jurors
    client.force_login(alice)
    attachment_free_url = f"/admin/jury/{preselection.pk}/{dossiers[0].pk}/"
    response = client.post(
        attachment_free_url,
        {"conflict_of_interest": "on", "conflict_note": "Mon service"},
    )
    assert response.status_code == 302
    assert client.get(attachment_free_url).status_code == 404
    listing = BeautifulSoup(
        client.get(f"/admin/jury/{preselection.pk}/").content, "html.parser"
    )
    assert dossiers[0].reference not in listing.select_one("table.listing").get_text()
    assert "0/1 évalués" in listing.get_text()


def test_likely_conflict_is_flagged_by_email_domain(client, preselection, dossiers):
    insider = member_of("Jury", "denis", email="denis@prefecture.example.gouv.fr")
    RoundMember.objects.create(round=preselection, user=insider)
    client.force_login(insider)
    page = BeautifulSoup(
        client.get(f"/admin/jury/{preselection.pk}/").content, "html.parser"
    ).get_text(" ")
    assert (
        "Conflit d'intérêts probable : même domaine de messagerie (prefecture.example.gouv.fr)"
        in page
    )


def test_programme_team_fills_ranks_and_decides(
    client, call, form_page, jurors, criteria
):
    programme = member_of("Équipe programme", "paula")
    eligible = [CandidatureFactory(page=form_page, status="eligible") for _ in range(3)]
    CandidatureFactory(page=form_page, status="received")
    client.force_login(programme)
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=jurors[0])
    client.post(f"/admin/tours/{review_round.pk}/remplir/")
    assert set(review_round.candidatures.all()) == set(eligible)
    evaluate(review_round, eligible[1], jurors[0], [5, 5, 10], criteria)
    evaluate(review_round, eligible[0], jurors[0], [1, 1, 1], criteria)

    ranking = BeautifulSoup(
        client.get(f"/admin/tours/{review_round.pk}/classement/").content, "html.parser"
    )
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in ranking.select(".amorce-ranking tbody tr")
    ]
    assert (
        rows[0][1] == "1"
        and eligible[1].reference in rows[0][2]
        and rows[0][5] == "100,0"
    )
    assert eligible[2].reference in rows[2][2] and rows[2][5] == "—"

    refused = client.post(
        f"/admin/tours/{review_round.pk}/classement/",
        {"candidatures": [eligible[0].pk], "status": "not_preselected", "reason": ""},
    )
    assert "Indiquez le motif de cette décision." in refused.content.decode()
    client.post(
        f"/admin/tours/{review_round.pk}/classement/",
        {"candidatures": [eligible[1].pk, eligible[2].pk], "status": "preselected"},
    )
    assert set(Candidature.objects.filter(status="preselected")) == {
        eligible[1],
        eligible[2],
    }


def test_a_bulk_decision_is_all_or_nothing(client, call, form_page, jurors):
    programme = member_of("Équipe programme", "paula")
    client.force_login(programme)
    ok = CandidatureFactory(page=form_page, status="eligible")
    not_yet = CandidatureFactory(page=form_page, status="received")
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    review_round.candidatures.add(ok, not_yet)
    response = client.post(
        f"/admin/tours/{review_round.pk}/classement/",
        {"candidatures": [ok.pk, not_yet.pk], "status": "preselected"},
    )
    assert "Aucune décision enregistrée" in response.content.decode()
    assert Candidature.objects.filter(status="preselected").count() == 0


def test_jurors_cannot_open_the_ranking(client, preselection, jurors):
    client.force_login(jurors[0])
    assert client.get(f"/admin/tours/{preselection.pk}/classement/").status_code in (
        302,
        403,
    )


def count_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_ranking_and_lists_cost_the_same_queries_for_more_rows(
    client, call, form_page, jurors, criteria
):
    programme = member_of("Équipe programme", "paula")
    client.force_login(programme)
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    for juror in jurors:
        RoundMember.objects.create(round=review_round, user=juror)

    def add(n):
        for _ in range(n):
            candidature = CandidatureFactory(page=form_page, status="eligible")
            review_round.candidatures.add(candidature)
            for juror in jurors:
                evaluate(review_round, candidature, juror, [3, 3, 5], criteria)

    add(3)
    urls = [
        f"/admin/tours/{review_round.pk}/classement/",
        "/admin/candidatures/",
        f"/admin/jury/{review_round.pk}/",
    ]
    few = {}
    for url in urls:
        client.force_login(jurors[0] if "/jury/" in url else programme)
        few[url] = count_queries(client, url)
    add(30)
    for url in urls:
        client.force_login(jurors[0] if "/jury/" in url else programme)
        assert count_queries(client, url) == few[url], url


def test_no_api_route_gives_dossiers_away(
    client, preselection, dossiers, jurors, form_page
):
    """Candidatures are not snippets nor pages: only the staff routes list them, to a
    token, never to a session (a juror's open admin tab)."""
    client.force_login(jurors[0])
    for url in (
        "/api/v3/snippets/forms.Candidature/",
        f"/api/v3/snippets/forms.Candidature/{dossiers[0].pk}/",
        f"/api/v3/pages/{form_page.pk}/",
        "/api/v3/staff/candidatures/",
        f"/api/v3/staff/candidatures/{dossiers[0].reference}/",
    ):
        response = client.get(url)
        assert dossiers[0].applicant_email.encode() not in response.content, url
        assert dossiers[0].reference.encode() not in response.content, url
    document = client.get("/api/v3/openapi.json").json()
    schemas = document["components"]["schemas"]
    giving = []
    for path, operations in document["paths"].items():
        seen, todo = set(), list(_refs(operations))
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(_refs(schemas.get(name, {})))
        if "applicant_email" in str(operations) or any(
            "applicant_email" in str(schemas.get(name, "")) for name in seen
        ):
            giving.append(path)
            assert path.startswith("/api/v3/staff/"), path
            assert all(op.get("security") for op in operations.values()), path
    assert "/api/v3/staff/candidatures/" in giving  # the check sees through $ref


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_weights_read_as_people_write_them(
    client, preselection, dossiers, jurors, criteria
):
    """A weight of 10 reads « × 10 », not « × 1E+1 »; 1.5 reads « × 1,5 »."""
    criteria[0].weight, criteria[1].weight = 10, "1.5"
    criteria[0].save()
    criteria[1].save()
    client.force_login(jurors[0])
    text = BeautifulSoup(
        client.get(f"/admin/jury/{preselection.pk}/{dossiers[0].pk}/").content,
        "html.parser",
    ).get_text(" ")
    assert "Ampleur du problème (× 10)" in text
    assert "Motivation (× 1,5)" in text


def test_filling_a_round_is_a_post_only(programme_client, preselection):
    assert (
        programme_client.get(f"/admin/tours/{preselection.pk}/remplir/").status_code
        == 405
    )
