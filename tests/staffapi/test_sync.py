"""Every list of the staff API syncs the same way: ``changed_since`` and the cursor.

Candidatures, investigations, rounds, a round's dossiers and evaluations are
read oldest change first (``updated_at``, then id); the ``next`` cursor,
given back as ``after``, reads each row once even when many share one
instant, and a row changed since comes again. A change a reader sees in the
payload moves the row: an investigation's phases and administrations, a
round's members and closing, a dossier entering a round; partial saves and
bulk updates too (``auto_now`` reaches neither by itself). The ranking is
computed in its own order and re-read whole.
"""

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.models import APIToken

from cms_pages.choices import PhaseCode
from forms.factories import CandidatureFactory
from investigations.models import Investigation, Organisation, Phase
from investigations.services import start_investigation
from privacy.services import anonymise
from selection.closing import close_round
from selection.models import Evaluation, ReviewRound, RoundMember
from tests.users import member_of

pytestmark = pytest.mark.django_db

AN_HOUR_AGO = dt.timedelta(hours=1)


def token(user):
    return APIToken.create_token(user=user, name="Synchro")[1]


def read(client, plaintext, url, **query):
    response = client.get(url, query, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200, response.content
    return response.json()


def follow(client, plaintext, url, after=None, limit=2):
    """Every row from ``after``, by the cursor, as a client does; and the last ``next``."""
    rows = []
    while True:
        page = read(
            client, plaintext, url, limit=limit, **({"after": after} if after else {})
        )
        rows += page["items"]
        after = page["next"]
        if len(page["items"]) < limit:
            return rows, after


def test_every_list_route_but_the_ranking_takes_changed_since_and_the_cursor(client):
    document = client.get("/api/v3/openapi.json").json()
    lists = {
        path: operation["get"]
        for path, operation in document["paths"].items()
        if path.startswith("/api/v3/staff/") and "get" in operation
        if not path.rstrip("/").endswith("}")  # one object, not a list
    }
    assert len(lists) == 6
    for path, operation in lists.items():
        names = {p["name"] for p in operation.get("parameters", [])}
        if path.endswith("/ranking/"):
            assert "after" not in names
            continue
        assert {"changed_since", "after", "limit", "offset"} <= names, path


@pytest.fixture
def investigations(call):
    rows = [
        Investigation.objects.create(
            call=call,
            title=f"Investigation {n}",
            problem_statement="Un problème",
            starts_on=timezone.localdate(),
        )
        for n in range(3)
    ]
    for investigation in rows:
        start_investigation(investigation)
    # One instant for all three, as a bulk change makes it.
    Investigation.objects.update(updated_at=timezone.now() - AN_HOUR_AGO)
    return rows


def test_investigations_sharing_one_instant_are_read_once_and_a_phase_brings_one_back(
    client, paula, investigations
):
    plaintext = token(paula)
    url = "/api/v3/staff/investigations/"
    rows, after = follow(client, plaintext, url)
    assert sorted(r["id"] for r in rows) == sorted(i.pk for i in investigations)
    assert rows[0]["phases"][0]["code"] == PhaseCode.INVESTIGATION

    # A phase corrected by hand in the admin's rows: the investigation comes back.
    phase = Phase.objects.get(investigation=investigations[1])
    phase.ends_on = timezone.localdate()
    phase.save()
    again, after = follow(client, plaintext, url, after)
    assert [r["id"] for r in again] == [investigations[1].pk]
    assert again[0]["phases"][0]["ends_on"] == timezone.localdate().isoformat()
    since = read(client, plaintext, url, changed_since=again[0]["updated_at"])
    assert since["items"] == []

    # An administration added; a partial save (as the anonymisation makes).
    investigations[0].organisations.add(
        Organisation.objects.create(name="Préfecture du Nord")
    )
    investigations[2].contact_email = "autre@example.gouv.fr"
    investigations[2].save(update_fields=["contact_email"])
    again, _after = follow(client, plaintext, url, after)
    assert [r["id"] for r in again] == [investigations[0].pk, investigations[2].pk]
    assert again[0]["organisations"] == ["Préfecture du Nord"]


@pytest.fixture
def review_round(call, form_page):
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    review_round.candidatures.add(*CandidatureFactory.create_batch(3, page=form_page))
    return review_round


def test_rounds_come_back_when_closed_or_given_a_member(
    client, paula, call, review_round
):
    plaintext = token(paula)
    url = "/api/v3/staff/rounds/"
    ReviewRound.objects.update(updated_at=timezone.now() - AN_HOUR_AGO)
    rows, after = follow(client, plaintext, url)
    assert [r["id"] for r in rows] == [review_round.pk]
    close_round(review_round, user=paula)  # a partial save
    again, after = follow(client, plaintext, url, after)
    assert [(r["id"], r["closed"]) for r in again] == [(review_round.pk, True)]
    assert follow(client, plaintext, url, after)[0] == []
    RoundMember.objects.create(round=review_round, user=member_of("Jury", "jules"))
    assert [r["id"] for r in follow(client, plaintext, url, after)[0]] == [
        review_round.pk
    ]


def test_dossiers_and_evaluations_sync_by_their_changes(
    client, paula, form_page, review_round
):
    plaintext = token(paula)
    dossiers_url = f"/api/v3/staff/rounds/{review_round.pk}/dossiers/"
    evaluations_url = f"/api/v3/staff/rounds/{review_round.pk}/evaluations/"
    juror = member_of("Jury", "jules")
    RoundMember.objects.create(round=review_round, user=juror)
    for candidature in review_round.candidatures.all():
        Evaluation.objects.create(
            round=review_round,
            candidature=candidature,
            member=juror,
            scores={},
            comment="Solide",
            submitted_at=timezone.now(),
        )
    rows, dossiers_after = follow(client, plaintext, dossiers_url)
    assert len(rows) == 3
    evaluations, evaluations_after = follow(client, plaintext, evaluations_url)
    assert len(evaluations) == 3

    # A dossier entering the round comes, though the candidature is older.
    newcomer = CandidatureFactory(page=form_page)
    newcomer.__class__.objects.filter(pk=newcomer.pk).update(
        updated_at=timezone.now() - AN_HOUR_AGO
    )
    review_round.candidatures.add(newcomer)
    assert [
        d["reference"]
        for d in follow(client, plaintext, dossiers_url, dossiers_after)[0]
    ] == [newcomer.reference]

    # The anonymisation empties comments in bulk: the evaluations come back.
    first = review_round.candidatures.order_by("pk").first()
    anonymise(first.__class__.objects.filter(pk=first.pk))
    again = follow(client, plaintext, evaluations_url, evaluations_after)[0]
    assert [(e["candidature"], e["comment"]) for e in again] == [(first.reference, "")]
