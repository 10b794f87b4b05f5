"""Decisions imported from a spreadsheet filled offline: all rows or none."""

import io

import openpyxl
import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from forms.factories import CandidatureFactory
from forms.models import Candidature, CandidatureStatusChange

pytestmark = pytest.mark.django_db


def sheet(rows, name="decisions.xlsx"):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Référence", "Statut", "Motif"])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def eligible(form_page):
    return [CandidatureFactory(page=form_page, status="eligible") for _ in range(3)]


def errors_of(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        li.get_text(" ", strip=True) for li in soup.select(".amorce-import-errors li")
    ]


def test_valid_file_is_previewed_then_imported_on_confirmation(
    programme_client, eligible
):
    upload = sheet(
        [
            [eligible[0].reference, "Pré-sélectionnée", ""],
            [
                eligible[1].reference,
                "Non pré-sélectionnée",
                "Trop proche d'un projet existant",
            ],
        ]
    )
    preview = programme_client.post(
        "/admin/exports/importer-des-decisions/", {"file": upload}
    )
    soup = BeautifulSoup(preview.content, "html.parser")
    assert len(soup.select(".amorce-import-preview tbody tr")) == 2
    assert Candidature.objects.filter(status="eligible").count() == 3, (
        "the preview saves nothing"
    )
    stored = soup.select_one('input[name="stored"]')["value"]
    done = programme_client.post(
        "/admin/exports/importer-des-decisions/", {"stored": stored, "confirm": "1"}
    )
    assert done.status_code == 302
    statuses = dict(Candidature.objects.values_list("reference", "status"))
    assert statuses[eligible[0].reference] == "preselected"
    assert statuses[eligible[1].reference] == "not_preselected"
    change = CandidatureStatusChange.objects.get(to_status="not_preselected")
    assert (
        change.reason == "Trop proche d'un projet existant"
        and change.user.username == "paula"
    )


def test_any_invalid_row_is_reported_with_its_line_and_nothing_is_saved(
    programme_client, eligible
):
    upload = sheet(
        [
            [eligible[0].reference, "Pré-sélectionnée", ""],
            ["AMO-1999-9999", "Pré-sélectionnée", ""],
            [eligible[1].reference, "Non pré-sélectionnée", ""],
            [eligible[2].reference, "Lauréate", ""],
            [eligible[2].reference, "Peut-être", ""],
        ]
    )
    response = programme_client.post(
        "/admin/exports/importer-des-decisions/", {"file": upload}
    )
    errors = errors_of(response)
    assert any(e.startswith("Ligne 3") and "Référence inconnue" in e for e in errors), (
        errors
    )
    assert any(e.startswith("Ligne 4") and "motif" in e for e in errors), errors
    assert any(e.startswith("Ligne 5") and "ne peut pas passer" in e for e in errors), (
        errors
    )
    assert any(e.startswith("Ligne 6") and "Statut inconnu" in e for e in errors), (
        errors
    )
    assert not any(e.startswith("Ligne 2") for e in errors)
    assert Candidature.objects.filter(status="eligible").count() == 3
    assert not CandidatureStatusChange.objects.exists()


def test_csv_with_semicolons_is_read(programme_client, eligible):
    content = f"Référence;Statut;Motif\n{eligible[0].reference};preselected;\n".encode(
        "utf-8-sig"
    )
    response = programme_client.post(
        "/admin/exports/importer-des-decisions/",
        {"file": SimpleUploadedFile("d.csv", content)},
    )
    assert "Aperçu" in response.content.decode()


def test_unreadable_file_gets_a_french_message(programme_client):
    response = programme_client.post(
        "/admin/exports/importer-des-decisions/",
        {"file": SimpleUploadedFile("d.pdf", b"%PDF-1.4")},
    )
    assert "Format non pris en charge" in response.content.decode()


def test_jury_cannot_import(client):
    user = User.objects.create_user("j", "j@example.org", "x")
    user.groups.add(Group.objects.get(name="Jury"))
    client.force_login(user)
    assert client.get("/admin/exports/importer-des-decisions/").status_code in (
        302,
        403,
    )


def evaluation_sheet(round_, rows):
    criteria = list(round_.call.criteria.all())
    workbook = openpyxl.Workbook()
    workbook.active.append(
        [
            "Référence",
            "Adresse du membre",
            *[f"{c.label} ({c.scale_min}–{c.scale_max})" for c in criteria],
            "Commentaire",
            "Conflit d'intérêts",
        ]
    )
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("evaluations.xlsx", buffer.getvalue())


def test_evaluations_round_trip_through_a_spreadsheet(programme_client, call, eligible):
    from selection.models import Evaluation, ReviewRound, RoundMember

    juror = User.objects.create_user("alice", "alice@example.org", "x")
    review_round = ReviewRound.objects.create(call=call, kind="preselection")
    RoundMember.objects.create(round=review_round, user=juror)
    review_round.candidatures.add(*eligible)
    url = f"/admin/exports/tours/{review_round.pk}/importer-des-evaluations/"
    bad = evaluation_sheet(
        review_round,
        [
            [eligible[0].reference, "alice@example.org", 4, 3, 8, "Solide", "Non"],
            [eligible[1].reference, "alice@example.org", 9, 3, 8, "", "Non"],
            [eligible[2].reference, "bob@example.org", 1, 1, 1, "", "Non"],
        ],
    )
    response = programme_client.post(url, {"file": bad})
    errors = errors_of(response)
    assert any(e.startswith("Ligne 3") and "se note de 0 à 5" in e for e in errors), (
        errors
    )
    assert any(
        e.startswith("Ligne 4") and "n'est pas membre de ce tour" in e for e in errors
    ), errors
    assert not Evaluation.objects.exists()

    good = evaluation_sheet(
        review_round,
        [
            [eligible[0].reference, "alice@example.org", 4, 3, 8, "Solide", "Non"],
            [eligible[1].reference, "alice@example.org", None, None, None, "", "Oui"],
        ],
    )
    preview = BeautifulSoup(
        programme_client.post(url, {"file": good}).content, "html.parser"
    )
    stored = preview.select_one('input[name="stored"]')["value"]
    programme_client.post(url, {"stored": stored, "confirm": "1"})
    scored = Evaluation.objects.get(candidature=eligible[0])
    assert scored.comment == "Solide" and sorted(scored.scores.values()) == [
        3.0,
        4.0,
        8.0,
    ]
    assert Evaluation.objects.get(candidature=eligible[1]).conflict_of_interest


def test_a_waiting_import_is_only_its_uploaders(client, programme_client, eligible):
    """Another team member cannot preview or confirm a spreadsheet they did not send."""
    upload = sheet(
        [[eligible[0].reference, "Non pré-sélectionnée", "Motif confidentiel"]]
    )
    url = "/admin/exports/importer-des-decisions/"
    preview = BeautifulSoup(
        programme_client.post(url, {"file": upload}).content, "html.parser"
    )
    stored = preview.select_one('input[name="stored"]')["value"]
    assert "decisions" not in stored, "a name nobody can guess"

    colleague = User.objects.create_user("colleague", password="x")
    colleague.groups.add(Group.objects.get(name="Équipe programme"))
    client.force_login(colleague)
    for data in ({"stored": stored}, {"stored": stored, "confirm": "1"}):
        response = client.post(url, data)
        assert "Motif confidentiel" not in response.content.decode()
        assert errors_of(response) == [
            "Le fichier à importer a expiré : envoyez-le à nouveau."
        ]
    assert Candidature.objects.filter(status="eligible").count() == 3


def test_unconfirmed_imports_are_purged_after_a_day(programme_client, eligible):
    import datetime as dt
    import os
    from io import StringIO

    from django.core.files.storage import storages
    from django.core.management import call_command

    upload = sheet([[eligible[0].reference, "Pré-sélectionnée", ""]])
    preview = programme_client.post(
        "/admin/exports/importer-des-decisions/", {"file": upload}
    )
    stored = BeautifulSoup(preview.content, "html.parser").select_one(
        'input[name="stored"]'
    )["value"]
    storage = storages["private"]
    out = StringIO()
    call_command("purge_exports", stdout=out)
    assert storage.exists(stored), "a fresh one waits for its confirmation"
    old = (dt.datetime.now() - dt.timedelta(hours=25)).timestamp()
    os.utime(storage.path(stored), (old, old))
    call_command("purge_exports", stdout=out)
    assert not storage.exists(stored)
    assert "1 tableau(x) d'import non confirmé(s) supprimé(s)." in out.getvalue()
