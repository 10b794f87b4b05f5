"""Investigations: opened from a laureate, followed phase by phase, shared when published."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from pypdf import PdfReader

from forms.factories import CandidatureFactory
from investigations.models import (
    CommitteeEvent,
    Investigation,
    LearningsIndexPage,
    Phase,
)
from tests.users import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def laureate(form_page):
    return CandidatureFactory(
        page=form_page,
        status="selected",
        applicant_name="Camille Martin",
        administration="Préfecture de l'Exemple",
        form_data={"le_probleme": "Les usagers attendent trois mois un rendez-vous."},
    )


@pytest.fixture
def investigation(laureate):
    from investigations.services import open_from_candidature

    return open_from_candidature(laureate)[0]


def test_one_action_opens_an_investigation_from_a_laureate(programme_client, laureate):
    response = programme_client.post(f"/admin/investigations/ouvrir/{laureate.pk}/")
    assert response.status_code == 302
    investigation = Investigation.objects.get()
    assert investigation.candidature == laureate
    assert (
        investigation.problem_statement
        == "Les usagers attendent trois mois un rendez-vous."
    )
    assert investigation.contact_name == "Camille Martin"
    assert [o.name for o in investigation.organisations.all()] == [
        "Préfecture de l'Exemple"
    ]
    assert investigation.planned_end == investigation.starts_on + dt.timedelta(weeks=9)
    assert investigation.current_phase.code == "investigation"
    programme_client.post(f"/admin/investigations/ouvrir/{laureate.pk}/")
    assert Investigation.objects.count() == 1, "opening twice gives the same one"


def test_only_a_laureate_opens_one(programme_client, form_page):
    candidature = CandidatureFactory(page=form_page, status="eligible")
    programme_client.post(f"/admin/investigations/ouvrir/{candidature.pk}/")
    assert not Investigation.objects.exists()


def test_dashboard_shows_phase_time_against_target_and_next_committee(
    programme_client, investigation
):
    phase = investigation.phases.get()
    phase.starts_on = timezone.localdate() - dt.timedelta(days=106)
    phase.save()
    investigation.outcome = "build_service"
    investigation.save()
    html = programme_client.get(
        "/admin/investigations/tableau-de-bord/"
    ).content.decode()
    assert "106 / 63" in html and "en retard" in html
    assert "Investigation : 1" in html
    assert (
        "Construction d&#x27;un service numérique : 1" in html
        or "Construction d'un service numérique : 1" in html
    )
    assert "Prochain comité dû" in html
    summary = html.split("Prochain comité dû :</strong>", 1)[1].split("</p>", 1)[0]
    assert "en retard" not in summary
    investigation.final_committee_on = timezone.localdate() - dt.timedelta(days=1)
    investigation.save()
    html = programme_client.get(
        "/admin/investigations/tableau-de-bord/"
    ).content.decode()
    summary = html.split("Prochain comité dû :</strong>", 1)[1].split("</p>", 1)[0]
    assert "en retard" in summary, "a committee due yesterday is overdue"


def test_synthesis_pdf(programme_client, investigation):
    investigation.outcome = "deploy_existing_solution"
    investigation.recommendations = "Reprendre l'outil de la commune voisine."
    investigation.save()
    response = programme_client.get(
        f"/admin/investigations/{investigation.pk}/synthese.pdf"
    )
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Le problème" in text and "Les usagers attendent trois mois" in text
    assert "Déploiement d'une solution existante" in text
    assert "Reprendre l'outil de la commune voisine." in text


def test_investigations_spreadsheet(programme_client, investigation):
    import openpyxl

    response = programme_client.get(
        "/admin/exports/investigations/", {"format": "xlsx"}
    )
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Investigation", "Administrations", "Porteur ou porteuse")
    assert rows[1][0] == investigation.title
    start = rows[0].index("Début")
    assert rows[1][start] == dt.datetime.combine(investigation.starts_on, dt.time())
    assert workbook.active.cell(2, start + 1).number_format == "dd/mm/yyyy"
    csv_text = b"".join(
        programme_client.get(
            "/admin/exports/investigations/", {"format": "csv"}
        ).streaming_content
    ).decode("utf-8-sig")
    assert investigation.starts_on.strftime("%d/%m/%Y") in csv_text


def test_only_published_learnings_are_public(client, home, investigation):
    other = Investigation.objects.create(
        title="Secrète", problem_statement="Rien à dire", learnings="Interne"
    )
    investigation.learnings = (
        "Le problème venait de la prise de rendez-vous, pas du guichet."
    )
    investigation.publish_learnings = True
    investigation.save()
    page = home.add_child(
        instance=LearningsIndexPage(
            title="Ce que nous avons appris", slug="enseignements"
        )
    )
    html = client.get(page.url).content.decode()
    assert "Le problème venait de la prise de rendez-vous" in html
    assert other.title not in html and "Interne" not in html
    api = client.get("/api/v3/investigations/").json()
    assert [item["slug"] for item in api] == [investigation.slug]


@pytest.mark.parametrize("group", ["Jury", "Communication"])
def test_jury_and_communication_see_no_investigation(client, investigation, group):
    client.force_login(member_of(group, "someone"))
    for url in (
        "/admin/snippets/investigations/investigation/",
        f"/admin/snippets/investigations/investigation/edit/{investigation.pk}/",
        "/admin/investigations/tableau-de-bord/",
        f"/admin/investigations/{investigation.pk}/synthese.pdf",
        f"/admin/investigations/{investigation.pk}/beta-gouv.md",
        "/admin/exports/investigations/?format=csv",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert investigation.problem_statement.encode() not in response.content
    assert client.get("/api/v3/investigations/").json() == []


@pytest.mark.parametrize(
    ("outcome", "next_phase"),
    [
        ("build_service", "construction"),
        ("stop", "abandon-investigation"),
        ("continue_in_house", "transfere"),
        ("deploy_existing_solution", "transfere"),
    ],
)
def test_an_outcome_closes_the_investigation_and_opens_the_next_phase(
    investigation, outcome, next_phase
):
    from investigations.services import record_outcome

    on = investigation.starts_on + dt.timedelta(days=70)
    record_outcome(investigation, outcome, "Synthèse présentée au comité final", on=on)
    investigation.refresh_from_db()
    phases = list(investigation.phases.order_by("starts_on", "pk"))
    assert [(p.code, p.ends_on) for p in phases] == [
        ("investigation", on),
        (next_phase, None),
    ]
    assert investigation.outcome == outcome and investigation.final_committee_on == on


def test_committees_move_a_service_through_its_phases_until_it_stops(investigation):
    from investigations.services import record_committee, record_outcome

    start = investigation.starts_on
    record_outcome(investigation, "build_service", on=start + dt.timedelta(days=63))
    record_committee(investigation, "continue", on=start + dt.timedelta(days=250))
    record_committee(investigation, "pivot", on=start + dt.timedelta(days=430))
    record_committee(investigation, "stop", on=start + dt.timedelta(days=610))
    codes = list(
        investigation.phases.order_by("starts_on", "pk").values_list("code", flat=True)
    )
    assert codes == ["investigation", "construction", "acceleration", "abandon"]
    with pytest.raises(ValueError):
        record_outcome(investigation, "stop")  # the investigation phase is long closed


def test_a_phase_cannot_end_before_it_starts(investigation):
    from django.core.exceptions import ValidationError

    phase = investigation.phases.get()
    phase.ends_on = phase.starts_on - dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        phase.full_clean()


def test_programme_team_edits_an_investigation_in_the_admin(
    programme_client, investigation
):
    """The snippet screens open, and a direct investigation (no candidature) can be created.

    Its first phase and its planned dates come by themselves: a phase is never
    added by hand.
    """
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    base = "/admin/snippets/investigations/investigation/"
    for url in (
        base,
        f"{base}edit/{investigation.pk}/",
        f"{base}inspect/{investigation.pk}/",
        f"{base}history/{investigation.pk}/",
        "/admin/snippets/investigations/organisation/",
    ):
        assert programme_client.get(url).status_code == 200, url
    data = nested_form_data(
        {
            "title": "Arrivée par courriel",
            "problem_statement": "Un problème signalé directement à l'incubateur.",
            "candidature": "",
            "call": "",
            "contact_name": "",
            "contact_email": "",
            "coach": "",
            "designer": "",
            "referent": "",
            "sponsor": "",
            "starts_on": "2026-11-02",
            "planned_end": "",
            "final_committee_on": "",
            "outcome": "",
            "outcome_rationale": "",
            "recommendations": "",
            "conditions_of_success": "",
            "means_budget": "",
            "means_skills": "",
            "learnings": "",
            "members": inline_formset(
                [
                    {
                        "name": "Agent",
                        "role": "intrapreneur",
                        "organisation": "",
                        "days_per_week": "2",
                    }
                ]
            ),
            "checkpoints": inline_formset([]),
            "phases": inline_formset([]),
            "committee_events": inline_formset([]),
        }
    )
    response = programme_client.post(f"{base}add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Investigation.objects.get(title="Arrivée par courriel")
    assert created.candidature is None
    assert created.planned_end == dt.date(2026, 11, 2) + dt.timedelta(weeks=9)
    assert created.members.get().days_per_week == 2
    # Its first phase starts on its start date, and its dates are planned.
    assert [(p.code, p.starts_on) for p in created.phases.all()] == [
        ("investigation", dt.date(2026, 11, 2))
    ]
    assert [c.date for c in created.checkpoints.order_by("date")] == [
        dt.date(2026, 11, 23),
        dt.date(2026, 12, 14),
    ]


def test_dashboard_counts_everything_and_shows_a_page_at_a_time(programme_client, call):
    import datetime as dt

    from investigations.models import Investigation
    from investigations.views import ROWS_PER_PAGE

    start = dt.date(2026, 1, 5)
    for index in range(ROWS_PER_PAGE + 5):
        investigation = Investigation.objects.create(
            call=call,
            title=f"Investigation {index:03d}",
            problem_statement="P",
            starts_on=start,
        )
        Phase.objects.create(
            investigation=investigation, code="investigation", starts_on=start
        )
    first = programme_client.get(
        "/admin/investigations/tableau-de-bord/"
    ).content.decode()
    assert f"Investigation : {ROWS_PER_PAGE + 5}" in first
    assert ">Investigation 000</a>" in first
    assert f">Investigation {ROWS_PER_PAGE:03d}</a>" not in first
    second = programme_client.get(
        "/admin/investigations/tableau-de-bord/?p=2"
    ).content.decode()
    assert f">Investigation {ROWS_PER_PAGE + 4:03d}</a>" in second
    assert ">Investigation 000</a>" not in second


@pytest.mark.parametrize("soonest", ["after_committee", "investigation", "other_phase"])
def test_dashboard_names_the_soonest_committee_as_each_row_does(
    programme_client, call, soonest
):
    """The summary, counted by the database, agrees with each row's own date."""
    import datetime as dt

    from investigations.models import Investigation

    start = dt.date(2026, 1, 5)
    shift = {
        name: dt.timedelta(days=40)
        for name in ("after_committee", "investigation", "other_phase")
    }
    shift[soonest] = dt.timedelta(0)

    def make(title, code, phase_start):
        investigation = Investigation.objects.create(
            call=call, title=title, problem_statement="P", starts_on=start
        )
        Phase.objects.create(
            investigation=investigation, code=code, starts_on=phase_start
        )
        return investigation

    # An older phase that ended does not count: the current phase started last.
    a = make("Après un comité", "investigation", start)
    Phase.objects.create(
        investigation=a, code="construction", starts_on=start + dt.timedelta(days=70)
    )
    CommitteeEvent.objects.create(
        investigation=a,
        date=start + dt.timedelta(days=60) + shift["after_committee"],
        decision="continue",
    )
    b = make("En investigation", "investigation", start)
    b.final_committee_on = start + dt.timedelta(days=243) + shift["investigation"]
    b.save()
    make(
        "En construction",
        "construction",
        start + dt.timedelta(days=60) + shift["other_phase"],
    )
    Investigation.objects.create(
        call=call, title="Sans phase", problem_statement="P", starts_on=start
    )

    expected = min(
        (i.next_committee_due(), i.title)
        for i in Investigation.objects.all()
        if i.next_committee_due()
    )
    html = programme_client.get(
        "/admin/investigations/tableau-de-bord/"
    ).content.decode()
    summary = html.split("Prochain comité dû :</strong>", 1)[1].split("</p>", 1)[0]
    assert expected[1] in summary
    assert date_format(expected[0], "j F Y") in summary
    assert "Construction : 2" in html and "Investigation : 1" in html
    assert "sans phase : 1" in html


def test_the_committee_interval_is_the_programme_pages(programme_client, call):
    """Three months between committees on the programme page: the dashboard follows."""
    import datetime as dt

    from cms_pages.models import ProgrammePage
    from investigations.models import Investigation

    ProgrammePage.objects.update(committee_interval_months=3)
    investigation = Investigation.objects.create(
        call=call, title="Voirie", problem_statement="P", starts_on=dt.date(2026, 1, 5)
    )
    Phase.objects.create(
        investigation=investigation, code="construction", starts_on=dt.date(2026, 3, 2)
    )
    CommitteeEvent.objects.create(
        investigation=investigation, date=dt.date(2026, 3, 31), decision="continue"
    )
    assert investigation.next_committee_due() == dt.date(2026, 6, 30)
    html = programme_client.get(
        "/admin/investigations/tableau-de-bord/"
    ).content.decode()
    summary = html.split("Prochain comité dû :</strong>", 1)[1].split("</p>", 1)[0]
    assert "30 juin 2026" in summary


def test_dashboard_soonest_committee_follows_each_ones_last_committee(
    programme_client, call
):
    """Among investigations that met a committee, the one due first is the one
    whose *last* committee is the oldest: an early first committee followed by
    a recent one does not make it due."""
    start = dt.date(2026, 1, 5)
    dates = {
        "Deux comités, le dernier récent": [start, start + dt.timedelta(days=90)],
        "Un comité ancien": [start + dt.timedelta(days=30)],
        "Un comité récent": [start + dt.timedelta(days=60)],
    }
    for title, committees in dates.items():
        investigation = Investigation.objects.create(
            call=call, title=title, problem_statement="P", starts_on=start
        )
        Phase.objects.create(
            investigation=investigation, code="construction", starts_on=start
        )
        for date in committees:
            CommitteeEvent.objects.create(
                investigation=investigation, date=date, decision="continue"
            )
    html = programme_client.get(
        "/admin/investigations/tableau-de-bord/"
    ).content.decode()
    summary = html.split("Prochain comité dû :</strong>", 1)[1].split("</p>", 1)[0]
    assert "Un comité ancien" in summary
    expected = Investigation.objects.get(title="Un comité ancien").next_committee_due()
    assert date_format(expected, "j F Y") in summary


@pytest.mark.parametrize("soonest", ["en investigation", "en construction"])
def test_dashboard_soonest_committee_counts_those_without_one(
    programme_client, call, soonest
):
    """An investigation that never met a committee is due by its own rule (the
    end of its investigation phase, or its phase's start plus the interval):
    the dashboard names it when it comes first, beside those that met one."""
    start = dt.date(2026, 1, 5)
    late = start + dt.timedelta(days=400)
    rows = {
        # (phase, its start, planned end, committees)
        "Un comité ancien": ("construction", start, None, [start]),
        "en investigation": (
            "investigation",
            start,
            start if soonest == "en investigation" else late,
            [],
        ),
        "en construction": (
            "construction",
            start - dt.timedelta(days=200) if soonest == "en construction" else late,
            None,
            [],
        ),
    }
    for title, (code, begins, planned_end, committees) in rows.items():
        investigation = Investigation.objects.create(
            call=call,
            title=title,
            problem_statement="P",
            starts_on=start,
            planned_end=planned_end,
        )
        Phase.objects.create(investigation=investigation, code=code, starts_on=begins)
        for date in committees:
            CommitteeEvent.objects.create(
                investigation=investigation, date=date, decision="continue"
            )
    expected = min(
        (i.next_committee_due(), i.title)
        for i in Investigation.objects.all()
        if i.next_committee_due() is not None
    )
    assert expected[1] == soonest
    html = programme_client.get(
        "/admin/investigations/tableau-de-bord/"
    ).content.decode()
    summary = html.split("Prochain comité dû :</strong>", 1)[1].split("</p>", 1)[0]
    assert soonest in summary
    assert date_format(expected[0], "j F Y") in summary
