"""Taking a member off a round keeps what they submitted, marked; and a round picks its
call from a plain list of the site's calls."""

import pytest
from django.db import transaction
from wagtail.test.utils.form_data import querydict_from_html

from core.deletion import DeletionRefused
from selection.models import RoundMember
from selection.scoring import round_aggregates

from .jury_people import (  # noqa: F401 - fixtures, by their names
    alice_fixture,
    as_member,
    bruno_fixture,
    criteria_fixture,
    dossiers_fixture,
    evaluate,
    messages_of,
    review_round_fixture,
)

pytestmark = pytest.mark.django_db


def edit_data(client, review_round):
    """The round's edit form as the team sees it, ready to post back."""
    html = client.get(f"/admin/tours/edit/{review_round.pk}/").content.decode()
    data = querydict_from_html(html, form_id="w-editor-form")
    for key in [key for key in data if "__prefix__" in key]:
        del data[key]
    return data


def delete_in_form(data, membership):
    data = data.copy()
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("memberships-")
        and key.endswith("-id")
        and value == str(membership.pk)
    )
    data[f"memberships-{index}-DELETE"] = "1"
    return data


def test_deleting_a_member_who_scored_from_the_round_form_keeps_him_marked(
    programme_client, paula, review_round, alice, bruno, dossiers, criteria
):
    evaluate(review_round, dossiers[0], alice, [5, 5, 10], criteria)
    evaluate(review_round, dossiers[0], bruno, [1, 1, 2], criteria)
    alice_in = RoundMember.objects.get(round=review_round, user=alice)
    data = delete_in_form(edit_data(programme_client, review_round), alice_in)
    response = programme_client.post(f"/admin/tours/edit/{review_round.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]

    alice_in.refresh_from_db()
    assert alice_in.removed_at is not None and alice_in.removed_by == paula
    # She no longer sees the round…
    client = as_member(alice)
    assert str(review_round) not in client.get("/admin/jury/").content.decode()
    assert client.get(f"/admin/jury/{review_round.pk}/").status_code == 404
    url = f"/admin/jury/{review_round.pk}/{dossiers[0].pk}/"
    assert client.get(url).status_code == 404
    # …her submitted score still counts, shown as a removed member's.
    aggregate = next(
        a for a in round_aggregates(review_round) if a.candidature == dossiers[0]
    )
    assert aggregate.count == 2
    page = programme_client.get(
        f"/admin/tours/{review_round.pk}/dossiers/{dossiers[0].pk}/"
    ).content.decode()
    assert "membre retiré du tour le" in page
    export = programme_client.get(
        f"/admin/exports/tours/{review_round.pk}/evaluations/?format=csv"
    )
    rows = b"".join(export).decode()
    assert "Rendue — membre retiré du tour le" in rows
    # The form lists the members sitting now; saving it again keeps her row.
    again = edit_data(programme_client, review_round)
    assert again["memberships-TOTAL_FORMS"] == "1"
    assert (
        programme_client.post(
            f"/admin/tours/edit/{review_round.pk}/", again
        ).status_code
        == 302
    )
    assert RoundMember.objects.filter(pk=alice_in.pk).exists()


def test_a_member_who_scored_nothing_is_removed_plainly(
    programme_client, review_round, bruno
):
    bruno_in = RoundMember.objects.get(round=review_round, user=bruno)
    data = delete_in_form(edit_data(programme_client, review_round), bruno_in)
    response = programme_client.post(f"/admin/tours/edit/{review_round.pk}/", data)
    assert response.status_code == 302
    assert not RoundMember.objects.filter(pk=bruno_in.pk).exists()


def test_a_removed_member_added_again_in_the_form_is_refused_in_french(
    programme_client, review_round, alice, dossiers, criteria
):
    evaluate(review_round, dossiers[0], alice, [5, 5, 10], criteria, submit=False)
    alice_in = RoundMember.objects.get(round=review_round, user=alice)
    programme_client.post(
        f"/admin/tours/{review_round.pk}/membres/{alice_in.pk}/retirer/"
    )
    data = edit_data(programme_client, review_round)
    total = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            f"memberships-{total}-id": "",
            f"memberships-{total}-user": str(alice.pk),
            f"memberships-{total}-administration": "",
            f"memberships-{total}-ORDER": str(total),
            f"memberships-{total}-DELETE": "",
            "memberships-TOTAL_FORMS": str(total + 1),
        }
    )
    response = programme_client.post(f"/admin/tours/edit/{review_round.pk}/", data)
    assert response.status_code == 200
    assert "a été retiré de ce tour le" in response.content.decode()
    assert RoundMember.objects.filter(round=review_round, user=alice).count() == 1


def test_the_members_page_removes_with_or_without_evaluations(
    programme_client, review_round, alice, bruno, dossiers, criteria
):
    evaluate(review_round, dossiers[1], alice, [2, 2, 2], criteria)
    alice_in = RoundMember.objects.get(round=review_round, user=alice)
    bruno_in = RoundMember.objects.get(round=review_round, user=bruno)
    base = f"/admin/tours/{review_round.pk}/membres/"
    kept = programme_client.post(f"{base}{alice_in.pk}/retirer/")
    assert any("évaluations rendues sont conservées" in m for m in messages_of(kept))
    gone = programme_client.post(f"{base}{bruno_in.pk}/retirer/")
    assert any("rien évalué" in m for m in messages_of(gone))
    alice_in.refresh_from_db()
    assert alice_in.removed_at is not None
    assert not RoundMember.objects.filter(pk=bruno_in.pk).exists()
    page = programme_client.get(base).content.decode()
    assert "membre retiré du tour le" in page


def test_a_membership_with_evaluations_is_never_deleted_by_any_path(
    review_round, alice, dossiers, criteria
):
    evaluate(review_round, dossiers[0], alice, [1, 1, 1], criteria, submit=False)
    membership = RoundMember.objects.get(round=review_round, user=alice)
    with pytest.raises(DeletionRefused, match="retiré"), transaction.atomic():
        membership.delete()
    with pytest.raises(DeletionRefused), transaction.atomic():
        review_round.memberships.all().delete()
    assert RoundMember.objects.filter(round=review_round, user=alice).exists()


def test_the_round_form_lists_the_sites_calls_by_title_season_and_status(
    programme_client, call, programme
):
    from cms_pages.factories import CallPageFactory

    CallPageFactory(parent=programme, slug="autre-appel", title="Appel du printemps")
    html = programme_client.get("/admin/tours/new/").content.decode()
    assert '<select name="call"' in html, "a plain list, not the page chooser"
    assert "Appel de test — " in html and "Appel du printemps — " in html
    assert any(status in html for status in (" — ouvert", " — clos", " — à venir"))


def test_a_removed_members_evaluation_is_not_reopened(
    programme_client, paula, alice, review_round, dossiers, criteria
):
    from selection.members import remove_member

    evaluation = evaluate(review_round, dossiers[0], alice, [3, 3, 5], criteria)
    remove_member(RoundMember.objects.get(round=review_round, user=alice), by=paula)
    response = programme_client.post(
        f"/admin/tours/{review_round.pk}/dossiers/{dossiers[0].pk}/",
        {"evaluation": evaluation.pk, "reason": "Une note à revoir"},
    )
    assert "a été retiré de ce tour" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.is_locked and evaluation.reopened_count == 0, "it still counts"


def test_a_member_taken_off_the_round_leaves_a_trace_in_its_history(
    programme_client, paula, bruno, review_round
):
    from wagtail.models import ModelLogEntry

    bruno_in = RoundMember.objects.get(round=review_round, user=bruno)
    programme_client.post(
        f"/admin/tours/{review_round.pk}/membres/{bruno_in.pk}/retirer/"
    )
    assert not RoundMember.objects.filter(pk=bruno_in.pk).exists(), "nothing to keep"
    entry = ModelLogEntry.objects.get(action="amorce.round.member_removed")
    assert entry.object_id == str(review_round.pk) and entry.user == paula
    assert entry.data["member"] == "Bruno" and entry.data["kept"] is False
