"""« Mes jetons d'API » in the admin menu, and the reads of tokens in the history."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy
from wagtail.users.views.api_tokens import APITokenViewSet

from . import views
from .access import READ
from .models import StaffToken


class StaffTokenViewSet(APITokenViewSet):
    model = StaffToken
    menu_label = _("Mes jetons d'API")
    menu_name = "staff_api_tokens"
    menu_order = 950
    add_to_settings_menu = False
    add_to_admin_menu = True
    form_fields = ["name"]
    index_view_class = views.IndexView
    add_view_class = views.CreateView
    edit_view_class = views.EditView
    delete_view_class = views.RevokeView

    def get_form_class(self, for_update=False):
        if for_update:
            return super().get_form_class(for_update=True)
        return views.StaffTokenForm


register_permission_policy(StaffToken, views.OwnTokenPolicy(StaffToken))


@hooks.register("register_admin_viewset")
def register_staff_token_viewset():
    return StaffTokenViewSet("staff_api_tokens", url_prefix="mes-jetons-api")


class ReadFormatter(LogFormatter):
    label = _("Lecture par l'API")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return _("%(route)s : %(count)s objet(s) lu(s) — %(references)s") % {
            "route": data.get("route", "?"),
            "count": data.get("count", 0),
            "references": ", ".join(data.get("references", [])) or "—",
        }


@hooks.register("register_log_actions")
def register_staff_api_log_actions(actions):
    actions.register_action(READ)(ReadFormatter)
