"""The team's table of each member's progress on a round, flat in queries."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forms.factories import CandidatureFactory
from selection.models import (
    Assignment,
    AssignmentMode,
    Evaluation,
    JuryReminder,
    ReviewRound,
    RoundMember,
)
from selection.permissions import juror_candidatures, juror_dossier_counts
from tests.users import member_of

from .jury_people import (  # noqa: F401 - fixtures, by their names
    alice_fixture,
    bruno_fixture,
    criteria_fixture,
    dossiers_fixture,
    evaluate,
    review_round_fixture,
)

pytestmark = pytest.mark.django_db


def table_rows(response):
    soup = BeautifulSoup(response.content, "html.parser")
    table = soup.find("table", class_="amorce-progress")
    return {
        tr.find_all("td")[0].get_text(" ", strip=True).split(" ")[0]: [
            td.get_text(" ", strip=True) for td in tr.find_all("td")
        ]
        for tr in table.find("tbody").find_all("tr")
    }


def test_the_table_says_where_each_member_stands(
    programme_client, review_round, alice, bruno, dossiers, criteria
):
    RoundMember.objects.filter(user=alice).update(administration="Préfecture")
    evaluate(review_round, dossiers[0], alice, [3, 3, 5], criteria)
    evaluate(review_round, dossiers[1], alice, [3, 3, 5], criteria, submit=False)
    Evaluation.objects.create(
        round=review_round,
        candidature=dossiers[2],
        member=bruno,
        conflict_of_interest=True,
        submitted_at=timezone.now(),
    )
    JuryReminder.objects.create(
        round=review_round,
        member=bruno,
        kind="before",
        deadline=dt.date(2026, 3, 13),
        pending=2,
    )
    ranking = programme_client.get(f"/admin/tours/{review_round.pk}/classement/")
    assert f"/admin/tours/{review_round.pk}/membres/" in ranking.content.decode()

    rows = table_rows(programme_client.get(f"/admin/tours/{review_round.pk}/membres/"))
    # member, administration, to score, submitted, drafts, conflicts, last, reminders, invitation
    a = rows["Alice"]
    assert a[1] == "Préfecture"
    assert a[2].startswith("3") and "2 restants" in a[2]
    assert a[3:6] == ["1", "1", "0"]
    assert a[6] != "—"
    assert a[7] == "0"
    assert "ajouté par le formulaire" in a[8]
    b = rows["Bruno"]
    assert b[2].startswith("2"), "his conflict is not his to score"
    assert b[3:6] == ["0", "0", "1"]
    assert b[7].startswith("1")


@pytest.mark.parametrize("mode", ["all", "per_dossier"])
def test_the_counts_agree_with_what_each_member_reads(
    review_round, alice, bruno, dossiers, criteria, mode
):
    """The bulk count follows the rule of ``juror_candidatures``, member by member,
    whether every member reads every dossier or each reads those assigned to him."""
    if mode == "per_dossier":
        review_round.assignment = AssignmentMode.PER_DOSSIER
        review_round.save()
        for dossier in dossiers[:2]:
            Assignment.objects.create(
                round=review_round, candidature=dossier, member=alice
            )
        Assignment.objects.create(
            round=review_round, candidature=dossiers[-1], member=bruno
        )
    Evaluation.objects.create(
        round=review_round,
        candidature=dossiers[0],
        member=alice,
        conflict_of_interest=True,
        submitted_at=timezone.now(),
    )
    outsider = member_of("Communication", "claire")  # not in the site's jury
    RoundMember.objects.create(round=review_round, user=outsider)
    memberships = list(review_round.memberships.select_related("user"))
    counts = juror_dossier_counts(review_round, memberships)
    for membership in memberships:
        expected = juror_candidatures(membership.user, review_round).count()
        assert counts[membership.user_id] == expected, membership.user


def test_the_table_costs_the_same_queries_for_more_members_and_dossiers(
    programme_client, call, form_page, criteria
):
    review_round = ReviewRound.objects.create(
        call=call, kind="preselection", evaluation_deadline=dt.date(2026, 3, 13)
    )
    url = f"/admin/tours/{review_round.pk}/membres/"

    def grow(members, dossiers):
        start = RoundMember.objects.filter(round=review_round).count()
        people = [member_of("Jury", f"juror{start + i}") for i in range(members)]
        for person in people:
            RoundMember.objects.create(round=review_round, user=person)
        new = [
            CandidatureFactory(page=form_page, status="eligible")
            for _ in range(dossiers)
        ]
        review_round.candidatures.add(*new)
        for person in people:
            for dossier in new:
                evaluate(review_round, dossier, person, [3, 3, 5], criteria)
            JuryReminder.objects.create(
                round=review_round,
                member=person,
                kind="day",
                deadline=dt.date(2026, 3, 13),
            )

    def count():
        programme_client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert programme_client.get(url).status_code == 200
        return len(queries)

    grow(2, 2)
    few = count()
    grow(12, 6)
    assert count() == few
