"""The public list of a call's laureates: off until the team publishes it, and never personal."""

from html import unescape

import pytest
from wagtail.models import ModelLogEntry

from forms.factories import CandidatureFactory
from investigations.models import Investigation, LaureateList
from investigations.services import open_from_candidature
from tests.incubators import B_HOST, add_second_incubator
from tests.users import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def laureates(form_page):
    opened = []
    for name, administration, pitch in [
        ("Camille Martin", "Préfecture de l'Exemple", "Un rendez-vous en une semaine."),
        ("Dominique Durand", "Ville de l'Exemple", "Des signalements qui aboutissent."),
    ]:
        candidature = CandidatureFactory(
            page=form_page,
            status="selected",
            applicant_name=name,
            applicant_email=f"{name.split()[0].lower()}@example.org",
            administration=administration,
            form_data={"le_probleme": f"Le problème que {name} décrit."},
        )
        investigation = open_from_candidature(candidature)[0]
        investigation.title = f"Projet {administration}"
        investigation.pitch = pitch
        investigation.contact_name = name
        investigation.save()
        opened.append(investigation)
    return opened


def public_url(call):
    return call.url + "laureats/"


def test_the_list_is_not_public_until_the_team_publishes_it(
    client, programme_client, call, laureates
):
    assert client.get(public_url(call)).status_code == 404
    preview = programme_client.get(f"/admin/investigations/laureats/{call.pk}/")
    assert preview.status_code == 200
    assert "Un rendez-vous en une semaine." in preview.content.decode()
    assert "Publier la liste des lauréats" in preview.content.decode()
    assert client.get(public_url(call)).status_code == 404, (
        "previewing publishes nothing"
    )


def test_published_it_shows_title_administration_and_pitch_only(
    client, programme_client, paula, call, laureates
):
    response = programme_client.post(
        f"/admin/investigations/laureats/{call.pk}/", {"published": "1"}
    )
    assert response.status_code == 302
    listing = LaureateList.objects.get(call=call)
    assert listing.published and listing.changed_by == paula
    assert ModelLogEntry.objects.filter(action="amorce.laureates.published").exists()
    html = unescape(client.get(public_url(call)).content.decode())
    for investigation in laureates:
        assert investigation.pitch in html
        assert investigation.title in html
    assert "Préfecture de l'Exemple" in html and "Ville de l'Exemple" in html
    for personal in ("Camille", "Dominique", "@example.org", "Le problème que"):
        assert personal not in html
    api = client.get(f"/api/v3/pages/{call.pk}/").json()
    assert sorted(row["pitch"] for row in api["laureates"]) == sorted(
        i.pitch for i in laureates
    )
    assert set(api["laureates"][0]) == {"title", "administration", "pitch"}
    programme_client.post(
        f"/admin/investigations/laureats/{call.pk}/", {"published": "0"}
    )
    assert client.get(public_url(call)).status_code == 404
    assert client.get(f"/api/v3/pages/{call.pk}/").json()["laureates"] is None


def test_a_title_left_as_opened_does_not_name_the_applicant(
    client, programme_client, call, form_page
):
    candidature = CandidatureFactory(
        page=form_page,
        status="selected",
        applicant_name="Camille Martin",
        applicant_email="camille.martin@example.org",
        form_data={"le_probleme": "Camille Martin attend trois mois un rendez-vous."},
    )
    investigation = open_from_candidature(candidature)[0]
    assert "Camille" in investigation.title, "the title the team did not change"
    programme_client.post(
        f"/admin/investigations/laureats/{call.pk}/", {"published": "1"}
    )
    html = unescape(client.get(public_url(call)).content.decode())
    assert "attend trois mois un rendez-vous" in html
    assert "Camille" not in html and "Martin" not in html


def test_only_laureates_are_listed(
    client, programme_client, call, laureates, form_page
):
    withdrawn = laureates[1].candidature
    withdrawn.status = "withdrawn"
    withdrawn.save()
    Investigation.objects.create(
        call=call, title="Sans candidature", problem_statement="P", pitch="Direct"
    )
    programme_client.post(
        f"/admin/investigations/laureats/{call.pk}/", {"published": "1"}
    )
    html = client.get(public_url(call)).content.decode()
    assert laureates[0].pitch in html
    assert laureates[1].pitch not in html and "Direct" not in html


def test_another_sites_team_cannot_publish_and_the_list_stays_on_its_site(
    client, call, laureates
):
    site_b, call_b = add_second_incubator()
    other_team = member_of("Équipe programme — Fabrique de la Mer", "marin")
    client.force_login(other_team)
    assert client.get(f"/admin/investigations/laureats/{call.pk}/").status_code == 404
    client.post(f"/admin/investigations/laureats/{call.pk}/", {"published": "1"})
    assert not LaureateList.objects.filter(call=call, published=True).exists()
    index = client.get("/admin/investigations/laureats/").content.decode()
    assert call.title not in index and "Appel Mer" in index
    LaureateList.objects.create(call=call, published=True)
    client.logout()
    # The call's address on the other site's host name finds no such page.
    assert client.get(public_url(call), HTTP_HOST=B_HOST).status_code == 404


@pytest.mark.parametrize("group", ["Jury", "Communication"])
def test_jury_and_communication_cannot_publish(client, call, laureates, group):
    client.force_login(member_of(group, "someone"))
    response = client.post(
        f"/admin/investigations/laureats/{call.pk}/", {"published": "1"}
    )
    assert response.status_code in (302, 403, 404)
    assert not LaureateList.objects.exists()


def test_the_list_wears_its_sites_theme_and_the_call_page_links_to_it(
    client, call, laureates
):
    """DSFR on the State's site, the neutral theme on a local authority's."""
    LaureateList.objects.create(call=call, published=True)
    html = client.get(call.url).content.decode()
    assert 'href="' + public_url(call) + '"' in html, "the call page points to it"
    assert "dsfr" in client.get(public_url(call)).content.decode()
    _site_b, call_b = add_second_incubator()
    LaureateList.objects.create(call=call_b, published=True)
    response = client.get(call_b.relative_url(_site_b) + "laureats/", HTTP_HOST=B_HOST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "amorce/css/neutral.css" in body and "dsfr.min.css" not in body


def test_an_unpublished_list_leaves_no_link_on_the_call_page(client, call, laureates):
    assert "laureats/" not in client.get(call.url).content.decode()
