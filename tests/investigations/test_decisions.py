"""The phases follow the decisions recorded in the admin, and refuse the ones that skip a step."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.models import ModelLogEntry

from forms.factories import CandidatureFactory
from investigations.models import CommitteeEvent, Investigation, Phase
from investigations.services import open_from_candidature
from tests.incubators import add_second_incubator
from tests.users import member_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def investigation(form_page):
    laureate = CandidatureFactory(
        page=form_page,
        status="selected",
        administration="Préfecture de l'Exemple",
        form_data={"le_probleme": "Les usagers attendent trois mois un rendez-vous."},
    )
    investigation = open_from_candidature(laureate)[0]
    # Started ten weeks ago: the final committee can be recorded today.
    start = TODAY() - dt.timedelta(weeks=10)
    Investigation.objects.filter(pk=investigation.pk).update(starts_on=start)
    investigation.phases.update(starts_on=start)
    investigation.refresh_from_db()
    return investigation


def outcome_url(investigation):
    return f"/admin/investigations/{investigation.pk}/comite-final/"


def committee_url(investigation):
    return f"/admin/investigations/{investigation.pk}/comite-d-investissement/"


def said(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ")


def phases(investigation):
    return [
        (p.code, p.starts_on, p.ends_on)
        for p in investigation.phases.order_by("starts_on", "pk")
    ]


def test_the_final_committee_recorded_in_the_admin_opens_construction(
    programme_client, investigation
):
    inspect = programme_client.get(
        f"/admin/snippets/investigations/investigation/inspect/{investigation.pk}/"
    )
    assert "Enregistrer la décision du comité final" in said(inspect)
    assert "Enregistrer un comité d'investissement" not in said(inspect)
    on = TODAY() - dt.timedelta(days=1)
    response = programme_client.post(
        outcome_url(investigation),
        {"outcome": "build_service", "on": on.isoformat(), "rationale": "Prometteur"},
    )
    assert response.status_code == 302
    investigation.refresh_from_db()
    assert phases(investigation) == [
        ("investigation", investigation.starts_on, on),
        ("construction", on, None),
    ]
    assert investigation.outcome == "build_service"
    assert investigation.final_committee_on == on
    assert investigation.next_committee_on > on
    entry = ModelLogEntry.objects.get(action="amorce.investigation.outcome")
    assert entry.object_id == str(investigation.pk)
    history = programme_client.get(
        f"/admin/snippets/investigations/investigation/history/{investigation.pk}/"
    )
    assert "Comité final du" in said(history)
    inspect = programme_client.get(
        f"/admin/snippets/investigations/investigation/inspect/{investigation.pk}/"
    )
    assert "Enregistrer un comité d'investissement" in said(inspect)
    assert "Enregistrer la décision du comité final" not in said(inspect)
    # The current phase told in words, not the columns the database keeps.
    assert "Phase « Construction » depuis le" in said(inspect)
    for kept in ("Phase courante", "Début de la phase courante", "Dernier comité"):
        assert kept not in said(inspect)


def test_the_next_committee_is_planned_one_interval_after_the_final_one(
    programme_client, investigation
):
    on = dt.date(2026, 1, 31)
    investigation.phases.update(starts_on=dt.date(2025, 11, 1))
    programme_client.post(
        outcome_url(investigation), {"outcome": "build_service", "on": on.isoformat()}
    )
    investigation.refresh_from_db()
    assert investigation.next_committee_on == dt.date(2026, 7, 31)


def test_an_outcome_recorded_twice_is_refused(programme_client, investigation):
    on = TODAY().isoformat()
    programme_client.post(outcome_url(investigation), {"outcome": "stop", "on": on})
    response = programme_client.post(
        outcome_url(investigation), {"outcome": "build_service", "on": on}
    )
    assert response.status_code == 200
    assert "déjà enregistrée" in said(response)
    investigation.refresh_from_db()
    assert investigation.outcome == "stop"
    assert [p[0] for p in phases(investigation)] == [
        "investigation",
        "abandon-investigation",
    ]


def test_a_committee_before_the_final_committees_outcome_is_refused(
    programme_client, investigation
):
    response = programme_client.post(
        committee_url(investigation),
        {"decision": "continue", "on": TODAY().isoformat(), "comment": "Trop tôt"},
    )
    assert response.status_code == 200
    assert "enregistrez d'abord cette issue" in said(response)
    assert not CommitteeEvent.objects.exists()
    assert [p[0] for p in phases(investigation)] == ["investigation"]


def test_a_decision_dated_before_the_phase_began_changes_nothing(
    programme_client, investigation
):
    before = investigation.starts_on - dt.timedelta(days=1)
    response = programme_client.post(
        outcome_url(investigation),
        {"outcome": "build_service", "on": before.isoformat()},
    )
    assert response.status_code == 200
    assert "précède le début de la phase en cours" in said(response)
    investigation.refresh_from_db()
    assert investigation.outcome == ""
    assert phases(investigation) == [("investigation", investigation.starts_on, None)]
    assert not ModelLogEntry.objects.filter(
        action="amorce.investigation.outcome"
    ).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "", "on": "2026-01-05"}, "Choisissez l'issue"),
        ({"outcome": "build_service", "on": ""}, "Indiquez la date du comité final"),
        ({"outcome": "build_service", "on": "demain"}, "Écrivez une date"),
        ({"outcome": "n'importe quoi", "on": "2026-01-05"}, "Sélectionnez un choix"),
    ],
)
def test_an_incomplete_outcome_form_says_what_is_missing(
    programme_client, investigation, data, message
):
    response = programme_client.post(outcome_url(investigation), data)
    assert response.status_code == 200
    assert message in said(response)
    assert investigation.phases.count() == 1


def test_investment_committees_advance_keep_or_close_the_phase(
    programme_client, investigation
):
    start = investigation.starts_on
    day = start + dt.timedelta(weeks=9)
    programme_client.post(
        outcome_url(investigation), {"outcome": "build_service", "on": day.isoformat()}
    )
    steps = [
        ("continue", 20, "acceleration"),
        ("pivot", 40, "acceleration"),
        ("continue", 60, "consolidation"),
        ("stop", 80, "abandon"),
    ]
    for decision, days, expected in steps:
        on = day + dt.timedelta(days=days)
        response = programme_client.post(
            committee_url(investigation),
            {"decision": decision, "on": on.isoformat(), "documents": ["impact"]},
        )
        assert response.status_code == 302, said(response)
        assert investigation.current_phase.code == expected
    investigation.refresh_from_db()
    assert [p[0] for p in phases(investigation)] == [
        "investigation",
        "construction",
        "acceleration",
        "consolidation",
        "abandon",
    ]
    assert all(p[2] is not None for p in phases(investigation)[:-1])
    assert investigation.committee_events.count() == 4
    assert investigation.committee_events.first().document_tags == ["impact"]
    assert investigation.next_committee_on is None, "a closed service has no committee"
    assert (
        ModelLogEntry.objects.filter(action="amorce.investigation.committee").count()
        == 4
    )
    response = programme_client.post(
        committee_url(investigation),
        {"decision": "continue", "on": (day + dt.timedelta(days=90)).isoformat()},
    )
    assert "est close" in said(response)
    assert investigation.committee_events.count() == 4


def test_a_committee_dated_before_the_last_one_is_refused(
    programme_client, investigation
):
    day = investigation.starts_on + dt.timedelta(weeks=9)
    programme_client.post(
        outcome_url(investigation), {"outcome": "build_service", "on": day.isoformat()}
    )
    later = day + dt.timedelta(days=30)
    programme_client.post(
        committee_url(investigation), {"decision": "pivot", "on": later.isoformat()}
    )
    response = programme_client.post(
        committee_url(investigation),
        {"decision": "continue", "on": (later - dt.timedelta(days=1)).isoformat()},
    )
    assert "déjà été enregistré plus tard" in said(response)
    assert investigation.committee_events.count() == 1
    assert investigation.current_phase.code == "construction"


def test_a_committee_sent_twice_moves_the_phase_once(programme_client, investigation):
    day = investigation.starts_on + dt.timedelta(weeks=9)
    programme_client.post(
        outcome_url(investigation), {"outcome": "build_service", "on": day.isoformat()}
    )
    on = (day + dt.timedelta(days=30)).isoformat()
    first = programme_client.post(
        committee_url(investigation), {"decision": "continue", "on": on}
    )
    assert first.status_code == 302
    again = programme_client.post(  # a double click
        committee_url(investigation), {"decision": "continue", "on": on}
    )
    assert "déjà enregistré le" in said(again)
    assert investigation.committee_events.count() == 1
    assert investigation.current_phase.code == "acceleration"


def edit_form_data(client, investigation):
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


def test_the_edit_form_does_not_add_a_phase_nor_set_the_outcome_by_hand(
    programme_client, investigation
):
    url, data = edit_form_data(programme_client, investigation)
    total = int(data["phases-TOTAL_FORMS"])
    data.update(
        {
            "outcome": "build_service",
            "phases-TOTAL_FORMS": str(total + 1),
            f"phases-{total}-code": "construction",
            f"phases-{total}-starts_on": TODAY().isoformat(),
            f"phases-{total}-ends_on": "",
            f"phases-{total}-ORDER": str(total + 1),
            f"phases-{total}-id": "",
        }
    )
    response = programme_client.post(url, data)
    assert response.status_code == 200
    text = said(response)
    assert "Enregistrer la décision du comité final" in text
    assert "s'ajoute en enregistrant une décision" in text
    investigation.refresh_from_db()
    assert investigation.outcome == ""
    assert investigation.phases.count() == 1


def test_the_edit_form_still_corrects_a_recorded_phases_date(
    programme_client, investigation
):
    url, data = edit_form_data(programme_client, investigation)
    corrected = investigation.starts_on + dt.timedelta(days=2)
    data["phases-0-starts_on"] = corrected.isoformat()
    response = programme_client.post(url, data)
    assert response.status_code == 302, said(response)[:3000]
    assert investigation.phases.get().starts_on == corrected


def test_a_phase_that_starts_later_has_no_negative_days(programme_client, call):
    start = TODAY() + dt.timedelta(days=20)
    investigation = Investigation.objects.create(
        call=call, title="Plus tard", problem_statement="P", starts_on=start
    )
    Phase.objects.create(
        investigation=investigation, code="investigation", starts_on=start
    )
    assert investigation.days_in_phase() is None
    html = programme_client.get(
        "/admin/investigations/tableau-de-bord/"
    ).content.decode()
    row = html.split(">Plus tard</a>", 1)[1].split("</tr>", 1)[0]
    assert "commence le" in row and "-20" not in row
    assert "en retard" not in row


def test_the_dashboard_shows_the_committee_as_planned_and_moved(
    programme_client, investigation
):
    """After the outcome, the next committee is the planned one, which the team may move."""
    day = investigation.starts_on + dt.timedelta(weeks=9)
    programme_client.post(
        outcome_url(investigation), {"outcome": "build_service", "on": day.isoformat()}
    )
    moved = day + dt.timedelta(days=100)
    Investigation.objects.filter(pk=investigation.pk).update(next_committee_on=moved)
    investigation.refresh_from_db()
    assert investigation.next_committee_due() == moved
    html = programme_client.get(
        "/admin/investigations/tableau-de-bord/"
    ).content.decode()
    summary = html.split("Prochain comité dû :</strong>", 1)[1].split("</p>", 1)[0]
    assert date_format(moved, "j F Y") in summary


@pytest.mark.parametrize("group", ["Jury", "Communication"])
def test_jury_and_communication_record_no_decision(client, investigation, group):
    client.force_login(member_of(group, "someone"))
    on = TODAY().isoformat()
    for url, data in [
        (outcome_url(investigation), {"outcome": "build_service", "on": on}),
        (committee_url(investigation), {"decision": "stop", "on": on}),
    ]:
        response = client.post(url, data)
        assert response.status_code in (302, 403, 404), url
    investigation.refresh_from_db()
    assert investigation.outcome == "" and investigation.phases.count() == 1


def test_another_sites_team_does_not_reach_the_decision_forms(client, investigation):
    add_second_incubator()
    client.force_login(member_of("Équipe programme — Fabrique de la Mer", "marin"))
    response = client.post(
        outcome_url(investigation),
        {"outcome": "build_service", "on": TODAY().isoformat()},
    )
    assert response.status_code == 404
    assert investigation.phases.count() == 1


def test_a_wrong_outcome_is_corrected_in_the_form_and_its_phase_follows(
    programme_client, investigation
):
    day = investigation.starts_on + dt.timedelta(weeks=9)
    programme_client.post(
        outcome_url(investigation), {"outcome": "build_service", "on": day.isoformat()}
    )
    url, data = edit_form_data(programme_client, investigation)
    data["outcome"] = "stop"
    response = programme_client.post(url, data)
    assert response.status_code == 302, said(response)[:3000]
    investigation.refresh_from_db()
    assert investigation.outcome == "stop"
    assert phases(investigation) == [
        ("investigation", investigation.starts_on, day),
        ("abandon-investigation", day, None),
    ]
    assert investigation.next_committee_on is None
    assert ModelLogEntry.objects.filter(
        action="amorce.investigation.outcome_corrected"
    ).exists()


def test_an_outcome_followed_by_a_committee_is_no_longer_corrected(
    programme_client, investigation
):
    day = investigation.starts_on + dt.timedelta(weeks=9)
    programme_client.post(
        outcome_url(investigation), {"outcome": "build_service", "on": day.isoformat()}
    )
    programme_client.post(
        committee_url(investigation),
        {"decision": "pivot", "on": (day + dt.timedelta(days=10)).isoformat()},
    )
    url, data = edit_form_data(programme_client, investigation)
    data["outcome"] = "stop"
    response = programme_client.post(url, data)
    assert response.status_code == 200
    assert "ne se corrige plus ainsi" in said(response)
    investigation.refresh_from_db()
    assert investigation.outcome == "build_service"
    assert investigation.current_phase.code == "construction"


def test_a_corrected_date_cannot_put_a_phase_before_the_previous_one(
    programme_client, investigation
):
    day = investigation.starts_on + dt.timedelta(weeks=9)
    programme_client.post(
        outcome_url(investigation), {"outcome": "build_service", "on": day.isoformat()}
    )
    url, data = edit_form_data(programme_client, investigation)
    index = next(
        i
        for i in range(int(data["phases-TOTAL_FORMS"]))
        if data[f"phases-{i}-code"] == "construction"
    )
    too_early = investigation.starts_on - dt.timedelta(days=3)
    data[f"phases-{index}-starts_on"] = too_early.isoformat()
    response = programme_client.post(url, data)
    assert response.status_code == 200
    assert "elle ne peut pas commencer avant" in said(response)
    assert investigation.phases.get(code="construction").starts_on == day


def test_a_new_investigation_does_not_start_with_an_outcome(programme_client, call):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    blank = [
        "candidature",
        "contact_name",
        "contact_email",
        "coach",
        "designer",
        "referent",
        "sponsor",
        "planned_end",
        "final_committee_on",
        "next_committee_on",
        "outcome_rationale",
        "recommendations",
        "conditions_of_success",
        "means_budget",
        "means_skills",
        "learnings",
        "pitch",
    ]
    fields = dict.fromkeys(blank, "")
    data = nested_form_data(
        {
            **fields,
            "title": "Directe",
            "problem_statement": "Arrivé par courriel.",
            "call": str(call.pk),
            "starts_on": "2026-11-02",
            "outcome": "build_service",
            "members": inline_formset([]),
            "checkpoints": inline_formset([]),
            "phases": inline_formset([]),
            "committee_events": inline_formset([]),
        }
    )
    response = programme_client.post(
        "/admin/snippets/investigations/investigation/add/", data
    )
    assert response.status_code == 200
    assert "Enregistrer la décision du comité final" in said(response)
    assert not Investigation.objects.filter(title="Directe").exists()
