from django.db.models import Q
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.actions.revert_to_page_revision import (
    RevertToPageRevisionAction,
    RevertToPageRevisionPermissionError,
)
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.log_actions import LogFormatter
from wagtail.models import Page, Site

from cms_pages.sites import is_programme_team, sites_of, under_sites
from core import deletion, pagecache
from core.files import refused_download

from .clone_views import CloneCallView
from .models import PUBLICATION_REFUSED, CallPage, SiteGroup, scan_of
from .panels import is_programme_team_member, programme_team_parts_differ

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


@hooks.register("register_actions")
def register_checked_revert(registry):
    """Reverting to an old revision never brings back programme-team parts for others.

    The admin's revert goes through the page form, which keeps them
    (``keep_programme_team_parts``); the API's revert action is refused when
    the old revision would change them.
    """

    class CheckedRevertToPageRevisionAction(RevertToPageRevisionAction):
        def check(self, skip_permission_checks=False):
            super().check(skip_permission_checks=skip_permission_checks)
            if self.user is None or is_programme_team_member(self.user):
                return
            current = self.instance.get_latest_revision_as_object()
            if programme_team_parts_differ(self.revision.as_object(), current):
                raise RevertToPageRevisionPermissionError(
                    _(
                        "Cette version change des réglages réservés à l'équipe "
                        "programme (critères, champs du formulaire, destinataires, "
                        "conservation) : seule l'équipe programme peut y revenir."
                    )
                )

    registry.register(Page, CheckedRevertToPageRevisionAction)


class PublicationRefusedFormatter(LogFormatter):
    label = _("Publication programmée refusée")

    def format_message(self, log_entry):
        return (log_entry.data or {}).get("reason", "")


@hooks.register("register_log_actions")
def register_publication_refused(actions):
    actions.register_action(PUBLICATION_REFUSED)(PublicationRefusedFormatter)


@hooks.register("before_serve_page")
def keep_public_page(page, request, serve_args, serve_kwargs):
    """Pages that opt in (``page_cache``) may be kept whole for visitors with no session."""
    if getattr(page, "page_cache", False):
        pagecache.mark_cacheable(request, Site.find_for_request(request))


@hooks.register("before_serve_document")
def refuse_document_not_cleared(document, request):
    """A document the antivirus has not cleared is served to no one: 423 while it
    is scanned (« réessayez »), 409 once in quarantine (docs/antivirus.md)."""
    scan = scan_of(document)
    if scan is not None and not scan.is_servable:
        return refused_download(scan, request)
    return None


@hooks.register("register_admin_urls")
def register_clone_call_url():
    return [
        path(
            "appels/<int:pk>/dupliquer/",
            CloneCallView.as_view(),
            name="clone_call",
        )
    ]


def _clone_call_button(page, user, priority):
    if page.specific_class is not CallPage or not is_programme_team(
        user, page.get_site()
    ):
        return
    yield Button(
        _("Dupliquer pour une nouvelle session"),
        reverse("clone_call", args=[page.pk]),
        icon_name="copy",
        priority=priority,
    )


@hooks.register("register_page_header_buttons")
def clone_call_header_button(page, user, view_name, next_url=None):
    yield from _clone_call_button(page, user, priority=31)


@hooks.register("register_page_listing_more_buttons")
def clone_call_listing_button(page, user, next_url=None):
    yield from _clone_call_button(page, user, priority=21)
