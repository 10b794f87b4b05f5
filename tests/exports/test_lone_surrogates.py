"""A lone surrogate in the stored answers (« \\ud800 » escaped in their JSON: it
reaches the database by an import, the shell or old data, never by the form)
does not stop any file from being written: the spreadsheets (CSV, XLSX, ODS,
JSON), the PDFs (a dossier, the jury book) and the applicant's personal-data
export carry U+FFFD in its place, and the rest of the answer as it is.

SQLite only: PostgreSQL's jsonb refuses such an escape, so it cannot be stored there."""

import csv
import io
import json
import zipfile

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from exports.ods import read_ods
from exports.pdf import render_candidature_pdf, render_jury_book_pdf
from exports.services import build_resource, export_to
from forms.factories import CandidatureFactory
from forms.models import Candidature
from privacy.services import export_applicant
from selection.models import Evaluation, ReviewRound, RoundMember

from .test_pdfs import text_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor == "postgresql",
        reason="jsonb refuses a lone surrogate: none can be stored",
    ),
]

BROKEN = "Avant \ud800 après"
REPLACED = "Avant \ufffd après"
EMAIL = "lone.surrogate@example.gouv.fr"


@pytest.fixture
def broken(form_page):
    """A candidature whose stored answers hold a lone surrogate, written directly."""
    candidature = CandidatureFactory(
        page=form_page,
        applicant_name="Sam Test",
        applicant_email=EMAIL,
        form_data={"le_probleme": "x", "public_concerne": "Agents", "idee": "y"},
    )
    Candidature.objects.filter(pk=candidature.pk).update(
        form_data={"le_probleme": BROKEN, "public_concerne": "Agents", "idee": "y"}
    )
    return Candidature.objects.get(pk=candidature.pk)


def exported(fmt):
    resource, _total = build_resource("candidatures", {})
    output = io.BytesIO()
    export_to(resource, fmt, output)
    return output.getvalue()


def test_the_csv_is_written_with_the_replacement_character(broken):
    text = exported("csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert REPLACED in rows[1]


def test_the_xlsx_is_written_with_the_replacement_character(broken):
    workbook = openpyxl.load_workbook(io.BytesIO(exported("xlsx")))
    cells = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert REPLACED in cells


def test_the_ods_is_written_with_the_replacement_character(broken):
    cells = [cell for row in read_ods(io.BytesIO(exported("ods"))) for cell in row]
    assert REPLACED in cells


def test_the_json_is_written_with_the_replacement_character(broken):
    rows = json.loads(exported("json"))
    assert REPLACED in rows[0].values()


def test_the_dossier_and_the_jury_book_are_written(broken, call):
    _reader, text = text_of(render_candidature_pdf(broken))
    assert "Avant" in text and "après" in text
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    review_round.candidatures.add(broken)
    _reader, text = text_of(render_jury_book_pdf(review_round))
    assert "Avant" in text and "après" in text


def test_the_personal_data_export_is_written(broken, tmp_path):
    path = tmp_path / "donnees.zip"
    export_applicant(EMAIL, path)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("donnees.json"))
    answers = [a["reponse"] for a in data["candidatures"][0]["reponses"]]
    assert REPLACED in answers


def test_the_evaluations_export_is_written(broken, call):
    """A member's comment on a criterion is JSON too: the same holds."""
    juror = User.objects.create_user("alice", "alice@example.org", "x")
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(broken)
    criterion = call.criteria.first()
    evaluation = Evaluation.objects.create(
        round=review_round,
        candidature=broken,
        member=juror,
        scores={str(criterion.pk): criterion.scale_max},
        submitted_at=timezone.now(),
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(
        criterion_comments={str(criterion.pk): BROKEN}
    )
    for fmt in ("csv", "xlsx", "ods", "json"):
        resource, _total = build_resource("evaluations", {"round": review_round.pk})
        output = io.BytesIO()
        export_to(resource, fmt, output)
        assert output.getvalue(), fmt
    text = output.getvalue().decode()
    assert REPLACED in text


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "Avant \\ud800 après"}',  # escaped, as the database keeps it
        '{"a": "Avant \ud800 après"}',  # raw, as a driver could hand it over
    ],
)
def test_the_answers_decoder_reads_a_lone_surrogate_as_the_replacement(text):
    from core.text import SurrogateSafeDecoder

    assert json.loads(text, cls=SurrogateSafeDecoder) == {"a": REPLACED}
    valid = '{"n": 123456789012345678901234567890, "x": 0.1, "l": [1, {"b": null}]}'
    assert json.loads(valid, cls=SurrogateSafeDecoder) == json.loads(valid)
