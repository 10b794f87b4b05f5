"""How long candidatures wait for a first answer, in working days, on the home page."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from core.workdays import french_public_holidays, working_days_between
from forms.factories import CandidatureFactory
from forms.services import change_status
from tests.users import member_of

pytestmark = pytest.mark.django_db

D = dt.date


def paris(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_working_days_skip_weekends_and_national_holidays():
    # Friday 10 July 2026 → Wednesday 15 July: the weekend and 14 July left out.
    assert working_days_between(D(2026, 7, 10), D(2026, 7, 15)) == 2
    # Friday 3 April 2026 → Tuesday 7 April: Easter Monday (6 April) left out.
    assert working_days_between(D(2026, 4, 3), D(2026, 4, 7)) == 1
    # A plain week, and the same day.
    assert working_days_between(D(2026, 11, 23), D(2026, 11, 30)) == 5
    assert working_days_between(D(2026, 11, 30), D(2026, 11, 30)) == 0
    # Across the year: 25 December and 1 January, both Fridays in 2026-2027.
    assert working_days_between(D(2026, 12, 24), D(2027, 1, 4)) == 5
    holidays = french_public_holidays(2026)
    assert D(2026, 5, 14) in holidays, "Ascension"
    assert D(2026, 5, 25) in holidays, "Whit Monday"
    assert D(2026, 4, 3) not in holidays, "Good Friday is Alsace-Moselle's only"
    assert D(2026, 12, 26) not in holidays, "so is 26 December"


@pytest.fixture
def waits(call, form_page):
    """Three waiting since 9, 10 and 15 July 2026; two answered in 1 and 3 days."""
    call.first_answer_target_days = 2
    call.save()
    made = {}
    for name, day in (
        ("late", D(2026, 7, 9)),
        ("on_time", D(2026, 7, 10)),
        ("today", D(2026, 7, 15)),
        ("easter", D(2026, 4, 3)),
        ("june", D(2026, 6, 1)),
    ):
        with freeze_time(paris(day)):
            made[name] = CandidatureFactory(page=form_page)
    with freeze_time(paris(D(2026, 4, 7))):
        change_status(made["easter"], "eligible")
    with freeze_time(paris(D(2026, 6, 4))):
        change_status(made["june"], "ineligible", reason="Hors champ")
    return made


def home_panel(client):
    with freeze_time(paris(D(2026, 7, 15), 16)):
        response = client.get("/admin/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one(
        "#amorce-waiting-section, section[aria-labelledby='amorce-waiting-title']"
    )


def test_the_team_sees_the_late_ones_first_and_each_calls_figures(
    programme_client, call, waits
):
    panel = home_panel(programme_client)
    assert panel is not None
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in panel.select(".amorce-waiting-list tbody tr")
    ]
    assert [row[0] for row in rows] == [
        waits["late"].reference,
        waits["on_time"].reference,
        waits["today"].reference,
    ]
    assert "3 jours ouvrés / 2" in rows[0][3] and "en retard" in rows[0][3]
    assert "2 jours ouvrés / 2" in rows[1][3] and "en retard" not in rows[1][3]
    assert rows[2][3].startswith("0 jour") and "en retard" not in rows[2][3]
    summary = [
        td.get_text(" ", strip=True)
        for td in panel.select(".amorce-waiting-calls tbody tr")[0].select("td")
    ]
    assert summary[0] == call.title
    assert summary[1] == "2 jours ouvrés"
    assert summary[2] == "3", "waiting"
    assert summary[3] == "1", "over the target"
    assert summary[4] == "2 j. ouvrés (2 réponses)", "median of 1 and 3"


def test_no_target_no_lateness(programme_client, call, waits):
    call.first_answer_target_days = None
    call.save()
    panel = home_panel(programme_client)
    assert "en retard" not in panel.get_text(" ", strip=True)
    summary = panel.select(".amorce-waiting-calls tbody tr")[0].select("td")
    assert summary[1].get_text(strip=True) == "aucun"


def test_the_panel_costs_the_same_queries_for_more_candidatures(
    programme_client, form_page, waits
):
    def count():
        with (
            freeze_time(paris(D(2026, 7, 15), 16)),
            CaptureQueriesContext(connection) as queries,
        ):
            programme_client.get("/admin/")
        return len(queries)

    count()  # caches warmed (sites, permissions): what follows compares like with like
    before = count()
    for _ in range(30):
        with freeze_time(paris(D(2026, 7, 1))):
            CandidatureFactory(page=form_page)
    assert count() == before
    panel = home_panel(programme_client)
    assert len(panel.select(".amorce-waiting-list tbody tr")) == 20
    assert "Voir les 33 candidatures en attente" in panel.get_text(" ", strip=True)


def test_the_communication_team_does_not_see_the_waiting_list(client, waits):
    client.force_login(member_of("Communication", "chloe"))
    with freeze_time(paris(D(2026, 7, 15), 16)):
        html = client.get("/admin/").content.decode()
    assert waits["late"].reference not in html
    assert "attente d&#x27;une première réponse" not in html
