from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from core.admin_menu import PermissionMenuItem
from core.antivirus import ACTION_QUARANTINED

from .admin_views import ThreadView, team_message_file
from .quarantine import AntivirusPanel, QuarantineView, sees_quarantine


@hooks.register("register_admin_urls")
def register_thread_urls():
    return [
        path(
            "candidatures/<int:pk>/fil/", ThreadView.as_view(), name="applicant_thread"
        ),
        path(
            "candidatures/messages/fichiers/<uuid:pk>/",
            team_message_file,
            name="applicant_message_file",
        ),
        path("quarantaine/", QuarantineView.as_view(), name="quarantine"),
    ]


@hooks.register("register_admin_menu_item")
def register_quarantine_menu_item():
    return PermissionMenuItem(
        _("Fichiers en quarantaine"),
        reverse_lazy("quarantine"),
        allowed=sees_quarantine,
        icon_name="warning",
        order=158,
    )


@hooks.register("construct_homepage_panels")
def add_antivirus_panel(request, panels):
    if sees_quarantine(request.user):
        panels.append(AntivirusPanel(request.user))


class QuarantinedFormatter(LogFormatter):
    label = _("Fichier mis en quarantaine")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        if data.get("state") == "infected":
            return _(
                "Fichier « %(name)s » mis en quarantaine : virus détecté (%(detail)s)"
            ) % {
                "name": data.get("name", ""),
                "detail": data.get("detail", ""),
            }
        return _("Fichier « %(name)s » mis en quarantaine : impossible à analyser") % {
            "name": data.get("name", "")
        }


class MessageFormatter(LogFormatter):
    label = _("Message")

    def format_message(self, log_entry):
        if (log_entry.data or {}).get("author") == "applicant":
            return _("Message du candidat")
        return _("Message de l'équipe au candidat")


class CorrectionRequestedFormatter(LogFormatter):
    label = _("Complément demandé")

    def format_message(self, log_entry):
        return _("Complément demandé (%(count)s champ(s))") % {
            "count": len((log_entry.data or {}).get("fields", []))
        }


class CorrectionAnsweredFormatter(LogFormatter):
    label = _("Complément apporté")

    def format_message(self, log_entry):
        return _(
            "Complément apporté par le candidat (%(count)s champ(s) modifié(s))"
        ) % {"count": len((log_entry.data or {}).get("fields", []))}


class CorrectionCancelledFormatter(LogFormatter):
    label = _("Demande de complément annulée")

    def format_message(self, log_entry):
        return _("Demande de complément annulée")


@hooks.register("register_log_actions")
def register_thread_log_actions(actions):
    actions.register_action("amorce.candidature.message")(MessageFormatter)
    actions.register_action(ACTION_QUARANTINED)(QuarantinedFormatter)
    actions.register_action("amorce.candidature.correction_requested")(
        CorrectionRequestedFormatter
    )
    actions.register_action("amorce.candidature.correction_answered")(
        CorrectionAnsweredFormatter
    )
    actions.register_action("amorce.candidature.correction_cancelled")(
        CorrectionCancelledFormatter
    )
