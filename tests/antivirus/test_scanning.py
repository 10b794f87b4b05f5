"""Every file sent is scanned by a real clamd (started by the tests, with the EICAR
signatures made by sigtool): clean, it is served; infected or unscannable, it
is quarantined, refused to everyone, listed for the team and the applicant is
told; clamd silent, it waits, is retried, and nothing is lost."""

import html
import io
import json
import socket
import threading
import zipfile

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, TestCase
from django.urls import reverse
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from applicants.models import Message, MessageAttachment
from applicants.thread import post_message
from core.antivirus import ScanState
from exports.appendices import plan
from exports.imports import load_dataset
from forms.factories import CandidatureFormPageFactory
from forms.models import Candidature, CandidatureAttachment, DraftAttachment
from tests.clamd import EICAR, STREAM_MAX, Clamd, skip_unless_installed
from tests.forms.helpers import PDF, answers, post_form, upload
from tests.users import member_of

pytestmark = pytest.mark.django_db

EICAR_PDF = b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n"


def download_url(attachment):
    return reverse("forms:attachment", args=[attachment.pk])


def text(response):
    return html.unescape(response.content.decode())


def submit(page, name, content):
    response = post_form(
        Client(),
        page,
        answers(le_probleme="Un problème réel.", public_concerne=None, idee=None),
        files={"pieces_jointes": upload(name, content)},
    )
    assert response.status_code in (200, 302, 303), text(response)[:2000]
    return Candidature.objects.get()


def encrypted_docx():
    """A Word document whose parts say they are encrypted (zip flag bit 0)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>" * 20)
        archive.writestr("word/document.xml", "<w:document/>" * 20)
    data = bytearray(buffer.getvalue())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.find(signature)
        while position >= 0:
            data[position + flag_offset] |= 1
            position = data.find(signature, position + 4)
    return bytes(data)


def test_a_clean_file_is_scanned_then_served_to_the_team(
    antivirus, page, programme_client
):
    candidature = submit(page, "note.pdf", PDF)
    attachment = candidature.attachments.get()
    assert attachment.scan_state == ScanState.CLEAN
    assert attachment.scanned_at is not None
    response = programme_client.get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_eicar_is_quarantined_refused_listed_logged_and_the_applicant_told(
    antivirus, page, programme_client
):
    mail.outbox.clear()
    candidature = submit(page, "rapport.pdf", EICAR_PDF)
    attachment = candidature.attachments.get()
    assert attachment.scan_state == ScanState.INFECTED
    assert attachment.scan_detail.startswith("Amorce-Test-EICAR")

    # Never served, not even to a superuser through the normal view.
    refused = programme_client.get(download_url(attachment))
    assert refused.status_code == 409
    assert "Fichier en quarantaine" in text(refused)
    assert "EICAR" not in text(refused)
    admin = member_of("Équipe programme", "root")
    admin.is_superuser = True
    admin.save()
    superuser = Client()
    superuser.force_login(admin)
    assert superuser.get(download_url(attachment)).status_code == 409

    # Listed for the team, and shown « en quarantaine » in the dossier.
    listing = text(programme_client.get("/admin/quarantaine/"))
    assert "rapport.pdf" in listing and candidature.reference in listing
    assert "virus détecté" in listing
    dossier = text(
        programme_client.get(f"/admin/candidatures/inspect/{candidature.pk}/")
    )
    assert "en quarantaine" in dossier
    assert download_url(attachment) not in dossier

    # In Wagtail's history of the candidature.
    entry = ModelLogEntry.objects.get(action="amorce.antivirus.quarantined")
    assert entry.object_id == str(candidature.pk)
    assert entry.data["name"] == "rapport.pdf"

    # The applicant is told, in plain French.
    [told] = [m for m in mail.outbox if "n'a pas été accepté" in m.subject]
    assert told.to == [candidature.applicant_email]
    assert "rapport.pdf" in told.body and "virus" in told.body

    # The jury book binds no quarantined file.
    [item] = plan(candidature.answers())
    assert "pages" not in item and "quarantaine" in item["skipped"]


def test_the_applicant_sees_the_french_notice_in_their_space(antivirus, page):
    from applicants.links import issue_link

    candidature = submit(page, "rapport.pdf", EICAR_PDF)
    browser = Client()
    token = issue_link(email=candidature.applicant_email, candidature=candidature)
    opened = browser.post(f"/espace-candidat/lien/{token}/")
    assert opened.status_code == 303
    dossier = text(browser.get(opened["Location"]))
    assert "Le fichier « rapport.pdf » n'a pas été accepté." in dossier
    assert "Notre antivirus y a détecté un virus" in dossier
    attachment = candidature.attachments.get()
    assert (
        browser.get(
            reverse(
                "applicants:attachment", args=[candidature.reference, attachment.pk]
            )
        ).status_code
        == 409
    )


def test_the_api_path_is_scanned(antivirus, page, client):
    payload = {
        **answers(le_probleme="Par l'API.", public_concerne=None, idee=None),
        "pieces_jointes": upload("api.txt", EICAR),
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/api/v3/forms/{page.pk}/submissions/", payload)
    assert response.status_code == 201, response.content
    attachment = CandidatureAttachment.objects.get()
    assert attachment.scan_state == ScanState.INFECTED


def test_a_draft_file_refused_by_the_antivirus_is_not_kept(antivirus, page):
    from forms.builder import issue_token

    browser = Client()
    token = issue_token(page)
    data = answers(le_probleme="Brouillon.", public_concerne=None, idee=None)
    data["jeton"] = token
    data["pieces_jointes"] = upload("brouillon.txt", EICAR)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        browser.post(f"{page.url}?amorce_action=brouillon", data)
    draft_file = DraftAttachment.objects.get()
    assert draft_file.scan_state == ScanState.INFECTED
    assert any("n'a pas été accepté" in m.subject for m in mail.outbox)

    # The draft taken up again says so beside the question, and does not keep it.
    again = text(browser.get(f"{page.url}?brouillon={draft_file.draft_id}"))
    assert "« brouillon.txt » a été refusé par l'antivirus" in again
    data.pop("pieces_jointes")
    with TestCase.captureOnCommitCallbacks(execute=True):
        browser.post(page.url, data)
    candidature = Candidature.objects.get()
    assert not candidature.attachments.exists()


def test_a_message_file_is_scanned_and_the_team_thread_says_so(
    antivirus, page, programme_client
):
    candidature = submit(page, "note.pdf", PDF)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        post_message(
            candidature,
            author=Message.Author.APPLICANT,
            body="Voici le document.",
            files=[upload("piece.pdf", EICAR_PDF)],
        )
    attachment = MessageAttachment.objects.get()
    assert attachment.scan_state == ScanState.INFECTED
    thread = text(programme_client.get(f"/admin/candidatures/{candidature.pk}/fil/"))
    assert "piece.pdf" in thread and "en quarantaine" in thread
    assert (
        programme_client.get(
            f"/admin/candidatures/messages/fichiers/{attachment.pk}/"
        ).status_code
        == 409
    )
    assert "piece.pdf" in text(programme_client.get("/admin/quarantaine/"))
    assert any("n'a pas été accepté" in m.subject for m in mail.outbox)


def test_a_file_clamd_cannot_open_is_quarantined_as_unscannable(
    antivirus, page, programme_client
):
    candidature = submit(page, "chiffre.docx", encrypted_docx())
    attachment = candidature.attachments.get()
    assert attachment.scan_state == ScanState.UNSCANNABLE
    assert attachment.scan_detail.startswith("Heuristics.Encrypted")
    assert programme_client.get(download_url(attachment)).status_code == 409
    assert "impossible à analyser" in text(programme_client.get("/admin/quarantaine/"))


def test_a_file_past_clamds_stream_limit_is_never_clean(antivirus, page):
    """clamd stops reading past its StreamMaxLength: the file is unscannable, not clean."""
    big = b"Une ligne de texte.\n" * (STREAM_MAX // 20 + 5000)
    candidature = submit(page, "gros.txt", big)
    attachment = candidature.attachments.get()
    assert attachment.scan_state == ScanState.UNSCANNABLE
    assert "StreamMaxLength" in attachment.scan_detail


def test_a_file_past_the_configured_limit_is_refused_at_upload(
    antivirus, settings, page
):
    settings.AMORCE_CLAMD_STREAM_MAX_LENGTH = 10
    response = post_form(
        Client(),
        page,
        answers(le_probleme="Un problème réel.", public_concerne=None, idee=None),
        files={"pieces_jointes": upload("note.pdf", PDF)},
    )
    assert "la plus grande taille que l'antivirus peut analyser" in text(response)
    assert not Candidature.objects.exists()


def test_a_file_past_the_default_stream_limit_is_refused_beside_its_field(
    antivirus, settings, call, client
):
    """A question takes up to 50 Mo, clamd 25 Mo by default: 30 Mo is refused
    at once, in the form and through the API, never left to end unscannable."""
    from amorce.settings import base

    settings.AMORCE_CLAMD_STREAM_MAX_LENGTH = base.AMORCE_CLAMD_STREAM_MAX_LENGTH
    assert settings.AMORCE_CLAMD_STREAM_MAX_LENGTH == 25 * 1024 * 1024
    big_page = CandidatureFormPageFactory(
        parent=call,
        slug="gros-fichiers",
        fields=[
            {"label": "Le problème", "field_type": "multiline", "max_length": 500},
            {
                "label": "Pièces jointes",
                "field_type": "file",
                "required": True,
                "max_file_size_mb": 50,
                "allowed_file_types": "txt",
            },
        ],
    )
    big = b"Une ligne de texte.\n" * (30 * 1024 * 1024 // 20)
    data = answers(le_probleme="Un gros fichier.", public_concerne=None, idee=None)
    response = post_form(
        Client(), big_page, data, files={"pieces_jointes": upload("gros.txt", big)}
    )
    message = (
        "« gros.txt » dépasse 25 Mo, la plus grande taille que l'antivirus "
        "peut analyser"
    )
    assert message in text(response)
    with TestCase.captureOnCommitCallbacks(execute=True):
        refused = client.post(
            f"/api/v3/forms/{big_page.pk}/submissions/",
            {**data, "pieces_jointes": upload("gros.txt", big)},
        )
    assert refused.status_code == 422
    assert message in json.dumps(refused.json(), ensure_ascii=False)
    assert not Candidature.objects.exists()
    assert not CandidatureAttachment.objects.exists()


def test_clamd_down_the_file_waits_is_retried_then_scanned_when_it_comes_back(
    antivirus, settings, page, programme_client, tmp_path
):
    skip_unless_installed()
    later = Clamd(tmp_path / "later")
    settings.AMORCE_CLAMD = later.address  # nothing listens there yet
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    response = post_form(
        Client(),
        page,
        answers(le_probleme="Clamd arrêté.", public_concerne=None, idee=None),
        files={"pieces_jointes": upload("attente.pdf", PDF)},
    )
    assert response.status_code in (200, 302, 303)
    candidature = Candidature.objects.get()
    attachment = candidature.attachments.get()
    assert attachment.scan_state == ScanState.PENDING

    # The queued scan runs (as a worker would): clamd silent, a retry is queued later.
    first = DBTaskResult.objects.get(task_path="core.antivirus.scan_file")
    from core.antivirus import scan_file

    scan_file.call(*first.args_kwargs["args"])
    attachment.refresh_from_db()
    assert attachment.scan_state == ScanState.PENDING
    assert attachment.scan_attempts == 1
    retry = DBTaskResult.objects.filter(task_path="core.antivirus.scan_file").exclude(
        pk=first.pk
    )
    assert retry.get().run_after is not None

    # Meanwhile: « analyse en cours », not downloadable, the team told.
    refused = programme_client.get(download_url(attachment))
    assert refused.status_code == 423
    assert "Analyse antivirus en cours" in text(refused)
    dossier = text(
        programme_client.get(f"/admin/candidatures/inspect/{candidature.pk}/")
    )
    assert "analyse en cours" in dossier
    dashboard = text(programme_client.get("/admin/"))
    assert "Antivirus : injoignable" in dashboard
    with pytest.raises(CommandError):
        call_command("scan_pending")

    # clamd comes back: scan_pending scans what waited.
    later.start()
    try:
        from django.core.cache import cache

        cache.delete("amorce:antivirus:health")
        out = io.StringIO()
        call_command("scan_pending", stdout=out)
        assert "analysé, sain : 1" in out.getvalue()
    finally:
        later.stop()
    attachment.refresh_from_db()
    assert attachment.scan_state == ScanState.CLEAN
    assert programme_client.get(download_url(attachment)).status_code == 200


def test_a_scan_that_times_out_leaves_the_file_pending(antivirus, settings, page):
    """A clamd that takes the connection and never answers: the file waits."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    accepted = []

    def hold():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)

    threading.Thread(target=hold, daemon=True).start()
    host, port = listener.getsockname()
    settings.AMORCE_CLAMD = f"tcp://{host}:{port}"
    settings.AMORCE_CLAMD_TIMEOUT = 0.5
    try:
        candidature = submit(page, "lent.pdf", PDF)
    finally:
        listener.close()
        for connection in accepted:
            connection.close()
    attachment = candidature.attachments.get()
    assert attachment.scan_state == ScanState.PENDING
    assert attachment.scan_attempts == 1


def test_scanning_off_files_are_marked_not_scanned_and_served(
    settings, page, programme_client
):
    settings.AMORCE_ANTIVIRUS = False
    candidature = submit(page, "note.pdf", PDF)
    attachment = candidature.attachments.get()
    assert attachment.scan_state == ScanState.OFF
    assert programme_client.get(download_url(attachment)).status_code == 200
    assert "Antivirus : désactivé" in text(programme_client.get("/admin/quarantaine/"))
    with pytest.raises(CommandError):
        call_command("scan_pending")


def test_files_never_scanned_are_scanned_on_request(antivirus, settings, page):
    settings.AMORCE_ANTIVIRUS = False
    candidature = submit(page, "ancien.txt", EICAR)
    attachment = candidature.attachments.get()
    assert attachment.scan_state == ScanState.OFF
    CandidatureAttachment.objects.filter(pk=attachment.pk).update(
        scan_state=ScanState.LEGACY
    )
    settings.AMORCE_ANTIVIRUS = True
    call_command("scan_pending", unscanned=True, stdout=io.StringIO())
    attachment.refresh_from_db()
    assert attachment.scan_state == ScanState.INFECTED


def test_the_admin_shows_the_antivirus_state_and_version(antivirus, programme_client):
    page = text(programme_client.get("/admin/quarantaine/"))
    assert "Antivirus : actif." in page
    assert "ClamAV" in page


def test_an_import_is_scanned_before_it_is_read(antivirus):
    with pytest.raises(ValueError, match="virus"):
        load_dataset(upload("decisions.csv", EICAR))
    dataset = load_dataset(
        upload("decisions.csv", b"reference;statut\nAMO-1;eligible\n")
    )
    assert dataset.headers == ["reference", "statut"]


def test_an_import_waits_for_a_silent_clamd(antivirus, settings, tmp_path):
    settings.AMORCE_CLAMD = f"unix://{tmp_path}/nobody.sock"
    with pytest.raises(ValueError, match="ne répond pas"):
        load_dataset(upload("decisions.csv", b"reference;statut\n"))


def test_a_draft_file_still_waiting_is_scanned_once_the_draft_is_sent(
    antivirus, settings, page, tmp_path
):
    from forms.builder import issue_token

    real_clamd = settings.AMORCE_CLAMD
    settings.AMORCE_CLAMD = f"unix://{tmp_path}/nobody.sock"  # clamd silent
    browser = Client()
    data = answers(le_probleme="Brouillon.", public_concerne=None, idee=None)
    data["jeton"] = issue_token(page)
    with TestCase.captureOnCommitCallbacks(execute=True):
        browser.post(
            f"{page.url}?amorce_action=brouillon",
            {**data, "pieces_jointes": upload("plan.pdf", PDF)},
        )
    assert DraftAttachment.objects.get().scan_state == ScanState.PENDING

    settings.AMORCE_CLAMD = real_clamd  # clamd back when the draft is sent
    with TestCase.captureOnCommitCallbacks(execute=True):
        browser.post(page.url, data)
    attachment = Candidature.objects.get().attachments.get()
    assert attachment.original_name == "plan.pdf"
    assert attachment.scan_state == ScanState.CLEAN


def test_the_dossier_pdf_and_the_zip_leave_a_quarantined_file_out(antivirus, page):
    from exports.pdf import render_candidature_pdf
    from exports.zips import Dossier

    candidature = submit(page, "rapport.pdf", EICAR_PDF)
    reader = PdfReader(io.BytesIO(render_candidature_pdf(candidature)))
    shown = " ".join(page.extract_text() for page in reader.pages)
    assert "rapport.pdf" in shown and "en quarantaine, non joint" in shown
    assert Dossier(candidature).files() == []


def test_a_file_waiting_when_scanning_is_switched_off_is_marked_not_scanned(
    antivirus, settings, page, tmp_path
):
    from core.antivirus import scan_file

    settings.AMORCE_CLAMD = f"unix://{tmp_path}/nobody.sock"
    attachment = submit(page, "note.pdf", PDF).attachments.get()
    assert attachment.scan_state == ScanState.PENDING
    settings.AMORCE_ANTIVIRUS = False
    scan_file.call(attachment._meta.label, str(attachment.pk))
    attachment.refresh_from_db()
    assert attachment.scan_state == ScanState.OFF
