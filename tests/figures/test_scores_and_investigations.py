"""The scores of a round by criterion, and the investigations by phase."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forms.factories import CandidatureFactory
from investigations.models import Investigation, Phase
from selection.models import Evaluation, ReviewRound
from tests.figures.test_dashboard import bar_values, chart_svg, read_csv
from tests.users import member_of


@pytest.fixture
def scored_round(call, form_page):
    criteria = list(call.criteria.all())  # scales 0–5, 0–5, 0–10
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    dossiers = CandidatureFactory.create_batch(3, page=form_page, status="eligible")
    review_round.candidatures.add(*dossiers)
    jurors = [member_of("Jury", f"juror{n}") for n in range(2)]
    given = [(4, 3, 10), (4, 2.5, 7), (5, 3, 7), (1, 3, 0), (4, 0, 7), (2, 5, 7)]
    pairs = [(d, j) for d in dossiers for j in jurors]
    for (dossier, juror), scores in zip(pairs, given, strict=True):
        Evaluation.objects.create(
            round=review_round,
            candidature=dossier,
            member=juror,
            scores={str(c.pk): s for c, s in zip(criteria, scores, strict=True)},
            submitted_at=timezone.now(),
        )
    # A draft and a conflict count for nothing.
    extra = CandidatureFactory(page=form_page, status="eligible")
    Evaluation.objects.create(
        round=review_round,
        candidature=extra,
        member=jurors[0],
        scores={str(criteria[0].pk): 4},
    )
    Evaluation.objects.create(
        round=review_round,
        candidature=extra,
        member=jurors[1],
        scores={str(criteria[0].pk): 4},
        conflict_of_interest=True,
        submitted_at=timezone.now(),
    )
    return review_round, criteria


def test_each_criterion_gets_a_histogram_of_its_scale(programme_client, scored_round):
    """One bar per point of the scale; half points fall in the bin below; drafts
    and conflicts are left out."""
    review_round, criteria = scored_round
    response = programme_client.get(f"/admin/chiffres/tours/{review_round.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    first = bar_values(chart_svg(html, f"notes-{criteria[0].pk}"))
    assert first == {"0": 0, "1": 1, "2": 1, "3": 0, "4": 3, "5": 1}
    second = bar_values(chart_svg(html, f"notes-{criteria[1].pk}"))
    assert second["2"] == 1 and second["3"] == 3
    third = bar_values(chart_svg(html, f"notes-{criteria[2].pk}"))
    assert len(third) == 11 and third["7"] == 4
    frame = read_csv(
        programme_client.get(
            f"/admin/chiffres/csv/notes-{criteria[0].pk}/?tour={review_round.pk}"
        )
    )
    assert dict(zip(frame["Note"], frame["Évaluations"], strict=True))[4] == 3


def test_the_ranking_links_to_the_scores(programme_client, scored_round):
    review_round, _criteria = scored_round
    html = programme_client.get(f"/admin/tours/{review_round.pk}/classement/").content
    assert f"/admin/chiffres/tours/{review_round.pk}/".encode() in html


def test_a_juror_does_not_get_the_scores(client, scored_round):
    review_round, _criteria = scored_round
    client.force_login(member_of("Jury", "other_juror"))
    response = client.get(f"/admin/chiffres/tours/{review_round.pk}/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_investigations_by_phase_and_time_in_phase(programme_client, site):
    """On the investigations' dashboard: how many in each phase, and how long."""
    today = timezone.localdate()
    for days, code in [
        (70, "investigation"),
        (30, "investigation"),
        (100, "construction"),
    ]:
        investigation = Investigation.objects.create(
            title=f"Enquête {days}", problem_statement="Un problème", site=site
        )
        Phase.objects.create(
            investigation=investigation,
            code=code,
            starts_on=today - dt.timedelta(days=days),
        )
    response = programme_client.get("/admin/investigations/tableau-de-bord/")
    html = response.content.decode()
    assert bar_values(chart_svg(html, "investigations-phases")) == {
        "Investigation": 2,
        "Construction": 1,
    }
    assert bar_values(chart_svg(html, "investigations-temps")) == {
        "Investigation": 50,
        "Construction": 100,
    }
    frame = read_csv(programme_client.get("/admin/chiffres/csv/investigations-temps/"))
    assert list(frame["Jours en moyenne"]) == [50, 100]
    assert list(frame["Cible (jours)"])[0] == 63


def test_the_scores_page_does_not_grow_with_the_evaluations(
    programme_client, scored_round, form_page
):
    """One query per criterion, whatever the number of evaluations."""
    review_round, criteria = scored_round
    url = f"/admin/chiffres/tours/{review_round.pk}/"
    programme_client.get(url)
    with CaptureQueriesContext(connection) as few:
        programme_client.get(url)
    juror = member_of("Jury", "juror_many")
    for dossier in CandidatureFactory.create_batch(30, page=form_page):
        review_round.candidatures.add(dossier)
        Evaluation.objects.create(
            round=review_round,
            candidature=dossier,
            member=juror,
            scores={str(c.pk): 3 for c in criteria},
            submitted_at=timezone.now(),
        )
    with CaptureQueriesContext(connection) as many:
        response = programme_client.get(url)
    assert len(many) == len(few)
    first = bar_values(chart_svg(response.content.decode(), f"notes-{criteria[0].pk}"))
    assert first["3"] == 30


def test_the_current_phase_is_the_one_that_started_last(programme_client, site):
    """Counted as ``Investigation.current_phase`` says, whatever the phases before it:
    none (« sans phase »), a past phase then a later one, a final phase (counted by
    phase, not in the time spent), a phase that starts later (not in the time spent)."""
    today = timezone.localdate()

    def investigation(title, *phases):
        made = Investigation.objects.create(
            title=title, problem_statement="Un problème", site=site
        )
        for order, (days, code) in enumerate(phases):
            Phase.objects.create(
                investigation=made,
                code=code,
                starts_on=today - dt.timedelta(days=days),
                sort_order=order,
            )
        return made

    made = [
        investigation("Sans phase"),
        investigation(
            "Passée en construction", (200, "investigation"), (40, "construction")
        ),
        investigation("Même jour", (20, "investigation"), (20, "construction")),
        investigation("Abandonnée", (90, "investigation"), (10, "abandon")),
        investigation("Bientôt", (60, "investigation"), (-5, "construction")),
    ]
    expected = {}
    for one in made:
        phase = one.current_phase
        label = phase.get_code_display() if phase else "sans phase"
        expected[label] = expected.get(label, 0) + 1
    response = programme_client.get("/admin/investigations/tableau-de-bord/")
    html = response.content.decode()
    assert bar_values(chart_svg(html, "investigations-phases")) == expected
    # In construction since 40 and 20 days; the one starting in 5 days is left out.
    assert bar_values(chart_svg(html, "investigations-temps")) == {"Construction": 30}
