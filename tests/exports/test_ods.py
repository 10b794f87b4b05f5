"""The ODS export, streamed: read back by pandas, odfpy and our import, in flat memory."""

import datetime as dt
import io
import tempfile
import tracemalloc
import zipfile
from decimal import Decimal

import pandas
import pytest
import tablib
from bs4 import BeautifulSoup
from defusedxml import ElementTree
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from exports.ods import MIMETYPE, read_ods, write_ods
from exports.writers import write_csv
from exports.xlsx import write_xlsx
from forms.factories import CandidatureFactory
from selection.models import Evaluation, ReviewRound, RoundMember

HEADERS = ["Texte", "Entier", "Décimal", "Jour", "Moment", "Vide", "Booléen"]
ROWS = [
    [
        "Deux lignes\net  deux espaces",
        42,
        Decimal("3.25"),
        dt.date(2026, 1, 5),
        dt.datetime(2026, 1, 5, 9, 30),
        None,
        True,
    ],
    [" En tête <b>&</b>\x01", -1, 0.5, None, None, "", False],
    ["'=1+1", None, None, dt.date(2024, 2, 29), None, None, None],
]


def ods(headers=HEADERS, rows=ROWS):
    output = io.BytesIO()
    write_ods(headers, rows, output)
    return output.getvalue()


def test_the_file_is_a_zip_an_office_suite_recognises():
    archive = zipfile.ZipFile(io.BytesIO(ods()))
    first = archive.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert first.extra == b"" and archive.read("mimetype") == MIMETYPE.encode()
    manifest = archive.read("META-INF/manifest.xml").decode()
    assert (
        'full-path="content.xml"' in manifest and 'full-path="styles.xml"' in manifest
    )
    for name in ("META-INF/manifest.xml", "styles.xml", "content.xml"):
        ElementTree.fromstring(archive.read(name))  # well-formed


def test_pandas_reads_values_dates_and_empty_cells():
    """pandas' odf engine refused tablib's files (« Unrecognized type void »)."""
    frame = pandas.read_excel(io.BytesIO(ods()), engine="odf")
    assert list(frame.columns) == HEADERS
    first, second, third = frame.to_dict("records")
    assert first["Texte"] == "Deux lignes\net  deux espaces"
    assert (first["Entier"], first["Décimal"]) == (42, 3.25)
    assert first["Jour"] == pandas.Timestamp("2026-01-05"), "a real date, not text"
    assert first["Moment"] == pandas.Timestamp("2026-01-05 09:30")
    assert pandas.isna(first["Vide"]) and first["Booléen"] == "Oui"
    assert second["Texte"] == " En tête <b>&</b>", "escaped, control character dropped"
    assert second["Décimal"] == 0.5 and second["Booléen"] == "Non"
    assert pandas.isna(second["Jour"]) and pandas.isna(second["Vide"])
    assert third["Texte"] == "'=1+1" and third["Jour"] == pandas.Timestamp("2024-02-29")
    assert pandas.isna(third["Entier"]) and pandas.isna(third["Booléen"])


def test_odfpy_reads_it_through_tablib():
    dataset = tablib.Dataset().load(ods(rows=[ROWS[2]]), format="ods")
    assert dataset.headers == HEADERS
    assert list(dataset[0]) == ["'=1+1", "", "", dt.date(2024, 2, 29), "", "", ""]


def test_our_reader_reads_back_every_character():
    rows = read_ods(io.BytesIO(ods(rows=[*ROWS, ["\ttabulé", 1, 2, None, None, 3, 4]])))
    assert rows[0] == HEADERS
    assert rows[1] == [
        "Deux lignes\net  deux espaces",
        42.0,
        3.25,
        dt.date(2026, 1, 5),
        dt.datetime(2026, 1, 5, 9, 30),
        "",
        "Oui",
    ]
    assert rows[2] == [" En tête <b>&</b>", -1.0, 0.5, "", "", "", "Non"]
    assert rows[3] == ["'=1+1", "", "", dt.date(2024, 2, 29)], "trailing empties go"
    assert rows[4] == ["\ttabulé", 1.0, 2.0, "", "", 3.0, 4.0]


LIBREOFFICE_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">
<office:body><office:spreadsheet>
<table:table table:name="Feuille1">
<table:table-column table:number-columns-repeated="1024"/>
<table:table-header-rows><table:table-row>
<table:table-cell office:value-type="string"><text:p>Référence</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>A</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>B</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>C</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Commentaire</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="1019"/>
</table:table-row></table:table-header-rows>
<table:table-row>
<table:table-cell office:value-type="string"><text:p>AMO-1</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="3" office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Bien<text:s/> <text:span>vu</text:span>.</text:p><text:p>À<text:tab/>revoir<text:line-break/>vite.</text:p><office:annotation><dc:creator>Alice</dc:creator><text:p>note</text:p></office:annotation></table:table-cell>
<table:table-cell table:number-columns-repeated="1019"/>
</table:table-row>
<table:table-row>
<table:table-cell office:value-type="string"><text:p>AMO-2</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="3"/>
<table:table-cell office:value-type="string"><text:p>Conflit</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="1019"/>
</table:table-row>
<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table>
<table:table table:name="Feuille2"><table:table-row><table:table-cell office:value-type="string"><text:p>ailleurs</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>"""


def libreoffice_file():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("mimetype", MIMETYPE)
        archive.writestr("content.xml", LIBREOFFICE_CONTENT)
    return output.getvalue()


def test_our_reader_reads_what_libreoffice_writes():
    """Repeated cells expand in place; the header group, notes and other sheets don't
    disturb the columns; the million empty rows below the data cost nothing."""
    assert read_ods(io.BytesIO(libreoffice_file())) == [
        ["Référence", "A", "B", "C", "Commentaire"],
        ["AMO-1", 3.0, 3.0, 3.0, "Bien  vu.\nÀ\trevoir\nvite."],
        ["AMO-2", "", "", "", "Conflit"],
    ]


def rows_of(count):
    long = "Les usagers se déplacent plusieurs fois pour une même démarche. " * 6
    for index in range(count):
        yield [
            f"AMO-{index:05d}",
            dt.datetime(2026, 1, 5, 9, index % 60),
            index,
            index / 7,
            None,
            *[f"{index} — {long}"] * 13,
            dt.date(2026, 1, 5),
            "",
        ]


def peak_while_writing(count, write=write_ods):
    with tempfile.TemporaryFile() as output:  # on disk: not traced
        tracemalloc.start()
        try:
            write([f"Colonne {i}" for i in range(20)], rows_of(count), output)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


@pytest.mark.parametrize("write", [write_ods, write_xlsx, write_csv])
def test_memory_stays_flat_for_ten_thousand_rows(write):
    """tablib built the sheet in memory (some 660 MB for these rows); rows now stream.

    What is traced is what the writer holds: a buffer of 200 rows (100 lines
    of CSV) at most, whatever the number of rows.
    """
    small, large = peak_while_writing(1_000, write), peak_while_writing(10_000, write)
    assert large < 40 * 1024 * 1024
    assert large < small * 1.25, (small, large)


@pytest.mark.django_db
def test_candidature_export_in_ods(programme_client, form_page):
    candidature = CandidatureFactory(
        page=form_page,
        applicant_name='=HYPERLINK("http://evil.example","clic")',
        form_data={"le_probleme": "Premier paragraphe.\nSecond  paragraphe."},
    )
    response = programme_client.get("/admin/exports/candidatures/", {"format": "ods"})
    assert response["Content-Type"] == MIMETYPE
    frame = pandas.read_excel(
        io.BytesIO(b"".join(response.streaming_content)), engine="odf"
    )
    row = frame.to_dict("records")[0]
    assert row["Référence"] == candidature.reference
    local = timezone.localtime(candidature.submit_time).replace(
        microsecond=0, tzinfo=None
    )
    assert row["Reçue le"] == pandas.Timestamp(local), "Paris time, a real date"
    assert row["Nom"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert row["Le problème"] == "Premier paragraphe.\nSecond  paragraphe."
    assert pandas.isna(row["Idée"])


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["ods", "xlsx", "csv"])
def test_evaluations_come_back_unchanged_through_an_ods_file(
    programme_client, call, form_page, fmt
):
    """A round's export, imported as it is: nothing to change, nothing refused,
    even a comment of several lines (tablib's reader kept only the first) that
    starts like a formula (the export neutralised it; the import reads it back)."""
    dossier = CandidatureFactory(page=form_page, status="eligible")
    juror = User.objects.create_user("alice", "alice@example.org", "x")
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(dossier)
    Evaluation.objects.create(
        round=review_round,
        candidature=dossier,
        member=juror,
        scores={str(c.pk): c.scale_max for c in call.criteria.all()},
        comment="- points forts.\nÀ suivre  de près.",
        submitted_at=timezone.now(),
    )
    exported = b"".join(
        programme_client.get(
            f"/admin/exports/tours/{review_round.pk}/evaluations/", {"format": fmt}
        ).streaming_content
    )
    preview = programme_client.post(
        f"/admin/exports/tours/{review_round.pk}/importer-des-evaluations/",
        {"file": SimpleUploadedFile(f"evaluations.{fmt}", exported)},
    )
    soup = BeautifulSoup(preview.content, "html.parser")
    assert not soup.select(".amorce-import-errors li"), soup.select(
        ".amorce-import-errors li"
    )
    assert soup.select_one('input[name="stored"]'), "the file was read and previewed"


@pytest.mark.parametrize(
    "row",
    [
        # One filled row said to repeat a million times.
        '<table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
        "</table:table-row>",
        # Filled cells said to repeat across the width, many times over.
        "<table:table-row>" + '<table:table-cell table:number-columns-repeated="16384" '
        'office:value-type="string"><text:p>x</text:p></table:table-cell>'
        * 50
        + "</table:table-row>",
    ],
)
def test_a_small_file_asking_for_billions_of_cells_is_refused_in_bounded_memory(row):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        "<office:body><office:spreadsheet><table:table>"
        f"{row}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", MIMETYPE)
        archive.writestr("content.xml", content)
    buffer.seek(0)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="trop grand pour être importé"):
            read_ods(buffer)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60 * 1024 * 1024
