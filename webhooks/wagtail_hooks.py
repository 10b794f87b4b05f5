"""Webhooks in Wagtail's admin: the endpoints of the team's sites and their delivery log.

Only the programme team of a site (and superusers) see them; each sees the
endpoints of their own sites only (``core.scoping``).
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import StatusFlagColumn
from wagtail.admin.views.generic import EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from cms_pages.sites import (
    is_programme_team,
    programme_site_scope,
    register_scoped_model,
)
from core.scoping import ScopedViewSetMixin

from .admin_forms import EndpointForm
from .models import Delivery, Endpoint
from .views import PingView

PING_LABEL = _("Envoyer un événement de test")


class ProgrammeTeamPolicy(ModelPermissionPolicy):
    """The programme team (of some site) and superusers; which objects: the viewset's scope."""

    read_only = False

    def user_has_permission(self, user, action):
        if not (user and user.is_authenticated and user.is_active):
            return False
        if self.read_only and action in ("add", "change", "delete"):
            return False
        return user.is_superuser or is_programme_team(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class DeliveryPolicy(ProgrammeTeamPolicy):
    read_only = True


register_permission_policy(Endpoint, ProgrammeTeamPolicy(Endpoint))
register_permission_policy(Delivery, DeliveryPolicy(Delivery))
# The site history report shows an endpoint's entries to its own site's team only.
register_scoped_model(
    Endpoint, lambda user: Endpoint.objects.filter(programme_site_scope(user))
)


def ping_url(endpoint):
    return reverse("webhook_endpoints:ping", args=[endpoint.pk])


def log_url(endpoint):
    return reverse("webhook_deliveries:index") + f"?endpoint={endpoint.pk}"


class EndpointIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            MenuItem(
                PING_LABEL, url=ping_url(instance), icon_name="resubmit", priority=40
            ),
            MenuItem(
                _("Journal des envois"),
                url=log_url(instance),
                icon_name="list-ul",
                priority=50,
            ),
        ]


class EndpointEditView(EditView):
    @property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            Button(
                PING_LABEL, url=ping_url(self.object), icon_name="resubmit", priority=40
            ),
            Button(
                _("Journal des envois"),
                url=log_url(self.object),
                icon_name="list-ul",
                priority=50,
            ),
        ]


class EndpointViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Endpoint
    icon = "link"
    menu_label = _("Webhooks")
    menu_order = 175
    add_to_admin_menu = True
    url_prefix = "webhooks"
    name = "webhook_endpoints"
    copy_view_enabled = False
    add_to_reference_index = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "site",
        "name",
        "url",
        "events",
        "active",
        "secret",
        "created_at",
    ]
    index_view_class = EndpointIndexView
    edit_view_class = EndpointEditView
    list_display = [
        "name",
        "url",
        "site",
        StatusFlagColumn(
            "active", label=_("Actif"), true_label=_("actif"), false_label=_("inactif")
        ),
        "updated_at",
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("site"),
            FieldPanel("name"),
            FieldPanel("url"),
            FieldPanel("events"),
            FieldPanel("active"),
        ],
        base_form_class=EndpointForm,
    )

    def scope(self, user):
        return programme_site_scope(user, "site")

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<int:pk>/tester/", PingView.as_view(), name="ping"),
        ]


class DeliveryIndexView(IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("endpoint")
        endpoint = self.request.GET.get("endpoint", "")
        if endpoint.isdigit():
            queryset = queryset.filter(endpoint_id=int(endpoint))
        return queryset


class DeliveryViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Delivery
    icon = "list-ul"
    add_to_admin_menu = False
    url_prefix = "webhooks/envois"
    name = "webhook_deliveries"
    copy_view_enabled = False
    add_to_reference_index = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "endpoint",
        "event",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "next_try_at",
        "payload",
        "created_at",
        "updated_at",
    ]
    index_view_class = DeliveryIndexView
    list_display = [
        "event",
        "endpoint",
        "status",
        "response_code",
        "attempts",
        "next_try_at",
        "created_at",
    ]
    list_filter = ["status", "event"]
    form_fields = ["status"]  # never shown: nobody adds or changes a delivery here

    def scope(self, user):
        return programme_site_scope(user, "endpoint__site")


@hooks.register("register_admin_viewset")
def register_webhook_viewsets():
    return [EndpointViewSet(), DeliveryViewSet()]
