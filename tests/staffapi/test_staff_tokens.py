"""Staff tokens read through the API what their owner reads in the admin.

A token is Wagtail's (hashed, shown once, revocable) with our expiry; the
routes under ``/api/v3/staff/`` use the admin's own rules, so another site's
dossier is 404, the communications team reads no candidature, a juror reads
only his rounds (masked in a blind one); every read is in Wagtail's history.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import APIToken, ModelLogEntry

from forms.factories import CandidatureFactory, CandidatureFormPageFactory
from forms.models import Candidature
from forms.services import change_status
from investigations.models import Investigation
from selection.models import Evaluation, ReviewRound, RoundMember
from staffapi.access import READ
from staffapi.models import TokenExpiry
from tests.forms.test_api_document import assert_documented
from tests.incubators import B_HOST, add_second_incubator
from tests.users import member_of

pytestmark = pytest.mark.django_db


def token_for(user, **expiry):
    token, plaintext = APIToken.create_token(user=user, name="Grist")
    if expiry:
        TokenExpiry.objects.filter(token=token).update(
            expires_at=timezone.now() + dt.timedelta(**expiry)
        )
    return token, plaintext


def get(client, url, plaintext, **extra):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {plaintext}", **extra)


@pytest.fixture
def dossiers(form_page):
    return [
        CandidatureFactory(page=form_page, applicant_name=f"Camille Martin{n}")
        for n in range(3)
    ]


def test_a_token_reads_its_owners_candidatures_with_answers(client, paula, dossiers):
    change_status(dossiers[0], "eligible", user=paula)
    _token, plaintext = token_for(paula)
    response = get(client, "/api/v3/staff/candidatures/", plaintext)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    first = next(c for c in body["items"] if c["reference"] == dossiers[0].reference)
    assert first["status"] == "eligible"
    assert first["applicant_name"] == "Camille Martin0"
    assert first["status_history"][0]["to_status"] == "eligible"
    problem = next(a for a in first["answers"] if a["label"] == "Le problème")
    assert problem["value"] == "Réponse à « Le problème »"


def test_an_expired_token_is_refused_in_french(client, paula, dossiers):
    _token, plaintext = token_for(paula, days=-1)
    response = get(client, "/api/v3/staff/candidatures/", plaintext)
    assert response.status_code == 401
    assert "expiré" in response.json()["detail"]


def test_a_revoked_token_is_refused(client, paula, dossiers):
    token, plaintext = token_for(paula)
    token.revoke()
    response = get(client, "/api/v3/staff/candidatures/", plaintext)
    assert response.status_code == 401
    assert "révoqué" in response.json()["detail"]


def test_no_token_nor_session_reads_anything(client, paula, dossiers):
    client.force_login(paula)  # a session is not a token
    response = client.get("/api/v3/staff/candidatures/")
    assert response.status_code == 401
    assert "Jeton requis" in response.json()["detail"]
    assert get(client, "/api/v3/staff/candidatures/", "wagtail_nope").status_code == 401


def test_a_new_token_expires_by_default_after_ninety_days(paula):
    token, _plaintext = token_for(paula)
    left = token.amorce_expiry.expires_at - timezone.now()
    assert dt.timedelta(days=89) < left <= dt.timedelta(days=90)


def test_another_sites_candidature_is_not_found(client, paula, dossiers):
    _site_b, call_b = add_second_incubator()
    form_b = CandidatureFormPageFactory(
        parent=call_b, slug="candidater", fields=[{"label": "Le problème"}]
    )
    theirs = CandidatureFactory(page=form_b, reference="MER-2026-0001")
    prog_b = member_of("Équipe programme — Fabrique de la Mer", "prog_b")
    _token, mine = token_for(paula)
    url = f"/api/v3/staff/candidatures/{theirs.reference}/"
    assert get(client, url, mine).status_code == 404
    listed = get(client, "/api/v3/staff/candidatures/", mine).json()
    assert theirs.reference not in [c["reference"] for c in listed["items"]]
    _token, their_token = token_for(prog_b)  # the same route reaches their own
    response = get(client, url, their_token, HTTP_HOST=B_HOST)
    assert response.status_code == 200
    assert get(client, url, their_token).status_code == 200  # the token, not the host
    their_round = ReviewRound.objects.create(call=call_b, kind="preselection")
    their_round.candidatures.add(theirs)
    for route in ("dossiers", "evaluations", "ranking"):
        url = f"/api/v3/staff/rounds/{their_round.pk}/{route}/"
        assert get(client, url, mine).status_code == 404
        assert get(client, url, their_token).status_code == 200


def test_the_communications_team_reads_no_candidature(client, dossiers):
    writer = member_of("Communication", "claude")
    _token, plaintext = token_for(writer)
    response = get(client, "/api/v3/staff/candidatures/", plaintext)
    assert response.status_code == 403
    assert dossiers[0].reference not in response.content.decode()
    reference = dossiers[0].reference
    url = f"/api/v3/staff/candidatures/{reference}/"
    assert get(client, url, plaintext).status_code == 403
    assert get(client, "/api/v3/staff/investigations/", plaintext).status_code == 403
    assert get(client, "/api/v3/staff/rounds/", plaintext).json()["count"] == 0


def test_a_juror_reads_only_his_rounds_and_dossiers(client, call, dossiers):
    juror = member_of("Jury", "jules")
    his = ReviewRound.objects.create(call=call, kind="preselection", blind=True)
    RoundMember.objects.create(round=his, user=juror)
    his.candidatures.add(dossiers[0])
    other = ReviewRound.objects.create(call=call, kind="selection")
    other.candidatures.add(dossiers[1])
    Evaluation.objects.create(
        round=his, candidature=dossiers[0], member=juror, scores={}, comment="Net"
    )
    _token, plaintext = token_for(juror)

    rounds = get(client, "/api/v3/staff/rounds/", plaintext).json()
    assert [(r["id"], r["role"]) for r in rounds["items"]] == [(his.pk, "member")]
    assert (
        get(client, f"/api/v3/staff/rounds/{other.pk}/dossiers/", plaintext).status_code
        == 404
    )
    assert get(client, "/api/v3/staff/candidatures/", plaintext).status_code == 403

    dossiers_read = get(client, f"/api/v3/staff/rounds/{his.pk}/dossiers/", plaintext)
    items = dossiers_read.json()["items"]
    assert [d["reference"] for d in items] == [dossiers[0].reference]
    assert items[0]["applicant_name"] == "[masqué]"  # a blind round, as in the admin
    assert items[0]["applicant_email"] is None  # « Mes évaluations » shows no address
    assert items[0]["status"] is None and items[0]["status_history"] is None
    assert "Camille" not in dossiers_read.content.decode()

    evaluations = get(client, f"/api/v3/staff/rounds/{his.pk}/evaluations/", plaintext)
    assert [e["comment"] for e in evaluations.json()["items"]] == ["Net"]
    ranking = get(client, f"/api/v3/staff/rounds/{his.pk}/ranking/", plaintext)
    assert ranking.status_code == 403  # not closed: the ranking is the team's


def test_the_team_reads_a_rounds_ranking(client, paula, call, dossiers):
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    review_round.candidatures.add(*dossiers)
    _token, plaintext = token_for(paula)
    response = get(
        client, f"/api/v3/staff/rounds/{review_round.pk}/ranking/", plaintext
    )
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert [r["rank"] for r in response.json()["items"]] == [1, 2, 3]


def test_changed_since_returns_only_newer_rows(client, paula, dossiers):
    _token, plaintext = token_for(paula)
    first = get(client, "/api/v3/staff/candidatures/", plaintext).json()["items"]
    latest = first[-1]["updated_at"]  # the list goes by time of change
    change_status(dossiers[1], "eligible", user=paula)
    response = get(
        client, "/api/v3/staff/candidatures/", plaintext, data={"changed_since": latest}
    )
    assert [c["reference"] for c in response.json()["items"]] == [dossiers[1].reference]


def test_pagination_by_limit_and_offset(client, paula, dossiers):
    _token, plaintext = token_for(paula)
    url = "/api/v3/staff/candidatures/"
    whole = [c["reference"] for c in get(client, url, plaintext).json()["items"]]
    pages = [
        get(client, url, plaintext, data={"limit": 2, "offset": offset}).json()
        for offset in (0, 2)
    ]
    assert [p["count"] for p in pages] == [3, 3]
    assert [c["reference"] for p in pages for c in p["items"]] == whole
    assert get(client, url, plaintext, data={"limit": 1000}).status_code == 400


def test_every_read_is_logged_on_the_token(client, paula, dossiers):
    token, plaintext = token_for(paula)
    get(client, "/api/v3/staff/candidatures/", plaintext, data={"limit": 2})
    entry = ModelLogEntry.objects.get(action=READ)
    assert entry.user == paula
    assert entry.object_id == str(token.pk)
    assert entry.data["count"] == 2
    assert entry.data["route"] == "/api/v3/staff/candidatures/?limit=2"
    assert len(entry.data["references"]) == 2
    admin = User.objects.create_superuser("admin", "admin@example.org", "x")
    client.force_login(admin)
    history = client.get("/admin/reports/site-history/").content.decode()
    assert "Lecture par l&#x27;API" in history or "Lecture par l'API" in history
    assert entry.data["references"][0] in history
    client.force_login(paula)  # a member does not read the tokens' history
    history = client.get("/admin/reports/site-history/").content.decode()
    assert "Lecture par l" not in history


def test_a_token_reads_its_sites_investigations(client, paula, call):
    Investigation.objects.create(
        call=call,
        title="Investigation du test",
        problem_statement="Un problème",
        starts_on=timezone.localdate(),
    )
    _token, plaintext = token_for(paula)
    response = get(client, "/api/v3/staff/investigations/", plaintext)
    assert [i["title"] for i in response.json()["items"]] == ["Investigation du test"]
    assert ModelLogEntry.objects.filter(action=READ).count() == 1


def test_the_routes_are_in_the_valid_openapi_document(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v3/openapi.json").json()
    validate(document)
    operation = document["paths"]["/api/v3/staff/candidatures/"]["get"]
    assert {"200", "401", "403"} <= set(operation["responses"])
    assert operation["security"] == [{"StaffTokenAuth": []}]
    for response in (
        get(client, "/api/v3/staff/candidatures/", "wagtail_nope"),
        get(client, "/api/v3/staff/candidatures/", "x", data={"limit": 1000}),
    ):
        assert_documented(document, "/api/v3/staff/candidatures/", "get", response)


def test_refusals_and_pages_are_the_documented_ones(client, paula, dossiers):
    document = client.get("/api/v3/openapi.json").json()
    _token, plaintext = token_for(paula)
    path = "/api/v3/staff/candidatures/"
    for response in (
        get(client, path, plaintext),
        get(client, path, plaintext, data={"limit": 1000}),
        get(client, path, plaintext, data={"changed_since": "hier"}),
        get(client, path, plaintext, data={"changed_since": "0.5"}),
    ):
        assert_documented(document, path, "get", response)
    # Not an instant as written (pydantic would read seconds since 1970): refused.
    for number in ("0.5", "1700000000", "-3e2"):
        response = get(client, path, plaintext, data={"changed_since": number})
        assert response.status_code == 422, number
        assert "ISO 8601" in response.content.decode()
    # A valid ISO offset that PostgreSQL takes in no comparison, and years at the edge.
    for instant in ("1531-07-09T00:06:12+23:36", "0001-01-01T00:00:00+05:00"):
        response = get(client, path, plaintext, data={"changed_since": instant})
        assert response.status_code in (200, 422), instant
        assert_documented(document, path, "get", response)
    missing = get(client, path + "NOPE-1/", plaintext)
    assert missing.status_code == 404
    assert_documented(document, path + "{reference}/", "get", missing)


def test_queries_do_not_grow_with_the_page(client, paula, form_page):
    for _n in range(6):
        candidature = CandidatureFactory(page=form_page)
        change_status(candidature, "eligible", user=paula)
    _token, plaintext = token_for(paula)
    get(client, "/api/v3/staff/rounds/", plaintext)  # its first use is written down
    counts = []
    for limit in (2, 6):
        with CaptureQueriesContext(connection) as queries:
            response = get(
                client, "/api/v3/staff/candidatures/", plaintext, data={"limit": limit}
            )
        assert len(response.json()["items"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_expired_token_opens_none_of_wagtails_routes(client, paula, call):
    document = client.get("/api/v3/openapi.json").json()
    unpublish = "/api/v3/pages/{page_id}/actions/unpublish/"
    assert "post" in document["paths"][unpublish]
    assert "get" in document["paths"]["/api/v3/whoami/"]
    action = unpublish.format(page_id=call.pk)
    old, expired = token_for(paula, days=-1)
    refused = client.post(
        action, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {expired}"
    )
    assert refused.status_code == 401
    assert get(client, "/api/v3/whoami/", expired).status_code == 401
    call.refresh_from_db()
    assert call.live
    old.refresh_from_db()
    assert old.last_used_at is None  # refused, so not « used »
    _new, valid = token_for(paula)
    assert (
        get(client, "/api/v3/whoami/", valid).json()["user"]["username"]
        == paula.username
    )
    done = client.post(
        action, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {valid}"
    )
    assert done.status_code == 200
    call.refresh_from_db()
    assert not call.live


def test_an_expired_token_is_refused_even_on_the_public_pages(client, paula, call):
    """A client whose token expired learns it, rather than reading as anyone."""
    _token, expired = token_for(paula, days=-1)
    response = get(client, f"/api/v3/pages/{call.pk}/", expired)
    assert response.status_code == 401
    assert "expiré" in response.json()["detail"]
    anyone = client.get(f"/api/v3/pages/{call.pk}/")
    assert anyone.status_code == 200
    assert anyone.json()["title"] == call.title


def follow_cursor(client, plaintext, after=None, limit=100):
    """Every page of a sync from ``after``, as a client does: until a short page."""
    pages = []
    while True:
        data = {"limit": limit} | ({"after": after} if after else {})
        page = get(client, "/api/v3/staff/candidatures/", plaintext, data=data).json()
        pages.append(page)
        after = page["next"]
        if len(page["items"]) < limit:
            return pages


@pytest.fixture
def same_instant(form_page):
    """250 candidatures changed in one query, as the anonymisation does."""
    dossiers = CandidatureFactory.create_batch(250, page=form_page)
    Candidature.objects.filter(pk__in=[d.pk for d in dossiers]).update(
        updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    return dossiers


def test_the_cursor_reads_rows_sharing_one_instant_exactly_once(
    client, paula, same_instant
):
    _token, plaintext = token_for(paula)
    pages = follow_cursor(client, plaintext)
    references = [c["reference"] for p in pages for c in p["items"]]
    assert [len(p["items"]) for p in pages] == [100, 100, 50]
    assert sorted(references) == sorted(d.reference for d in same_instant)
    assert len(set(references)) == 250
    # The last cursor is where the next sync starts: nothing new, nothing read.
    again = follow_cursor(client, plaintext, after=pages[-1]["next"])
    assert again[0]["items"] == []
    assert again[0]["next"] == pages[-1]["next"]


def test_a_row_changed_during_the_sync_comes_again_and_none_is_skipped(
    client, paula, same_instant
):
    _token, plaintext = token_for(paula)
    url = "/api/v3/staff/candidatures/"
    first = get(client, url, plaintext, data={"limit": 100}).json()
    seen = [c["reference"] for c in first["items"]]
    read_one, unread_one = Candidature.objects.get(reference=seen[0]), None
    unread_one = next(d for d in same_instant if d.reference not in seen)
    change_status(read_one, "eligible", user=paula)
    change_status(unread_one, "eligible", user=paula)
    rest = follow_cursor(client, plaintext, after=first["next"])
    later = [c["reference"] for p in rest for c in p["items"]]
    assert sorted(set(seen + later)) == sorted(d.reference for d in same_instant)
    assert later[-2:] == sorted(
        [read_one.reference, unread_one.reference],
        key=lambda r: Candidature.objects.get(reference=r).updated_at,
    )
    assert later.count(unread_one.reference) == 1
    assert len(later) == 151


def test_the_cursor_is_refused_when_it_is_not_ours_or_with_an_offset(
    client, paula, dossiers
):
    document = client.get("/api/v3/openapi.json").json()
    _token, plaintext = token_for(paula)
    path = "/api/v3/staff/candidatures/"
    first = get(client, path, plaintext, data={"limit": 1}).json()
    for data in ({"after": "pas-un-curseur"}, {"after": first["next"], "offset": 1}):
        response = get(client, path, plaintext, data=data)
        assert response.status_code == 422
        assert_documented(document, path, "get", response)
    # Plain listing by offset still works, and gives the cursor of its page.
    second = get(client, path, plaintext, data={"limit": 1, "offset": 1}).json()
    by_cursor = get(client, path, plaintext, data={"limit": 1, "after": first["next"]})
    assert by_cursor.json()["items"] == second["items"]
