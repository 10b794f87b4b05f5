"""Drafts, versions and the thread are personal data like the rest: exported,
erased, and gone after the retention."""

import datetime as dt
import json
import zipfile
from io import StringIO

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import Client, TestCase, override_settings

from applicants.models import ApplicantLink, Message, MessageAttachment
from applicants.thread import post_message
from forms.builder import issue_token
from forms.models import Candidature, CandidatureVersion, Draft, DraftAttachment
from tests.forms.helpers import PDF, answers, post_form, upload

pytestmark = pytest.mark.django_db

CAMILLE = "camille.martin@example.gouv.fr"


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def everything(form_page, paula):
    """A candidature with a previous version and a thread, and a draft, of one address."""
    post_form(Client(), form_page, answers())
    candidature = Candidature.objects.get()
    CandidatureVersion.objects.create(
        candidature=candidature,
        number=1,
        definition=candidature.definition,
        form_data={"le_probleme": "Camille Martin, première version"},
        applicant_name="Camille Martin",
        administration="Préfecture",
        submitted_at=candidature.submit_time,
        changed_fields=["le_probleme"],
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        post_message(
            candidature,
            author=Message.Author.APPLICANT,
            body="Je suis Camille Martin, joignable au 06 12 34 56 78.",
            files=[upload("cv-camille.pdf", PDF)],
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(
            f"{form_page.url}?amorce_action=brouillon",
            {
                **answers(le_probleme="Un second projet de Camille"),
                "jeton": issue_token(form_page),
                "pieces_jointes": upload("brouillon-camille.pdf", PDF),
            },
        )
    return candidature


def test_the_export_holds_the_thread_the_versions_and_the_drafts(everything, tmp_path):
    path = tmp_path / "camille.zip"
    run("applicant_data", CAMILLE, "--export", str(path))
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("donnees.json"))
        [candidature] = data["candidatures"]
        [message] = candidature["messages"]
        assert "joignable au 06" in message["texte"]
        [sent] = message["pieces_jointes"]
        assert sent["nom"] == "cv-camille.pdf"
        assert archive.read(sent["fichier"]) == PDF
        [version] = candidature["versions_precedentes"]
        assert version["reponses"]["le_probleme"] == "Camille Martin, première version"
        [draft] = data["brouillons"]
        assert draft["reponses"]["le_probleme"] == "Un second projet de Camille"
        [file] = draft["pieces_jointes"]
        assert archive.read(file["fichier"]) == PDF


def test_erasure_empties_the_thread_and_versions_and_removes_drafts(everything):
    message_file = MessageAttachment.objects.get().file.name
    draft_file = DraftAttachment.objects.get().file.name
    storage = storages["private"]
    assert storage.exists(message_file) and storage.exists(draft_file)

    run("applicant_data", CAMILLE, "--erase", "--yes")

    message = Message.objects.get()
    assert message.body == ""
    assert not MessageAttachment.objects.exists()
    assert not storage.exists(message_file)
    version = CandidatureVersion.objects.get()
    assert version.form_data == {} and "Camille" not in version.applicant_name
    assert not Draft.objects.exists()
    assert not storage.exists(draft_file)
    assert not ApplicantLink.objects.filter(candidature=everything).exists()


def test_drafts_go_when_the_call_retention_ends(everything, form_page):
    from privacy.services import retention_end

    end = retention_end(form_page.call)
    draft_file = DraftAttachment.objects.get().file.name
    out = run(
        "anonymise_candidatures", "--now", (end - dt.timedelta(days=1)).isoformat()
    )
    assert "brouillon(s) jamais envoyé(s) supprimé(s)" not in out  # not yet
    assert Draft.objects.exists()
    out = run(
        "anonymise_candidatures",
        "--now",
        (end + dt.timedelta(days=1)).isoformat(),
    )
    assert "1 brouillon(s) jamais envoyé(s) supprimé(s)" in out
    assert not Draft.objects.exists()
    assert not storages["private"].exists(draft_file)


def test_links_past_their_age_leave_with_the_daily_job(everything):
    assert ApplicantLink.objects.exists()
    run("anonymise_candidatures")
    assert ApplicantLink.objects.exists()  # still able to open something
    with override_settings(AMORCE_APPLICANT_LINK_MAX_AGE=-1):
        run("anonymise_candidatures")
    assert not ApplicantLink.objects.exists()
