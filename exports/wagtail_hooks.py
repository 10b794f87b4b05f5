from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


@hooks.register("register_admin_urls")
def register_export_urls():
    return [path("exports/", include("exports.urls", namespace="exports"))]


class ExportsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("forms.view_candidature")


@hooks.register("register_admin_menu_item")
def register_exports_menu_item():
    return ExportsMenuItem(
        _("Mes exports"), reverse_lazy("exports:jobs"), icon_name="download", order=170
    )
