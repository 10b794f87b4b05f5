"""Who reads which dossier: every member by default, or the dossiers assigned to
them (by hand or automatically) when the round says « attribution par dossier »."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.deletion import DeletionRefused
from forms.factories import CandidatureFactory
from selection.models import Assignment, Evaluation, ReviewRound, RoundMember
from tests.exports.test_pdfs import text_of
from tests.incubators import add_second_incubator
from tests.users import member_of

from .conftest import as_user, scores_form

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(review_round):
    return f"/admin/tours/{review_round.pk}/attribution/"


def readers(review_round, dossier):
    return set(
        Assignment.objects.filter(round=review_round, candidature=dossier).values_list(
            "member__username", flat=True
        )
    )


def add(client, review_round, dossier, member, confirm=False):
    data = {"action": "add", "candidature": dossier.pk, "member": member.pk}
    if confirm:
        data["confirm"] = "1"
    return client.post(url(review_round), data, follow=True)


def jury_list(juror, review_round):
    return as_user(juror).get(f"/admin/jury/{review_round.pk}/").content.decode()


# Reading: all members, or the assigned ones ------------------------------------


def test_by_default_every_member_reads_every_dossier(review_round, jurors, dossiers):
    review_round.assignment = "all"
    review_round.save()
    page = jury_list(jurors[0], review_round)
    assert all(d.reference in page for d in dossiers)
    assert "0/6 évalués" in page


def test_a_member_reads_only_the_dossiers_assigned_to_him(
    programme_client, review_round, jurors, dossiers
):
    alice = jurors[0]
    add(programme_client, review_round, dossiers[0], alice)
    page = jury_list(alice, review_round)
    assert dossiers[0].reference in page
    assert dossiers[1].reference not in page
    assert "0/1 évalués" in page
    client = as_user(alice)
    evaluate = f"/admin/jury/{review_round.pk}/"
    assert client.get(f"{evaluate}{dossiers[0].pk}/").status_code == 200
    # Not assigned: as if it did not exist, on every path a member reads a dossier by.
    assert client.get(f"{evaluate}{dossiers[1].pk}/").status_code == 404
    assert (
        client.get(f"/admin/exports/dossiers/{dossiers[1].pk}/pdf/").status_code == 404
    )
    book = client.get(
        f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/?membre=moi"
    )
    assert book.status_code == 200
    _reader, text = text_of(book.content)
    assert dossiers[0].reference in text
    assert dossiers[1].reference not in text


def test_a_member_with_no_assignment_reads_nothing(review_round, jurors, dossiers):
    page = jury_list(jurors[1], review_round)
    assert not any(d.reference in page for d in dossiers)
    assert "0/0 évalués" in page


# By hand ---------------------------------------------------------------------------


def test_the_team_assigns_and_takes_off_a_member_by_hand(
    programme_client, paula, review_round, jurors, dossiers
):
    response = add(programme_client, review_round, dossiers[0], jurors[1])
    assert "Dossier TST-2026-0001 attribué à Bruno." in messages_of(response)
    assignment = Assignment.objects.get(round=review_round, candidature=dossiers[0])
    assert (assignment.member, assignment.origin, assignment.made_by) == (
        jurors[1],
        "manual",
        paula,
    )
    page = programme_client.get(url(review_round)).content.decode()
    assert "Bruno" in page and "1/2" in page

    again = add(programme_client, review_round, dossiers[0], jurors[1])
    assert "Le dossier TST-2026-0001 est déjà attribué à Bruno." in messages_of(again)
    assert Assignment.objects.count() == 1

    removed = programme_client.post(
        url(review_round),
        {"action": "remove", "assignment": assignment.pk},
        follow=True,
    )
    assert "Bruno ne lit plus le dossier TST-2026-0001." in messages_of(removed)
    assert not Assignment.objects.exists()
    entry = ModelLogEntry.objects.get(action="amorce.round.unassigned")
    assert entry.object_id == str(review_round.pk) and entry.user == paula
    assert entry.data == {"member": "Bruno", "reference": "TST-2026-0001"}


def test_a_member_is_not_put_on_a_dossier_he_declared_a_conflict_on(
    programme_client, review_round, jurors, dossiers, criteria
):
    alice = jurors[0]
    review_round.assignment = "all"
    review_round.save()
    as_user(alice).post(
        f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/",
        scores_form(criteria, ["", "", ""], conflict=True),
    )
    assert Evaluation.objects.get(member=alice).conflict_of_interest
    review_round.assignment = "per_dossier"
    review_round.save()
    response = add(programme_client, review_round, dossiers[0], alice)
    assert (
        "Alice a déclaré un conflit d'intérêts pour le dossier TST-2026-0001 : ce "
        "dossier ne peut pas lui être attribué." in messages_of(response)
    )
    assert not Assignment.objects.exists()
    # Even confirmed: a declared conflict is not a guess.
    add(programme_client, review_round, dossiers[0], alice, confirm=True)
    assert not Assignment.objects.exists()


def test_a_likely_conflict_is_refused_unless_the_team_confirms(
    programme_client, review_round, jurors, dossiers
):
    alice = jurors[0]
    RoundMember.objects.filter(round=review_round, user=alice).update(
        administration="Commune de Villeneuve1"
    )
    response = add(programme_client, review_round, dossiers[0], alice)
    [message] = messages_of(response)
    expected = "Conflit d'intérêts probable entre Alice et le dossier TST-2026-0001"
    assert expected in message
    assert "Attribuer malgré le conflit probable" in message
    assert not Assignment.objects.exists()

    add(programme_client, review_round, dossiers[0], alice, confirm=True)
    assert readers(review_round, dossiers[0]) == {"alice"}


def test_bad_input_changes_nothing(
    programme_client, form_page, review_round, jurors, dossiers
):
    other = CandidatureFactory(page=form_page, status="eligible")  # not in the round
    outsider = member_of("Jury", "eve")  # not a member of the round
    for data, expected in (
        (
            {"action": "add", "candidature": other.pk, "member": jurors[0].pk},
            "Ce dossier n'est pas dans ce tour.",
        ),
        (
            {"action": "add", "candidature": dossiers[0].pk, "member": outsider.pk},
            "Choisissez un membre du tour pour le dossier TST-2026-0001.",
        ),
        (
            {"action": "add", "candidature": "x", "member": ""},
            "Ce dossier n'est pas dans ce tour.",
        ),
        (
            {"action": "remove", "assignment": "999999"},
            "Cette attribution n'existe plus",
        ),
        ({"action": "?"}, "Action inconnue : rien n'a changé."),
    ):
        response = programme_client.post(url(review_round), data, follow=True)
        assert any(expected in m for m in messages_of(response)), data
    assert not Assignment.objects.exists()


def test_an_assignment_whose_evaluation_started_stays(
    programme_client, review_round, jurors, dossiers, criteria
):
    alice = jurors[0]
    add(programme_client, review_round, dossiers[0], alice)
    as_user(alice).post(
        f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/",
        scores_form(criteria, [3, "", ""], action="draft"),
    )
    assignment = Assignment.objects.get()
    response = programme_client.post(
        url(review_round),
        {"action": "remove", "assignment": assignment.pk},
        follow=True,
    )
    assert (
        "Alice a commencé l'évaluation de ce dossier : l'attribution est conservée "
        "avec elle." in messages_of(response)
    )
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    with pytest.raises(DeletionRefused), transaction.atomic():
        assignment.delete()
    assert Assignment.objects.filter(pk=assignment.pk).exists()


# Automatically ---------------------------------------------------------------------


def test_automatic_assignment_balances_the_load_and_keeps_the_teams_choices(
    programme_client, review_round, jurors, dossiers
):
    add(programme_client, review_round, dossiers[0], jurors[3])
    response = programme_client.post(url(review_round), {"action": "auto"}, follow=True)
    assert "11 attributions ajoutées." in messages_of(response)
    for dossier in dossiers:
        assert len(readers(review_round, dossier)) == 2
    manual = Assignment.objects.get(candidature=dossiers[0], member=jurors[3])
    assert manual.origin == "manual"
    loads = [Assignment.objects.filter(member=j).count() for j in jurors]
    assert sorted(loads) == [3, 3, 3, 3], "12 readings over 4 members"
    # Each member now reads their dossiers, and only them.
    for juror in jurors:
        page = jury_list(juror, review_round)
        assert "0/3 évalués" in page

    again = programme_client.post(url(review_round), {"action": "auto"}, follow=True)
    assert "Chaque dossier a déjà 2 membres : rien à ajouter." in messages_of(again)
    assert Assignment.objects.count() == 12


def test_automatic_assignment_is_the_same_for_the_same_round(
    programme_client, review_round, jurors, dossiers
):
    programme_client.post(url(review_round), {"action": "auto"})
    first = set(Assignment.objects.values_list("candidature_id", "member_id"))
    Assignment.objects.all().delete()
    programme_client.post(url(review_round), {"action": "auto"})
    assert set(Assignment.objects.values_list("candidature_id", "member_id")) == first


def test_automatic_assignment_with_too_few_members_says_which_dossiers_lack(
    programme_client, review_round, jurors, dossiers
):
    review_round.reviewers_per_dossier = 5
    review_round.save()
    response = programme_client.post(url(review_round), {"action": "auto"}, follow=True)
    messages = messages_of(response)
    assert "24 attributions ajoutées." in messages
    [warning] = [m for m in messages if "n'atteignent pas" in m]
    assert warning.startswith(
        "6 dossiers n'atteignent pas 5 membres, faute de membres sans conflit "
        "d'intérêts (déclaré ou probable) : TST-2026-0001 : 4 sur 5"
    )
    for dossier in dossiers:
        assert len(readers(review_round, dossier)) == 4


def test_automatic_assignment_avoids_declared_and_likely_conflicts(
    programme_client, review_round, jurors, dossiers, criteria
):
    alice, bruno, chloe, david = jurors
    # Chloé works where the first dossier comes from; David declared a conflict on it.
    RoundMember.objects.filter(round=review_round, user=chloe).update(
        administration="commune de villeneuve1"
    )
    Evaluation.objects.create(
        round=review_round,
        candidature=dossiers[0],
        member=david,
        conflict_of_interest=True,
        submitted_at=timezone.now(),
    )
    review_round.reviewers_per_dossier = 3
    review_round.save()
    response = programme_client.post(url(review_round), {"action": "auto"}, follow=True)
    assert readers(review_round, dossiers[0]) == {"alice", "bruno"}
    [warning] = [m for m in messages_of(response) if "n'atteint pas" in m]
    assert "1 dossier n'atteint pas 3 membres" in warning
    assert "TST-2026-0001 : 2 sur 3" in warning


def test_a_conflict_declared_after_assignment_gets_the_dossier_another_reader(
    programme_client, review_round, jurors, dossiers, criteria
):
    alice = jurors[0]
    add(programme_client, review_round, dossiers[0], alice)
    add(programme_client, review_round, dossiers[0], jurors[1])
    as_user(alice).post(
        f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/",
        scores_form(criteria, ["", "", ""], conflict=True),
    )
    assert dossiers[0].reference not in jury_list(alice, review_round)
    programme_client.post(url(review_round), {"action": "auto"})
    assert readers(review_round, dossiers[0]) == {"alice", "bruno", "chloe"}
    page = programme_client.get(url(review_round)).content.decode()
    assert "intérêts déclaré" in page


def test_a_member_who_left_the_round_is_no_longer_counted_as_a_reader(
    programme_client, review_round, jurors, dossiers
):
    programme_client.post(url(review_round), {"action": "auto"})
    RoundMember.objects.filter(round=review_round, user=jurors[0]).delete()
    response = programme_client.post(url(review_round), {"action": "auto"}, follow=True)
    assert "3 attributions ajoutées." in messages_of(response), "alice had 3"
    for dossier in dossiers:
        current = readers(review_round, dossier) - {"alice"}
        assert len(current) == 2
    assert Assignment.objects.filter(member=jurors[0]).count() == 3, "kept"


# Kept with the round ---------------------------------------------------------------


def test_switching_back_to_all_members_keeps_the_assignments(
    programme_client, review_round, jurors, dossiers
):
    programme_client.post(url(review_round), {"action": "auto"})
    edit = f"/admin/tours/edit/{review_round.pk}/"
    soup = BeautifulSoup(programme_client.get(edit).content, "html.parser")
    data = {
        tag["name"]: tag.get("value", "")
        for tag in soup.select("form input[name]")
        if tag.get("type") not in ("checkbox", "radio")
    }
    for select in soup.select("form select[name]"):
        option = select.select_one("option[selected]")
        data.setdefault(select["name"], option["value"] if option else "")
    data["assignment"] = "all"
    response = programme_client.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    review_round.refresh_from_db()
    assert review_round.assignment == "all"
    assert Assignment.objects.filter(round=review_round).count() == 12
    assert all(d.reference in jury_list(jurors[0], review_round) for d in dossiers)
    page = programme_client.get(url(review_round)).content.decode()
    assert "les attributions ci-dessous sont gardées mais ne s'appliquent pas" in page


# Who sees the screen ---------------------------------------------------------------


def test_the_screen_is_the_programme_teams_and_linked_from_the_ranking(
    programme_client, review_round, jurors
):
    ranking = programme_client.get(f"/admin/tours/{review_round.pk}/classement/")
    assert f'href="{url(review_round)}"' in ranking.content.decode()
    juror = as_user(jurors[0])
    assert juror.get(url(review_round)).status_code in (302, 403)
    assert juror.post(url(review_round), {"action": "auto"}).status_code in (302, 403)
    assert not Assignment.objects.exists()
    communication = member_of("Communication", "carla")
    assert as_user(communication).get(url(review_round)).status_code in (302, 403)


def test_another_sites_team_does_not_find_the_round(review_round):
    add_second_incubator()
    other_team = member_of("Équipe programme — Fabrique de la Mer", "olga")
    client = as_user(other_team)
    assert client.get(url(review_round)).status_code in (403, 404)
    assert client.post(url(review_round), {"action": "auto"}).status_code in (403, 404)
    assert not Assignment.objects.exists()


def member_counts(client, review_round):
    """{member's name: (dossiers given, evaluations submitted)} as the table shows them."""
    soup = BeautifulSoup(client.get(url(review_round)).content, "html.parser")
    rows = soup.select("table.amorce-load tbody tr")
    return {
        cells[0]: (int(cells[2]), int(cells[3]))
        for cells in (
            [td.get_text(strip=True) for td in row.select("td")] for row in rows
        )
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_members_counts_follow_every_write_however_it_is_made(
    programme_client, review_round, jurors, dossiers
):
    """The submitted counts are kept for the round's scores version: every write
    that changes them moves it, through the app or not (each committed, as a
    request's are: inside one transaction, PostgreSQL's counts are not kept)."""
    alice = jurors[0]
    name = alice.get_full_name() or alice.username
    for dossier in dossiers[:3]:
        add(programme_client, review_round, dossier, alice)
    assert member_counts(programme_client, review_round)[name] == (3, 0)
    evaluations = [
        Evaluation.objects.create(
            round=review_round,
            candidature=dossier,
            member=alice,
            scores={},
            submitted_at=timezone.now(),
        )
        for dossier in dossiers[:3]
    ]
    assert member_counts(programme_client, review_round)[name] == (3, 3)
    # Reopened by raw SQL, behind the app's back.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE selection_evaluation SET submitted_at = NULL WHERE id = %s",
            [evaluations[0].pk],
        )
    assert member_counts(programme_client, review_round)[name] == (3, 2)
    # A conflict declared on a submitted one: no longer counted as submitted.
    Evaluation.objects.filter(pk=evaluations[1].pk).update(conflict_of_interest=True)
    assert member_counts(programme_client, review_round)[name] == (3, 1)
    # A dossier taken out of the round: neither given nor submitted any more.
    review_round.candidatures.remove(dossiers[2])
    assert member_counts(programme_client, review_round)[name] == (2, 0)


# Flat in queries -------------------------------------------------------------------


def queries_for(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_table_takes_as_many_queries_for_many_dossiers_as_for_few(
    programme_client, call, form_page, jurors
):
    def round_of(size, kind):
        review_round = ReviewRound.objects.create(
            call=call, kind=kind, assignment="per_dossier", reviewers_per_dossier=2
        )
        for juror in jurors:
            RoundMember.objects.create(round=review_round, user=juror)
        review_round.candidatures.add(
            *[
                CandidatureFactory(page=form_page, status="eligible")
                for _i in range(size)
            ]
        )
        programme_client.post(url(review_round), {"action": "auto"})
        assert Assignment.objects.filter(round=review_round).count() == 2 * size
        return review_round

    small = round_of(3, "preselection")
    large = round_of(120, "selection")  # more than a page
    programme_client.get(url(small))  # warm caches of the session and site
    assert queries_for(programme_client, url(small)) == queries_for(
        programme_client, url(large)
    )
    page = programme_client.get(url(large)).content.decode()
    assert page.count('name="action" value="remove"') == 200, "100 dossiers a page"


def test_a_member_removed_from_the_round_no_longer_counts_as_a_reader(
    programme_client, review_round, jurors, dossiers
):
    """Removed with an evaluation started, he is kept marked: the automatic
    assignment gives his dossiers to the members still sitting, and the team's
    screen no longer offers him."""
    from selection.members import remove_member

    programme_client.post(url(review_round), {"action": "auto"})
    leaver = jurors[0]
    his = list(
        Assignment.objects.filter(round=review_round, member=leaver).values_list(
            "candidature_id", flat=True
        )
    )
    Evaluation.objects.create(
        round=review_round, candidature_id=his[0], member=leaver, scores={}
    )
    membership = RoundMember.objects.get(round=review_round, user=leaver)
    team = member_of("Équipe programme", "cheffe")
    assert remove_member(membership, by=team) is True

    response = programme_client.post(url(review_round), {"action": "auto"}, follow=True)
    assert any("attributions ajoutées" in m for m in messages_of(response))
    for candidature_id in his:
        sitting = Assignment.objects.filter(
            round=review_round, candidature_id=candidature_id
        ).exclude(member=leaver)
        assert sitting.count() == review_round.reviewers_per_dossier
    other = next(d for d in dossiers if d.pk not in his)
    refused = add(programme_client, review_round, other, leaver)
    assert not Assignment.objects.filter(
        round=review_round, candidature=other, member=leaver
    ).exists()
    assert any("Choisissez un membre du tour" in m for m in messages_of(refused))
