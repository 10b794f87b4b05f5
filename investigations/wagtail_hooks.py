import datetime as dt

from django import forms
from django.db.models import Q
from django.urls import path, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.log_actions import LogFormatter
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import (
    InspectView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from cms_pages.sites import programme_site_scope, programme_sites
from core.admin_menu import PermissionMenuItem
from core.scoping import (
    ScopedAdminModelForm,
    ScopedViewSetMixin,
    limit_site_choices,
)
from forms.choices import Status
from forms.permissions import calls_for, candidatures_for

from . import calendar_views, decision_views, laureates, views
from .models import (
    Decision,
    Funder,
    Investigation,
    Organisation,
    Outcome,
    PhaseCode,
    chronological,
)
from .services import (
    FINAL_PHASES,
    correct_outcome,
    move_start,
    outcome_correction_refused,
    start_investigation,
)


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

    def keep_the_record(self):
        """What an investigation's history rests on is not undone by an edit.

        Its laureate of origin and its outcome may change, not be emptied; a
        recorded phase or committee stays (correct it instead): otherwise the
        rules that keep an investigation with a history (``rules``) could be
        walked around in two steps.
        """
        stored = self.instance
        self.refuse_new_steps()
        self.keep_phases_in_order()
        if not stored.outcome and self.cleaned_data.get("outcome"):
            self.add_error(
                "outcome",
                _(
                    "L'issue se décide par « Enregistrer la décision du comité final » "
                    "(sur la fiche de l'investigation) : la phase suivante s'ouvre alors."
                ),
            )
        if stored.pk is None:
            return
        refused = outcome_correction_refused(stored, self.cleaned_data.get("outcome"))
        if refused:
            self.add_error("outcome", refused)
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

    def refuse_new_steps(self):
        """A phase or a committee is added by recording a decision, never by hand.

        Recorded ones may be corrected here (a date, a comment), not changed
        into another phase, which would walk around the decisions' rules.
        """
        for relation in ("phases", "committee_events"):
            formset = self.formsets.get(relation)
            if formset is None or not formset.is_valid():
                continue
            for form in formset.forms:
                if not form.has_changed() or formset._should_delete_form(form):
                    continue
                if form.instance.pk is None:
                    form.add_error(
                        None,
                        _(
                            "Une phase ou un comité s'ajoute en enregistrant une "
                            "décision (sur la fiche de l'investigation), pas ici."
                        ),
                    )
                elif "code" in form.changed_data or "decision" in form.changed_data:
                    form.add_error(
                        None,
                        _(
                            "La phase ou la décision d'un comité enregistré ne change "
                            "pas ici : seules ses dates et ses notes se corrigent."
                        ),
                    )

    def keep_phases_in_order(self):
        """A corrected date does not put a phase before the one it followed."""
        formset = self.formsets.get("phases")
        if formset is None or not formset.is_valid():
            return
        recorded = sorted(
            (form for form in formset.forms if form.instance.pk),
            key=lambda form: form.instance.pk,
        )
        for before, after in zip(recorded, recorded[1:], strict=False):
            start_before = before.cleaned_data.get("starts_on")
            start_after = after.cleaned_data.get("starts_on")
            if start_before and start_after and start_after < start_before:
                after.add_error(
                    "starts_on",
                    _(
                        "Cette phase suit « %(phase)s », qui commence le %(date)s : "
                        "elle ne peut pas commencer avant."
                    )
                    % {
                        "phase": before.instance.get_code_display(),
                        "date": date_format(start_before, "j F Y"),
                    },
                )

    def save(self, commit=True):
        """Saved with its administrations, it gets their kind's funder if none;
        new, its first phase and planned dates; its start moved, its dates follow."""
        previous_start = self.initial.get("starts_on")
        previous_outcome = self.initial.get("outcome")
        created = self.instance.pk is None
        instance = super().save(commit=commit)
        if commit:
            instance.propose_funder()
            if created:
                start_investigation(instance)
            elif previous_start and previous_start != instance.starts_on:
                move_start(instance, previous_start, kept=self.changed_data)
            if previous_outcome and previous_outcome != instance.outcome:
                correct_outcome(instance, previous_outcome, user=self.for_user)
        return instance


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


class InvestigationInspectView(InspectView):
    """The investigation, with its phases, committees and dates, and the decisions to record."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        investigation = self.object
        phase = investigation.current_phase
        context.update(
            phases=chronological(investigation.phases.all()),
            committees=investigation.committee_events.order_by("date", "pk"),
            checkpoints=investigation.checkpoints.order_by("date", "pk"),
            phase=phase,
            can_record_outcome=(
                phase is not None
                and phase.code == PhaseCode.INVESTIGATION
                and not investigation.outcome
            ),
            can_record_committee=(
                phase is not None
                and phase.code != PhaseCode.INVESTIGATION
                and phase.code not in FINAL_PHASES
            ),
            can_change=self.request.user.has_perm(
                "investigations.change_investigation"
            ),
            today=timezone.localdate(),
        )
        return context


class InvestigationViewSet(OwnSiteSnippetViewSet):
    model = Investigation
    inspect_view_class = InvestigationInspectView
    inspect_template_name = "investigations/inspect.html"
    icon = "site"
    menu_label = _("Investigations")
    list_display = ["title", "starts_on", "planned_end", "outcome"]
    list_filter = ["outcome", "publish_learnings"]
    search_fields = ["title", "problem_statement"]
    inspect_view_enabled = True
    # The current phase and the last committee are told by the page itself,
    # in words (``inspect.html``), not as the columns the database keeps.
    inspect_view_fields_exclude = [
        "current_phase_code",
        "current_phase_starts_on",
        "last_committee_on",
    ]
    copy_view_enabled = False
    edit_handler = ObjectList(Investigation.panels, base_form_class=InvestigationForm)


class OrganisationViewSet(OwnSiteSnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Administrations")
    list_display = ["name", "kind", "parent", "beta_gouv_id"]
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
            "investigations/<int:pk>/comite-final/",
            decision_views.RecordOutcomeView.as_view(),
            name="investigation_record_outcome",
        ),
        path(
            "investigations/<int:pk>/comite-d-investissement/",
            decision_views.RecordCommitteeView.as_view(),
            name="investigation_record_committee",
        ),
        path(
            "investigations/calendrier/",
            calendar_views.CalendarView.as_view(),
            name="investigations_calendar",
        ),
        path(
            "investigations/mon-agenda/",
            calendar_views.MyCalendarView.as_view(),
            name="investigations_my_calendar",
        ),
        path(
            "investigations/laureats/",
            laureates.LaureateListsView.as_view(),
            name="investigations_laureate_lists",
        ),
        path(
            "investigations/laureats/<int:call_id>/",
            laureates.LaureateListView.as_view(),
            name="investigations_laureate_list",
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


@hooks.register("register_admin_menu_item")
def register_calendar_menu_item():
    return PermissionMenuItem(
        _("Calendrier des investigations"),
        reverse_lazy("investigations_calendar"),
        allowed="investigations.view_investigation",
        icon_name="date",
        order=186,
    )


@hooks.register("register_admin_menu_item")
def register_laureates_menu_item():
    return PermissionMenuItem(
        _("Listes des lauréats"),
        reverse_lazy("investigations_laureate_lists"),
        allowed="investigations.change_investigation",
        icon_name="list-ul",
        order=187,
    )


class OutcomeFormatter(LogFormatter):
    label = _("Décision du comité final")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return _("Comité final du %(date)s : %(outcome)s ; phase « %(phase)s »") % {
            "date": _date(data.get("on")),
            "outcome": dict(Outcome.choices).get(
                data.get("outcome"), data.get("outcome")
            ),
            "phase": dict(PhaseCode.choices).get(data.get("phase"), data.get("phase")),
        }


class CommitteeFormatter(LogFormatter):
    label = _("Comité d'investissement")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return _(
            "Comité d'investissement du %(date)s : %(decision)s ; phase « %(phase)s »"
        ) % {
            "date": _date(data.get("on")),
            "decision": dict(Decision.choices).get(
                data.get("decision"), data.get("decision")
            ),
            "phase": dict(PhaseCode.choices).get(data.get("phase"), data.get("phase")),
        }


class OutcomeCorrectedFormatter(LogFormatter):
    label = _("Issue du comité final corrigée")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        outcomes = dict(Outcome.choices)
        return _("Issue corrigée : %(before)s → %(after)s ; phase « %(phase)s »") % {
            "before": outcomes.get(data.get("from"), data.get("from")),
            "after": outcomes.get(data.get("outcome"), data.get("outcome")),
            "phase": dict(PhaseCode.choices).get(data.get("phase"), data.get("phase")),
        }


class LaureatesPublishedFormatter(LogFormatter):
    label = _("Liste des lauréats publiée")


class LaureatesWithdrawnFormatter(LogFormatter):
    label = _("Liste des lauréats retirée du site")


def _date(iso):
    try:
        return date_format(dt.date.fromisoformat(iso), "j F Y")
    except (TypeError, ValueError):
        return iso or "—"


@hooks.register("register_log_actions")
def register_investigation_log_actions(actions):
    actions.register_action("amorce.investigation.outcome")(OutcomeFormatter)
    actions.register_action("amorce.investigation.committee")(CommitteeFormatter)
    actions.register_action("amorce.investigation.outcome_corrected")(
        OutcomeCorrectedFormatter
    )
    actions.register_action("amorce.laureates.published")(LaureatesPublishedFormatter)
    actions.register_action("amorce.laureates.withdrawn")(LaureatesWithdrawnFormatter)
