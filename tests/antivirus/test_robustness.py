"""The scan path holds when the world moves under it: a row deleted while its
file is scanned, a file that cannot be read, clamd falling silent in the middle
of ``scan_pending --unscanned``."""

import io
import socket
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from core.antivirus import ScanState, scan, scan_file
from forms.models import Candidature, CandidatureAttachment
from tests.clamd import EICAR
from tests.forms.helpers import PDF, answers, post_form, upload

from .test_scanning import submit

pytestmark = pytest.mark.django_db


def submit_two(page, first, second):
    """One candidature with two files: their rows, in the order sent."""
    post_form(
        Client(),
        page,
        answers(le_probleme="Deux fichiers.", public_concerne=None, idee=None),
        files={"pieces_jointes": [upload(*first), upload(*second)]},
    )
    attachments = {
        a.original_name: a for a in Candidature.objects.get().attachments.all()
    }
    return attachments[first[0]], attachments[second[0]]


class HalfClamd:
    """Answers PING and VERSION, then hangs up on every INSTREAM: clamd dying mid-scan."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        host, port = self.listener.getsockname()
        self.address = f"tcp://{host}:{port}"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                command = connection.makefile("rb").readline()
                if b"PING" in command:
                    connection.sendall(b"PONG\n")
                elif b"VERSION" in command:
                    connection.sendall(b"ClamAV 1.4.0/27000/Mon Nov 30 2026\n")

    def close(self):
        self.listener.close()


def test_a_row_deleted_while_its_file_is_scanned_is_no_error(antivirus, page):
    """A draft sent (its files' rows deleted) while the task scanned one."""
    attachment = submit(page, "note.pdf", PDF).attachments.get()
    CandidatureAttachment.objects.filter(pk=attachment.pk).update(
        scan_state=ScanState.PENDING
    )
    attachment.refresh_from_db()
    CandidatureAttachment.objects.filter(pk=attachment.pk).delete()
    assert scan(attachment) is None
    assert not CandidatureAttachment.objects.filter(pk=attachment.pk).exists()
    assert scan_file.call(attachment._meta.label, str(attachment.pk)) is None


def test_a_row_deleted_while_clamd_is_silent_queues_no_retry(
    antivirus, settings, page, tmp_path
):
    settings.AMORCE_CLAMD = f"unix://{tmp_path}/nobody.sock"
    attachment = submit(page, "note.pdf", PDF).attachments.get()
    assert attachment.scan_state == ScanState.PENDING
    CandidatureAttachment.objects.filter(pk=attachment.pk).delete()
    assert scan(attachment) is None


def test_scan_pending_goes_on_after_a_file_it_cannot_scan(
    antivirus, settings, page, tmp_path
):
    """One file's scan raising does not leave the others unscanned."""
    settings.AMORCE_CLAMD = f"unix://{tmp_path}/nobody.sock"
    broken, healthy = submit_two(page, ("casse.pdf", PDF), ("note.pdf", PDF))
    assert {broken.scan_state, healthy.scan_state} == {ScanState.PENDING}
    # The storage gives an error that is not « no such file » (a folder there).
    folder = "pieces/un-dossier"
    from core.files import private_storage

    private_storage().save(f"{folder}/garde.txt", io.BytesIO(b"x"))
    CandidatureAttachment.objects.filter(pk=broken.pk).update(file=folder)
    settings.AMORCE_CLAMD = antivirus.address
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 fichier\\(s\\) a échoué"):
        call_command("scan_pending", stdout=out)
    assert "analysé, sain : 1" in out.getvalue()
    assert "échec de l'analyse (voir le journal) : 1" in out.getvalue()
    healthy.refresh_from_db()
    broken.refresh_from_db()
    assert healthy.scan_state == ScanState.CLEAN
    assert broken.scan_state == ScanState.PENDING


@pytest.mark.parametrize("before", [ScanState.LEGACY, ScanState.OFF])
def test_clamd_dropping_during_scan_pending_unscanned_leaves_files_as_they_were(
    antivirus, settings, page, before
):
    settings.AMORCE_ANTIVIRUS = False
    first, second = submit_two(page, ("ancien.txt", EICAR), ("autre.pdf", PDF))
    CandidatureAttachment.objects.update(scan_state=before)
    settings.AMORCE_ANTIVIRUS = True
    half = HalfClamd()
    settings.AMORCE_CLAMD = half.address
    try:
        out = io.StringIO()
        with pytest.raises(CommandError, match="ne répond pas"):
            call_command("scan_pending", unscanned=True, stdout=out)
    finally:
        half.close()
    assert "laissé tel quel" in out.getvalue()
    for attachment in (first, second):
        attachment.refresh_from_db()
        assert attachment.scan_state == before  # still downloadable, not 423
    # clamd back: the same command scans them.
    settings.AMORCE_CLAMD = antivirus.address
    call_command("scan_pending", unscanned=True, stdout=io.StringIO())
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.scan_state, second.scan_state) == (
        ScanState.INFECTED,
        ScanState.CLEAN,
    )
