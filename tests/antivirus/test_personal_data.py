"""What the antivirus leaves about a person: the history entries of a file it
refused name nobody once the candidature is anonymised, and the applicant's
export hands out no file it has not cleared, saying why."""

import json
import zipfile

import pytest
from django.db import transaction
from django.test import Client
from wagtail.models import ModelLogEntry

from core.antivirus import ScanState
from forms.models import Candidature
from privacy.services import anonymise, export_applicant
from tests.clamd import EICAR
from tests.forms.helpers import PDF, answers, post_form, upload

pytestmark = pytest.mark.django_db

INFECTED_NAME = "cv-camille-martin.pdf"


@pytest.fixture
def candidature(antivirus, page):
    """A candidature whose CV the antivirus refused, and a note it cleared."""
    post_form(
        Client(),
        page,
        answers(le_probleme="Un problème réel.", public_concerne=None, idee=None),
        files={
            "pieces_jointes": [
                upload(INFECTED_NAME, b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n"),
                upload("note.pdf", PDF),
            ]
        },
    )
    candidature = Candidature.objects.get()
    states = {a.original_name: a.scan_state for a in candidature.attachments.all()}
    assert states == {INFECTED_NAME: ScanState.INFECTED, "note.pdf": ScanState.CLEAN}
    return candidature


def test_anonymisation_leaves_no_file_name_in_the_antivirus_history(candidature):
    [entry] = ModelLogEntry.objects.filter(action="amorce.antivirus.quarantined")
    assert entry.data["name"] == INFECTED_NAME  # the team sees it until then
    with transaction.atomic():
        anonymise(Candidature.objects.filter(pk=candidature.pk))
    everything = json.dumps(
        list(
            ModelLogEntry.objects.filter(object_id=str(candidature.pk)).values(
                "label", "data"
            )
        )
    )
    assert "camille" not in everything.casefold()
    assert "EICAR" not in everything  # what clamd said of the file goes too
    entry.refresh_from_db()
    assert entry.data == {"state": ScanState.INFECTED}


def test_the_export_hands_out_no_file_the_antivirus_has_not_cleared(
    candidature, tmp_path
):
    candidature.attachments.filter(original_name="note.pdf").update(
        scan_state=ScanState.PENDING
    )
    path = tmp_path / "export.zip"
    _candidatures, _investigations, missing = export_applicant(
        candidature.applicant_email, path
    )
    assert missing == []
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["donnees.json"]
        data = json.loads(archive.read("donnees.json"))
    files = {f["nom"]: f for f in data["candidatures"][0]["pieces_jointes"]}
    infected, pending = files[INFECTED_NAME], files["note.pdf"]
    assert infected["fichier"] is None and pending["fichier"] is None
    assert infected["analyse"] == "en quarantaine : virus détecté"
    assert "détecté un virus" in infected["non_joint"]
    assert pending["analyse"] == "analyse en cours"
    assert "n'était pas terminée" in pending["non_joint"]
