"""The emails that follow a candidature: receipt to the applicant, notice to the team.

Every email the product writes goes through ``Letterhead.message``: an HTML
part drawn on the site's letterhead (``forms/emails/base.html``: its name in
text, its colour, the reply sentence) and a plain-text part that says the same
things, links written out in full, for a client that reads only text. A text
written by the team (a confirmation, a decision) becomes HTML through
``text_to_html``: escaped, its addresses made links, its paragraphs kept.

What was sent or prepared for a candidature is listed on its page in the
admin; the apps that send emails about it say which, through
``CANDIDATURE_EMAILS``.
"""

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html, linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.text import email_subject

from .models.candidatures import Candidature
from .receipts import render_receipt_pdf

logger = logging.getLogger("amorce.forms")


def text_to_html(text):
    """A plain text (the team's, with an applicant's words in it) as safe HTML.

    Escaped first, so that nothing written in it runs as HTML; then its web
    and email addresses become links and its blank lines paragraphs.
    """
    return mark_safe(linebreaks(urlize(text or "", autoescape=True)))  # noqa: S308 (escaped by urlize)


class Letterhead:
    """Who writes for a call: its site's sender, contact, address and letterhead.

    On an instance shared by several incubators, each writes in its own name:
    the From shows the site's service, replies go to the site's contact, links
    lead to the site's host, and the HTML part wears the site's name and
    colour. The default site's links use the admin address the instance names
    (``WAGTAILADMIN_BASE_URL``).
    """

    def __init__(self, call):
        site = call.get_site()
        self.identity = call.site_identity
        self.accent = self.identity.accent_colour
        if site is None or site.is_default_site:
            self.base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        else:
            self.base_url = site.root_url

    def message(
        self, subject, to, *, template, context, invite_reply=True, attachments=()
    ):
        """An email from the site: ``{template}.txt``, with ``{template}.html`` as its
        HTML alternative, both rendered with ``context`` plus ``identity``,
        ``letterhead``, ``subject`` and ``invite_reply``.

        ``invite_reply``: replies go to the site's contact, and the footer says
        so. ``attachments``: (filename, content, mimetype) triples. Both parts
        are written in the site's language, whoever's request sends them. The
        subject is brought to one line: a name or a title pasted with a line
        break would otherwise fail the email at every attempt.
        """
        subject = email_subject(subject)
        context = {
            **context,
            "identity": self.identity,
            "letterhead": self,
            "subject": subject,
            "invite_reply": invite_reply,
        }
        with translation.override(settings.LANGUAGE_CODE):
            # The text part is plain text, not HTML known to be safe: a page
            # that shows it (the candidature's emails) must escape it.
            text = str.__str__(render_to_string(f"{template}.txt", context))
            html = render_to_string(f"{template}.html", context)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=self.identity.sender,
            reply_to=self.identity.reply_to if invite_reply else [],
            to=to,
        )
        message.attach_alternative(html, "text/html")
        for attachment in attachments:
            message.attach(*attachment)
        return message

    def url(self, path):
        return f"{self.base_url}{path}"

    @property
    def contact_link(self):
        """The site's contact address as a link, for the HTML part."""
        address = self.identity.contact_email
        if not address:
            return ""
        return format_html(
            '<a href="mailto:{0}" style="color:{1};">{0}</a>', address, self.accent
        )


def summary_rows(candidature):
    return [(row["label"], row["display"] or "—") for row in candidature.answers()]


def _fill(template, candidature):
    return template.replace("{reference}", candidature.reference)


# What other apps add to the receipt sent: functions of (candidature,
# letterhead) answering more context (the applicants app: a new link to the
# dossier).
RECEIPT_EXTRAS = []


def receipt_filename(candidature):
    return f"accuse-de-reception-{candidature.reference}.pdf"


def build_confirmation(candidature, sending=True):
    """The applicant's receipt, with its PDF and the extras of other apps.

    ``sending`` False: as the team reads it again, without its PDF and
    without issuing a new link to the dossier.
    """
    page = candidature.page.specific
    letterhead = Letterhead(candidature.call)
    attachments = []
    if sending:
        try:
            attachments.append(
                (
                    receipt_filename(candidature),
                    render_receipt_pdf(candidature),
                    "application/pdf",
                )
            )
        except Exception:  # a receipt that cannot be drawn must not hold the email back
            logger.exception("receipt PDF of %s failed", candidature.reference)
    context = {
        "candidature": candidature,
        "call": candidature.call,
        "intro": _fill(page.confirmation_email_body, candidature),
        "rows": summary_rows(candidature),
        "receipt_attached": bool(attachments),
    }
    if sending:
        for extra in RECEIPT_EXTRAS:
            context.update(extra(candidature, letterhead))
    return letterhead.message(
        _fill(page.confirmation_email_subject, candidature),
        [candidature.applicant_email],
        template="forms/emails/confirmation",
        context=context,
        attachments=attachments,
    )


def team_recipients(page):
    """The programme team's addresses a form's notices go to."""
    return [
        address.strip()
        for address in page.notification_emails.split(",")
        if address.strip()
    ]


def build_notification(candidature):
    page = candidature.page.specific
    recipients = team_recipients(page)
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
        recipients,
        template="forms/emails/notification",
        context=context,
        invite_reply=False,
    )


# The emails of a candidature, as its page in the admin lists them ------------


@dataclass(frozen=True)
class EmailRecord:
    """One email sent, or prepared, for a candidature: what the team reads of it.

    ``date``: when it left, else when it was prepared (None: not yet).
    ``body``: its text as the recipient reads it.
    """

    kind: str
    state: str
    date: datetime | None
    subject: str
    body: str
    recipients: tuple = ()
    attachments: tuple = ()
    error: str = ""


# Functions of a candidature returning its emails (``EmailRecord``): each app
# that writes about candidatures adds its own from ``AppConfig.ready``.
CANDIDATURE_EMAILS = []


def emails_of(candidature):
    """Every email sent or prepared for ``candidature``, oldest first, the pending last."""
    records = [
        record for source in CANDIDATURE_EMAILS for record in source(candidature)
    ]
    earliest = datetime.min.replace(tzinfo=UTC)
    return sorted(records, key=lambda r: (r.date is None, r.date or earliest))


def _state(sent_at, error):
    if sent_at:
        return _("Envoyé")
    return _("Échec, nouvel essai à venir") if error else _("En attente d'envoi")


def receipt_and_notice(candidature):
    """The receipt and the team's notice, rebuilt from the candidature as they read."""
    if candidature.anonymised_at:  # nothing left to show of what they said
        return [
            EmailRecord(
                kind=_("Accusé de réception"),
                state=_state(candidature.confirmation_sent_at, ""),
                date=candidature.confirmation_sent_at,
                subject="",
                body="",
            )
        ]
    receipt = build_confirmation(candidature, sending=False)
    records = [
        EmailRecord(
            kind=_("Accusé de réception"),
            state=_state(candidature.confirmation_sent_at, candidature.email_error),
            date=candidature.confirmation_sent_at,
            subject=receipt.subject,
            body=receipt.body,
            recipients=tuple(receipt.to),
            attachments=(receipt_filename(candidature),),
            error="" if candidature.confirmation_sent_at else candidature.email_error,
        )
    ]
    notice = build_notification(candidature)
    if notice is not None:
        records.append(
            EmailRecord(
                kind=_("Avis à l'équipe programme"),
                state=_state(candidature.notification_sent_at, candidature.email_error),
                date=candidature.notification_sent_at,
                subject=notice.subject,
                body=notice.body,
                recipients=tuple(notice.to),
                error=""
                if candidature.notification_sent_at
                else candidature.email_error,
            )
        )
    return records


CANDIDATURE_EMAILS.append(receipt_and_notice)


def message_id(candidature, kind, letterhead_sender):
    """The same Message-ID each time this email of this candidature is built.

    Should a worker die after the mail server took the email and before it
    was marked sent, the one sent again is, for the recipient's client, the
    same message.
    """
    domain = parseaddr(letterhead_sender)[1].rpartition("@")[2] or "localhost"
    return f"<{kind}.{candidature.pk}.{candidature.reference}@{domain}>"


def _send_once(candidature_id, mark, build, kind):
    """Build, send and mark one email, under a lock on the candidature.

    Two workers given the same task (one thought dead, its task handed back)
    cannot both send: the second waits for the first's commit, then finds
    the email marked sent. Only where the database locks one row (PostgreSQL):
    SQLite would lock the whole database (its transactions are ``IMMEDIATE``)
    while the receipt is drawn and sent, and every submission would wait; it
    serves one node, whose worker runs each task once.
    """
    row_lock = connection.features.has_select_for_update
    with transaction.atomic() if row_lock else nullcontext():
        candidature = (
            Candidature.objects.select_for_update(of=("self",))
            .select_related("definition", "call", "page")
            .prefetch_related("attachments")
            .get(pk=candidature_id)
        )
        if getattr(candidature, mark) is not None:
            return candidature
        message = build(candidature)
        if message is not None:
            message.extra_headers["Message-ID"] = message_id(
                candidature, kind, message.from_email
            )
            message.send()
        updates = {mark: timezone.now()}
        if kind == "receipt":
            updates["email_error"] = ""
        Candidature.objects.filter(pk=candidature.pk).update(**updates)
        return candidature


def send_candidature_emails(candidature_id):
    """Send what has not been sent yet. Safe to run again, and twice at once."""
    candidature = None
    try:
        candidature = _send_once(
            candidature_id, "confirmation_sent_at", build_confirmation, "receipt"
        )
        _send_once(candidature_id, "notification_sent_at", build_notification, "notice")
    except Exception as error:
        logger.exception(
            "emails of candidature %s failed",
            candidature.reference if candidature else candidature_id,
        )
        Candidature.objects.filter(pk=candidature_id).update(
            email_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
