"""Our workbooks opened by LibreOffice, the spreadsheet program of most administrations.

LibreOffice (Debian's ``libreoffice-calc-nogui``) converts each sheet of our
XLSX and ODS files to CSV, headless: the sheets it finds, in their order, and
each cell as it displays it (dates and scores in their formats) show what a
jury member would see. ``.ci/run`` installs LibreOffice and sets
``AMORCE_REQUIRE_LIBREOFFICE``, so that CI never skips these tests.
"""

import csv
import datetime as dt
import io
import os
import shutil
import subprocess

import pytest

from exports.ods import write_ods_sheets
from exports.sheets import DATE, DATETIME, LONG, SCORE, TEXT, Sheet
from exports.xlsx import write_xlsx_sheets

SOFFICE = shutil.which("soffice")
if SOFFICE is None and os.environ.get("AMORCE_REQUIRE_LIBREOFFICE"):
    raise RuntimeError("LibreOffice (soffice) is required here and not installed")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice absent: apt-get install libreoffice-calc-nogui"
)

# Every sheet to its own CSV file, UTF-8, cells as shown (LibreOffice ≥ 7.2).
EVERY_SHEET_AS_SHOWN = (
    "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true,false,false,-1"
)


def sheets():
    return [
        Sheet(
            "Classement",
            ["Rang", "Référence", "Note moyenne"],
            iter([[1, "AMO-2026-0002", 81.256], [2, "AMO-2026-0001", 62.5]]),
            [TEXT, TEXT, SCORE],
        ),
        Sheet(
            "Évaluations",
            ["Référence", "Rendue le", "Commentaire"],
            iter(
                [
                    [
                        "AMO-2026-0001",
                        dt.datetime(2026, 11, 30, 14, 5),
                        "=1+1 reste un texte ; « guillemets »\nsur deux lignes",
                    ]
                ]
            ),
            [TEXT, DATETIME, LONG],
        ),
        Sheet(
            "Candidatures",
            ["Référence", "Début", "Réponse longue"],
            iter([["AMO-2026-0001", dt.date(2026, 12, 1), "Un problème. " * 200]]),
            [TEXT, DATE, LONG],
        ),
    ]


def opened_by_libreoffice(tmp_path, writer, suffix):
    source = tmp_path / f"tour.{suffix}"
    with source.open("wb") as output:
        writer(sheets(), output)
    profile = tmp_path / "profile"  # a profile of its own: no lock, no first-run dialog
    done = subprocess.run(  # noqa: S603
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            EVERY_SHEET_AS_SHOWN,
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = {}
    for path in sorted((tmp_path / "out").glob("*.csv")):
        sheet = path.stem.removeprefix("tour-")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            found[sheet] = list(csv.reader(io.StringIO(handle.read()), delimiter=";"))
    return found


@pytest.mark.parametrize(
    ("writer", "suffix"), [(write_xlsx_sheets, "xlsx"), (write_ods_sheets, "ods")]
)
def test_libreoffice_opens_the_round_workbook_as_written(tmp_path, writer, suffix):
    found = opened_by_libreoffice(tmp_path, writer, suffix)
    assert set(found) == {"Classement", "Évaluations", "Candidatures"}, found.keys()
    assert found["Classement"] == [
        ["Rang", "Référence", "Note moyenne"],
        ["1", "AMO-2026-0002", "81.26"],  # shown to the hundredth…
        ["2", "AMO-2026-0001", "62.50"],
    ]
    header, row = found["Évaluations"]
    assert header == ["Référence", "Rendue le", "Commentaire"]
    assert row[1] == "30/11/2026 14:05", "a date and time, as a French reader writes it"
    assert row[2] == "=1+1 reste un texte ; « guillemets »\nsur deux lignes"
    header, row = found["Candidatures"]
    assert row[1] == "01/12/2026"
    assert row[2] == "Un problème. " * 200, "a long answer, whole"
