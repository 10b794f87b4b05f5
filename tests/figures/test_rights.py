"""Only the programme team of a site gets its charts: not the communications team,
not the jury, not another site's team."""

import pytest

from forms.factories import CandidatureFactory, CandidatureFormPageFactory
from tests.incubators import add_second_incubator
from tests.users import member_of

URLS = [
    "/admin/chiffres/",
    "/admin/chiffres/csv/par-statut/",
    "/admin/chiffres/csv/investigations-phases/",
]


@pytest.mark.parametrize("group", ["Communication", "Jury"])
@pytest.mark.parametrize("url", URLS)
def test_the_communications_team_and_the_jury_are_refused(client, site, group, url):
    """Neither sees any number of candidatures (Wagtail answers a refusal by
    sending back to the admin's home with a message), and no menu entry."""
    client.force_login(member_of(group, "someone"))
    response = client.get(url)
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or response["Location"] == "/admin/"
    assert "/admin/chiffres/" not in client.get("/admin/").content.decode()


def test_the_programme_team_sees_the_menu_entry(programme_client, site):
    assert "/admin/chiffres/" in programme_client.get("/admin/").content.decode()


def test_another_sites_calls_and_candidatures_are_absent(client, call, form_page):
    """The team of the second site finds neither the first site's call nor its counts."""
    CandidatureFactory.create_batch(3, page=form_page)
    _site_b, call_b = add_second_incubator()
    form_b = CandidatureFormPageFactory(
        parent=call_b,
        slug="candidater",
        fields=[{"label": "Le problème", "field_type": "multiline"}],
    )
    CandidatureFactory(page=form_b)
    client.force_login(member_of("Équipe programme — Fabrique de la Mer", "prog_b"))
    html = client.get("/admin/chiffres/").content.decode()
    assert "Appel Mer" in html and call.title not in html
    # Asked for by its id, the other site's call is not served: its own is.
    html = client.get(f"/admin/chiffres/?appel={call.pk}").content.decode()
    assert "1 candidatures, par statut actuel." in html
    response = client.get(f"/admin/chiffres/csv/par-statut/?appel={call.pk}")
    assert response.content.decode("utf-8-sig").count(";3") == 0


@pytest.mark.parametrize(
    "url", ["/admin/chiffres/?tour=%C2%B2", "/admin/chiffres/csv/notes-1/?tour=%C2%B2"]
)
def test_a_round_that_is_not_a_number_is_ignored(programme_client, site, url):
    """« ?tour=² » (a digit to Python, not an id) is ignored, never a server error."""
    assert programme_client.get(url).status_code in (200, 404)
