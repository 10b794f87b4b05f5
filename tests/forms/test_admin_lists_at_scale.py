"""The lists that grow with candidatures: flat queries, one page of rows at a time.

``make bench`` measures them at 100 and 10,000 rows; these tests hold the
query counts flat across the page size, on small numbers.
"""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forms.factories import CandidatureFactory
from forms.models import Candidature
from forms.wagtail_hooks import CandidatureViewSet
from selection.jury_views import DOSSIERS_PER_PAGE
from selection.models import (
    NOTIFIED_STATUSES,
    Evaluation,
    Notification,
    ReviewRound,
    RoundMember,
)
from selection.notifications import (
    awaiting,
    counts_by_status,
    emails_by_state,
    holding,
)
from selection.round_views import RANKING_PER_PAGE
from selection.scoring import round_aggregates
from tests.users import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(call, form_page):
    """A round, two jurors, and ``grow(n)`` adding n scored dossiers to it."""
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    jurors = [member_of("Jury", "alice"), member_of("Jury", "bruno")]
    for juror in jurors:
        RoundMember.objects.create(round=review_round, user=juror)
    criteria = list(call.criteria.all())

    def grow(n):
        dossiers = Candidature.objects.bulk_create(
            CandidatureFactory.build_batch(n, page=form_page, status="eligible")
        )
        review_round.candidatures.add(*dossiers)
        Evaluation.objects.bulk_create(
            Evaluation(
                round=review_round,
                candidature=dossier,
                member=juror,
                scores={str(c.pk): c.scale_min + i % 3 for c in criteria},
                submitted_at=timezone.now(),
            )
            for i, dossier in enumerate(dossiers)
            for juror in jurors
        )

    return review_round, jurors, grow


def queries_for(client, url):
    client.get(url)  # warm caches: the first request of a test pays for them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response


def test_round_lists_cost_the_same_queries_past_a_page(client, scene):
    review_round, jurors, grow = scene
    programme = member_of("Équipe programme", "paula")
    pages = [
        (programme, f"/admin/tours/{review_round.pk}/classement/"),
        (programme, f"/admin/tours/{review_round.pk}/classement/?p=2&ordre=ecart"),
        (programme, f"/admin/tours/{review_round.pk}/classement/?statut=eligible"),
        (programme, "/admin/candidatures/"),
        (
            programme,
            "/admin/candidatures/?q=a&status=eligible&ordering=administration",
        ),
        (jurors[0], "/admin/jury/"),
        (jurors[0], f"/admin/jury/{review_round.pk}/"),
        (jurors[0], f"/admin/jury/{review_round.pk}/?p=2"),
    ]
    grow(3)
    few = {}
    for user, url in pages:
        client.force_login(user)
        few[url], _response = queries_for(client, url)
    grow(RANKING_PER_PAGE + DOSSIERS_PER_PAGE)
    for user, url in pages:
        client.force_login(user)
        count, _response = queries_for(client, url)
        assert count == few[url], url


def test_likely_duplicates_cost_no_query_per_row(client, form_page):
    """The list flags and filters likely duplicates in its own query; the dossier
    lists its own in one, however many there are."""

    def grow(n):
        Candidature.objects.bulk_create(
            CandidatureFactory.build_batch(
                n, page=form_page, applicant_email="Meme.Adresse@example.org"
            )
        )

    client.force_login(member_of("Équipe programme", "paula"))
    grow(3)
    first = Candidature.objects.order_by("pk").first()
    urls = [
        "/admin/candidatures/",
        "/admin/candidatures/?duplicates=yes",
        f"/admin/candidatures/inspect/{first.pk}/",
    ]
    few = {url: queries_for(client, url)[0] for url in urls}
    grow(CandidatureViewSet.list_per_page + 5)
    for url in urls:
        count, response = queries_for(client, url)
        assert count == few[url], url
    soup = BeautifulSoup(response.content, "html.parser")
    assert len(soup.select("section.amorce-duplicates tbody tr")) == (
        CandidatureViewSet.list_per_page + 7
    )
    listing = BeautifulSoup(client.get(urls[1]).content, "html.parser")
    cells = listing.select("table.listing tbody td.amorce-duplicate")
    assert len(cells) == CandidatureViewSet.list_per_page
    assert all("Doublon possible" in cell.get_text() for cell in cells)


def test_ranking_shows_a_page_ranked_over_the_whole_round(client, scene):
    review_round, _jurors, grow = scene
    grow(RANKING_PER_PAGE + 5)
    client.force_login(member_of("Équipe programme", "paula"))
    url = f"/admin/tours/{review_round.pk}/classement/"

    first = BeautifulSoup(client.get(url).content, "html.parser")
    assert len(first.select("table.amorce-ranking tbody tr")) == RANKING_PER_PAGE
    assert first.select_one("nav.pagination")

    second = BeautifulSoup(client.get(f"{url}?p=2").content, "html.parser")
    rows = second.select("table.amorce-ranking tbody tr")
    assert len(rows) == 5
    assert rows[0].select("td")[1].get_text(strip=True) == str(RANKING_PER_PAGE + 1)


def test_juror_sees_their_dossiers_a_page_at_a_time(client, scene):
    review_round, jurors, grow = scene
    grow(DOSSIERS_PER_PAGE + 2)
    client.force_login(jurors[0])
    url = f"/admin/jury/{review_round.pk}/"
    first = BeautifulSoup(client.get(url).content, "html.parser")
    assert len(first.select("table.listing tbody tr")) == DOSSIERS_PER_PAGE
    assert f"{DOSSIERS_PER_PAGE + 2}/{DOSSIERS_PER_PAGE + 2} évalués" in (
        first.get_text()
    )
    second = BeautifulSoup(client.get(f"{url}?p=2").content, "html.parser")
    assert len(second.select("table.listing tbody tr")) == 2


def test_ranking_reads_neither_answers_nor_a_user_per_evaluation(scene):
    review_round, _jurors, grow = scene
    grow(3)
    with CaptureQueriesContext(connection) as few:
        round_aggregates(review_round)
    grow(40)
    with CaptureQueriesContext(connection) as many:
        aggregates = round_aggregates(review_round)
    assert len(many) == len(few)
    assert not any("form_data" in q["sql"] for q in many.captured_queries)
    assert all(a.count == 2 for a in aggregates)
    members = {id(member) for a in aggregates for member, _score in a.scores}
    assert len(members) == 2


def test_decision_emails_count_every_status_in_flat_queries(client, call, form_page):
    """The decision emails' page counts each status's candidatures, those to
    prepare, prepared and sent, as one query per status would; its queries do
    not grow with the candidatures."""

    def grow(n):
        made = Candidature.objects.bulk_create(
            CandidatureFactory.build_batch(n, page=form_page, status="eligible")
            + CandidatureFactory.build_batch(
                n, page=form_page, status="not_preselected"
            )
        )
        Notification.objects.bulk_create(
            Notification(candidature=c, status=c.status, subject="s", body="b")
            for c in made[n : n + n // 2]
        )

    client.force_login(member_of("Équipe programme", "paula"))
    url = f"/admin/courriels-de-decision/?call={call.pk}"
    grow(2)
    few, _response = queries_for(client, url)
    grow(30)
    many, _response = queries_for(client, url)
    assert many == few
    with CaptureQueriesContext(connection) as counting:
        counted = counts_by_status(call, NOTIFIED_STATUSES)
    # One read of the call's candidatures, one of its emails (counted by
    # status and state, not probed for each candidature).
    assert len(counting.captured_queries) == 2
    emails = emails_by_state(call)
    with CaptureQueriesContext(connection) as counting:
        assert counts_by_status(call, NOTIFIED_STATUSES, emails) == counted
    assert len(counting.captured_queries) == 1
    for status in NOTIFIED_STATUSES:
        emails = Notification.objects.filter(candidature__call=call, status=status)
        assert counted[status] == {
            "count": holding(call, status).count(),
            "to_prepare": awaiting(call, status).count(),
            "prepared": emails.filter(state=Notification.State.PREPARED).count(),
            "sent": emails.filter(state=Notification.State.SENT).count(),
        }
    assert counted["not_preselected"] == {
        "count": 32,
        "to_prepare": 16,
        "prepared": 16,
        "sent": 0,
    }


def test_members_ranking_costs_the_same_queries_past_a_page(client, scene):
    """A member's ranking of a closed round: ranked, filtered and paged by the
    database, in as many queries for 3 dossiers as for two pages of them."""
    review_round, jurors, grow = scene
    review_round.closed_at = timezone.now()
    review_round.members_see_ranking = True
    review_round.save(update_fields=["closed_at", "members_see_ranking"])
    client.force_login(jurors[0])
    urls = [
        f"/admin/jury/{review_round.pk}/classement/",
        f"/admin/jury/{review_round.pk}/classement/?p=2",
    ]
    grow(3)
    few = {url: queries_for(client, url)[0] for url in urls}
    grow(DOSSIERS_PER_PAGE + 2)
    for url in urls:
        count, _response = queries_for(client, url)
        assert count == few[url], url
    second = BeautifulSoup(client.get(urls[1]).content, "html.parser")
    ranks = [
        row.select("td")[0].get_text(strip=True) for row in second.select("tbody tr")
    ]
    assert ranks == [
        str(DOSSIERS_PER_PAGE + 1),
        str(DOSSIERS_PER_PAGE + 2),
        str(DOSSIERS_PER_PAGE + 3),
        str(DOSSIERS_PER_PAGE + 4),
        str(DOSSIERS_PER_PAGE + 5),
    ]


def test_ranking_discusses_the_widest_spreads_whatever_the_page(client, scene):
    """« À discuter en priorité » names the dossiers the members disagree on
    most, the same on every page and under a status filter, while the table
    ranks only the dossiers of that status among themselves."""
    review_round, jurors, grow = scene
    grow(RANKING_PER_PAGE + 3)
    dossiers = list(review_round.candidatures.order_by("pk"))
    split = dossiers[-2:]  # the two the members disagree on
    criteria = list(review_round.call.criteria.all())
    for dossier, juror, level in (
        (split[0], jurors[0], "scale_min"),
        (split[0], jurors[1], "scale_max"),
        (split[1], jurors[0], "scale_max"),
        (split[1], jurors[1], "scale_min"),
    ):
        evaluation = Evaluation.objects.get(
            round=review_round, candidature=dossier, member=juror
        )
        evaluation.scores = {str(c.pk): getattr(c, level) for c in criteria}
        evaluation.save()
    Candidature.objects.filter(pk__in=[d.pk for d in dossiers[:4]]).update(
        status="preselected"
    )
    client.force_login(member_of("Équipe programme", "paula"))
    url = f"/admin/tours/{review_round.pk}/classement/"
    for query in ("", "?p=2", "?statut=preselected", "?ordre=reference&p=2"):
        soup = BeautifulSoup(client.get(url + query).content, "html.parser")
        discussed = [li.get_text() for li in soup.select("ol.amorce-discuss li")]
        assert {text.split(" — ")[0] for text in discussed[:2]} == {
            d.reference for d in split
        }, query
    soup = BeautifulSoup(client.get(url + "?statut=preselected").content, "html.parser")
    rows = soup.select("table.amorce-ranking tbody tr")
    assert [row.select("td")[1].get_text(strip=True) for row in rows] == [
        "1",
        "2",
        "3",
        "4",
    ]
