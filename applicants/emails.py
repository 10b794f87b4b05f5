"""The emails that carry the applicant's links: a new draft's, the receipt's, and
the answer to « recevoir un nouveau lien » (a link per draft and dossier)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Site

from forms.emails import Letterhead, team_recipients
from forms.models import Draft

from .links import dossiers_of, issue_link, link_days
from .models import Message


def link_url(letterhead, **target):
    """A new one-time link to a draft or a dossier, as a full address."""
    return letterhead.url(reverse("applicants:open", args=[issue_link(**target)]))


def receipt_links(candidature, letterhead):
    """What the receipt adds: the link to follow the dossier (``RECEIPT_EXTRAS``)."""
    return {
        "dossier_url": link_url(
            letterhead, email=candidature.applicant_email, candidature=candidature
        ),
        "link_days": link_days(),
        "new_link_url": letterhead.url(reverse("applicants:new_link")),
    }


def send_draft_link(draft_id):
    """Send the link to take a draft up again (a new link each time)."""
    draft = Draft.objects.select_related("call").filter(pk=draft_id).first()
    if draft is None:  # sent or purged since
        return
    letterhead = Letterhead(draft.call)
    context = {
        "call": draft.call,
        "term": letterhead.identity.term_candidature,
        "draft_url": link_url(letterhead, email=draft.email, draft=draft),
        "link_days": link_days(),
        "new_link_url": letterhead.url(reverse("applicants:new_link")),
        "closes_at": draft.call.closes_at,
    }
    letterhead.message(
        _("Votre brouillon — %(call)s") % {"call": draft.call.title},
        [draft.email],
        template="applicants/emails/draft_link",
        context=context,
    ).send()
    Draft.objects.filter(pk=draft.pk).update(link_sent_at=timezone.now())


def send_links(email, site_id):
    """One email to ``email`` with a new link to each of its drafts and dossiers on the site.

    None: nothing is sent (the page said the same either way).
    """
    site = Site.objects.filter(pk=site_id).select_related("root_page").first()
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    drafts, candidatures = dossiers_of(email, site)
    if not drafts and not candidatures:
        return None
    letterhead = Letterhead((drafts or candidatures)[0].call)
    items = [
        {
            "title": _("Brouillon — %(call)s") % {"call": draft.call.title},
            "url": link_url(letterhead, email=draft.email, draft=draft),
        }
        for draft in drafts
    ] + [
        {
            "title": _("Dossier %(reference)s — %(call)s")
            % {"reference": candidature.reference, "call": candidature.call.title},
            "url": link_url(
                letterhead, email=candidature.applicant_email, candidature=candidature
            ),
        }
        for candidature in candidatures
    ]
    context = {
        "items": items,
        "link_days": link_days(),
        "new_link_url": letterhead.url(reverse("applicants:new_link")),
    }
    message = letterhead.message(
        _("Vos liens vers vos dossiers — %(service)s")
        % {"service": letterhead.identity.service_title},
        [email],
        template="applicants/emails/links",
        context=context,
    )
    message.send()
    return message


def notify_message(message_id):
    """Tell the other side of a thread: the applicant (with a link), or the team."""
    message = (
        Message.objects.select_related(
            "candidature__call", "candidature__page", "correction"
        )
        .filter(pk=message_id, notified_at=None)
        .first()
    )
    if message is None:
        return
    candidature = message.candidature
    if candidature.anonymised_at:
        return
    letterhead = Letterhead(candidature.call)
    context = {
        "message": message,
        "candidature": candidature,
        "call": candidature.call,
        "correction": message.correction,
    }
    if message.author == Message.Author.TEAM:
        context.update(
            {
                "dossier_url": link_url(
                    letterhead,
                    email=candidature.applicant_email,
                    candidature=candidature,
                ),
                "link_days": link_days(),
                "new_link_url": letterhead.url(reverse("applicants:new_link")),
            }
        )
        subject = (
            _("Complément demandé — dossier %(reference)s")
            if message.correction_id
            else _("Nouveau message — dossier %(reference)s")
        ) % {"reference": candidature.reference}
        email = letterhead.message(
            subject,
            [candidature.applicant_email],
            template="applicants/emails/message_to_applicant",
            context=context,
            invite_reply=False,
        )
    else:
        recipients = team_recipients(candidature.page.specific)
        if not recipients:
            Message.objects.filter(pk=message.pk).update(notified_at=timezone.now())
            return
        context["admin_url"] = letterhead.url(
            reverse("applicant_thread", args=[candidature.pk])
        )
        email = letterhead.message(
            _("Réponse du candidat — dossier %(reference)s")
            % {"reference": candidature.reference},
            recipients,
            template="applicants/emails/message_to_team",
            context=context,
            invite_reply=False,
        )
    email.send()
    Message.objects.filter(pk=message.pk).update(notified_at=timezone.now())
