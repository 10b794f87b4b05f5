"""PDFs read back with pypdf: what they say, how many pages, and no applicant markup."""

import io

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from forms.factories import CandidatureFactory
from selection.models import Evaluation, ReviewRound, RoundMember
from tests.users import member_of

from ..forms.helpers import answers, post_form

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script><b>gras</b><img src='http://evil.example/x.png'>"


def text_of(content):
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def round_with_dossiers(call, form_page):
    alice, bruno = member_of("Jury", "alice"), member_of("Jury", "bruno")
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    for juror in (alice, bruno):
        RoundMember.objects.create(round=review_round, user=juror)
    dossiers = [
        CandidatureFactory(
            page=form_page,
            status="eligible",
            applicant_name=f"Agent {i}",
            form_data={"le_probleme": HOSTILE if i == 0 else f"Problème {i}"},
        )
        for i in range(3)
    ]
    review_round.candidatures.add(*dossiers)
    criteria = list(call.criteria.all())
    Evaluation.objects.create(
        round=review_round,
        candidature=dossiers[0],
        member=alice,
        scores={str(c.pk): c.scale_max for c in criteria},
        comment="Avis d'Alice",
        submitted_at=timezone.now(),
    )
    Evaluation.objects.create(
        round=review_round,
        candidature=dossiers[0],
        member=bruno,
        scores={str(c.pk): c.scale_min for c in criteria},
        comment="Avis de Bruno",
        submitted_at=timezone.now(),
    )
    Evaluation.objects.create(
        round=review_round,
        candidature=dossiers[2],
        member=alice,
        conflict_of_interest=True,
        submitted_at=timezone.now(),
    )
    return review_round, dossiers, alice, bruno


def test_dossier_pdf_has_every_answer_and_no_markup(client, round_with_dossiers):
    _round, dossiers, _alice, _bruno = round_with_dossiers
    client.force_login(member_of("Équipe programme", "paula"))
    response = client.get(f"/admin/exports/dossiers/{dossiers[0].pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    _reader, text = text_of(response.content)
    assert dossiers[0].reference in text
    assert "Le problème" in text and "Public concerné" in text
    assert "<script>alert('x')</script>" in text.replace("\n", ""), (
        "hostile text is printed as text"
    )
    assert "gras" in text


def test_jury_book_has_cover_contents_ranking_every_dossier_and_page_numbers(
    client, round_with_dossiers
):
    review_round, dossiers, _alice, _bruno = round_with_dossiers
    client.force_login(member_of("Équipe programme", "paula"))
    response = client.get(f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/")
    reader, text = text_of(response.content)
    assert len(reader.pages) >= 2 + len(dossiers), (
        "cover, contents and ranking, then a page per dossier"
    )
    assert "Cahier du jury" in reader.pages[0].extract_text()
    assert "Sommaire" in text and "Classement" in text
    for dossier in dossiers:
        assert dossier.reference in text
    assert "Avis d'Alice" in text and "Avis de Bruno" in text
    assert f"Page 2 / {len(reader.pages)}" in reader.pages[1].extract_text()


def test_a_jurors_book_leaves_out_conflicts_and_other_scores(
    client, round_with_dossiers
):
    review_round, dossiers, alice, _bruno = round_with_dossiers
    client.force_login(alice)
    response = client.get(
        f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/?membre=moi"
    )
    assert response.status_code == 200
    _reader, text = text_of(response.content)
    assert dossiers[0].reference in text and dossiers[1].reference in text
    assert dossiers[2].reference not in text, "the conflicted dossier is left out"
    assert "Avis d'Alice" in text
    assert "Avis de Bruno" not in text, "other members' scores are left out"


def test_a_stranger_gets_no_book_and_no_dossier(client, round_with_dossiers):
    review_round, dossiers, _alice, _bruno = round_with_dossiers
    client.force_login(member_of("Jury", "chloe"))
    # As if they did not exist: what a missing id answers.
    assert (
        client.get(
            f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/"
        ).status_code
        == 404
    )
    assert (
        client.get(f"/admin/exports/dossiers/{dossiers[0].pk}/pdf/").status_code == 404
    )


def test_large_jury_books_are_made_in_the_background(
    client, round_with_dossiers, settings
):
    from exports.models import ExportJob

    review_round, _dossiers, _alice, _bruno = round_with_dossiers
    settings.AMORCE_PDF_SYNC_LIMIT = 1
    client.force_login(member_of("Équipe programme", "paula"))
    response = client.get(f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/")
    assert response.status_code == 302
    job = ExportJob.objects.get(kind="jury_book")
    assert job.state == "done"
    reader, _text = text_of(
        b"".join(client.get(f"/admin/exports/fichiers/{job.pk}/").streaming_content)
    )
    assert len(reader.pages) >= 5


def test_receipt_is_attached_to_the_confirmation(client, form_page):
    post_form(client, form_page, answers(le_probleme=HOSTILE))
    receipt = next(m for m in mail.outbox if m.to == ["camille.martin@example.gouv.fr"])
    name, content, mimetype = receipt.attachments[0]
    assert mimetype == "application/pdf" and name.startswith("accuse-de-reception-")
    _reader, text = text_of(content)
    assert "Accusé de réception" in text and "Camille Martin" in text


def test_a_member_downloads_the_copy_built_for_them_in_the_background(
    client, round_with_dossiers, settings
):
    from exports.models import ExportJob

    review_round, _dossiers, alice, bruno = round_with_dossiers
    settings.AMORCE_PDF_SYNC_LIMIT = 1
    client.force_login(alice)
    response = client.get(
        f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/?membre=moi"
    )
    assert response.status_code == 302
    job = ExportJob.objects.get(kind="jury_book", user=alice)
    download = client.get(f"/admin/exports/fichiers/{job.pk}/")
    assert download.status_code == 200
    _reader, text = text_of(b"".join(download.streaming_content))
    assert "Exemplaire personnel pour Alice" in text
    # Nobody else downloads it, not even another member of the round.
    client.force_login(bruno)
    assert client.get(f"/admin/exports/fichiers/{job.pk}/").status_code == 404
    # Removed from the round (kept, marked: she evaluated), Alice no longer
    # downloads it either.
    review_round.memberships.filter(user=alice).update(removed_at=timezone.now())
    client.force_login(alice)
    assert client.get(f"/admin/exports/fichiers/{job.pk}/").status_code == 404


def test_the_resource_fetcher_decodes_before_it_checks():
    from core.pdf import fonts, local_only_fetcher

    fetcher = local_only_fetcher()
    font = fonts()["regular"]
    assert fetcher.fetch(font)  # an allowed file is read
    folder = font.rsplit("/", 1)[0]
    for climbing in (
        f"{folder}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"{folder}/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "file://evil.example/etc/passwd",
        "file:///etc/passwd",
        "http://evil.example/x.png",
    ):
        with pytest.raises(ValueError, match="refused resource"):
            fetcher.fetch(climbing)
