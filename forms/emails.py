"""The emails that follow a candidature: receipt to the applicant, notice to the team."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Candidature

logger = logging.getLogger("amorce.forms")


def summary_rows(candidature):
    return [(row["label"], row["display"] or "—") for row in candidature.answers()]


def _fill(template, candidature):
    return template.replace("{reference}", candidature.reference)


def build_confirmation(candidature):
    page = candidature.page.specific
    context = {
        "candidature": candidature,
        "call": candidature.call,
        "intro": _fill(page.confirmation_email_body, candidature),
        "rows": summary_rows(candidature),
    }
    message = EmailMessage(
        subject=_fill(page.confirmation_email_subject, candidature),
        body=render_to_string("forms/emails/confirmation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[candidature.applicant_email],
    )
    try:
        from exports.pdf import render_receipt_pdf

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
    context = {
        "candidature": candidature,
        "call": candidature.call,
        "admin_url": f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/admin/candidatures/inspect/{candidature.pk}/",
    }
    return EmailMessage(
        subject=f"Nouvelle candidature {candidature.reference} — {candidature.call.title}",
        body=render_to_string("forms/emails/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
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
