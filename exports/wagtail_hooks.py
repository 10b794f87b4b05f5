from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from core.admin_menu import PermissionMenuItem

from . import views


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
