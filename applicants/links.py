"""Links sent by email that open one draft or one dossier, once.

The address carries the link's id, signed for this single purpose and dated:
a forged address fails the signature, an old one the date
(``AMORCE_APPLICANT_LINK_MAX_AGE``), a used one the row's ``used_at``. Opening
it (a POST: a mail scanner that follows links opens nothing) lets the browser
open the draft or the dossier for a while (``forms.access``).
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from cms_pages.models import CallStatus
from forms.access import grant
from forms.models import Candidature, Draft

from .models import ApplicantLink

SALT = "amorce.applicant.link"


def link_max_age():
    return getattr(settings, "AMORCE_APPLICANT_LINK_MAX_AGE", 7 * 24 * 3600)


def link_days():
    return max(1, link_max_age() // 86400)


def issue_link(*, email, draft=None, candidature=None):
    """A new link to ``draft`` or ``candidature``, for ``email``: its signed token."""
    link = ApplicantLink.objects.create(
        email=email, draft=draft, candidature=candidature
    )
    return signing.dumps(str(link.pk), salt=SALT)


class LinkRefused(Exception):  # noqa: N818 - reads as what happened
    """Why a link opens nothing: « forged », « expired » or « used »."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


def read_link(token):
    """The link this token names, still unused; ``LinkRefused`` otherwise."""
    try:
        link_id = signing.loads(token, salt=SALT, max_age=link_max_age())
    except signing.SignatureExpired:
        raise LinkRefused("expired") from None
    except signing.BadSignature:
        raise LinkRefused("forged") from None
    link = (
        ApplicantLink.objects.select_related("draft__call", "candidature__call")
        .filter(pk=link_id)
        .first()
    )
    if link is None:  # signed by us, but what it opened is gone (a draft sent)
        raise LinkRefused("expired")
    if link.used_at is not None:
        raise LinkRefused("used")
    return link


def use_link(request, token):
    """Open the link once: the browser's session holds its draft or dossier."""
    with transaction.atomic():
        link = read_link(token)
        used = ApplicantLink.objects.filter(pk=link.pk, used_at=None).update(
            used_at=timezone.now()
        )
        if not used:  # opened at the same moment elsewhere
            raise LinkRefused("used")
    if link.draft_id:
        grant(request, "drafts", link.draft_id, new_key=True)
    if link.candidature_id:
        grant(request, "candidatures", link.candidature_id, new_key=True)
    return link


def dossiers_of(email, site):
    """The open drafts and the dossiers of ``email`` on ``site`` (as the links email)."""
    under_site = {"call__path__startswith": site.root_page.path} if site else {}
    drafts = [
        draft
        for draft in Draft.objects.filter(email__iexact=email, **under_site)
        .select_related("call")
        .order_by("created_at")
        if draft.call.status == CallStatus.OPEN
    ]
    candidatures = list(
        Candidature.objects.filter(
            applicant_email__iexact=email, anonymised_at=None, **under_site
        )
        .select_related("call")
        .order_by("submit_time")
    )
    return drafts, candidatures
