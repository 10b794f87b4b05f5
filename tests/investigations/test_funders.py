"""Who funds an investigation: proposed from its administrations' kind, changeable."""

import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from forms.factories import CandidatureFactory
from investigations.models import Funder, Investigation, Organisation, Phase

pytestmark = pytest.mark.django_db

BASE = "/admin/snippets/investigations/investigation/"


@pytest.fixture
def funders(site):
    return {
        "state": Funder.objects.create(
            site=site, name="Financeur national", kinds=["ministry", "deconcentrated"]
        ),
        "local": Funder.objects.create(
            site=site, name="Financeur territorial", kinds=["city", "region"]
        ),
    }


@pytest.fixture
def prefecture(site):
    return Organisation.objects.create(
        site=site, name="Préfecture de l'Exemple", kind="deconcentrated"
    )


@pytest.fixture
def mairie(site):
    return Organisation.objects.create(
        site=site, name="Ville de l'Exemple", kind="city"
    )


def investigation_form(organisations=(), **values):
    """The investigation form as posted; ``organisations`` are ids (a list field)."""
    data = {
        "title": "Arrivée par courriel",
        "problem_statement": "Un problème signalé directement à l'incubateur.",
        "candidature": "",
        "call": "",
        "contact_name": "",
        "contact_email": "",
        "funder": "",
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
        "members": inline_formset([]),
        "checkpoints": inline_formset([]),
        "phases": inline_formset([]),
        "committee_events": inline_formset([]),
    }
    data.update(values)
    return nested_form_data(data) | {"organisations": list(organisations)}


def test_a_laureate_of_a_state_service_gets_the_state_funder(
    programme_client, form_page, funders, prefecture
):
    laureate = CandidatureFactory(
        page=form_page, status="selected", administration=prefecture.name
    )
    programme_client.post(f"/admin/investigations/ouvrir/{laureate.pk}/")
    assert Investigation.objects.get().funder == funders["state"]


def test_the_proposed_funder_can_be_changed_and_stays_changed(
    programme_client, call, funders, mairie
):
    response = programme_client.post(
        f"{BASE}add/",
        investigation_form(call=call.pk, organisations=[mairie.pk]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    investigation = Investigation.objects.get()
    assert investigation.funder == funders["local"], "proposed from « Commune »"

    response = programme_client.post(
        f"{BASE}edit/{investigation.pk}/",
        investigation_form(
            call=call.pk, organisations=[mairie.pk], funder=funders["state"].pk
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    investigation.refresh_from_db()
    assert investigation.funder == funders["state"], "the team's choice is kept"


def test_administrations_of_two_funders_get_no_proposal(
    programme_client, call, funders, mairie, prefecture
):
    programme_client.post(
        f"{BASE}add/",
        investigation_form(call=call.pk, organisations=[mairie.pk, prefecture.pk]),
    )
    investigation = Investigation.objects.get()
    assert investigation.funder is None
    html = programme_client.get("/admin/investigations/tableau-de-bord/").content
    row = BeautifulSoup(html, "html.parser").select(".amorce-dashboard tbody tr")[0]
    assert "à choisir" in row.get_text(" ", strip=True)


def test_a_funder_of_another_site_is_refused(programme_client, call, mairie):
    from tests.incubators import add_second_incubator

    other_site, _other_call = add_second_incubator()
    foreign = Funder.objects.create(site=other_site, name="Financeur d'ailleurs")
    response = programme_client.post(
        f"{BASE}add/",
        investigation_form(call=call.pk, organisations=[mairie.pk], funder=foreign.pk),
    )
    assert response.status_code == 200
    assert not Investigation.objects.exists()


def test_dashboard_synthesis_and_spreadsheet_name_the_funder(
    programme_client, call, funders
):
    import openpyxl

    def with_phases(investigation):
        # Each row shows its current phase: read with the page, not one a row.
        for code in ("investigation", "construction"):
            Phase.objects.create(
                investigation=investigation, code=code, starts_on=dt.date(2026, 3, 2)
            )

    for index in range(3):
        with_phases(
            Investigation.objects.create(
                call=call,
                title=f"Investigation {index}",
                problem_statement="P",
                funder=funders["state" if index else "local"],
            )
        )

    def dashboard():
        with CaptureQueriesContext(connection) as queries:
            html = programme_client.get("/admin/investigations/tableau-de-bord/")
        return html.content.decode(), len(queries)

    dashboard()  # caches warmed
    html, before = dashboard()
    page = BeautifulSoup(html, "html.parser")
    by_funder = page.select_one(".amorce-by-funder").get_text()
    assert "Financeur national : 2" in by_funder
    assert "Financeur territorial : 1" in by_funder
    rows = page.select(".amorce-dashboard tbody tr")
    assert "Financeur territorial" in rows[0].get_text(" ", strip=True)
    for index in range(3, 13):
        with_phases(
            Investigation.objects.create(
                call=call,
                title=f"Investigation {index}",
                problem_statement="P",
                funder=funders["state"],
            )
        )
    _html, after = dashboard()
    assert after == before, "one query for every row's funder and phase, not one a row"

    first = Investigation.objects.get(title="Investigation 0")
    pdf = programme_client.get(f"/admin/investigations/{first.pk}/synthese.pdf")
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    text = "\n".join(page.extract_text() for page in pages)
    assert "Financeur : Financeur territorial" in text

    response = programme_client.get(
        "/admin/exports/investigations/", {"format": "xlsx"}
    )
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content))
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Financeur")
    by_title = {row[0]: row[column] for row in rows[1:]}
    assert by_title["Investigation 0"] == "Financeur territorial"
    assert by_title["Investigation 1"] == "Financeur national"


def test_a_kind_has_one_default_funder_per_site(programme_client, site, funders):
    response = programme_client.post(
        "/admin/snippets/investigations/funder/add/",
        {"name": "Autre financeur", "kinds": ["city", "epci"], "site": site.pk},
    )
    assert response.status_code == 200
    assert "« Financeur territorial » finance déjà par défaut : Commune" in (
        BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)
    )
    assert not Funder.objects.filter(name="Autre financeur").exists()
    response = programme_client.post(
        "/admin/snippets/investigations/funder/add/",
        {"name": "Autre financeur", "kinds": ["epci"], "site": site.pk},
    )
    assert response.status_code == 302
    assert Funder.objects.get(name="Autre financeur").kinds == ["epci"]


def test_a_funder_in_use_is_not_deleted(programme_client, call, funders):
    Investigation.objects.create(
        call=call, title="Financée", problem_statement="P", funder=funders["state"]
    )
    response = programme_client.post(
        f"/admin/snippets/investigations/funder/delete/{funders['state'].pk}/"
    )
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("financée par ce financeur : il est conservé" in m for m in said)
    assert Funder.objects.filter(pk=funders["state"].pk).exists()
    programme_client.post(
        f"/admin/snippets/investigations/funder/delete/{funders['local'].pk}/"
    )
    assert not Funder.objects.filter(pk=funders["local"].pk).exists()
