import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.urls import include, path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from laces.components import Component
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import LogFormatter
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from amorce.admin_menu import PermissionMenuItem
from amorce.scoping import ScopedViewSetMixin

from . import admin_views, notification_views, round_views
from .admin_forms import NotificationTemplateForm, ReviewRoundForm
from .choices import Status
from .evaluations import ACTION_REOPENED
from .models import (
    CANDIDATURE_SEARCH_FIELDS,
    Candidature,
    CandidatureFormPage,
    NotificationTemplate,
    ReviewRound,
)
from .permissions import calls_for, programme_scope, programme_site_scope, rounds_of


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


class ReviewRoundViewSet(ScopedViewSetMixin, ModelViewSet):
    model = ReviewRound
    icon = "group"
    menu_label = _("Tours d'examen")
    menu_order = 160
    add_to_admin_menu = True
    url_prefix = "tours"
    name = "review_rounds"
    copy_view_enabled = False
    list_display = [
        TitleColumn(
            "__str__",
            label=_("Tour"),
            get_url=lambda obj: reverse("review_rounds:ranking", args=[obj.pk]),
        ),
        "ends_on",
        "created_at",
    ]
    list_filter = ["kind"]
    edit_handler = ObjectList(ReviewRound.panels, base_form_class=ReviewRoundForm)

    def scope(self, user):
        return programme_scope(user)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "<int:pk>/classement/",
                round_views.RoundRankingView.as_view(),
                name="ranking",
            ),
            path("<int:pk>/remplir/", round_views.FillRoundView.as_view(), name="fill"),
            path(
                "<int:pk>/dossiers/<int:candidature_id>/",
                round_views.DossierEvaluationsView.as_view(),
                name="dossier",
            ),
        ]


@hooks.register("register_admin_viewset")
def register_review_round_viewset():
    return ReviewRoundViewSet()


class NotificationTemplateViewSet(ScopedViewSetMixin, ModelViewSet):
    model = NotificationTemplate
    icon = "mail"
    add_to_admin_menu = False
    url_prefix = "modeles-de-courriel"
    name = "notification_templates"
    copy_view_enabled = False
    list_display = ["__str__", "subject", "updated_at"]
    edit_handler = ObjectList(
        NotificationTemplate.panels, base_form_class=NotificationTemplateForm
    )
    add_to_reference_index = False

    def scope(self, user):
        return programme_site_scope(user)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "<int:pk>/apercu/",
                notification_views.TemplatePreviewView.as_view(),
                name="preview",
            ),
        ]


@hooks.register("register_admin_viewset")
def register_notification_template_viewset():
    return NotificationTemplateViewSet()


@hooks.register("register_admin_menu_item")
def register_notifications_menu_item():
    return PermissionMenuItem(
        _("Courriels de décision"),
        reverse_lazy("notifications"),
        allowed="forms.view_candidature",
        icon_name="mail",
        order=165,
    )


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


class NotifiedFormatter(LogFormatter):
    label = _("Courriel de décision envoyé")

    def format_message(self, log_entry):
        return _("Courriel envoyé : %(subject)s") % {
            "subject": (log_entry.data or {}).get("subject", "")
        }


class EvaluationReopenedFormatter(LogFormatter):
    label = _("Évaluation rouverte")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return _("Évaluation de %(member)s rouverte — motif : %(reason)s") % {
            "member": data.get("member", "?"),
            "reason": data.get("reason", ""),
        }


@hooks.register("register_log_actions")
def register_candidature_log_actions(actions):
    actions.register_action("amorce.candidature.status")(StatusChangeFormatter)
    actions.register_action("amorce.candidature.notified")(NotifiedFormatter)
    actions.register_action(ACTION_REOPENED)(EvaluationReopenedFormatter)


class AnonymisedFormatter(LogFormatter):
    label = _("Anonymisation")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        if data.get("cause") == "erasure":
            return _(
                "Candidature anonymisée à la demande de la personne "
                "(empreinte SHA-256 de l'adresse : %(digest)s…)"
            ) % {"digest": (data.get("email_sha256") or "")[:12]}
        return _("Candidature anonymisée : conservation de %(months)s mois écoulée") % {
            "months": data.get("retention_months", "?")
        }


class PersonalDataExportedFormatter(LogFormatter):
    label = _("Export des données d'une personne")

    def format_message(self, log_entry):
        return _(
            "Données exportées pour une adresse (empreinte SHA-256 : %(digest)s…)"
        ) % {"digest": ((log_entry.data or {}).get("email_sha256") or "")[:12]}


class PersonalDataErasedFormatter(LogFormatter):
    label = _("Effacement des données d'une personne")

    def format_message(self, log_entry):
        return _(
            "Contact effacé à la demande de la personne (empreinte SHA-256 : %(digest)s…)"
        ) % {"digest": ((log_entry.data or {}).get("email_sha256") or "")[:12]}


@hooks.register("register_log_actions")
def register_privacy_log_actions(actions):
    actions.register_action("amorce.candidature.anonymised")(AnonymisedFormatter)
    actions.register_action("amorce.personal_data.exported")(
        PersonalDataExportedFormatter
    )
    actions.register_action("amorce.personal_data.erased")(PersonalDataErasedFormatter)


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
        path("jury/", include("forms.jury_urls", namespace="jury")),
        path(
            "courriels-de-decision/",
            notification_views.NotificationsView.as_view(),
            name="notifications",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_jury_menu_item():
    return PermissionMenuItem(
        _("Mes évaluations"),
        reverse_lazy("jury:rounds"),
        allowed=lambda user: rounds_of(user).exists(),
        icon_name="tasks",
        order=140,
    )


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
            .filter(closes_at__gte=now - dt.timedelta(days=30))
            .annotate(
                total=Count("candidatures"),
                last_day=Count(
                    "candidatures", filter=Q(candidatures__submit_time__gte=since)
                ),
                to_check=Count(
                    "candidatures", filter=Q(candidatures__status="received")
                ),
            )
            .order_by("closes_at")
        )
        return {"calls": calls, "now": now}


@hooks.register("construct_homepage_panels")
def add_open_calls_panel(request, panels):
    if request.user.has_perm("forms.view_candidature"):
        panels.append(OpenCallsPanel())
