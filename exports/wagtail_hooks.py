from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from core.admin_menu import PermissionMenuItem

from . import views
from .zips import ACTION_DOWNLOADED


@hooks.register("register_admin_urls")
def register_export_urls():
    return [
        path("exports/", include("exports.urls", namespace="exports")),
        # Where the investigation's screens link to, as before the PDFs moved here.
        path(
            "investigations/<int:pk>/synthese.pdf",
            views.investigation_synthesis,
            name="investigation_synthesis",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_exports_menu_item():
    return PermissionMenuItem(
        _("Mes exports"),
        reverse_lazy("exports:jobs"),
        allowed=lambda user: (
            user.has_perm("forms.view_candidature") or user.export_jobs.exists()
        ),
        icon_name="download",
        order=170,
    )


class AttachmentsDownloadedFormatter(LogFormatter):
    label = _("Téléchargement des pièces jointes")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        count = data.get("dossiers") or 0
        message = ngettext(
            "Pièces jointes téléchargées en ZIP : %(count)s dossier",
            "Pièces jointes téléchargées en ZIP : %(count)s dossiers",
            count,
        ) % {"count": count}
        if data.get("member"):
            message += str(_(" (exemplaire d'un membre du jury)"))
        if data.get("background"):
            message += str(_(" — préparé en tâche de fond"))
        return message


@hooks.register("register_log_actions")
def register_export_log_actions(actions):
    actions.register_action(ACTION_DOWNLOADED)(AttachmentsDownloadedFormatter)
