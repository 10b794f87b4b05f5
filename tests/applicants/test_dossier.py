"""The dossier page: what the applicant sees, edits and withdraws, by the receipt's link."""

import html
import re

import pytest
from django.core import mail
from django.test import Client, TestCase

from forms.choices import Status
from forms.models import Candidature
from forms.services import change_status
from tests.forms.helpers import PDF, answers, post_form, upload

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


def opened_dossier(form_page, **overrides):
    """Apply, then open the dossier by the receipt's link in a new browser."""
    post_form(
        Client(),
        form_page,
        answers(**overrides),
        files={"pieces_jointes": upload("budget.pdf", PDF)},
    )
    candidature = Candidature.objects.get()
    [receipt] = [m for m in mail.outbox if candidature.applicant_email in m.to]
    [url] = re.findall(r"https?://\S+/espace-candidat/lien/[^/\s]+/", receipt.body)
    browser = Client()
    opened = browser.post("/" + url.split("/", 3)[3])
    assert opened.status_code == 303
    assert opened["Location"] == f"/espace-candidat/dossiers/{candidature.reference}/"
    return browser, candidature, opened["Location"]


def test_the_receipt_link_opens_the_dossier_with_status_answers_and_files(form_page):
    browser, candidature, url = opened_dossier(form_page)
    page = text(browser.get(url))
    assert candidature.reference in page
    assert "Reçue" in page
    assert "Les usagers attendent trois mois pour un rendez-vous." in page
    assert "Modifier ma candidature" in page
    [link] = re.findall(
        r'href="(/espace-candidat/dossiers/[^"]+/fichiers/[^"]+/)"', page
    )
    download = browser.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    # Another browser, without the link, sees nothing of it.
    stranger = Client()
    refused = stranger.get(url)
    assert refused.status_code == 403
    assert "Les usagers attendent" not in text(refused)
    assert stranger.get(link).status_code == 404


def test_a_decision_shows_only_once_sent(form_page, paula):
    browser, candidature, url = opened_dossier(form_page)
    change_status(candidature, Status.ELIGIBLE, user=paula)
    change_status(candidature, Status.NOT_PRESELECTED, user=paula, reason="Hors sujet")
    page = text(browser.get(url))
    assert "En cours d'examen" in page
    assert "Non pré-sélectionnée" not in page
    assert "Hors sujet" not in page
    assert "Modifier ma candidature" not in page


def test_an_edit_keeps_the_previous_version_and_shows_in_the_history(form_page):
    browser, candidature, url = opened_dossier(form_page)
    edit = browser.get(f"{url}modifier/")
    assert edit.status_code == 200
    assert "budget.pdf" in text(edit)  # the file already joined
    data = answers(le_probleme="Six mois d'attente, en fait.")
    data.pop("identity_email")
    saved = browser.post(f"{url}modifier/", data)
    assert saved.status_code == 303
    candidature.refresh_from_db()
    assert candidature.form_data["le_probleme"] == "Six mois d'attente, en fait."
    assert candidature.revised_at is not None
    [version] = candidature.versions.all()
    assert version.form_data["le_probleme"].startswith("Les usagers attendent")
    assert version.changed_fields == ["le_probleme"]
    # The file was not replaced: still joined, once.
    assert [a.original_name for a in candidature.attachments.all()] == ["budget.pdf"]
    page = text(browser.get(url))
    assert "Candidature modifiée" in page
    assert "Six mois d'attente" in page
    assert candidature.reference == Candidature.objects.get().reference


def test_a_replaced_file_stays_with_the_previous_version(form_page):
    browser, candidature, url = opened_dossier(form_page)
    data = answers()
    data.pop("identity_email")
    data["pieces_jointes"] = upload("budget-v2.pdf", PDF + b"%v2")
    assert browser.post(f"{url}modifier/", data).status_code == 303
    current = [a.original_name for a in candidature.attachments.filter(version=None)]
    assert current == ["budget-v2.pdf"]
    [old] = candidature.attachments.exclude(version=None)
    assert old.original_name == "budget.pdf"
    assert old.file.storage.exists(old.file.name)
    assert "budget-v2.pdf" in text(browser.get(url))


def test_no_edit_once_the_team_examines_it(form_page, paula):
    browser, candidature, url = opened_dossier(form_page)
    change_status(candidature, Status.ELIGIBLE, user=paula)
    response = browser.post(f"{url}modifier/", answers(le_probleme="Trop tard"))
    assert response.status_code == 303
    candidature.refresh_from_db()
    assert candidature.form_data["le_probleme"] != "Trop tard"
    assert not candidature.versions.exists()
    assert "ne peut plus être modifiée" in text(browser.get(url))


def test_withdrawing_needs_a_reason_and_is_kept(form_page):
    browser, candidature, url = opened_dossier(form_page)
    refused = browser.post(f"{url}retirer/", {"reason": "  "})
    assert refused.status_code == 422
    assert "Indiquez pourquoi vous retirez votre candidature." in text(refused)
    candidature.refresh_from_db()
    assert candidature.status == Status.RECEIVED
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = browser.post(f"{url}retirer/", {"reason": "Projet abandonné"})
    assert done.status_code == 303
    [team_notice] = mail.outbox  # the team is told, in the dossier's thread
    assert team_notice.to == ["programme@example.org"]
    assert "Projet abandonné" in team_notice.body
    candidature.refresh_from_db()
    assert candidature.status == Status.WITHDRAWN
    change = candidature.status_changes.get()
    assert change.reason == "Projet abandonné"
    assert change.user is None
    page = text(browser.get(url))
    assert "Retirée" in page
    assert "Projet abandonné" in page
    assert "Retirer ma candidature" not in page


def test_a_dossier_opens_only_through_its_own_site(form_page):
    """Another incubator's address neither opens the dossier nor uses up its link."""
    from tests.incubators import B_HOST, add_second_incubator

    add_second_incubator()
    post_form(Client(), form_page, answers())
    candidature = Candidature.objects.get()
    [url] = re.findall(
        r"https?://\S+/espace-candidat/lien/[^/\s]+/", mail.outbox[0].body
    )
    path = "/" + url.split("/", 3)[3]
    elsewhere = Client(HTTP_HOST=B_HOST)
    assert elsewhere.post(path).status_code == 404
    dossier = f"/espace-candidat/dossiers/{candidature.reference}/"
    assert elsewhere.get(dossier).status_code == 403
    at_home = Client()
    assert at_home.post(path).status_code == 303  # not used up by the other site
    assert at_home.get(dossier).status_code == 200
    # The session opened at home does not carry the dossier to the other host.
    at_home.defaults["HTTP_HOST"] = B_HOST
    assert at_home.get(dossier).status_code == 403
