from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from core import deletion
from core.sites import sites_of, under_sites

from .models import SiteGroup

# What each app's deletion rules protect, refused before Wagtail deletes or logs.
hooks.register("before_delete_page", deletion.before_delete_page)
hooks.register("before_delete_snippet", deletion.before_delete_objects)
hooks.register("before_delete_user", deletion.before_delete_user)
hooks.register("before_bulk_action", deletion.before_bulk_action)
# Scanned after Wagtail's defaults (registered when it starts): ours replaces its own.
hooks.register("register_actions", deletion.register_checked_page_deletion)


class SiteGroupViewSet(ModelViewSet):
    """Which group works on which site: set by ``create_incubator``, changed here."""

    model = SiteGroup
    icon = "site"
    menu_label = _("Groupes des sites")
    add_to_settings_menu = True
    url_prefix = "groupes-des-sites"
    name = "site_groups"
    copy_view_enabled = False
    list_display = ["group", "site"]
    list_filter = ["site"]
    form_fields = ["group", "site"]


@hooks.register("register_admin_viewset")
def register_site_group_viewset():
    return SiteGroupViewSet()


@hooks.register("construct_page_chooser_queryset")
def pages_of_the_users_sites(pages, request):
    """The page chooser browses and searches the user's own sites only."""
    sites = sites_of(request.user)
    if sites is None:
        return pages
    return pages.filter(under_sites(sites, "path") | Q(depth=1))
