"""The admin screens of sign-in: the domains that give a group to new ProConnect
accounts, and what ProConnect said of each user (SIRET, unit). Superusers only:
who may give himself a group must not edit this list."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import EmailDomainGroup, ProConnectIdentity


class SuperusersOnly(ModelPermissionPolicy):
    def __init__(self, model, actions):
        super().__init__(model)
        self.actions = set(actions)

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.is_superuser and action in self.actions)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        if not self.actions.intersection(actions):
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)

    def users_with_permission(self, action):
        return self.users_with_any_permission([action])


register_permission_policy(
    EmailDomainGroup, SuperusersOnly(EmailDomainGroup, ["add", "change", "delete"])
)
register_permission_policy(
    ProConnectIdentity, SuperusersOnly(ProConnectIdentity, ["view"])
)


class EmailDomainGroupViewSet(ModelViewSet):
    model = EmailDomainGroup
    icon = "group"
    menu_label = _("Domaines autorisés (ProConnect)")
    add_to_settings_menu = True
    url_prefix = "domaines-autorises"
    name = "email_domain_groups"
    copy_view_enabled = False
    list_display = ["domain", "group", "site"]
    list_filter = ["site"]
    form_fields = ["site", "domain", "group"]


class ProConnectIdentityViewSet(ModelViewSet):
    model = ProConnectIdentity
    icon = "user"
    menu_label = _("Identités ProConnect")
    add_to_settings_menu = True
    url_prefix = "identites-proconnect"
    name = "proconnect_identities"
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["user", "siret", "organizational_unit", "idp_id", "last_seen_at"]
    search_fields = ["user__email", "siret", "organizational_unit"]
    form_fields = ["siret", "organizational_unit"]


@hooks.register("register_admin_viewset")
def register_sign_in_viewsets():
    return [EmailDomainGroupViewSet(), ProConnectIdentityViewSet()]
