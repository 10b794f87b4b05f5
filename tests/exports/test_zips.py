"""ZIPs of dossiers, built through the real views from real uploaded files, read back.

A folder per candidature with its PDF beside its files, an index at the root,
safe names; a member of a round gets only the dossiers they read, blind when
the round is; the communications team is refused, another site's team finds
nothing; a large archive is built in the background and stops being
downloadable once its right is lost. The archive is streamed: chunks leave
before every file is read.
"""

import csv
import io
import os
import tracemalloc
import unicodedata
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.http import StreamingHttpResponse
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from wagtail.models import ModelLogEntry, PageLogEntry

from exports import zips
from exports.models import ExportJob
from forms.models import Candidature, CandidatureAttachment
from selection.models import Assignment, Evaluation, ReviewRound, RoundMember
from tests.incubators import add_second_incubator
from tests.users import member_of

from ..forms.helpers import PDF as BROKEN_PDF
from ..forms.helpers import PNG, answers, post_form, upload

pytestmark = pytest.mark.django_db


def pdf_of(pages):
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=200, height=200)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


PEOPLE = [
    ("Camille Martin", "camille.martin@example.gouv.fr"),
    ("Dominique Durand", "dominique.durand@example.gouv.fr"),
    ("Élise Petit", "elise.petit@example.gouv.fr"),
]


@pytest.fixture
def dossiers(client, form_page):
    """Three candidatures sent through the form, with real files."""
    files = [
        [upload("CV_Camille_Martin.pdf", pdf_of(2)), upload("schéma.png", PNG)],
        [upload("note.pdf", pdf_of(1)), upload("note.pdf", pdf_of(3))],
        [upload("annexe.pdf", BROKEN_PDF), upload("chiffre.pdf", encrypted_pdf())],
    ]
    for (name, email), sent in zip(PEOPLE, files, strict=True):
        response = post_form(
            client,
            form_page,
            answers(
                identity_name=name,
                identity_email=email,
                le_probleme=f"Le problème que voit {name}.",
            ),
            files={"pieces_jointes": sent},
        )
        assert response.status_code in (200, 302, 303), response.content[:500]
    found = list(Candidature.objects.order_by("reference"))
    assert [c.applicant_name for c in found] == [p[0] for p in PEOPLE]
    assert CandidatureAttachment.objects.count() == 6
    return found


@pytest.fixture
def review_round(call, dossiers):
    alice, bruno = member_of("Jury", "alice"), member_of("Jury", "bruno")
    review_round = ReviewRound.objects.create(
        call=call, kind="preselection", assignment="per_dossier"
    )
    for juror in (alice, bruno):
        RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(*dossiers)
    Assignment.objects.create(round=review_round, candidature=dossiers[0], member=alice)
    Assignment.objects.create(round=review_round, candidature=dossiers[2], member=alice)
    Assignment.objects.create(round=review_round, candidature=dossiers[1], member=bruno)
    review_round.alice, review_round.bruno = alice, bruno
    return review_round


def read_zip(response):
    assert response.status_code == 200, response
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return archive


def index_of(archive):
    text = archive.read("index.csv").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_teams_zip_of_a_call_has_a_folder_per_dossier_its_pdf_and_its_files(
    programme_client, call, dossiers
):
    response = programme_client.get(f"/admin/exports/pieces-jointes/?call={call.pk}")
    assert "pieces-jointes-appel-de-test" in response["Content-Disposition"]
    archive = read_zip(response)
    first, second, third = (c.reference for c in dossiers)
    assert sorted(archive.namelist()) == sorted(
        [
            "index.csv",
            f"{first}/dossier-{first}.pdf",
            f"{first}/CV_Camille_Martin.pdf",
            f"{first}/schéma.png",
            f"{second}/dossier-{second}.pdf",
            f"{second}/note.pdf",
            f"{second}/note-2.pdf",  # the same name twice in a folder
            f"{third}/dossier-{third}.pdf",
            f"{third}/annexe.pdf",
            f"{third}/chiffre.pdf",
        ]
    )
    # The files come back as they were sent.
    assert archive.read(f"{first}/schéma.png") == PNG
    assert (
        len(PdfReader(io.BytesIO(archive.read(f"{first}/CV_Camille_Martin.pdf"))).pages)
        == 2
    )
    # The dossier's PDF is the team's: identity included.
    dossier = PdfReader(io.BytesIO(archive.read(f"{first}/dossier-{first}.pdf")))
    text = "\n".join(page.extract_text() for page in dossier.pages)
    assert first in text and "Camille Martin" in text
    rows = index_of(archive)
    assert rows[0] == [
        "Référence",
        "Statut",
        "Candidat ou candidate",
        "Administration",
        "Dossier",
        "Fichiers",
        "Fichiers absents du stockage",
        "Fichiers non joints (antivirus)",
    ]
    assert rows[1][0] == first and rows[1][2] == "Camille Martin"
    assert rows[2][5] == f"dossier-{second}.pdf | note.pdf | note-2.pdf"
    # Who took whose files stays in the call's history.
    entry = PageLogEntry.objects.get(action=zips.ACTION_DOWNLOADED)
    assert entry.page_id == call.pk and entry.data["dossiers"] == 3


def test_the_call_zip_follows_the_lists_filters(programme_client, call, dossiers):
    Candidature.objects.filter(pk=dossiers[1].pk).update(status="eligible")
    archive = read_zip(
        programme_client.get(
            f"/admin/exports/pieces-jointes/?call={call.pk}&status=eligible"
        )
    )
    assert {name.split("/")[0] for name in archive.namelist()} == {
        "index.csv",
        dossiers[1].reference,
    }


def test_the_list_and_the_dashboard_offer_the_zip_of_a_call(
    programme_client, call, dossiers
):
    page = programme_client.get("/admin/candidatures/").content.decode()
    assert "Télécharger les pièces jointes (ZIP)" not in page
    page = programme_client.get(f"/admin/candidatures/?call={call.pk}").content.decode()
    assert "Télécharger les pièces jointes (ZIP)" in page
    assert f"/admin/exports/pieces-jointes/?call={call.pk}" in page
    # And from the call's row on the dashboard.
    dashboard = programme_client.get("/admin/").content.decode()
    assert f"/admin/exports/pieces-jointes/?call={call.pk}" in dashboard


def test_a_member_gets_only_the_dossiers_he_reads(client, review_round, dossiers):
    client.force_login(review_round.alice)
    page = client.get(f"/admin/jury/{review_round.pk}/").content.decode()
    assert "Télécharger les pièces jointes (ZIP)" in page
    archive = read_zip(
        client.get(f"/admin/exports/tours/{review_round.pk}/pieces-jointes/?membre=moi")
    )
    folders = {name.split("/")[0] for name in archive.namelist()} - {"index.csv"}
    assert folders == {dossiers[0].reference, dossiers[2].reference}
    entry = ModelLogEntry.objects.get(action=zips.ACTION_DOWNLOADED)
    assert entry.object_id == str(review_round.pk) and entry.data["member"] is True


def test_a_member_of_a_blind_round_gets_blind_dossiers_and_masked_names(
    client, review_round, dossiers
):
    review_round.blind = True
    review_round.save()
    client.force_login(review_round.alice)
    archive = read_zip(
        client.get(f"/admin/exports/tours/{review_round.pk}/pieces-jointes/?membre=moi")
    )
    first = dossiers[0].reference
    assert f"{first}/CV_[masqué]_[masqué].pdf" in archive.namelist()
    assert not [n for n in archive.namelist() if "Martin" in n or "Camille" in n]
    dossier = PdfReader(io.BytesIO(archive.read(f"{first}/dossier-{first}.pdf")))
    text = "\n".join(page.extract_text() for page in dossier.pages)
    assert first in text
    assert "Martin" not in text and "camille.martin" not in text
    rows = index_of(archive)
    assert "Candidat ou candidate" not in rows[0] and "Administration" not in rows[0]
    assert "Martin" not in archive.read("index.csv").decode("utf-8-sig")


def test_the_index_names_the_files_the_antivirus_kept_out_blind_or_not(
    client, programme_client, call, review_round, dossiers
):
    """A file in quarantine or still being scanned is not in the archive: the
    index says so, with its state, and masks the name in a blind round."""
    first = dossiers[0]
    first.attachments.filter(original_name="CV_Camille_Martin.pdf").update(
        scan_state="infected"
    )
    first.attachments.filter(original_name="schéma.png").update(scan_state="pending")
    column = "Fichiers non joints (antivirus)"

    archive = read_zip(
        programme_client.get(f"/admin/exports/pieces-jointes/?call={call.pk}")
    )
    assert not [n for n in archive.namelist() if n.startswith(f"{first.reference}/CV")]
    header, *rows = index_of(archive)
    row = next(r for r in rows if r[0] == first.reference)
    assert row[header.index(column)] == (
        "CV_Camille_Martin.pdf (en quarantaine : virus détecté) | "
        "schéma.png (analyse en cours)"
    )
    assert row[header.index("Fichiers")] == f"dossier-{first.reference}.pdf"

    review_round.blind = True
    review_round.save()
    client.force_login(review_round.alice)
    archive = read_zip(
        client.get(f"/admin/exports/tours/{review_round.pk}/pieces-jointes/?membre=moi")
    )
    header, *rows = index_of(archive)
    row = next(r for r in rows if r[0] == first.reference)
    assert row[header.index(column)].startswith(
        "CV_[masqué]_[masqué].pdf (en quarantaine : virus détecté)"
    )
    assert "Martin" not in archive.read("index.csv").decode("utf-8-sig")


def test_the_team_gets_the_whole_round_with_identities_even_when_blind(
    programme_client, review_round, dossiers
):
    review_round.blind = True
    review_round.save()
    page = programme_client.get(f"/admin/tours/{review_round.pk}/classement/")
    assert "Télécharger les pièces jointes (ZIP)" in page.content.decode()
    archive = read_zip(
        programme_client.get(f"/admin/exports/tours/{review_round.pk}/pieces-jointes/")
    )
    assert f"{dossiers[0].reference}/CV_Camille_Martin.pdf" in archive.namelist()
    assert len(index_of(archive)) == 4


def test_the_communications_team_and_strangers_get_nothing(client, call, review_round):
    client.force_login(member_of("Communication", "comm"))
    for url in (
        f"/admin/exports/pieces-jointes/?call={call.pk}",
        f"/admin/exports/tours/{review_round.pk}/pieces-jointes/",
    ):
        # Refused (PermissionDenied): Wagtail's admin answers it by sending
        # back to the dashboard with « Vous n'avez pas la permission… ».
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/admin/"
    # A member of the jury group who does not sit on this round.
    chloe = member_of("Jury", "chloe")
    other = ReviewRound.objects.create(call=call, kind="selection")
    RoundMember.objects.create(round=other, user=chloe)
    client.force_login(chloe)
    assert (
        client.get(
            f"/admin/exports/tours/{review_round.pk}/pieces-jointes/"
        ).status_code
        == 404
    )


def test_another_sites_team_finds_neither_the_call_nor_the_round(
    client, call, review_round
):
    add_second_incubator()
    client.force_login(member_of("Équipe programme — Fabrique de la Mer", "prog_b"))
    assert (
        client.get(f"/admin/exports/pieces-jointes/?call={call.pk}").status_code == 404
    )
    assert (
        client.get(
            f"/admin/exports/tours/{review_round.pk}/pieces-jointes/"
        ).status_code
        == 404
    )


def test_a_large_archive_is_built_in_the_background_and_kept_to_those_still_allowed(
    client, review_round, dossiers, settings
):
    settings.AMORCE_EXPORT_ZIP_SYNC_LIMIT = 10  # bytes: every archive is large
    alice = review_round.alice
    client.force_login(alice)
    response = client.get(
        f"/admin/exports/tours/{review_round.pk}/pieces-jointes/?membre=moi"
    )
    assert response.status_code == 302 and response.url.endswith("/admin/exports/")
    job = ExportJob.objects.get(kind="attachments", user=alice)
    assert job.state == "done" and job.format == "zip" and job.done == job.total == 2
    assert "Mes exports" in client.get("/admin/exports/").content.decode()
    download = client.get(f"/admin/exports/fichiers/{job.pk}/")
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert {n.split("/")[0] for n in archive.namelist()} == {
        "index.csv",
        dossiers[0].reference,
        dossiers[2].reference,
    }
    # Taken off the round, she no longer downloads what was built for her.
    review_round.memberships.filter(user=alice).update(removed_at=timezone.now())
    assert client.get(f"/admin/exports/fichiers/{job.pk}/").status_code == 404


def test_a_call_archive_built_in_the_background_follows_the_team_rights(
    client, paula, call, dossiers, settings
):
    settings.AMORCE_PDF_SYNC_LIMIT = 1  # dossiers: past one, in the background
    client.force_login(paula)
    assert (
        client.get(f"/admin/exports/pieces-jointes/?call={call.pk}").status_code == 302
    )
    job = ExportJob.objects.get(kind="attachments", user=paula)
    assert job.state == "done"
    assert client.get(f"/admin/exports/fichiers/{job.pk}/").status_code == 200
    # She moved to another incubator's programme team: the call is no longer hers.
    add_second_incubator()
    paula.groups.clear()
    paula.groups.add(Group.objects.get(name="Équipe programme — Fabrique de la Mer"))
    assert client.get(f"/admin/exports/fichiers/{job.pk}/").status_code == 404


def test_the_archive_is_streamed_chunk_by_chunk(call, dossiers, monkeypatch):
    """The first chunks leave before the last file is opened: nothing waits whole."""
    opened = []
    real_open = CandidatureAttachment.file.field.attr_class.open

    def watching_open(self, mode="rb"):
        opened.append(self.name)
        return real_open(self, mode)

    monkeypatch.setattr(
        CandidatureAttachment.file.field.attr_class, "open", watching_open
    )
    monkeypatch.setattr(zips, "CHUNK", 64)  # small chunks, to see several per file
    stream = zips.stream_zip(zips.call_dossiers(Candidature.objects.all()))
    first = next(stream)
    assert first.startswith(b"PK\x03\x04") and opened == []
    chunks = [first]
    seen_before_last_file = None
    for chunk in stream:
        chunks.append(chunk)
        if len(opened) < 6:
            seen_before_last_file = len(chunks)
    assert seen_before_last_file > 5
    assert max(len(c) for c in chunks) < 300_000  # a dossier's PDF at most, never all
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None and len(archive.namelist()) == 10


def test_names_inside_the_archive_stay_inside_it(call, dossiers):
    attachment = CandidatureAttachment.objects.get(original_name="schéma.png")
    CandidatureAttachment.objects.filter(pk=attachment.pk).update(
        original_name="../../etc/passwd"
    )
    CandidatureAttachment.objects.filter(original_name="annexe.pdf").update(
        original_name="CON.pdf"
    )
    archive = zipfile.ZipFile(
        io.BytesIO(
            b"".join(zips.stream_zip(zips.call_dossiers(Candidature.objects.all())))
        )
    )
    names = archive.namelist()
    assert f"{dossiers[0].reference}/passwd" in names
    assert f"{dossiers[2].reference}/_CON.pdf" in names
    assert not [n for n in names if ".." in n or n.startswith("/")]


@pytest.mark.parametrize(
    "sent,safe",
    [
        ("../../a.pdf", "a.pdf"),
        ("..\\..\\b.pdf", "b.pdf"),
        (".cache", "cache"),
        ("a\x00b:c?.pdf", "a_b_c_.pdf"),
        ("Cafe\u0301.pdf", "Café.pdf"),  # NFC: one character, not two
        ("nul.txt", "_nul.txt"),
        ("con.tar.gz", "_con.tar.gz"),
        ("COM1 .txt", "_COM1 .txt"),
        ("console.pdf", "console.pdf"),
        ("facture\u202efdp.exe", "facture_fdp.exe"),
        ("note\u2066.pdf", "note_.pdf"),
        ("   ", "fichier"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_safe_names(sent, safe):
    assert zips.safe_name(sent) == safe


def test_a_folder_suffixes_names_taken_whatever_their_case():
    folder = zips.Folder()
    assert [folder.take(n) for n in ("a.pdf", "A.pdf", "a.pdf", "b.pdf")] == [
        "a.pdf",
        "A-2.pdf",
        "a-3.pdf",
        "b.pdf",
    ]


def book_pages(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_jury_book_with_attachments_adds_their_pages_after_each_dossier(
    programme_client, review_round, dossiers
):
    url = f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/"
    plain, plain_text = book_pages(programme_client, url)
    assert "Pièces jointes en PDF" not in plain_text, "the plain book is unchanged"
    book, text = book_pages(programme_client, url + "?pieces=1")
    # Readable PDFs: 2 pages (CV), 1 and 3 (the two notes); the damaged and the
    # encrypted one are named, not added.
    assert len(book.pages) == len(plain.pages) + 2 + 1 + 3
    assert "annexe.pdf — PDF illisible, non annexé" in text
    assert "chiffre.pdf — PDF chiffré, non annexé" in text
    assert "2 pages, à la suite de ce dossier" in text
    # Each dossier's pages come right after it, before the next dossier.
    starts = {
        name: book.get_destination_page_number(destination)
        for name, destination in book.named_destinations.items()
    }
    blank = [
        index
        for index, page in enumerate(book.pages)
        if not page.extract_text().strip()
    ]
    assert len(blank) == 6
    order = sorted((starts[f"d{c.pk}"], c.pk) for c in dossiers)
    bounds = [start for start, _pk in order] + [len(book.pages)]
    pages_after = {
        pk: len([b for b in blank if bounds[i] < b < bounds[i + 1]])
        for i, (_start, pk) in enumerate(order)
    }
    assert pages_after == {dossiers[0].pk: 2, dossiers[1].pk: 4, dossiers[2].pk: 0}


def test_a_members_book_with_attachments_has_only_his_dossiers_and_masked_names(
    client, review_round, dossiers
):
    review_round.blind = True
    review_round.save()
    client.force_login(review_round.alice)
    url = f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/?membre=moi"
    plain, _text = book_pages(client, url)
    book, text = book_pages(client, url + "&pieces=1")
    assert len(book.pages) == len(plain.pages) + 2  # the CV only: note.pdf is Bruno's
    assert "CV_[masqué]_[masqué].pdf" in text and "Martin" not in text


def test_a_large_file_goes_through_without_being_held_in_memory(call, dossiers):
    """The peak of memory while streaming does not grow with a file's size."""
    attachment = CandidatureAttachment.objects.get(original_name="schéma.png")
    candidatures = Candidature.objects.filter(pk=dossiers[0].pk)

    def peak_while_streaming(size):
        attachment.file.save(
            f"{attachment.pk}.bin", ContentFile(os.urandom(size)), save=False
        )
        CandidatureAttachment.objects.filter(pk=attachment.pk).update(
            file=attachment.file.name, size=size
        )
        list(zips.stream_zip(zips.call_dossiers(candidatures)))  # fonts, caches
        tracemalloc.start()
        sent = sum(len(c) for c in zips.stream_zip(zips.call_dossiers(candidatures)))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert sent > size
        return peak

    small = peak_while_streaming(1024)
    large = peak_while_streaming(30 * 1024 * 1024)
    assert large - small < 4 * 1024 * 1024, (small, large)


def test_a_member_with_nothing_to_read_gets_a_message_not_an_empty_archive(
    client, review_round, dossiers
):
    bruno = review_round.bruno
    Evaluation.objects.create(
        round=review_round,
        candidature=dossiers[1],
        member=bruno,
        conflict_of_interest=True,
    )
    client.force_login(bruno)
    response = client.get(
        f"/admin/exports/tours/{review_round.pk}/pieces-jointes/?membre=moi",
        HTTP_REFERER=f"http://testserver/admin/jury/{review_round.pk}/",
        follow=True,
    )
    assert response.redirect_chain[0][0].endswith(f"/admin/jury/{review_round.pk}/")
    assert "Aucun dossier à mettre dans l&#x27;archive." in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_large_jury_book_with_attachments_is_made_in_the_background_with_them(
    programme_client, review_round, dossiers, settings
):
    url = f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/"
    plain, _text = book_pages(programme_client, url)
    settings.AMORCE_PDF_SYNC_LIMIT = 1
    assert programme_client.get(url + "?pieces=1").status_code == 302
    job = ExportJob.objects.get(kind="jury_book")
    assert job.state == "done" and job.params["attachments"] is True
    assert "avec les pièces jointes" in job.label
    download = programme_client.get(f"/admin/exports/fichiers/{job.pk}/")
    book = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert len(book.pages) == len(plain.pages) + 6


def test_a_round_archive_queued_by_the_team_is_empty_once_its_right_is_lost(
    paula, review_round, dossiers
):
    """A background job reads the rights of the moment it runs: one of the team
    who left it before their round's archive was built gets no dossier in it."""
    from exports import services

    job = ExportJob.objects.create(
        user=paula,
        kind="attachments",
        label=str(review_round),
        params={"round": review_round.pk, "member": None},
        format="zip",
        total=3,
    )
    paula.groups.clear()  # she left the programme team before the job ran
    services.run_job(str(job.pk))
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert archive.namelist() == ["index.csv"]


def test_a_file_name_sent_decomposed_is_masked_in_a_blind_round(
    client, review_round, dossiers
):
    """A Mac may send « Élise » as E + combining accent (NFD): the name is masked
    all the same, in the member's archive as on his screens."""
    review_round.blind = True
    review_round.save()
    attachment = dossiers[2].attachments.get(original_name="annexe.pdf")
    attachment.original_name = unicodedata.normalize("NFD", "CV_Élise_Petit.pdf")
    attachment.save()
    client.force_login(review_round.alice)
    archive = read_zip(
        client.get(f"/admin/exports/tours/{review_round.pk}/pieces-jointes/?membre=moi")
    )
    names = [unicodedata.normalize("NFC", n) for n in archive.namelist()]
    assert f"{dossiers[2].reference}/CV_[masqué]_[masqué].pdf" in names
    assert not [n for n in names if "lise" in n or "Petit" in n]


def pdf_with_scripts():
    """One page that runs JavaScript when opened and when its link is clicked."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('pwned')"),
        }
    )
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): script})
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 50, 50)]),
            NameObject("/A"): script,
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_an_attachments_scripts_do_not_enter_the_jury_book(
    programme_client, review_round, dossiers
):
    """A PDF joined by an applicant may carry JavaScript (on opening a page, on a
    link): its pages join the book, its scripts do not."""
    attachment = dossiers[1].attachments.filter(original_name="note.pdf").first()
    content = pdf_with_scripts()
    attachment.file.save("note.pdf", ContentFile(content), save=False)
    attachment.size = len(content)
    attachment.save()
    response = programme_client.get(
        f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/?pieces=1"
    )
    assert response.status_code == 200
    book = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    reader = PdfReader(io.BytesIO(book))
    assert "pwned" not in str(
        [(page.get("/AA"), page.get("/Annots")) for page in reader.pages]
    )
    assert b"pwned" not in book and b"/JavaScript" not in book


def pdf_naming_its_author(name):
    """One page carrying its author's name in its own metadata (XMP, PieceInfo),
    as some editors write it: nothing a reader sees on the page."""
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    xmp = DecodedStreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{name}</dc:creator></x:xmpmeta>".encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    page[NameObject("/Metadata")] = writer._add_object(xmp)
    page[NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/Editor"): DictionaryObject({NameObject("/Author"): xmp})}
    )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_a_blind_members_book_drops_the_metadata_of_the_pages_it_adds(
    client, review_round, dossiers
):
    """The pages of a joined PDF come into a blind member's book without the
    metadata they carry (their author's name): only what the page shows."""
    attachment = dossiers[0].attachments.get(original_name="CV_Camille_Martin.pdf")
    content = pdf_naming_its_author("Camille Martin")
    assert b"Camille Martin" in content
    attachment.file.save("cv.pdf", ContentFile(content), save=False)
    CandidatureAttachment.objects.filter(pk=attachment.pk).update(
        file=attachment.file.name, size=len(content)
    )
    review_round.blind = True
    review_round.save()
    client.force_login(review_round.alice)
    url = f"/admin/exports/tours/{review_round.pk}/cahier-du-jury/?membre=moi&pieces=1"
    response = client.get(url)
    assert response.status_code == 200
    book = PdfReader(io.BytesIO(response.content))
    added = [p for p in book.pages if "/Metadata" in p or "/PieceInfo" in p]
    assert added == []
    assert b"Camille Martin" not in response.content
