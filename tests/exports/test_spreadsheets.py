"""Spreadsheets the programme team exports, read back as a spreadsheet program would."""

import csv
import datetime as dt
import io
import json
from io import StringIO

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.utils import timezone

from exports.models import ExportJob
from forms.factories import CandidatureFactory
from selection.models import Evaluation, ReviewRound, RoundMember
from selection.scoring import criteria_version

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example","clic")',
    "+33 6 00 00 00 00",
    "-2+3",
    "@SUM(A1:A2)",
]


@pytest.fixture
def candidatures(form_page):
    rows = []
    for index, hostile in enumerate(HOSTILE):
        rows.append(
            CandidatureFactory(
                page=form_page,
                applicant_name=hostile,
                administration=f"Administration {index}",
                form_data={
                    "le_probleme": hostile,
                    "public_concerne": "Agents",
                    "idee": "",
                    "pieces_jointes": ["a.pdf"],
                },
            )
        )
    return rows


def xlsx_rows(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [[cell.value for cell in row] for row in workbook.active.iter_rows()]


def download(response):
    return b"".join(response.streaming_content)


def test_xlsx_has_identity_then_form_fields_in_order_with_labels(
    programme_client, candidatures
):
    response = programme_client.get("/admin/exports/candidatures/", {"format": "xlsx"})
    assert response.status_code == 200
    rows = xlsx_rows(download(response))
    assert rows[0][:8] == [
        "Référence",
        "Reçue le",
        "Statut",
        "Appel",
        "Nom",
        "Adresse électronique",
        "Administration",
        "Service",
    ]
    assert rows[0][8:12] == ["Le problème", "Public concerné", "Idée", "Pièces jointes"]
    assert len(rows) == 1 + len(candidatures)
    first = rows[1]
    assert first[0] == candidatures[0].reference
    local = timezone.localtime(candidatures[0].submit_time)
    assert isinstance(first[1], dt.datetime), "a date a spreadsheet sorts, not text"
    assert first[1] == local.replace(microsecond=0, tzinfo=None), "in Europe/Paris"
    assert first[2] == "Reçue"
    assert first[11] == "a.pdf"


def test_formulas_are_neutralised_in_xlsx(programme_client, candidatures):
    rows = xlsx_rows(
        download(
            programme_client.get("/admin/exports/candidatures/", {"format": "xlsx"})
        )
    )
    names = [row[4] for row in rows[1:]]
    problems = [row[8] for row in rows[1:]]
    assert names == ["'" + value for value in HOSTILE]
    assert problems == ["'" + value for value in HOSTILE]
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            download(
                programme_client.get("/admin/exports/candidatures/", {"format": "xlsx"})
            )
        )
    )
    for row in workbook.active.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula"


def test_csv_and_json_exports(programme_client, candidatures):
    text = download(
        programme_client.get("/admin/exports/candidatures/", {"format": "csv"})
    ).decode("utf-8-sig")
    rows = list(csv.reader(StringIO(text), delimiter=";"))
    assert rows[0][0] == "Référence" and rows[1][4] == "'" + HOSTILE[0]
    data = json.loads(
        download(
            programme_client.get("/admin/exports/candidatures/", {"format": "json"})
        )
    )
    assert data[0]["Nom"] == "'" + HOSTILE[0] and data[0]["Public concerné"] == "Agents"


def test_answers_are_exported_as_stored_whatever_their_json(
    programme_client, form_page
):
    """Exports decode answers by a faster JSON decoder than Django's: an integer past
    64 bits (sent through the API, say) stays whole, as Django reads it (orjson, tried
    first, made it a float)."""
    CandidatureFactory(
        page=form_page,
        form_data={"le_probleme": "Délais", "idee": 123456789012345678901234567890},
    )
    text = download(
        programme_client.get("/admin/exports/candidatures/", {"format": "csv"})
    ).decode("utf-8-sig")
    header, row = list(csv.reader(StringIO(text), delimiter=";"))
    answers = dict(zip(header, row, strict=True))
    assert answers["Le problème"] == "Délais"
    assert answers["Idée"] == "123456789012345678901234567890"


def test_ods_export_opens(programme_client, candidatures):
    import tablib

    content = download(
        programme_client.get("/admin/exports/candidatures/", {"format": "ods"})
    )
    dataset = tablib.Dataset().load(content, format="ods")
    assert dataset.headers[0] == "Référence"
    assert len(dataset) == len(candidatures)


def test_export_follows_the_list_filters(programme_client, candidatures):
    rows = xlsx_rows(
        download(
            programme_client.get(
                "/admin/exports/candidatures/",
                {"format": "xlsx", "administration": "Administration 2"},
            )
        )
    )
    assert [row[0] for row in rows[1:]] == [candidatures[2].reference]


def test_large_exports_run_in_the_background(programme_client, candidatures, settings):
    settings.AMORCE_EXPORT_SYNC_LIMIT = 2
    response = programme_client.get("/admin/exports/candidatures/", {"format": "csv"})
    assert response.status_code == 302 and response.url == "/admin/exports/"
    job = ExportJob.objects.get()
    assert job.state == "done" and job.done == job.total == len(candidatures)
    page = programme_client.get("/admin/exports/").content.decode()
    assert "Prêt" in page
    file_response = programme_client.get(f"/admin/exports/fichiers/{job.pk}/")
    assert file_response.status_code == 200
    assert candidatures[0].reference.encode() in download(file_response)


@pytest.mark.parametrize("group", ["Communication", "Jury"])
def test_only_the_programme_team_exports(client, candidatures, group):
    user = User.objects.create_user("x", "x@example.org", "x")
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    assert client.get(
        "/admin/exports/candidatures/", {"format": "xlsx"}
    ).status_code in (302, 403)


def test_round_exports_evaluations_and_ranking(programme_client, call, candidatures):
    juror = User.objects.create_user(
        "alice", "alice@example.org", "x", first_name="Alice", last_name="Durand"
    )
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(*candidatures)
    criteria = list(call.criteria.all())
    Evaluation.objects.create(
        round=review_round,
        candidature=candidatures[1],
        member=juror,
        scores={str(c.pk): c.scale_max for c in criteria},
        comment="=1+1",
        submitted_at=timezone.now(),
    )
    evaluations = xlsx_rows(
        download(
            programme_client.get(
                f"/admin/exports/tours/{review_round.pk}/evaluations/",
                {"format": "xlsx"},
            )
        )
    )
    assert evaluations[0][:4] == [
        "Référence",
        "Candidat ou candidate",
        "Membre",
        "Adresse du membre",
    ]
    assert evaluations[0][4:7] == [
        "Ampleur du problème (0–5)",
        "Motivation (0–5)",
        "Idée de solution (0–10)",
    ]
    assert (
        evaluations[1][2] == "Alice Durand"
        and evaluations[1][7] == 100
        and evaluations[1][8] == "'=1+1"
    )
    ranking = xlsx_rows(
        download(
            programme_client.get(
                f"/admin/exports/tours/{review_round.pk}/ranking/", {"format": "xlsx"}
            )
        )
    )
    assert ranking[1][:2] == [1, candidatures[1].reference]
    export = xlsx_rows(
        download(
            programme_client.get("/admin/exports/candidatures/", {"format": "xlsx"})
        )
    )
    version = criteria_version(criteria)
    assert export[0][-3:] == [
        f"Pré-sélection (jury) : note pondérée /100 (critères v. {version})",
        "Pré-sélection (jury) : évaluations",
        "Pré-sélection (jury) : écart-type",
    ]
    # Each round export says which criteria it used: labels, weights, scales.
    summary = (
        f"Critères v. {version} — Ampleur du problème × 2 (0–5) ; "
        "Motivation × 1 (0–5) ; Idée de solution × 1 (0–10)"
    )
    assert ranking[0][-1] == "Critères" and ranking[1][-1] == summary
    assert evaluations[0][-1] == "Critères" and evaluations[1][-1] == summary


def test_export_command(tmp_path, candidatures, call):
    output = tmp_path / "candidatures.xlsx"
    out = StringIO()
    call_command("export_candidatures", str(output), "--call", str(call.pk), stdout=out)
    assert f"{len(candidatures)} candidature(s)" in out.getvalue()
    assert len(xlsx_rows(output.read_bytes())) == 1 + len(candidatures)


def test_old_exports_are_purged_with_their_files(
    programme_client, candidatures, settings
):
    from django.core.files.storage import storages

    settings.AMORCE_EXPORT_SYNC_LIMIT = 1
    programme_client.get("/admin/exports/candidatures/", {"format": "csv"})
    job = ExportJob.objects.get()
    name = job.file.name
    assert storages["private"].exists(name)
    out = StringIO()
    call_command("purge_exports", "--days", "7", stdout=out)
    assert ExportJob.objects.count() == 1, "a fresh export stays"
    ExportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    call_command("purge_exports", "--days", "7", stdout=out)
    assert not ExportJob.objects.exists()
    assert not storages["private"].exists(name)
    assert "1 export(s) supprimé(s)." in out.getvalue()
