"""A file's name carrying what identifies the applicant (a SIRET, a phone number
written with dots) reaches a member of a blind round masked the same way
wherever he meets it: the dossier's screen, its PDF, the jury book's list of
attachments, the staff API, the download's name, the page that refuses it, the
ZIP's entries and its index (``selection.blind.blind_file_terms``)."""

import io
import json
import zipfile
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils.http import content_disposition_header
from wagtail.models import APIToken

from forms.factories import CandidatureFactory, CandidatureFormPageFactory
from forms.models import CandidatureAttachment
from selection.models import ReviewRound, RoundMember
from tests.users import member_of

from .test_pdfs import text_of
from .test_zips import pdf_of

pytestmark = pytest.mark.django_db

SIRET = "12345678900012"
SENT = "Kbis_12345678900012_tel_06.12.34.56.78.pdf"
MASKED = "Kbis_[masqué]_tel_[masqué].pdf"
LEAKS = ("12345678900012", "06.12.34.56.78", "0612345678", "Kbis_1")


@pytest.fixture
def kbis(call):
    page = CandidatureFormPageFactory(
        parent=call,
        slug="candidater",
        fields=[
            {"label": "Le problème", "field_type": "multiline"},
            {"label": "SIRET", "field_type": "siret", "required": False},
            {"label": "Téléphone", "field_type": "phone", "required": False},
            {"label": "Pièces", "field_type": "file", "required": False},
        ],
    )
    candidature = CandidatureFactory(
        page=page,
        status="eligible",
        applicant_name="Camille Martin",
        applicant_email="camille.martin@example.gouv.fr",
        administration="Commune de Villeneuve",
        service="",
        form_data={
            "le_probleme": "Des dossiers perdus.",
            "siret": SIRET,
            "telephone": "0612345678",
        },
    )
    content = pdf_of(1)
    return CandidatureAttachment.objects.create(
        candidature=candidature,
        field_name="pieces",
        file=ContentFile(content, name="kbis.pdf"),
        original_name=SENT,
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        scan_state="clean",
    )


@pytest.fixture
def blind_round(call, kbis):
    alice = member_of("Jury", "alice", "alice@jury.example.org")
    review_round = ReviewRound.objects.create(
        call=call, kind="preselection", blind=True
    )
    RoundMember.objects.create(round=review_round, user=alice)
    review_round.candidatures.add(kbis.candidature)
    review_round.alice = alice
    return review_round


def test_a_file_name_is_masked_alike_wherever_a_blind_member_meets_it(
    blind_round, kbis
):
    assert kbis.candidature.form_data["siret"] == SIRET
    client = Client()
    client.force_login(blind_round.alice)
    seen = {}

    page = client.get(f"/admin/jury/{blind_round.pk}/{kbis.candidature_id}/")
    seen["screen"] = page.content.decode()

    pdf = client.get(f"/admin/exports/dossiers/{kbis.candidature_id}/pdf/")
    seen["dossier PDF"] = text_of(pdf.content)[1].replace("\n", "")

    book = client.get(
        f"/admin/exports/tours/{blind_round.pk}/cahier-du-jury/?membre=moi&pieces=1"
    )
    seen["jury book"] = text_of(book.content)[1].replace("\n", "")

    download = client.get(reverse("forms:attachment", args=[kbis.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == content_disposition_header(True, MASKED)
    seen["download"] = unquote(download["Content-Disposition"])

    response = client.get(
        f"/admin/exports/tours/{blind_round.pk}/pieces-jointes/?membre=moi"
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert f"{kbis.candidature.reference}/{MASKED}" in archive.namelist()
    seen["zip entries"] = "\n".join(archive.namelist())
    index = archive.read("index.csv").decode("utf-8-sig")
    assert MASKED in index
    seen["zip index"] = index

    _token, plaintext = APIToken.create_token(user=blind_round.alice, name="Grist")
    api = client.get(
        f"/api/v3/staff/rounds/{blind_round.pk}/dossiers/",
        HTTP_AUTHORIZATION=f"Bearer {plaintext}",
    )
    assert api.status_code == 200
    seen["staff API"] = json.dumps(api.json(), ensure_ascii=False)

    CandidatureAttachment.objects.filter(pk=kbis.pk).update(scan_state="pending")
    refused = client.get(reverse("forms:attachment", args=[kbis.pk]))
    assert refused.status_code in (409, 423)
    seen["refusal page"] = refused.content.decode()

    for where, text in seen.items():
        assert MASKED in text, where
        assert [leak for leak in LEAKS if leak in text] == [], where
