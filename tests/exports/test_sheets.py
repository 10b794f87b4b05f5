"""Spreadsheets a jury can work in: named sheets, frozen header, sized columns, formats.

Workbooks are written by our streaming writers and read back with openpyxl,
pandas (openpyxl and odf engines) and the ODS file's own XML.
"""

import datetime as dt
import io
import zipfile

import openpyxl
import pandas
import pytest
from defusedxml import ElementTree
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from exports.ods import write_ods, write_ods_sheets
from exports.sheets import (
    DATE,
    DATETIME,
    LONG,
    MAX_LONG_WIDTH,
    SAMPLE,
    SCORE,
    TEXT,
    Sheet,
    sheet_name,
)
from exports.xlsx import write_xlsx, write_xlsx_sheets, xml_bytes
from forms.factories import CandidatureFactory
from selection.models import Evaluation, ReviewRound, RoundMember
from selection.scoring import criteria_of
from tests.users import member_of

HEADERS = ["Référence", "Reçue le", "Début", "Le problème", "Note", "Conflit"]
KINDS = [TEXT, DATETIME, DATE, LONG, SCORE, TEXT]
LONG_ANSWER = "Une réponse longue, " * 40


def rows(count=3):
    return [
        [
            f"AMO-{index:04d}",
            dt.datetime(2026, 11, 2, 9, 30),
            dt.date(2026, 11, 13),
            LONG_ANSWER if index == 0 else "Court",
            72.3456,
            index % 2 == 0,
        ]
        for index in range(count)
    ]


def xlsx_book(sheets):
    output = io.BytesIO()
    write_xlsx_sheets(sheets, output)
    return openpyxl.load_workbook(io.BytesIO(output.getvalue())), output.getvalue()


def test_xlsx_sheets_are_named_frozen_filtered_sized_and_formatted():
    """Each sheet has its name, its header frozen, an autofilter over its rows,
    widths from its content, wrapped long answers, date and score formats, Oui/Non."""
    book, _content = xlsx_book(
        [
            Sheet("Candidatures", HEADERS, iter(rows(3)), KINDS),
            Sheet("Évaluations", ["Membre", "Note"], iter([["A", 1.5]]), [TEXT, SCORE]),
        ]
    )
    assert book.sheetnames == ["Candidatures", "Évaluations"]
    sheet = book["Candidatures"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F4"
    assert book["Évaluations"].auto_filter.ref == "A1:B2"
    assert book["Évaluations"].freeze_panes == "A2"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEF"}
    assert widths["D"] == pytest.approx(MAX_LONG_WIDTH + 0.7), "long text: capped"
    assert 10 <= widths["A"] <= 14, "« AMO-0000 » and its header"
    assert widths["B"] >= 16, "a moment is readable whole"
    assert sheet["A1"].font.b and sheet["A1"].alignment.wrap_text
    assert sheet["D2"].alignment.wrap_text, "a long answer wraps"
    assert not sheet["A2"].alignment.wrap_text
    assert sheet["B2"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["B2"].value == dt.datetime(2026, 11, 2, 9, 30)
    assert sheet["C2"].number_format == "dd/mm/yyyy"
    assert sheet["E2"].number_format == "0.00"
    assert sheet["E2"].value == pytest.approx(72.3456), "the value keeps its decimals"
    assert [sheet["F2"].value, sheet["F3"].value] == ["Oui", "Non"]


def test_widths_come_from_the_first_rows_only():
    """A long cell past the sample does not widen its column: the rest is streamed as is."""
    data = [["court"] for _ in range(SAMPLE)] + [["x" * 200]]
    book, _content = xlsx_book([Sheet("Feuille", ["Mot"], iter(data), [TEXT])])
    sheet = book.active
    assert sheet.column_dimensions["A"].width < 10
    assert sheet.max_row == SAMPLE + 2
    assert sheet.cell(SAMPLE + 2, 1).value == "x" * 200


def test_sheet_names_are_cleaned_and_unique():
    """At most 31 characters, none of []:*?/\\, unique in the workbook (caseless)."""
    name = sheet_name("Évaluations [tour 1] : jury*?/\\ et comité de sélection")
    assert len(name) <= 31
    assert not set("[]:*?/\\") & set(name)
    assert sheet_name("", fallback="Feuille") == "Feuille"
    book, _content = xlsx_book(
        [
            Sheet("Classement", ["A"], iter([])),
            Sheet("classement", ["A"], iter([])),
            Sheet("x" * 40, ["A"], iter([])),
        ]
    )
    assert book.sheetnames == ["Classement", "classement (2)", "x" * 31]


def test_a_single_sheet_keeps_its_one_table_api():
    output = io.BytesIO()
    write_xlsx(["A", "B"], [[1, "b"]], output, sheet_name="Investigations")
    book = openpyxl.load_workbook(io.BytesIO(output.getvalue()))
    assert book.sheetnames == ["Investigations"]
    assert book.active.auto_filter.ref == "A1:B2"


def test_xlsx_workbook_reads_back_with_pandas():
    _book, content = xlsx_book(
        [
            Sheet("Candidatures", HEADERS, iter(rows(2)), KINDS),
            Sheet("Classement", ["Rang"], iter([[1], [2]])),
        ]
    )
    frames = pandas.read_excel(io.BytesIO(content), sheet_name=None)
    assert list(frames) == ["Candidatures", "Classement"]
    assert list(frames["Candidatures"].columns) == HEADERS
    assert len(frames["Candidatures"]) == 2
    assert frames["Classement"]["Rang"].tolist() == [1, 2]


def ods_book(sheets):
    output = io.BytesIO()
    write_ods_sheets(sheets, output)
    return output.getvalue()


def test_ods_sheets_are_named_sized_wrapped_filtered_and_frozen():
    content = ods_book(
        [
            Sheet("Candidatures", HEADERS, iter(rows(3)), KINDS),
            Sheet("Évaluations", ["Membre"], iter([["A"]])),
        ]
    )
    frames = pandas.read_excel(io.BytesIO(content), engine="odf", sheet_name=None)
    assert list(frames) == ["Candidatures", "Évaluations"]
    assert list(frames["Candidatures"].columns) == HEADERS
    assert frames["Candidatures"]["Reçue le"][0] == pandas.Timestamp(2026, 11, 2, 9, 30)
    assert frames["Candidatures"]["Conflit"].tolist() == ["Oui", "Non", "Oui"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("content.xml").decode()
        settings = archive.read("settings.xml").decode()
        assert "settings.xml" in archive.read("META-INF/manifest.xml").decode()
    ElementTree.fromstring(settings)  # well formed
    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    root = ElementTree.fromstring(xml)
    columns = [
        column.get(f"{table}style-name") for column in root.iter(f"{table}table-column")
    ]
    assert columns[3] == f"w{MAX_LONG_WIDTH}", "the long answer's column, capped"
    assert columns[0] != columns[3]
    ranges = [
        r.get(f"{table}target-range-address")
        for r in root.iter(f"{table}database-range")
    ]
    assert ranges == [
        "'Candidatures'.A1:'Candidatures'.F4",
        "'Évaluations'.A1:'Évaluations'.A2",
    ]
    assert 'table:style-name="wrap"' in xml and 'table:style-name="score"' in xml
    assert 'config:name="VerticalSplitPosition" config:type="int">1<' in settings
    assert settings.count("VerticalSplitMode") == 2, "each sheet's header frozen"


def test_ods_single_table_api_still_reads_back():
    output = io.BytesIO()
    write_ods(["A", "B"], [["a", 1.0]], output)
    frame = pandas.read_excel(io.BytesIO(output.getvalue()), engine="odf")
    assert frame.to_dict("records") == [{"A": "a", "B": 1.0}]


# A round's workbook, through the admin.


@pytest.fixture
def round_scene(call, form_page):
    members = [
        User.objects.create_user(f"jure{index}", f"jure{index}@example.org", "x")
        for index in range(2)
    ]
    dossiers = [
        CandidatureFactory(
            page=form_page,
            status="eligible",
            applicant_name=f"Personne {index}",
            form_data={"le_probleme": LONG_ANSWER, "public_concerne": "Agents"},
        )
        for index in range(3)
    ]
    outside = CandidatureFactory(page=form_page, applicant_name="Hors du tour")
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    review_round.candidatures.add(*dossiers)
    scores = {str(c.pk): c.scale_max for c in criteria_of(call)}
    for member in members:
        RoundMember.objects.create(round=review_round, user=member)
        for dossier in dossiers[:2]:
            Evaluation.objects.create(
                round=review_round,
                candidature=dossier,
                member=member,
                scores=scores,
                submitted_at=timezone.now(),
            )
    return {"round": review_round, "dossiers": dossiers, "outside": outside}


def download(response):
    return b"".join(response.streaming_content)


def test_round_workbook_holds_ranking_evaluations_and_dossiers(
    programme_client, round_scene
):
    """One XLSX, three sheets: the ranking, the evaluations, the round's dossiers."""
    review_round = round_scene["round"]
    response = programme_client.get(
        f"/admin/exports/tours/{review_round.pk}/classeur/", {"format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="tour-')
    content = download(response)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Classement", "Évaluations", "Candidatures"]
    for sheet in book:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
    frames = pandas.read_excel(io.BytesIO(content), sheet_name=None)
    references = sorted(d.reference for d in round_scene["dossiers"])
    assert sorted(frames["Classement"]["Référence"]) == references
    assert len(frames["Évaluations"]) == 4
    evaluated = sorted(d.reference for d in round_scene["dossiers"][:2])
    assert sorted(set(frames["Évaluations"]["Référence"])) == evaluated
    assert sorted(frames["Candidatures"]["Référence"]) == references, (
        "the round's dossiers only"
    )
    ranking = book["Classement"]
    headers = [cell.value for cell in ranking[1]]
    mean = headers.index("Note pondérée /100") + 1
    assert ranking.cell(2, mean).number_format == "0.00"
    candidatures = book["Candidatures"]
    headers = [cell.value for cell in candidatures[1]]
    assert candidatures.cell(2, headers.index("Reçue le") + 1).number_format == (
        "dd/mm/yyyy hh:mm"
    )
    assert candidatures.cell(2, headers.index("Le problème") + 1).alignment.wrap_text


def test_round_workbook_in_ods_and_not_in_csv(programme_client, round_scene):
    url = f"/admin/exports/tours/{round_scene['round'].pk}/classeur/"
    response = programme_client.get(url, {"format": "ods"})
    assert response.status_code == 200
    frames = pandas.read_excel(
        io.BytesIO(download(response)), engine="odf", sheet_name=None
    )
    assert list(frames) == ["Classement", "Évaluations", "Candidatures"]
    assert len(frames["Candidatures"]) == 3
    assert programme_client.get(url, {"format": "csv"}).status_code == 404


def test_round_workbook_is_the_programme_teams(client, round_scene):
    """A juror, even of this round, does not get the round's workbook (Wagtail turns
    the 403 into a redirect to the dashboard)."""
    juror = member_of("Jury", "julie")
    RoundMember.objects.create(round=round_scene["round"], user=juror)
    client.force_login(juror)
    response = client.get(
        f"/admin/exports/tours/{round_scene['round'].pk}/classeur/", {"format": "xlsx"}
    )
    assert (response.status_code, response.url) == (302, "/admin/")


def test_round_page_links_to_the_workbook(programme_client, round_scene):
    review_round = round_scene["round"]
    page = programme_client.get(
        reverse("review_rounds:ranking", args=[review_round.pk])
    )
    assert page.status_code == 200
    assert f"/admin/exports/tours/{review_round.pk}/classeur/?format=xlsx" in (
        page.content.decode()
    )


def test_a_large_round_workbook_runs_in_the_background_with_the_chosen_columns(
    programme_client, paula, call, round_scene, settings
):
    """Past the limit, the workbook is a job; it keeps the columns chosen when asked."""
    from exports.models import ExportColumnChoice, ExportJob

    settings.AMORCE_EXPORT_SYNC_LIMIT = 2
    ExportColumnChoice.objects.create(
        user=paula, call=call, kind="candidatures", columns=["reference", "status"]
    )
    response = programme_client.get(
        f"/admin/exports/tours/{round_scene['round'].pk}/classeur/", {"format": "xlsx"}
    )
    assert (response.status_code, response.url) == (302, "/admin/exports/")
    job = ExportJob.objects.get()
    assert job.kind == "round_workbook" and job.state == "done"
    assert job.total == job.done == 3 + 4 + 3, "ranking, evaluations, dossiers"
    file_response = programme_client.get(f"/admin/exports/fichiers/{job.pk}/")
    assert file_response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download(file_response)))
    assert book.sheetnames == ["Classement", "Évaluations", "Candidatures"]
    assert [c.value for c in book["Candidatures"][1]] == ["Référence", "Statut"]
    assert book["Candidatures"].max_row == 4


def test_xml_bytes_drops_only_what_xml_forbids():
    """Control characters, U+FFFE and U+FFFF go; tabs, line breaks and any other
    character (even one whose UTF-8 starts like U+FFFE's) stay."""
    assert xml_bytes("a\x00b\x01\x0bc\x1f\ufffe\uffffd") == b"abcd"
    kept = "\t\n\r ﬁ\ufeff é — \U0001f600"
    assert xml_bytes(kept) == kept.encode()
