"""Files the antivirus put in quarantine (``core.antivirus``): the team's list, the
antivirus's state, the dashboard's warning, and the applicant told by email.

A candidature's, a draft's or a message's file: this app sees the three. The
entry in Wagtail's history goes on the candidature (a file has no history of
its own); a draft has none, its applicant is told by email all the same. The
site's documents and images (``cms_pages.DocumentScan``, ``ImageScan``) are
listed too, for those who may change them (the communications team).
"""

import logging

from django.conf import settings
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.components import Component
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.permissions import policy_registry

from cms_pages.models import DocumentScan, ImageScan
from cms_pages.sites import is_programme_team, programme_scope
from core.antivirus import (
    ACTION_QUARANTINED,
    QUARANTINED,
    ScanState,
    file_quarantined,
    overview,
)
from core.views import AdminPage
from forms.emails import Letterhead
from forms.models import CandidatureAttachment, DraftAttachment
from forms.permissions import candidatures_for

from .emails import link_url
from .links import link_days
from .models import Message, MessageAttachment

logger = logging.getLogger("amorce.antivirus")

LISTED = 200


@checks.register(checks.Tags.security, deploy=True)
def antivirus_switched_off(app_configs=None, **kwargs):
    """Production with ``AMORCE_ANTIVIRUS=off``: allowed, said at every check."""
    if not getattr(settings, "AMORCE_ANTIVIRUS_SWITCHED_OFF", False):
        return []
    return [
        checks.Warning(
            "AMORCE_ANTIVIRUS=off : les fichiers envoyés ne sont pas analysés.",
            hint="Donnez AMORCE_CLAMD, l'adresse de clamd (docs/antivirus.md).",
            id="amorce.W001",
        )
    ]


def site_file_policies():
    """(scan model, Wagtail's permission policy, where, edit view) of documents and images."""
    return (
        (
            DocumentScan,
            policy_registry.get_by_type(get_document_model()),
            _("Document du site"),
            "wagtaildocs:edit",
        ),
        (
            ImageScan,
            policy_registry.get_by_type(get_image_model()),
            _("Image du site"),
            "wagtailimages:edit",
        ),
    )


def sees_quarantine(user):
    """The programme team, and whoever may change the site's documents or images."""
    return is_programme_team(user) or any(
        policy.user_has_permission(user, "change")
        for _model, policy, _where, _url in site_file_policies()
    )


def quarantined_for(user):
    """The quarantined files ``user`` may know of, newest first: dicts for a listing.

    The files of the calls they read, and the site's documents and images they may change.
    """
    rows = site_files_quarantined_for(user)
    if not is_programme_team(user):
        return rows
    readable = candidatures_for(user)
    for attachment in (
        CandidatureAttachment.objects.filter(
            scan_state__in=QUARANTINED, candidature__in=readable
        )
        .select_related("candidature")
        .order_by("-scanned_at")[:LISTED]
    ):
        rows.append(
            {
                "file": attachment,
                "where": _("Dossier %(reference)s")
                % {"reference": attachment.candidature.reference},
                "url": reverse(
                    "candidatures:inspect", args=[attachment.candidature_id]
                ),
            }
        )
    for attachment in (
        MessageAttachment.objects.filter(
            scan_state__in=QUARANTINED, message__candidature__in=readable
        )
        .select_related("message__candidature")
        .order_by("-scanned_at")[:LISTED]
    ):
        candidature = attachment.message.candidature
        rows.append(
            {
                "file": attachment,
                "where": _("Message du dossier %(reference)s")
                % {"reference": candidature.reference},
                "url": reverse("applicant_thread", args=[candidature.pk]),
            }
        )
    for attachment in (
        DraftAttachment.objects.filter(
            programme_scope(user, "draft__call__path"), scan_state__in=QUARANTINED
        )
        .select_related("draft__call")
        .order_by("-scanned_at")[:LISTED]
    ):
        rows.append(
            {
                "file": attachment,
                "where": _("Brouillon — %(call)s")
                % {"call": attachment.draft.call.title},
                "url": "",
            }
        )
    rows.sort(key=lambda row: row["file"].scanned_at, reverse=True)
    return rows


def site_files_quarantined_for(user):
    """The site's documents and images in quarantine that ``user`` may change."""
    rows = []
    for model, policy, where, url_name in site_file_policies():
        editable = policy.instances_user_has_permission_for(user, "change")
        for scan in (
            model.objects.filter(scan_state__in=QUARANTINED, source__in=editable)
            .select_related("source")
            .order_by("-scanned_at")[:LISTED]
        ):
            rows.append(
                {
                    "file": scan,
                    "where": f"{where} — {scan.source.title}",
                    "url": reverse(url_name, args=[scan.source_id]),
                }
            )
    return rows


class QuarantineView(AdminPage):
    """« Fichiers en quarantaine »: the antivirus's state, then the files it refused."""

    template_name = "applicants/admin/quarantine.html"
    page_title = gettext_lazy("Fichiers en quarantaine")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not sees_quarantine(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            antivirus=overview(), rows=quarantined_for(self.request.user), **kwargs
        )


class AntivirusPanel(Component):
    """On the dashboard, only when something needs the team: clamd silent, files refused."""

    name = "amorce_antivirus"
    template_name = "applicants/admin/antivirus_panel.html"
    order = 30

    def __init__(self, user):
        self.user = user

    def render_html(self, parent_context=None):
        state = overview()
        quarantined = len(quarantined_for(self.user))
        if state["state"] != "unreachable" and not state["stuck"] and not quarantined:
            return ""
        self.context = {"antivirus": state, "quarantined": quarantined}
        return super().render_html(parent_context)

    def get_context_data(self, parent_context=None):
        return self.context


# --- Telling the applicant ----------------------------------------------------


@receiver(file_quarantined, sender=CandidatureAttachment)
def candidature_file_quarantined(sender, instance, **kwargs):
    candidature = instance.candidature
    log_on_candidature(candidature, instance)
    tell_applicant(candidature.call, candidature.applicant_email, instance, candidature)


@receiver(file_quarantined, sender=MessageAttachment)
def message_file_quarantined(sender, instance, **kwargs):
    message = instance.message
    log_on_candidature(message.candidature, instance)
    if message.author == Message.Author.APPLICANT:
        candidature = message.candidature
        tell_applicant(
            candidature.call, candidature.applicant_email, instance, candidature
        )


@receiver(file_quarantined, sender=DraftAttachment)
def draft_file_quarantined(sender, instance, **kwargs):
    draft = instance.draft
    tell_applicant(draft.call, draft.email, instance)


def log_on_candidature(candidature, attachment):
    log(
        candidature,
        ACTION_QUARANTINED,
        data={
            "name": attachment.original_name,
            "state": attachment.scan_state,
            "detail": attachment.scan_detail,
        },
    )


def tell_applicant(call, email, attachment, candidature=None):
    """An email in plain French: which file, why, what to do. Never raises."""
    if candidature is not None and candidature.anonymised_at:
        return
    try:
        letterhead = Letterhead(call)
        context = {
            "call": call,
            "name": attachment.original_name,
            "infected": attachment.scan_state == ScanState.INFECTED,
            "candidature": candidature,
            "new_link_url": letterhead.url(reverse("applicants:new_link")),
            "link_days": link_days(),
        }
        if candidature is not None:
            context["dossier_url"] = link_url(
                letterhead, email=email, candidature=candidature
            )
        letterhead.message(
            _("Un fichier envoyé n'a pas été accepté — %(call)s")
            % {"call": call.title},
            [email],
            template="applicants/emails/file_quarantined",
            context=context,
            invite_reply=False,
        ).send()
    except Exception:  # the quarantine holds; the team sees it in its list
        # The file's key, never the address: the logs name no one.
        logger.exception(
            "could not tell the applicant of quarantined %s %s",
            attachment._meta.label,
            attachment.pk,
        )
