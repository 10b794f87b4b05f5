from django import forms
from django.db.models import Q
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from cms_pages.sites import programme_site_scope, programme_sites
from core.admin_menu import PermissionMenuItem
from core.scoping import (
    ScopedAdminModelForm,
    ScopedViewSetMixin,
    limit_site_choices,
)
from forms.choices import Status
from forms.permissions import calls_for, candidatures_for

from . import views
from .models import Funder, Investigation, Organisation


class InvestigationForm(ScopedAdminModelForm):
    def limit_choices(self, user):
        self.fields["call"].queryset = calls_for(user).order_by("-opens_at")
        self.fields["candidature"].queryset = candidatures_for(user).filter(
            Q(status=Status.SELECTED) | Q(pk=self.instance.candidature_id)
        )
        self.fields["organisations"].queryset = Organisation.objects.filter(
            programme_site_scope(user)
        )
        self.fields["funder"].queryset = Funder.objects.filter(
            programme_site_scope(user)
        )
        self.sites = programme_sites(user)
        limit_site_choices(self.fields["site"], self.sites)

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
        self.keep_the_record()
        self.check_funder_site(cleaned_data)
        return cleaned_data

    def check_funder_site(self, cleaned_data):
        funder, call = cleaned_data.get("funder"), cleaned_data.get("call")
        site = call.get_site() if call else cleaned_data.get("site")
        if funder is not None and site is not None and funder.site_id != site.pk:
            self.add_error(
                "funder",
                _(
                    "Ce financeur est celui d'un autre site : choisissez-en un "
                    "du site qui mène l'investigation."
                ),
            )

    def save(self, commit=True):
        """Saved with its administrations, it gets their kind's funder if none."""
        instance = super().save(commit=commit)
        if commit:
            instance.propose_funder()
        return instance

    def keep_the_record(self):
        """What an investigation's history rests on is not undone by an edit.

        Its laureate of origin and its outcome may change, not be emptied; a
        recorded phase or committee stays (correct it instead): otherwise the
        rules that keep an investigation with a history (``rules``) could be
        walked around in two steps.
        """
        stored = self.instance
        if stored.pk is None:
            return
        for name in ("candidature", "outcome"):
            if getattr(stored, name if name == "outcome" else f"{name}_id") and not (
                self.cleaned_data.get(name)
            ):
                self.add_error(
                    name,
                    _(
                        "Enregistrée, elle ne s'efface plus : l'historique de "
                        "l'investigation en dépend. Corrigez-la plutôt."
                    ),
                )
        for relation in ("phases", "committee_events"):
            formset = self.formsets.get(relation)
            # Validated after this form: validate it now to read its deletions.
            if formset is None or not formset.is_valid():
                continue
            for form in formset.forms:
                if form.instance.pk and formset._should_delete_form(form):
                    form.add_error(
                        None,
                        _(
                            "Une phase ou un comité enregistré ne se supprime pas : "
                            "corrigez-le plutôt."
                        ),
                    )


class OrganisationForm(ScopedAdminModelForm):
    def limit_choices(self, user):
        limit_site_choices(self.fields["site"], programme_sites(user))
        self.fields["parent"].queryset = Organisation.objects.filter(
            programme_site_scope(user)
        )


class FunderForm(ScopedAdminModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("Finance par défaut les administrations de nature"),
        choices=Organisation.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=Funder._meta.get_field("kinds").help_text,
    )

    def limit_choices(self, user):
        self.sites = programme_sites(user)
        limit_site_choices(self.fields["site"], self.sites)

    def clean(self):
        cleaned_data = super().clean()
        site = cleaned_data.get("site")
        if site is None and getattr(self, "sites", None) and len(self.sites) == 1:
            site = self.sites[0]
        kinds = set(cleaned_data.get("kinds") or [])
        labels = dict(Organisation.Kind.choices)
        others = Funder.objects.exclude(pk=self.instance.pk)
        others = others.filter(site=site) if site is not None else others
        for other in others:
            taken = kinds.intersection(other.kinds)
            if not taken:
                continue
            message = _(
                "« %(funder)s » finance déjà par défaut : %(kinds)s. Une nature "
                "n'a qu'un financeur par défaut : retirez-la de l'un des deux."
            )
            names = ", ".join(str(labels[kind]) for kind in sorted(taken))
            self.add_error("kinds", message % {"funder": other.name, "kinds": names})
        return cleaned_data


class OwnSiteChooserViewSet(ScopedViewSetMixin, SnippetChooserViewSet):
    def scope(self, user):
        return programme_site_scope(user)


class OwnSiteSnippetViewSet(ScopedViewSetMixin, SnippetViewSet):
    """Snippets that name their site: the team's own, in the listing and the chooser."""

    chooser_viewset_class = OwnSiteChooserViewSet

    def scope(self, user):
        return programme_site_scope(user)


class InvestigationViewSet(OwnSiteSnippetViewSet):
    model = Investigation
    icon = "site"
    menu_label = _("Investigations")
    list_display = ["title", "starts_on", "planned_end", "outcome"]
    list_filter = ["outcome", "publish_learnings"]
    search_fields = ["title", "problem_statement"]
    inspect_view_enabled = True
    copy_view_enabled = False
    edit_handler = ObjectList(Investigation.panels, base_form_class=InvestigationForm)


class OrganisationViewSet(OwnSiteSnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Administrations")
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    edit_handler = ObjectList(Organisation.panels, base_form_class=OrganisationForm)


class FunderViewSet(OwnSiteSnippetViewSet):
    model = Funder
    icon = "tag"
    menu_label = _("Financeurs")
    list_display = [
        "name",
        Column("kinds_display", label=_("Finance par défaut")),
    ]
    search_fields = ["name"]
    edit_handler = ObjectList(Funder.panels, base_form_class=FunderForm)


class InvestigationGroup(SnippetViewSetGroup):
    menu_label = _("Investigations")
    menu_icon = "site"
    menu_order = 180
    items = (InvestigationViewSet, OrganisationViewSet, FunderViewSet)


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
