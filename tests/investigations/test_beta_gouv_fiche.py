"""The beta.gouv.fr fiche: it passes beta.gouv.fr's own check and looks like real fiches."""

import datetime as dt

import pytest
import yaml
from django.contrib.messages import get_messages

from cms_pages.models import SiteIdentity
from forms.factories import CandidatureFactory
from investigations.beta_gouv import FicheRefused, beta_gouv_fiche
from investigations.models import Organisation
from investigations.services import (
    open_from_candidature,
    record_committee,
    record_outcome,
)

from .beta_gouv_check import (
    FIXTURES,
    check_fiche,
    check_front_matter,
    check_new_fiche,
    check_site_rules,
    ids,
    split,
)

pytestmark = pytest.mark.django_db

REAL_FICHES = sorted(FIXTURES.glob("*.yml"))


def shape(value, path=""):
    """Every path of a front matter with the type found there: « phases[].start: date »."""
    if isinstance(value, dict):
        return {item for key, v in value.items() for item in shape(v, f"{path}.{key}")}
    if isinstance(value, list):
        return {f"{path}: list"} | {
            item for v in value for item in shape(v, f"{path}[]")
        }
    kind = "date" if isinstance(value, dt.date) else type(value).__name__
    return {f"{path}: {kind}"}


@pytest.fixture
def investigation(form_page):
    laureate = CandidatureFactory(
        page=form_page,
        status="selected",
        applicant_name="Camille Martin",
        administration="Préfecture de l'Exemple",
        form_data={"le_probleme": "Les usagers attendent trois mois un rendez-vous."},
    )
    investigation = open_from_candidature(laureate)[0]
    investigation.pitch = "Des rendez-vous en préfecture en moins d'une semaine"
    investigation.save()
    return investigation


@pytest.fixture
def filled(investigation):
    """The settings filled: the administration's and the incubator's ids."""
    investigation.organisations.update(beta_gouv_id="interieur")
    identity = SiteIdentity.for_site(investigation.site)
    identity.beta_gouv_incubator_id = "dinum"
    identity.save()
    return investigation


def decided(investigation):
    """Final committee (build a service), then a committee continuing, then stopping."""
    start = investigation.starts_on
    record_outcome(investigation, "build_service", on=start + dt.timedelta(days=70))
    record_committee(
        investigation,
        "continue",
        on=start + dt.timedelta(days=250),
        comment="Impact prometteur",
        documents="user_research, impact, inconnu",
    )
    record_committee(investigation, "stop", on=start + dt.timedelta(days=430))
    return investigation


@pytest.mark.parametrize("path", REAL_FICHES, ids=lambda p: p.stem)
def test_the_python_check_accepts_the_real_fiches(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert check_front_matter(data) == []
    assert check_site_rules(data) == []


def test_the_python_check_refuses_what_the_real_one_refuses():
    data = yaml.safe_load(REAL_FICHES[0].read_text(encoding="utf-8"))
    quoted = {**data, "phases": [{"name": "investigation", "start": "2025-02-13"}]}
    assert any("phases/0/start" in e for e in check_front_matter(quoted))
    named = {**data, "sponsors": ["Préfecture de l'Exemple"]}
    assert any("sponsors/0" in e for e in check_front_matter(named))
    assert check_front_matter({k: v for k, v in data.items() if k != "phases"})
    twice = {
        **data,
        "phases": [
            {"name": "investigation", "start": dt.date(2025, 1, 1)},
            {"name": "investigation", "start": dt.date(2025, 2, 1)},
        ],
    }
    assert "phases: Duplicated phases" in check_front_matter(twice)
    same_day = {
        **data,
        "phases": [
            {
                "name": "investigation",
                "start": dt.date(2025, 1, 1),
                "end": dt.date(2025, 1, 1),
            }
        ],
    }
    assert "phases: Phase.end should be after phase.start" in check_front_matter(
        same_day
    )
    assert check_site_rules({**data, "incubator": "Amorce", "contact": ""})
    assert check_site_rules({**data, "events": [{"name": "decision"}]})
    assert check_new_fiche(data, "") == ["body: under 30 characters"]


def test_an_exported_fiche_passes_the_check_and_has_the_shape_of_real_ones(
    programme_client, filled
):
    decided(filled)
    response = programme_client.get(f"/admin/investigations/{filled.pk}/beta-gouv.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert check_fiche(text) == []

    data, body = split(text)
    real = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in REAL_FICHES]
    known = set().union(*(shape(fiche) for fiche in real))
    assert shape(data) <= known, shape(data) - known
    common = set.intersection(*(set(fiche) for fiche in real))
    assert common <= set(data)

    # Dates are YAML dates, not quoted strings.
    start = filled.starts_on
    assert f"start: {start.isoformat()}\n" in text
    assert "'20" not in text and '"20' not in text
    assert "&id" not in text, "no YAML anchors"
    assert "sponsors:\n  - /organisations/interieur\n" in text, "lists indented"
    assert data["phases"] == [
        {"name": "investigation", "start": start, "end": start + dt.timedelta(70)},
        {
            "name": "construction",
            "start": start + dt.timedelta(70),
            "end": start + dt.timedelta(250),
        },
        {
            "name": "acceleration",
            "start": start + dt.timedelta(250),
            "end": start + dt.timedelta(430),
        },
        {"name": "abandon", "start": start + dt.timedelta(430)},
    ]
    assert data["sponsors"] == ["/organisations/interieur"]
    assert data["incubator"] == "dinum"
    assert data["title"] == "Les usagers attendent trois mois un rendez-vous."
    assert filled.candidature.reference not in text.split("---")[1]
    assert data["mission"] == "Des rendez-vous en préfecture en moins d'une semaine"
    assert data["contact"] == filled.contact_email
    assert {event["name"] for event in data["events"]} <= ids("events")
    # Our decisions, in the site's event names, with what it has no key for in the comment.
    assert data["events"] == [
        {
            "name": "committee",
            "date": start + dt.timedelta(70),
            "comment": "Comité final : Construction d'un service numérique.",
        },
        {
            "name": "committee",
            "date": start + dt.timedelta(250),
            "comment": "Comité d'investissement : Continuer. Impact prometteur. "
            "Documents présentés : recherche utilisateur, impact.",
        },
        {
            "name": "committee",
            "date": start + dt.timedelta(430),
            "comment": "Comité d'investissement : Arrêter.",
        },
        {
            "name": "end",
            "date": start + dt.timedelta(430),
            "comment": "Arrêt décidé en comité d'investissement.",
        },
    ]
    # A body even though no learnings are published: the problem.
    assert "Les usagers attendent trois mois un rendez-vous." in body
    assert "Enseignements" not in body


def test_a_fresh_investigation_passes_too_and_published_learnings_follow(filled):
    filled.learnings = "Le problème est réel : 40 % des demandes."
    filled.publish_learnings = True
    filled.save()
    text = beta_gouv_fiche(filled)
    assert check_fiche(text) == []
    data, body = split(text)
    assert "events" not in data
    assert [p["name"] for p in data["phases"]] == ["investigation"]
    assert "## Enseignements\n\nLe problème est réel" in body


def test_the_site_contact_stands_in_for_a_missing_one(filled):
    filled.contact_email = ""
    filled.save()
    identity = SiteIdentity.for_site(filled.site)
    identity.contact_email = "incubateur@example.gouv.fr"
    identity.save()
    data, _body = split(beta_gouv_fiche(filled))
    assert data["contact"] == "incubateur@example.gouv.fr"


def test_missing_ids_refuse_the_export_saying_what_to_fill(
    programme_client, investigation
):
    url = f"/admin/investigations/{investigation.pk}/beta-gouv.md"
    response = programme_client.get(url)
    assert response.status_code == 302
    assert response["Location"].endswith(
        f"/admin/snippets/investigations/investigation/inspect/{investigation.pk}/"
    )
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "La fiche beta.gouv.fr n'est pas exportée" in message
    assert (
        "L'administration « Préfecture de l'Exemple » n'a pas d'identifiant "
        "beta.gouv.fr" in message
    )
    assert "n'a pas d'identifiant d'incubateur beta.gouv.fr" in message
    assert "Identité du site" in message


def test_each_missing_piece_is_named(investigation):
    other = Organisation.objects.create(
        site=investigation.site, name="Région Exemple", beta_gouv_id="anct"
    )
    investigation.organisations.add(other)
    investigation.pitch = ""
    investigation.contact_email = ""
    investigation.save()
    with pytest.raises(FicheRefused) as refused:
        beta_gouv_fiche(investigation)
    problems = "\n".join(refused.value.problems)
    assert "Préfecture de l'Exemple" in problems
    assert "Région Exemple" not in problems
    assert "en une phrase" in problems
    assert "Aucune adresse de contact" in problems


def test_a_phase_ending_the_day_it_starts_is_refused(filled):
    phase = filled.phases.get()
    phase.ends_on = phase.starts_on
    phase.save()
    with pytest.raises(FicheRefused) as refused:
        beta_gouv_fiche(filled)
    assert "finit le jour où elle commence" in refused.value.problems[0]


def test_the_ids_are_settings_the_team_edits(programme_client, investigation):
    organisation = investigation.organisations.get()
    url = f"/admin/snippets/investigations/organisation/edit/{organisation.pk}/"
    html = programme_client.get(url).content.decode()
    assert 'name="beta_gouv_id"' in html
    assert "content/_organisations" in html
    response = programme_client.post(
        url,
        {
            "name": organisation.name,
            "kind": organisation.kind,
            "beta_gouv_id": "pas un id",
            "site": organisation.site_id,
        },
    )
    assert response.status_code == 200
    organisation.refresh_from_db()
    assert organisation.beta_gouv_id == ""
    field = SiteIdentity._meta.get_field("beta_gouv_incubator_id")
    assert "content/_incubators" in str(field.help_text)


def test_the_administrations_list_shows_their_ids(programme_client, filled):
    html = programme_client.get("/admin/snippets/investigations/organisation/")
    assert "interieur" in html.content.decode()
