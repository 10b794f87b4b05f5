"""What a browser may open without an account: the drafts and dossiers it opened.

A link sent by email (``applicants.links``), or saving a draft, puts the draft
or the dossier in the browser's session for ``AMORCE_APPLICANT_SESSION_AGE``
seconds; nothing else opens them.
"""

import time

from django.conf import settings

SESSION_KEY = "amorce_applicant"


def session_age():
    return getattr(settings, "AMORCE_APPLICANT_SESSION_AGE", 12 * 3600)


def grant(request, kind, pk, *, new_key=False):
    """Let this browser open ``pk`` of ``kind`` (« drafts », « candidatures ») for a while.

    ``new_key``: a link was just opened, the session gets a new key (a key
    planted before cannot ride on it). A grant still fresh is not written
    again (an autosave every few seconds does not rewrite the session).
    """
    grants = request.session.get(SESSION_KEY, {})
    opened = grants.get(kind, {}).get(str(pk))
    if opened is not None and time.time() - opened < session_age() / 2:
        return
    if new_key:
        request.session.cycle_key()
    grants.setdefault(kind, {})[str(pk)] = time.time()
    request.session[SESSION_KEY] = grants
    request.session.modified = True


def granted(request, kind, pk):
    """Whether this browser opened ``pk`` of ``kind`` lately."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    opened = session.get(SESSION_KEY, {}).get(kind, {}).get(str(pk))
    return opened is not None and time.time() - opened < session_age()
