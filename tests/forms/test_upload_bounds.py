"""An uploaded file is checked by reading a bounded number of its bytes, whatever it holds.

Found by review: ``zipfile`` inflated a whole ``mimetype`` member to tell an
OpenDocument, so a 0.5 Mo file named ``.pdf`` or ``.odt`` holding 500 Mio of
zeros deflated took a worker from 185 Mo to 1.2 Go, through the form and the
API alike; and it read a zip's whole central directory, however many entries
it claimed.
"""

import io
import json
import struct
import tracemalloc
import zipfile

import pytest
from bs4 import BeautifulSoup
from django.test import TestCase
from odf.opendocument import (
    OpenDocumentPresentation,
    OpenDocumentSpreadsheet,
    OpenDocumentText,
)
from openpyxl import Workbook
from PIL import Image

from forms.models import Candidature, CandidatureAttachment

from .helpers import PDF, post_form, upload

pytestmark = pytest.mark.django_db

MISMATCH = "ne correspond pas à son extension"
PEAK_LIMIT = 30 * 1024 * 1024


@pytest.fixture(scope="module")
def zip_bomb():
    """Half a megabyte that inflates to 500 Mio: zeros, deflated, named ``mimetype``."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("mimetype", "w") as member,
    ):
        zeros = bytes(1024 * 1024)
        for _megabyte in range(500):
            member.write(zeros)
    return buffer.getvalue()


def many_entries_zip(entries=60_000):
    """A small zip whose central directory lists a Word part among tens of thousands of entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for number in range(entries):
            archive.writestr(f"{number}", b"")
    return buffer.getvalue()


def peak_while(send):
    """The response, and the most memory Python held while it was made."""
    tracemalloc.start()
    try:
        response = send()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


def errors_text(response):
    return response.content.decode()


@pytest.mark.parametrize("name", ["dossier.pdf", "dossier.odt", "dossier.docx"])
def test_a_zip_bomb_is_refused_through_the_form_without_being_inflated(
    client, every_field_form, identity, zip_bomb, name
):
    assert len(zip_bomb) < 1024 * 1024
    response, peak = peak_while(
        lambda: post_form(
            client,
            every_field_form,
            identity,
            files={"pieces": upload(name, zip_bomb)},
        )
    )
    assert response.status_code == 200
    assert f"Le contenu de « {name} » {MISMATCH}" in errors_text(response)
    assert Candidature.objects.count() == 0
    assert peak < PEAK_LIMIT, f"{peak / 1024 / 1024:.0f} Mo"


def test_a_zip_bomb_is_refused_through_the_api_without_being_inflated(
    client, every_field_form, identity, zip_bomb
):
    payload = {**identity, "pieces": upload("dossier.odt", zip_bomb)}
    url = f"/api/v3/forms/{every_field_form.pk}/submissions/"
    response, peak = peak_while(lambda: client.post(url, payload))
    assert response.status_code == 422
    assert response.json()["errors"]["pieces"] == [
        f"Le contenu de « dossier.odt » {MISMATCH} : le fichier est peut-être "
        "endommagé ou déguisé."
    ]
    assert Candidature.objects.count() == 0
    assert peak < PEAK_LIMIT, f"{peak / 1024 / 1024:.0f} Mo"


def test_a_zip_listing_tens_of_thousands_of_entries_is_refused_unread(
    client, every_field_form, identity
):
    """An office document never lists that many parts: its directory is not read past a limit."""
    content = many_entries_zip()
    response, peak = peak_while(
        lambda: post_form(
            client,
            every_field_form,
            identity,
            files={"pieces": upload("rapport.docx", content)},
        )
    )
    assert f"Le contenu de « rapport.docx » {MISMATCH}" in errors_text(response)
    assert Candidature.objects.count() == 0
    assert peak < PEAK_LIMIT, f"{peak / 1024 / 1024:.0f} Mo"


@pytest.mark.parametrize(
    "tail",
    [
        # An end record whose directory lies beyond the file.
        b"PK\x05\x06" + struct.pack("<4H2LH", 0, 0, 3, 3, 10**9, 10, 0),
        # One that claims 65,535 entries and a zip64 record that is not there.
        b"PK\x05\x06" + struct.pack("<4H2LH", 0, 0, 0xFFFF, 0xFFFF, 0, 0, 0),
        # Truncated.
        b"PK\x05\x06\x00\x00",
    ],
)
def test_a_zip_with_a_lying_directory_is_refused(
    client, every_field_form, identity, tail
):
    content = b"PK\x03\x04" + bytes(100) + tail
    response = post_form(
        client,
        every_field_form,
        identity,
        files={"pieces": upload("note.odt", content)},
    )
    assert f"Le contenu de « note.odt » {MISMATCH}" in errors_text(response)
    assert Candidature.objects.count() == 0


def office_open_xml(main_part):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(main_part, "<root/>")
    return buffer.getvalue()


def xlsx():
    workbook = Workbook()
    workbook.active["A1"] = "Usagers"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def open_document(document):
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def image(kind):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, format=kind)
    return buffer.getvalue()


def odt_with_a_deflated_mimetype():
    """Not as the standard says (stored), as some tools write it: still an ODT."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


VALID_FILES = {
    "note.pdf": lambda: PDF,
    "rapport.docx": lambda: office_open_xml("word/document.xml"),
    "budget.xlsx": xlsx,
    "support.pptx": lambda: office_open_xml("ppt/presentation.xml"),
    "rapport.odt": lambda: open_document(OpenDocumentText()),
    "budget.ods": lambda: open_document(OpenDocumentSpreadsheet()),
    "support.odp": lambda: open_document(OpenDocumentPresentation()),
    "ancien.odt": odt_with_a_deflated_mimetype,
    "schema.png": lambda: image("PNG"),
    "photo.jpg": lambda: image("JPEG"),
    "photo.jpeg": lambda: image("JPEG"),
    "notes.txt": lambda: "Délai moyen : 3 mois.\n".encode(),
    "chiffres.csv": lambda: "commune;délai\nExemple;90\n".encode("cp1252"),
}


@pytest.mark.parametrize("name", VALID_FILES)
def test_each_accepted_kind_is_recognised_by_its_content(
    client, every_field_form, identity, name
):
    content = VALID_FILES[name]()
    response = post_form(
        client, every_field_form, identity, files={"pieces": upload(name, content)}
    )
    assert response.status_code == 200
    assert "porte la référence" in errors_text(response)
    attachment = CandidatureAttachment.objects.get()
    assert attachment.original_name == name
    assert attachment.size == len(content)


def test_every_kind_at_once_through_the_api(client, every_field_form, identity):
    files = [upload(name, make()) for name, make in VALID_FILES.items()][:10]
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"/api/v3/forms/{every_field_form.pk}/submissions/",
            {**identity, "pieces": files},
        )
    assert response.status_code == 201, json.dumps(response.json(), ensure_ascii=False)
    assert CandidatureAttachment.objects.count() == 10


def test_a_form_that_takes_text_files_names_its_kinds_in_french(
    client, every_field_form, identity
):
    """Was a server error: the label of « Texte brut » is translated lazily."""
    response = post_form(
        client,
        every_field_form,
        identity,
        files={"pieces": upload("programme.exe", b"MZ\x90\x00")},
    )
    assert response.status_code == 200
    assert (
        "« programme.exe » n'est pas d'un type accepté. Types acceptés : PDF, "
        "Word (.docx), OpenDocument texte (.odt), Excel (.xlsx)"
    ) in BeautifulSoup(response.content, "html.parser").get_text()
    assert "Texte brut (.txt), CSV." in response.content.decode()
    assert Candidature.objects.count() == 0
