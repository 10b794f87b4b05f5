"""« Chiffres » in Wagtail's admin: its URLs and its menu entry (programme team only)."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from cms_pages.sites import is_programme_team
from core.admin_menu import PermissionMenuItem

from . import views


@hooks.register("register_admin_urls")
def register_figures_urls():
    return [
        path("chiffres/", views.FiguresView.as_view(), name="figures"),
        path(
            "chiffres/tours/<int:pk>/",
            views.RoundScoresView.as_view(),
            name="figures_round_scores",
        ),
        path("chiffres/csv/<slug:key>/", views.chart_csv, name="figures_csv"),
    ]


@hooks.register("register_admin_menu_item")
def register_figures_menu_item():
    return PermissionMenuItem(
        _("Chiffres"),
        reverse_lazy("figures"),
        allowed=is_programme_team,
        icon_name="table",
        order=155,
    )
