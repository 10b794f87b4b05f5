"""The communications team's documents and images are scanned by a real clamd like
the applicants' files: a clean document is served, an infected one is refused to
everyone (409) and listed in quarantine, one sent while clamd is silent waits
(423) and is served once scanned; documents stored before the antivirus stay
served (« antérieur à l'antivirus »)."""

import html
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client, TestCase
from PIL import Image as PillowImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, ModelLogEntry

from cms_pages.models import DocumentScan, ImageScan
from core.antivirus import ScanState
from tests.clamd import EICAR
from tests.forms.helpers import PDF, upload
from tests.users import member_of

pytestmark = pytest.mark.django_db

EICAR_PDF = b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n"
Document = get_document_model()
Image = get_image_model()


def text(response):
    return html.unescape(response.content.decode())


def png(extra=b""):
    buffer = io.BytesIO()
    PillowImage.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return buffer.getvalue() + extra


@pytest.fixture
def communication(db):
    """A member of the communications team, who uploads the site's documents."""
    browser = Client()
    browser.force_login(member_of("Communication", "camille"))
    return browser


def add_document(browser, name, content, title="Règlement de l'appel"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = browser.post(
            "/admin/documents/add/",
            {
                "title": title,
                "file": upload(name, content, "application/pdf"),
                "collection": Collection.get_first_root_node().pk,
            },
        )
    assert response.status_code == 302, text(response)[:3000]
    return Document.objects.get(title=title)


def served(document):
    """What a visitor (no session) gets at the document's public address."""
    return Client().get(document.url)


def test_a_clean_document_is_scanned_then_served(antivirus, communication):
    document = add_document(communication, "reglement.pdf", PDF)
    assert document.antivirus_scan.scan_state == ScanState.CLEAN
    response = served(document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    edit = text(communication.get(f"/admin/documents/edit/{document.pk}/"))
    assert "Analyse antivirus" in edit and "analysé, sain" in edit


def test_an_infected_document_is_refused_to_everyone_and_listed(
    antivirus, communication
):
    document = add_document(communication, "piege.pdf", EICAR_PDF)
    scan = document.antivirus_scan
    assert scan.scan_state == ScanState.INFECTED
    assert scan.scan_detail.startswith("Amorce-Test-EICAR")

    refused = served(document)
    assert refused.status_code == 409
    assert "Fichier en quarantaine" in text(refused)
    assert EICAR not in refused.content
    assert communication.get(document.url).status_code == 409

    # Listed for the communications team, who may replace it.
    listing = text(communication.get("/admin/quarantaine/"))
    assert document.filename in listing
    assert "Document du site — Règlement de l'appel" in listing
    assert f"/admin/documents/edit/{document.pk}/" in listing
    assert "1 fichier en quarantaine" in text(communication.get("/admin/"))
    edit = text(communication.get(f"/admin/documents/edit/{document.pk}/"))
    assert "virus détecté" in edit and "n'est servi à personne" in edit
    entry = ModelLogEntry.objects.get(action="amorce.antivirus.quarantined")
    assert entry.object_id == str(document.pk)

    # Replaced by a clean file: scanned again, served again.
    with TestCase.captureOnCommitCallbacks(execute=True):
        document.file.save("reglement-corrige.pdf", ContentFile(PDF))
    assert DocumentScan.objects.get(source=document).scan_state == ScanState.CLEAN
    assert served(document).status_code == 200
    assert "Règlement de l'appel" not in text(communication.get("/admin/quarantaine/"))


def test_a_document_sent_while_clamd_is_silent_waits_then_is_served(
    antivirus, settings, communication, tmp_path
):
    settings.AMORCE_CLAMD = f"unix://{tmp_path / 'absent.sock'}"
    document = add_document(communication, "calendrier.pdf", PDF)
    scan = document.antivirus_scan
    assert scan.scan_state == ScanState.PENDING
    assert scan.scan_attempts == 1

    waiting = served(document)
    assert waiting.status_code == 423
    assert waiting["Retry-After"] == "60"
    assert "Analyse antivirus en cours" in text(waiting)
    assert document.filename in text(waiting)

    settings.AMORCE_CLAMD = antivirus.address
    out = io.StringIO()
    call_command("scan_pending", stdout=out)
    assert "analysé, sain : 1" in out.getvalue()
    assert served(document).status_code == 200


def test_with_the_antivirus_off_documents_are_served_as_before(communication):
    document = add_document(communication, "reglement.pdf", EICAR_PDF)
    assert document.antivirus_scan.scan_state == ScanState.OFF
    assert served(document).status_code == 200
    edit = text(communication.get(f"/admin/documents/edit/{document.pk}/"))
    assert "Analyse antivirus" not in edit
    assert "Utilisé(e) 0 fois" in edit  # its scan is not a use of the document


def test_a_document_changed_without_a_new_file_keeps_its_verdict(
    antivirus, communication
):
    document = add_document(communication, "reglement.pdf", PDF)
    first = document.antivirus_scan
    document.title = "Règlement (version 2)"
    document.save()
    assert DocumentScan.objects.get(source=document).pk == first.pk


def test_an_infected_image_is_scanned_at_upload_and_listed(antivirus, communication):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = communication.post(
            "/admin/images/add/",
            {
                "title": "Affiche",
                "file": upload("affiche.png", png(EICAR), "image/png"),
                "collection": Collection.get_first_root_node().pk,
            },
        )
    assert response.status_code == 302, text(response)[:3000]
    image = Image.objects.get(title="Affiche")
    assert ImageScan.objects.get(source=image).scan_state == ScanState.INFECTED
    listing = text(communication.get("/admin/quarantaine/"))
    assert "Image du site — Affiche" in listing
    edit = text(communication.get(f"/admin/images/{image.pk}/"))
    assert "réencodées" in edit


def test_a_clean_image_is_scanned_clean(antivirus, communication):
    with TestCase.captureOnCommitCallbacks(execute=True):
        image = Image.objects.create(
            title="Logo", file=ContentFile(png(), name="logo.png")
        )
    assert ImageScan.objects.get(source=image).scan_state == ScanState.CLEAN


def test_the_communications_team_never_sees_an_applicants_quarantined_file(
    antivirus, communication, programme_client, form_page
):
    """Its listing and dashboard hold the site's files only; the programme team's, both."""
    from forms.factories import CandidatureFactory
    from forms.models import CandidatureAttachment

    candidature = CandidatureFactory(page=form_page, applicant_name="Camille Martin")
    CandidatureAttachment.objects.create(
        candidature=candidature,
        field_name="pieces_jointes",
        file=ContentFile(EICAR, name="cv-camille-martin.txt"),
        original_name="cv-camille-martin.txt",
        content_type="text/plain",
        size=len(EICAR),
        sha256="0" * 64,
        scan_state=ScanState.INFECTED,
    )
    document = add_document(communication, "piege.pdf", EICAR_PDF)

    listing = text(communication.get("/admin/quarantaine/"))
    assert document.filename in listing
    assert "cv-camille-martin" not in listing and candidature.reference not in listing
    assert "1 fichier en quarantaine" in text(communication.get("/admin/"))

    listing = text(programme_client.get("/admin/quarantaine/"))
    assert "cv-camille-martin" in listing and candidature.reference in listing
