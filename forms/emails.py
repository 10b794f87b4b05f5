"""The emails that follow a candidature: receipt to the applicant, notice to the team."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import email_subject

from .models.candidatures import Candidature
from .receipts import render_receipt_pdf

logger = logging.getLogger("amorce.forms")


class Letterhead:
    """Who writes for a call: its site's sender, contact and address.

    On an instance shared by several incubators, each writes in its own name:
    the From shows the site's service, replies go to the site's contact, and
    links lead to the site's host. The default site's links use the admin
    address the instance names (``WAGTAILADMIN_BASE_URL``).
    """

    def __init__(self, call):
        site = call.get_site()
        self.identity = call.site_identity
        if site is None or site.is_default_site:
            self.base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        else:
            self.base_url = site.root_url

    def message(self, subject, body, to, invite_reply=True):
        """An email from the site; ``invite_reply``: replies go to its contact.

        The subject is brought to one line: a name or a title pasted with a
        line break would otherwise fail the email at every attempt.
        """
        return EmailMessage(
            subject=email_subject(subject),
            body=body,
            from_email=self.identity.sender,
            reply_to=self.identity.reply_to if invite_reply else [],
            to=to,
        )

    def url(self, path):
        return f"{self.base_url}{path}"


def summary_rows(candidature):
    return [(row["label"], row["display"] or "—") for row in candidature.answers()]


def _fill(template, candidature):
    return template.replace("{reference}", candidature.reference)


# What other apps add to the receipt: functions of (candidature, letterhead)
# answering more context (the applicants app: the link to the dossier).
RECEIPT_EXTRAS = []


def build_confirmation(candidature):
    page = candidature.page.specific
    letterhead = Letterhead(candidature.call)
    context = {
        "candidature": candidature,
        "call": candidature.call,
        "identity": letterhead.identity,
        "intro": _fill(page.confirmation_email_body, candidature),
        "rows": summary_rows(candidature),
    }
    for extra in RECEIPT_EXTRAS:
        context.update(extra(candidature, letterhead))
    message = letterhead.message(
        _fill(page.confirmation_email_subject, candidature),
        render_to_string("forms/emails/confirmation.txt", context),
        [candidature.applicant_email],
    )
    try:
        message.attach(
            f"accuse-de-reception-{candidature.reference}.pdf",
            render_receipt_pdf(candidature),
            "application/pdf",
        )
    except Exception:  # a receipt that cannot be drawn must not hold the email back
        logger.exception("receipt PDF of %s failed", candidature.reference)
    return message


def build_notification(candidature):
    page = candidature.page.specific
    recipients = [
        address.strip()
        for address in page.notification_emails.split(",")
        if address.strip()
    ]
    if not recipients:
        return None
    letterhead = Letterhead(candidature.call)
    term = letterhead.identity.term_candidature
    context = {
        "candidature": candidature,
        "call": candidature.call,
        "term": term,
        "admin_url": letterhead.url(
            reverse("candidatures:inspect", args=[candidature.pk])
        ),
    }
    subject = _("%(term)s %(reference)s — %(call)s") % {
        "term": term[:1].upper() + term[1:],
        "reference": candidature.reference,
        "call": candidature.call.title,
    }
    # An internal notice: not an invitation to write to the site's contact.
    return letterhead.message(
        subject,
        render_to_string("forms/emails/notification.txt", context),
        recipients,
        invite_reply=False,
    )


def send_candidature_emails(candidature_id):
    """Send what has not been sent yet. Safe to run again after a failure."""
    candidature = (
        Candidature.objects.select_related("definition", "call", "page")
        .prefetch_related("attachments")
        .get(pk=candidature_id)
    )
    try:
        if candidature.confirmation_sent_at is None:
            build_confirmation(candidature).send()
            candidature.confirmation_sent_at = timezone.now()
            Candidature.objects.filter(pk=candidature.pk).update(
                confirmation_sent_at=candidature.confirmation_sent_at, email_error=""
            )
        if candidature.notification_sent_at is None:
            message = build_notification(candidature)
            if message is not None:
                message.send()
            Candidature.objects.filter(pk=candidature.pk).update(
                notification_sent_at=timezone.now()
            )
    except Exception as error:
        logger.exception("emails of candidature %s failed", candidature.reference)
        with transaction.atomic():
            Candidature.objects.filter(pk=candidature.pk).update(
                email_error=f"{type(error).__name__}: {error}"[:2000]
            )
        raise
