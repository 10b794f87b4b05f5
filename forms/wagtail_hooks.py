import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q
from django.urls import include, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from laces.components import Component
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import LogFormatter
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from cms_pages.sites import programme_scope
from core.scoping import ScopedViewSetMixin

from . import admin_views
from .choices import Status
from .models import (
    CANDIDATURE_SEARCH_FIELDS,
    Candidature,
    CandidatureFormPage,
)
from .permissions import calls_for
from .waiting import WAITING_LISTED, first_answer_overview


class CandidaturePermissionPolicy(ModelPermissionPolicy):
    """Candidatures come from applicants: nobody adds them here, nobody deletes them here.

    Erasing personal data goes through its own logged command.
    """

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class CandidatureViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Candidature
    icon = "form"
    menu_label = _("Candidatures")
    menu_order = 150
    add_to_admin_menu = True
    url_prefix = "candidatures"
    name = "candidatures"
    list_per_page = 50
    ordering = ["-submit_time", "-pk"]
    filterset_class = admin_views.CandidatureFilterSet
    search_fields = CANDIDATURE_SEARCH_FIELDS
    search_backend_name = None  # plain SQL: no index to keep in step with 10,000 rows
    copy_view_enabled = False
    add_to_reference_index = False  # a candidature links to nothing editors reuse
    inspect_view_enabled = True
    index_view_class = admin_views.CandidatureIndexView
    inspect_view_class = admin_views.CandidatureInspectView
    edit_view_class = admin_views.CandidatureStatusView
    list_display = admin_views.COLUMNS
    form_fields = ["status"]

    def scope(self, user):
        return programme_scope(user)


register_permission_policy(Candidature, CandidaturePermissionPolicy(Candidature))
candidature_viewset = CandidatureViewSet()


@hooks.register("register_admin_viewset")
def register_candidature_viewset():
    return candidature_viewset


class StatusChangeFormatter(LogFormatter):
    label = _("Changement de statut")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        labels = dict(Status.choices)
        message = _("Statut : %(old)s → %(new)s") % {
            "old": labels.get(data.get("from"), data.get("from")),
            "new": labels.get(data.get("to"), data.get("to")),
        }
        if data.get("reason"):
            message += " — " + _("motif : %(reason)s") % {"reason": data["reason"]}
        return message


class RevisionFormatter(LogFormatter):
    label = _("Modifiée par son auteur")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return _("Modifiée par son auteur (version %(version)s remplacée)") % {
            "version": data.get("version", "?")
        }


@hooks.register("register_log_actions")
def register_candidature_log_actions(actions):
    actions.register_action("amorce.candidature.status")(StatusChangeFormatter)
    actions.register_action("amorce.candidature.revised")(RevisionFormatter)


@hooks.register("filter_form_submissions_for_user")
def hide_candidatures_from_form_listing(user, editable_forms):
    """Candidatures are handled in Amorce's own screens only, whoever asks.

    Wagtail's stock « Formulaires » screens would list them to whoever edits the
    page, delete them with no reason nor history, and export them with spreadsheet
    formulas left live. Left out of them, a candidature form has no entry there:
    its list, its deletion and its export answer « permission denied ».
    """
    return editable_forms.exclude(
        content_type=ContentType.objects.get_for_model(CandidatureFormPage)
    )


@hooks.register("register_admin_urls")
def register_attachment_urls():
    return [
        path("candidatures/fichiers/", include("forms.urls", namespace="forms")),
    ]


class OpenCallsPanel(Component):
    """The calls open now, with their candidatures: what the programme team checks first."""

    name = "amorce_open_calls"
    template_name = "forms/admin/open_calls_panel.html"
    order = 50

    def get_context_data(self, parent_context=None):
        since = timezone.now() - dt.timedelta(days=1)
        now = timezone.now()
        request = (parent_context or {}).get("request")
        calls = (
            calls_for(getattr(request, "user", None))
            .live()
            .filter(
                Q(closes_at__isnull=True)
                | Q(closes_at__gte=now - dt.timedelta(days=30))
            )
            .annotate(
                total=Count("candidatures"),
                last_day=Count(
                    "candidatures", filter=Q(candidatures__submit_time__gte=since)
                ),
                to_check=Count(
                    "candidatures", filter=Q(candidatures__status="received")
                ),
            )
            .order_by(F("closes_at").asc(nulls_last=True), "pk")
        )
        return {"calls": calls, "now": now}


class WaitingPanel(Component):
    """Candidatures waiting for a first answer, against their call's target."""

    name = "amorce_waiting"
    template_name = "forms/admin/waiting_panel.html"
    order = 40  # above the open calls

    def get_context_data(self, parent_context=None):
        request = (parent_context or {}).get("request")
        summaries, rows = first_answer_overview(getattr(request, "user", None))
        return {
            "summaries": summaries,
            "rows": rows,
            "listed": WAITING_LISTED,
            "total_waiting": sum(s.waiting for s in summaries),
        }


@hooks.register("construct_homepage_panels")
def add_open_calls_panel(request, panels):
    if request.user.has_perm("forms.view_candidature"):
        panels.append(WaitingPanel())
        panels.append(OpenCallsPanel())
