"""The dossier's thread: the team writes and asks for a correction, the applicant
answers on the dossier page, each told by email, everything in the history."""

import datetime as dt
import html
import io
import re

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from applicants.models import CorrectionRequest, Message
from applicants.thread import post_message
from forms.choices import Status
from forms.models import Candidature
from forms.services import change_status
from tests.forms.helpers import PDF, answers, post_form, upload
from tests.users import member_of

pytestmark = pytest.mark.django_db

LINK = r"https?://\S+/espace-candidat/lien/[^/\s]+/"


def text(response):
    return html.unescape(response.content.decode())


def open_from(message):
    """Open the dossier by the link an email carries, in a new browser."""
    [url] = re.findall(LINK, message.body)
    browser = Client()
    opened = browser.post("/" + url.split("/", 3)[3])
    assert opened.status_code == 303
    return browser, opened["Location"]


@pytest.fixture
def candidature(form_page):
    post_form(Client(), form_page, answers(), files=None)
    mail.outbox.clear()
    return Candidature.objects.get()


def pdf_text(response):
    return pdf_text_of(b"".join(response) if response.streaming else response.content)


def pdf_text_of(content):
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def thread_url(candidature):
    return f"/admin/candidatures/{candidature.pk}/fil/"


def team_post(client, candidature, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(thread_url(candidature), data)


def test_team_message_reaches_the_applicant_who_answers_on_the_dossier(
    programme_client, candidature
):
    sent = team_post(
        programme_client,
        candidature,
        {
            "action": "message",
            "body": "Pouvez-vous préciser le nombre d'agents ?",
            "files": upload("modele.pdf", PDF),
        },
    )
    assert sent.status_code == 302
    [notice] = mail.outbox
    assert notice.to == [candidature.applicant_email]
    assert "Pouvez-vous préciser" in notice.body
    browser, dossier = open_from(notice)
    page = text(browser.get(dossier))
    assert "Pouvez-vous préciser le nombre d'agents ?" in page
    [file_url] = re.findall(r'href="([^"]+/messages/fichiers/[^"]+/)"', page)
    assert b"".join(browser.get(file_url).streaming_content) == PDF

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        answered = browser.post(
            f"{dossier}messages/", {"body": "Douze agents, au guichet."}
        )
    assert answered.status_code == 303
    [team_notice] = mail.outbox
    assert team_notice.to == ["programme@example.org"]
    assert "Douze agents" in team_notice.body
    assert thread_url(candidature) in team_notice.body
    team_page = text(programme_client.get(thread_url(candidature)))
    assert "Douze agents, au guichet." in team_page
    assert "nouveau" in team_page
    actions = ModelLogEntry.objects.filter(action="amorce.candidature.message")
    assert actions.count() == 2
    # An empty message is refused, in French, and nothing is sent.
    mail.outbox.clear()
    empty = browser.post(f"{dossier}messages/", {"body": ""})
    assert empty.status_code == 422
    assert "Écrivez votre message." in text(empty)
    assert Message.objects.count() == 2
    assert not mail.outbox


def test_a_correction_reopens_only_the_fields_asked_and_returns_what_changed(
    programme_client, candidature, paula
):
    change_status(candidature, Status.ELIGIBLE, user=paula)  # examining: no free edit
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    requested = team_post(
        programme_client,
        candidature,
        {
            "action": "correction",
            "complement-fields": ["le_probleme"],
            "complement-deadline": tomorrow.isoformat(),
            "complement-body": "Décrivez le problème avec des chiffres.",
        },
    )
    assert requested.status_code == 302
    correction = CorrectionRequest.objects.get()
    assert correction.fields == ["le_probleme"]
    [notice] = mail.outbox
    assert "Complément demandé" in notice.subject
    browser, dossier = open_from(notice)
    page = text(browser.get(dossier))
    assert "Complément demandé" in page
    assert "« Le problème »" in page
    assert "Modifier ma candidature" not in page

    correct_url = f"{dossier}complement/{correction.pk}/"
    form = text(browser.get(correct_url))
    assert re.search(r'name="public_concerne"[^>]*disabled', form)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = browser.post(
            correct_url,
            answers(
                le_probleme="Trois mois d'attente pour 4 000 usagers.",
                public_concerne="Agents",  # not reopened: ignored
            ),
        )
    assert done.status_code == 303
    candidature.refresh_from_db()
    assert (
        candidature.form_data["le_probleme"]
        == "Trois mois d'attente pour 4 000 usagers."
    )
    assert candidature.form_data["public_concerne"] == "Usagers"
    correction.refresh_from_db()
    assert correction.answered_at is not None
    assert [c["name"] for c in correction.changes] == ["le_probleme"]
    assert correction.version.form_data["le_probleme"].startswith("Les usagers")
    [team_notice] = mail.outbox
    assert "complété" in team_notice.body
    team_page = text(programme_client.get(thread_url(candidature)))
    assert "Les usagers attendent trois mois pour un rendez-vous." in team_page
    assert "Trois mois d'attente pour 4 000 usagers." in team_page
    # Answered: the request is closed.
    again = browser.get(correct_url)
    assert again.status_code == 303
    # The thread and what changed are in the dossier's PDF.
    pdf = pdf_text(
        programme_client.get(f"/admin/exports/dossiers/{candidature.pk}/pdf/")
    )
    assert "Décrivez le problème avec des chiffres." in pdf
    assert "Trois mois d'attente pour 4 000 usagers." in " ".join(pdf.split())
    assert "Versions précédentes" in pdf


def test_a_correction_needs_fields_and_a_date_to_come(programme_client, candidature):
    refused = team_post(
        programme_client,
        candidature,
        {
            "action": "correction",
            "complement-deadline": (
                timezone.localdate() - dt.timedelta(days=1)
            ).isoformat(),
            "complement-body": "x",
        },
    )
    assert refused.status_code == 422
    page = text(refused)
    assert "Choisissez au moins un champ." in page
    assert "Choisissez une date à venir." in page
    assert not CorrectionRequest.objects.exists()
    assert not mail.outbox


def test_only_the_programme_team_reads_the_thread(client, candidature):
    for group in ("Jury", "Communication"):
        user = member_of(group, f"u{group}")
        client.force_login(user)
        assert client.get(thread_url(candidature)).status_code in (302, 403, 404)


def test_a_refused_file_sends_no_message(programme_client, candidature):
    refused = team_post(
        programme_client,
        candidature,
        {
            "action": "message",
            "body": "Voici le modèle.",
            "files": upload("modele.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert refused.status_code == 422
    assert not Message.objects.exists()
    assert not mail.outbox


def test_the_thread_stays_out_of_a_pdf_for_others_than_the_team(candidature):
    from exports.pdf import render_candidature_pdf

    post_message(candidature, author=Message.Author.TEAM, body="Note pour le candidat.")
    team = pdf_text_of(render_candidature_pdf(candidature, with_thread=True))
    jury = pdf_text_of(render_candidature_pdf(candidature))
    assert "Note pour le candidat." in team
    assert "Note pour le candidat." not in jury


def test_no_correction_on_a_withdrawn_candidature_and_a_cancellation_is_traced(
    programme_client, candidature, paula
):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    data = {
        "action": "correction",
        "complement-fields": ["le_probleme"],
        "complement-deadline": tomorrow,
        "complement-body": "Précisez.",
    }
    assert team_post(programme_client, candidature, data).status_code == 302
    correction = CorrectionRequest.objects.get()
    cancelled = team_post(
        programme_client,
        candidature,
        {"action": "cancel", "correction": correction.pk},
    )
    assert cancelled.status_code == 302
    correction.refresh_from_db()
    assert correction.cancelled_at is not None
    assert ModelLogEntry.objects.filter(
        action="amorce.candidature.correction_cancelled"
    ).exists()
    change_status(candidature, Status.WITHDRAWN, reason="Abandon")
    assert "Demander le complément" not in text(
        programme_client.get(thread_url(candidature))
    )
    refused = team_post(programme_client, candidature, data)
    # Permission denied (Wagtail leads back to the dashboard), nothing asked.
    assert refused.status_code in (302, 403)
    assert refused.get("Location") != thread_url(candidature)
    assert CorrectionRequest.objects.count() == 1
