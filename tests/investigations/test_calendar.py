"""Checkpoints and committees planned from the settings, on a calendar and in a private feed."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms_pages.models import ProgrammePage, SiteIdentity
from forms.factories import CandidatureFactory
from investigations.models import CalendarFeed, Checkpoint, Investigation
from investigations.services import open_from_candidature
from tests.incubators import add_second_incubator
from tests.users import member_of

pytestmark = pytest.mark.django_db

START = dt.date(2027, 2, 1)


@pytest.fixture
def laureate(form_page, call):
    call.investigations_start = START
    call.save()
    return CandidatureFactory(
        page=form_page,
        status="selected",
        applicant_name="Camille Martin",
        applicant_email="camille@example.org",
        administration="Préfecture de l'Exemple",
        form_data={"le_probleme": "Les usagers attendent; trois mois, un rendez-vous."},
    )


@pytest.fixture
def investigation(laureate):
    return open_from_candidature(laureate)[0]


def test_opening_plans_checkpoints_at_weeks_3_and_6_and_the_committees(investigation):
    """From the call's launch date, not from the day it was opened."""
    assert investigation.starts_on == START
    assert investigation.current_phase.starts_on == START
    assert [c.date for c in investigation.checkpoints.order_by("date")] == [
        START + dt.timedelta(weeks=3),
        START + dt.timedelta(weeks=6),
    ]
    investigation.refresh_from_db()
    assert investigation.planned_end == START + dt.timedelta(weeks=9)
    assert investigation.final_committee_on == START + dt.timedelta(weeks=9)
    assert investigation.next_committee_on == dt.date(2027, 10, 5)  # + 6 months


def test_the_sites_settings_and_programme_page_drive_the_plan(
    site, programme, laureate
):
    identity = SiteIdentity.for_site(site)
    identity.investigation_weeks = 12
    identity.checkpoint_weeks = "4, 8"
    identity.save()
    ProgrammePage.objects.update(committee_interval_months=3)
    investigation = open_from_candidature(laureate)[0]
    investigation.refresh_from_db()
    assert [c.date for c in investigation.checkpoints.order_by("date")] == [
        START + dt.timedelta(weeks=4),
        START + dt.timedelta(weeks=8),
    ]
    assert investigation.final_committee_on == START + dt.timedelta(weeks=12)
    assert investigation.next_committee_on == dt.date(2027, 7, 26)


@pytest.mark.parametrize(
    ("weeks", "message"),
    [("trois, six", "séparés par des virgules"), ("3, 9", "avant la fin")],
)
def test_checkpoint_weeks_that_cannot_be_planned_are_refused(site, weeks, message):
    from django.core.exceptions import ValidationError

    identity = SiteIdentity.for_site(site)
    identity.checkpoint_weeks = weeks
    with pytest.raises(ValidationError) as raised:
        identity.full_clean()
    assert message in str(raised.value)


def edit_form(client, investigation):
    from bs4 import BeautifulSoup

    url = f"/admin/snippets/investigations/investigation/edit/{investigation.pk}/"
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    data = {
        tag["name"]: tag.get("value", "")
        for tag in soup.select("form input[name]")
        if tag.get("type") not in ("checkbox", "radio", "file")
    }
    for textarea in soup.select("form textarea[name]"):
        data[textarea["name"]] = textarea.get_text().strip()
    for select in soup.select("form select[name]"):
        option = select.select_one("option[selected]")
        data[select["name"]] = option["value"] if option else ""
    return url, data


def test_a_date_written_in_the_same_edit_is_not_moved(programme_client, investigation):
    url, data = edit_form(programme_client, investigation)
    data["starts_on"] = "2027-03-01"
    data["final_committee_on"] = "2027-05-10"
    assert programme_client.post(url, data).status_code == 302
    investigation.refresh_from_db()
    assert investigation.final_committee_on == dt.date(2027, 5, 10)
    assert investigation.planned_end == dt.date(2027, 3, 1) + dt.timedelta(weeks=9)


def test_a_new_start_date_moves_what_was_planned(programme_client, investigation):
    url, data = edit_form(programme_client, investigation)
    data["starts_on"] = "2027-03-01"
    response = programme_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    investigation.refresh_from_db()
    new_start = dt.date(2027, 3, 1)
    assert investigation.current_phase.starts_on == new_start
    assert [c.date for c in investigation.checkpoints.order_by("date")] == [
        new_start + dt.timedelta(weeks=3),
        new_start + dt.timedelta(weeks=6),
    ]
    assert investigation.final_committee_on == new_start + dt.timedelta(weeks=9)


def test_the_calendar_lists_the_teams_dates_by_month(programme_client, investigation):
    _site_b, call_b = add_second_incubator()
    other = Investigation.objects.create(
        call=call_b, title="Ailleurs", problem_statement="P", starts_on=START
    )
    Checkpoint.objects.create(investigation=other, date=START + dt.timedelta(weeks=3))
    html = programme_client.get(
        "/admin/investigations/calendrier/", {"mois": "2027-02"}
    ).content.decode()
    assert "Février 2027" in html and "Mars 2027" in html and "Avril 2027" in html
    february = html.split("Février 2027", 1)[1].split("Mars 2027", 1)[0]
    assert "Point d&#x27;étape" in february or "Point d'étape" in february
    assert "22 février" in february
    april = html.split("Avril 2027", 1)[1]
    assert "Comité final" in april and "5 avril" in april
    assert "Ailleurs" not in html


def test_the_calendar_stays_flat_in_queries(programme_client, call):
    from investigations.services import start_investigation

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = programme_client.get(
                "/admin/investigations/calendrier/", {"mois": "2027-02"}
            )
        assert response.status_code == 200
        return len(queries)

    def add(n):
        for index in range(n):
            investigation = Investigation.objects.create(
                call=call, title=f"I{index}", problem_statement="P", starts_on=START
            )
            start_investigation(investigation)

    add(2)
    few = count()
    add(20)
    assert count() == few


def ics_lines(body):
    """The content lines of an iCalendar, after checking RFC 5545's framing."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    assert raw.endswith(b"\r\n")
    physical = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert all(len(line) <= 75 for line in physical), "folded at 75 octets"
    lines = []
    for line in physical:
        if line.startswith(b" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return [line.decode("utf-8") for line in lines]


def events_of(lines):
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = value
    return events


def test_the_private_feed_is_an_rfc_5545_calendar_of_the_users_sites(
    programme_client, client, paula, investigation
):
    investigation.title = "Rendez-vous, préfecture; guichets " + "é" * 60
    investigation.save()
    _site_b, call_b = add_second_incubator()
    Investigation.objects.create(
        call=call_b, title="Ailleurs", problem_statement="P", starts_on=START
    )
    assert programme_client.post("/admin/investigations/mon-agenda/").status_code == 302
    page = programme_client.get("/admin/investigations/mon-agenda/").content.decode()
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    response = client.get(url)  # no session: the key is enough
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = events_of(ics_lines(response.content))
    summaries = sorted(e["SUMMARY"] for e in events)
    escaped = "Rendez-vous\\, préfecture\\; guichets " + "é" * 60
    assert summaries == sorted(
        [
            f"Point d'étape — {escaped}",
            f"Point d'étape — {escaped}",
            f"Comité final — {escaped}",
            f"Comité d'investissement (prévu) — {escaped}",
        ]
    )
    assert len({e["UID"] for e in events}) == len(events)
    for event in events:
        assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
        assert re.fullmatch(r"\d{8}", event["DTSTART;VALUE=DATE"])
    assert {e["DTSTART;VALUE=DATE"] for e in events} >= {"20270222", "20270405"}
    text = response.content.decode()
    assert "Ailleurs" not in text
    assert "Camille" not in text and "camille@example.org" not in text
    again = events_of(ics_lines(client.get(url).content))
    assert {e["UID"] for e in again} == {e["UID"] for e in events}, "stable UIDs"


def test_a_wrong_or_renewed_key_is_404(programme_client, client, paula, investigation):
    programme_client.post("/admin/investigations/mon-agenda/")
    old = CalendarFeed.objects.get(user=paula).key
    assert client.get(f"/agenda/{old}.ics").status_code == 200
    assert client.get(f"/agenda/{old[:-1]}x.ics").status_code == 404
    programme_client.post("/admin/investigations/mon-agenda/")
    new = CalendarFeed.objects.get(user=paula).key
    assert new != old
    assert client.get(f"/agenda/{old}.ics").status_code == 404
    assert client.get(f"/agenda/{new}.ics").status_code == 200
    paula.is_active = False
    paula.save()
    assert client.get(f"/agenda/{new}.ics").status_code == 404


@pytest.mark.parametrize("group", ["Jury", "Communication"])
def test_who_cannot_see_investigations_gets_no_calendar(client, investigation, group):
    user = member_of(group, "someone")
    client.force_login(user)
    for url in (
        "/admin/investigations/calendrier/",
        "/admin/investigations/mon-agenda/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
    feed = CalendarFeed.objects.create(user=user)
    client.logout()
    assert client.get(f"/agenda/{feed.key}.ics").status_code == 404


def test_the_feed_covers_held_committees_too(client, paula, investigation):
    from investigations.services import record_committee, record_outcome

    today = timezone.localdate()
    investigation.phases.update(starts_on=today - dt.timedelta(days=100))
    record_outcome(investigation, "build_service", on=today - dt.timedelta(days=30))
    record_committee(investigation, "pivot", on=today - dt.timedelta(days=1))
    feed = CalendarFeed.objects.create(user=paula)
    events = events_of(ics_lines(client.get(f"/agenda/{feed.key}.ics").content))
    held = [e for e in events if e["SUMMARY"].startswith("Comité d'investissement —")]
    assert [e["DTSTART;VALUE=DATE"] for e in held] == [
        (today - dt.timedelta(days=1)).strftime("%Y%m%d")
    ]
