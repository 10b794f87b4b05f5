"""The selection in Wagtail's admin: rounds, decision email templates and
emails, the jury's screens, and their history entries."""

from django.urls import include, path, reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import StatusFlagColumn, TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import LogFormatter

from cms_pages.sites import programme_scope, programme_site_scope
from core.admin_menu import PermissionMenuItem
from core.scoping import ScopedViewSetMixin

from . import assignment_views, member_views, notification_views, round_views
from .admin_forms import NotificationTemplateForm, ReviewRoundForm
from .assignments import UNASSIGNED
from .closing import ROUND_CLOSED, ROUND_REOPENED
from .evaluations import ACTION_REOPENED
from .members import MEMBER_REMOVED
from .models import NotificationTemplate, ReviewRound
from .permissions import rounds_of


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
        "evaluation_deadline",
        "ends_on",
        StatusFlagColumn("standing", label=_("Permanent"), true_label=_("permanent")),
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
                "<int:pk>/attribution/",
                assignment_views.AssignmentsView.as_view(),
                name="assignments",
            ),
            path(
                "<int:pk>/cloture/", round_views.CloseRoundView.as_view(), name="close"
            ),
            path(
                "<int:pk>/dossiers/<int:candidature_id>/",
                round_views.DossierEvaluationsView.as_view(),
                name="dossier",
            ),
            path(
                "<int:pk>/membres/",
                member_views.RoundMembersView.as_view(),
                name="members",
            ),
            path(
                "<int:pk>/membres/<int:member_id>/renvoyer-invitation/",
                member_views.ResendInvitationView.as_view(),
                name="resend_invitation",
            ),
            path(
                "<int:pk>/membres/<int:member_id>/retirer/",
                member_views.RemoveMemberView.as_view(),
                name="remove_member",
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


class RoundClosedFormatter(LogFormatter):
    label = _("Tour clos")

    def format_message(self, log_entry):
        return _("Tour clos : les membres ne rendent plus d'évaluation.")


class RoundReopenedFormatter(LogFormatter):
    label = _("Tour rouvert")

    def format_message(self, log_entry):
        return _(
            "Tour rouvert : les membres peuvent de nouveau rendre leurs évaluations."
        )


class MemberRemovedFormatter(LogFormatter):
    label = _("Membre retiré du tour")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        if data.get("kept"):
            return _("%(member)s retiré du tour (ses évaluations sont conservées).") % {
                "member": data.get("member", "?")
            }
        return _("%(member)s retiré du tour (il n'y avait rien évalué).") % {
            "member": data.get("member", "?")
        }


class UnassignedFormatter(LogFormatter):
    label = _("Attribution retirée")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return _("%(member)s ne lit plus le dossier %(reference)s.") % {
            "member": data.get("member", "?"),
            "reference": data.get("reference", "?"),
        }


@hooks.register("register_log_actions")
def register_selection_log_actions(actions):
    actions.register_action(MEMBER_REMOVED)(MemberRemovedFormatter)
    actions.register_action(UNASSIGNED)(UnassignedFormatter)
    actions.register_action("amorce.candidature.notified")(NotifiedFormatter)
    actions.register_action(ACTION_REOPENED)(EvaluationReopenedFormatter)
    actions.register_action(ROUND_CLOSED)(RoundClosedFormatter)
    actions.register_action(ROUND_REOPENED)(RoundReopenedFormatter)


@hooks.register("register_admin_urls")
def register_selection_urls():
    return [
        path("jury/", include("selection.jury_urls", namespace="jury")),
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
