from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from amorce.admin_menu import PermissionMenuItem

from . import views
from .models import Investigation, Organisation


class InvestigationViewSet(SnippetViewSet):
    model = Investigation
    icon = "site"
    menu_label = _("Investigations")
    list_display = ["title", "starts_on", "planned_end", "outcome"]
    list_filter = ["outcome", "publish_learnings"]
    search_fields = ["title", "problem_statement"]
    inspect_view_enabled = True
    copy_view_enabled = False


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Administrations")
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]


class InvestigationGroup(SnippetViewSetGroup):
    menu_label = _("Investigations")
    menu_icon = "site"
    menu_order = 180
    items = (InvestigationViewSet, OrganisationViewSet)


register_snippet(InvestigationGroup)


@hooks.register("register_admin_urls")
def register_investigation_urls():
    return [
        path(
            "investigations/tableau-de-bord/",
            views.DashboardView.as_view(),
            name="investigations_dashboard",
        ),
        path(
            "investigations/ouvrir/<int:candidature_id>/",
            views.open_investigation,
            name="open_investigation",
        ),
        path(
            "investigations/<int:pk>/beta-gouv.md",
            views.beta_gouv_export,
            name="investigation_beta_gouv",
        ),
        path(
            "investigations/<int:pk>/synthese.pdf",
            views.synthesis_pdf,
            name="investigation_synthesis",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return PermissionMenuItem(
        _("Suivi des investigations"),
        reverse_lazy("investigations_dashboard"),
        allowed="investigations.view_investigation",
        icon_name="site",
        order=185,
    )
