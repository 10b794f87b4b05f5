from django.db.models import Q
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from amorce.admin_menu import PermissionMenuItem
from amorce.scoping import ScopedAdminModelForm, ScopedViewSetMixin
from forms.choices import Status
from forms.permissions import (
    calls_for,
    candidatures_for,
    programme_site_scope,
    programme_sites,
)

from . import views
from .models import Investigation, Organisation


class InvestigationForm(ScopedAdminModelForm):
    def limit_choices(self, user):
        self.fields["call"].queryset = calls_for(user).order_by("-opens_at")
        self.fields["candidature"].queryset = candidatures_for(user).filter(
            Q(status=Status.SELECTED) | Q(pk=self.instance.candidature_id)
        )
        self.fields["organisations"].queryset = Organisation.objects.filter(
            programme_site_scope(user)
        )
        self.sites = programme_sites(user)
        limit_to_sites(self.fields["site"], self.sites)

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("call") and not cleaned_data.get("site"):
            if getattr(self, "sites", None) and len(self.sites) == 1:
                cleaned_data["site"] = self.instance.site = self.sites[0]
            else:
                self.add_error(
                    "site",
                    _(
                        "Choisissez l'appel d'origine, ou le site qui mène l'investigation."
                    ),
                )
        return cleaned_data


def limit_to_sites(field, sites):
    if sites is not None:
        field.queryset = field.queryset.filter(pk__in=[site.pk for site in sites])
        if len(sites) == 1:
            field.initial = sites[0].pk


class OrganisationForm(ScopedAdminModelForm):
    def limit_choices(self, user):
        limit_to_sites(self.fields["site"], programme_sites(user))
        self.fields["parent"].queryset = Organisation.objects.filter(
            programme_site_scope(user)
        )


class InvestigationChooserViewSet(ScopedViewSetMixin, SnippetChooserViewSet):
    def scope(self, user):
        return programme_site_scope(user)


class InvestigationViewSet(ScopedViewSetMixin, SnippetViewSet):
    model = Investigation
    icon = "site"
    menu_label = _("Investigations")
    list_display = ["title", "starts_on", "planned_end", "outcome"]
    list_filter = ["outcome", "publish_learnings"]
    search_fields = ["title", "problem_statement"]
    inspect_view_enabled = True
    copy_view_enabled = False
    chooser_viewset_class = InvestigationChooserViewSet
    edit_handler = ObjectList(Investigation.panels, base_form_class=InvestigationForm)

    def scope(self, user):
        return programme_site_scope(user)


class OrganisationChooserViewSet(ScopedViewSetMixin, SnippetChooserViewSet):
    def scope(self, user):
        return programme_site_scope(user)


class OrganisationViewSet(ScopedViewSetMixin, SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Administrations")
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    chooser_viewset_class = OrganisationChooserViewSet
    edit_handler = ObjectList(Organisation.panels, base_form_class=OrganisationForm)

    def scope(self, user):
        return programme_site_scope(user)


class InvestigationGroup(SnippetViewSetGroup):
    menu_label = _("Investigations")
    menu_icon = "site"
    menu_order = 180
    items = (InvestigationViewSet, OrganisationViewSet)


register_snippet(InvestigationGroup)


@hooks.register("register_admin_urls")
def register_investigation_urls():
    return [
        path(
            "investigations/tableau-de-bord/",
            views.DashboardView.as_view(),
            name="investigations_dashboard",
        ),
        path(
            "investigations/ouvrir/<int:candidature_id>/",
            views.open_investigation,
            name="open_investigation",
        ),
        path(
            "investigations/<int:pk>/beta-gouv.md",
            views.beta_gouv_export,
            name="investigation_beta_gouv",
        ),
        path(
            "investigations/<int:pk>/synthese.pdf",
            views.synthesis_pdf,
            name="investigation_synthesis",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return PermissionMenuItem(
        _("Suivi des investigations"),
        reverse_lazy("investigations_dashboard"),
        allowed="investigations.view_investigation",
        icon_name="site",
        order=185,
    )
