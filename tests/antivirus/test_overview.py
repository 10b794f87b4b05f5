"""The team's view of the antivirus (dashboard panel, quarantine page): what
waits, what clamd could not take after a try, the last scan; read once a
kind of file, whatever their number."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.antivirus import ScanState, overview, scanned_models
from forms.factories import CandidatureFactory
from forms.models import CandidatureAttachment

pytestmark = pytest.mark.django_db


def attachment(candidature, state, attempts=0, scanned_at=None):
    return CandidatureAttachment.objects.create(
        candidature=candidature,
        field_name="pieces",
        file=ContentFile(b"%PDF-1.4 piece", name="piece.pdf"),
        original_name="piece.pdf",
        content_type="application/pdf",
        size=14,
        sha256="0" * 64,
        scan_state=state,
        scan_attempts=attempts,
        scanned_at=scanned_at,
    )


def test_the_overview_counts_waiting_and_stuck_files_and_the_last_scan(form_page):
    candidature = CandidatureFactory(page=form_page)
    last = timezone.now() - dt.timedelta(hours=2)
    attachment(candidature, ScanState.PENDING)
    attachment(candidature, ScanState.PENDING, attempts=2)
    attachment(candidature, ScanState.CLEAN, attempts=1, scanned_at=last)
    attachment(candidature, ScanState.CLEAN, scanned_at=last - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        state = overview()
    assert (state["pending"], state["stuck"]) == (2, 1)
    assert state["last_scan"] == last
    # One read a kind of file (dossiers, drafts, messages), not three.
    assert len(queries) == len(scanned_models())
