"""Likely duplicates: the programme team sees them on the list and the dossier.

Two candidatures to the same call are flagged when they share the address
(case and spaces aside) or the name and the administration (case, accents,
punctuation and spaces aside). Anonymised ones are nobody's duplicate; withdrawn
and cancelled ones still count. Nothing blocks a submission.
"""

import importlib

import pytest
from bs4 import BeautifulSoup
from django.apps import apps

from cms_pages.factories import CallPageFactory
from forms.factories import CandidatureFactory, CandidatureFormPageFactory
from forms.models import Candidature
from forms.models.candidatures import email_key, identity_key
from privacy.services import anonymise

from .helpers import answers, post_form

pytestmark = pytest.mark.django_db

LIST = "/admin/candidatures/"


def add(form_page, name, email, administration, **kwargs):
    return CandidatureFactory(
        page=form_page,
        applicant_name=name,
        applicant_email=email,
        administration=administration,
        **kwargs,
    )


@pytest.fixture
def other_form(programme):
    call = CallPageFactory(parent=programme, slug="autre-appel", title="Autre appel")
    return CandidatureFormPageFactory(parent=call, slug="candidater")


@pytest.fixture
def people(form_page, other_form):
    """Camille three times in the call (written three ways), once in another call;
    Dominique once, alone."""
    return {
        "first": add(
            form_page,
            "Camille Martin",
            "camille.martin@example.gouv.fr",
            "Préfecture de l'Exemple",
        ),
        "same_name": add(
            form_page,
            "  CAMILLE   martin ",
            "c.martin@autre.example.org",
            "prefecture de l’exemple",
        ),
        "same_email": add(
            form_page,
            "C. Martin",
            " Camille.Martin@Example.GOUV.fr ",
            "Mairie de Test",
            status="withdrawn",
        ),
        "alone": add(
            form_page, "Dominique Petit", "dominique@example.org", "Préfecture"
        ),
        "other_call": add(
            other_form,
            "Camille Martin",
            "camille.martin@example.gouv.fr",
            "Préfecture de l'Exemple",
        ),
    }


def rows_by_reference(html):
    soup = BeautifulSoup(html, "html.parser")
    return {
        row.select_one("td").get_text(strip=True): row
        for row in soup.select("table.listing tbody tr")
    }


def marker(row):
    cell = row.select_one("td.amorce-duplicate")
    return " ".join(cell.get_text(" ", strip=True).split())


def test_list_marks_likely_duplicates_and_says_why(programme_client, people):
    rows = rows_by_reference(programme_client.get(LIST).content.decode())

    assert marker(rows[people["first"].reference]) == (
        "Doublon possible même adresse électronique, même nom et même administration"
    )
    assert marker(rows[people["same_name"].reference]) == (
        "Doublon possible même nom et même administration"
    )
    # Withdrawn, still flagged, and its status is shown beside the marker.
    withdrawn = rows[people["same_email"].reference]
    assert marker(withdrawn) == "Doublon possible même adresse électronique"
    assert "Retirée" in withdrawn.get_text()
    assert marker(rows[people["alone"].reference]) == ""
    # The same person in another call is not a duplicate there.
    assert marker(rows[people["other_call"].reference]) == ""


def test_filter_narrows_the_list_to_likely_duplicates(programme_client, people):
    html = programme_client.get(LIST, {"duplicates": "yes"}).content.decode()
    assert set(rows_by_reference(html)) == {
        people[key].reference for key in ("first", "same_name", "same_email")
    }
    assert "Doublons possibles" in html

    everyone = rows_by_reference(programme_client.get(LIST).content.decode())
    assert len(everyone) == 5
    # Filters combine: a likely duplicate by status.
    withdrawn = programme_client.get(
        LIST, {"duplicates": "yes", "status": "withdrawn"}
    ).content.decode()
    assert set(rows_by_reference(withdrawn)) == {people["same_email"].reference}


def test_cancelled_still_counts_anonymised_does_not(programme_client, form_page):
    kept = add(form_page, "Éloïse Roux", "eloise@example.org", "DINUM")
    cancelled = add(
        form_page, "Eloise ROUX", "autre@example.org", "dinum", status="cancelled"
    )
    twin = add(form_page, "Sacha Noir", "sacha@example.org", "DGFiP")
    anonymised = add(form_page, "Sacha Noir", "sacha@example.org", "DGFiP")
    anonymise(Candidature.objects.filter(pk=anonymised.pk))
    anonymised.refresh_from_db()
    assert (anonymised.email_key, anonymised.identity_key) == ("", "")

    rows = rows_by_reference(programme_client.get(LIST).content.decode())
    assert marker(rows[kept.reference]).startswith("Doublon possible")
    assert marker(rows[cancelled.reference]).startswith("Doublon possible")
    assert "Annulée" in rows[cancelled.reference].get_text()
    assert marker(rows[twin.reference]) == ""
    assert marker(rows[anonymised.reference]) == ""


def duplicates_section(client, candidature):
    response = client.get(f"/admin/candidatures/inspect/{candidature.pk}/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one(
        "section.amorce-duplicates"
    )


def test_dossier_lists_its_likely_duplicates_with_status_link_and_why(
    programme_client, people
):
    section = duplicates_section(programme_client, people["first"])
    assert section.h2.get_text(strip=True) == "Doublons possibles"
    assert "Rien n'est bloqué" in section.get_text()
    rows = {
        row.select_one("td").get_text(strip=True): [
            " ".join(td.get_text(" ", strip=True).split()) for td in row.select("td")
        ]
        for row in section.select("tbody tr")
    }
    same_name, same_email = people["same_name"], people["same_email"]
    assert set(rows) == {same_name.reference, same_email.reference}
    assert rows[same_name.reference][3] == "Reçue"
    assert rows[same_name.reference][5] == "même nom et même administration"
    assert rows[same_email.reference][3] == "Retirée"
    assert rows[same_email.reference][5] == "même adresse électronique"
    link = section.find("a", string=same_email.reference)
    assert link["href"] == f"/admin/candidatures/inspect/{same_email.pk}/"

    # Seen from the withdrawn one: only the address is shared with the first.
    section = duplicates_section(programme_client, same_email)
    assert [a.get_text() for a in section.select("tbody a")] == [
        people["first"].reference
    ]


def test_dossier_without_duplicates_says_nothing_of_them(programme_client, people):
    assert duplicates_section(programme_client, people["alone"]) is None
    assert duplicates_section(programme_client, people["other_call"]) is None


def test_a_duplicate_is_received_like_any_candidature(client, form_page):
    """Sending twice the same identity with other answers stores both."""
    first = post_form(client, form_page, answers(le_probleme="Premier problème"))
    second = post_form(client, form_page, answers(le_probleme="Un autre problème"))
    assert first.status_code == second.status_code == 200
    candidatures = list(Candidature.objects.all())
    assert len(candidatures) == 2
    assert len({c.email_key for c in candidatures}) == 1
    assert Candidature.objects.possible_duplicates().count() == 2


def test_keys_follow_the_identity_and_are_filled_for_existing_rows(form_page):
    candidature = add(form_page, "Camille Martin", "a@example.org", "DINUM")
    identity = candidature.identity_key
    candidature.applicant_email = "B@example.org"
    candidature.save(update_fields=["applicant_email"])
    candidature.refresh_from_db()
    assert candidature.email_key == email_key("b@example.org")
    assert (
        candidature.identity_key == identity == identity_key("camille martin", "Dinum")
    )

    # Rows stored before the keys existed get them from the data migration.
    Candidature.objects.update(email_key="", identity_key="")
    migration = importlib.import_module(
        "forms.migrations.0017_candidature_duplicate_keys"
    )
    migration.fill_keys(apps, None)
    candidature.refresh_from_db()
    assert candidature.email_key == email_key("b@example.org")
    assert candidature.identity_key == identity


def test_export_follows_the_duplicates_filter(programme_client, people):
    response = programme_client.get(
        "/admin/exports/candidatures/", {"format": "csv", "duplicates": "yes"}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    references = {line.split(";")[0] for line in text.splitlines()[1:]}
    assert references == {
        people[key].reference for key in ("first", "same_name", "same_email")
    }
