from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from .admin_views import ThreadView, team_message_file


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
    ]


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
    actions.register_action("amorce.candidature.correction_requested")(
        CorrectionRequestedFormatter
    )
    actions.register_action("amorce.candidature.correction_answered")(
        CorrectionAnsweredFormatter
    )
    actions.register_action("amorce.candidature.correction_cancelled")(
        CorrectionCancelledFormatter
    )
