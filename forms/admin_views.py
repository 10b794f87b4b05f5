"""Admin views over candidatures: the list, the dossier, the status change."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import Button

from core.views import as_int

from .admin_cells import (
    DuplicateColumn,
    HumanDateColumn,
    LinkedTitleColumn,
    PlainColumn,
    StatusColumn,
)
from .choices import REASON_REQUIRED, TRANSITIONS, Status
from .emails import emails_of
from .models import Candidature
from .permissions import calls_for, candidatures_for
from .services import change_status


class CandidatureFilterSet(WagtailFilterSet):
    # A field of the candidature itself: no join to repeat a row, so no
    # DISTINCT (which sorted every match, answers included, before counting).
    status = django_filters.MultipleChoiceFilter(
        label=_("Statut"),
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    call = django_filters.ModelChoiceFilter(
        label=_("Appel"),
        queryset=lambda request: calls_for(getattr(request, "user", None)).order_by(
            "-opens_at"
        ),
        empty_label=_("Tous"),
    )
    administration = django_filters.CharFilter(
        label=_("Administration"), lookup_expr="icontains"
    )
    submit_time = django_filters.DateFromToRangeFilter(
        label=_("Reçue entre"), widget=DateRangePickerWidget
    )
    duplicates = django_filters.ChoiceFilter(
        label=_("Doublons possibles"),
        choices=[("yes", _("Seulement eux"))],
        empty_label=_("Tous"),
        method="filter_duplicates",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Candidature
        fields = ["status", "call", "administration", "submit_time", "duplicates"]

    # The list's page reads its rows one by one and stops at its 50; its total
    # and the exports find them all in one pass (``possible_duplicates``).
    duplicates_row_by_row = False

    def filter_duplicates(self, queryset, name, value):
        if value != "yes":
            return queryset
        return queryset.possible_duplicates(row_by_row=self.duplicates_row_by_row)


class CountedRows:
    """The rows of a list page from one query, its total from another.

    For the likely duplicates: a page of them is found fastest row by row
    (the newest first, stopping at the page's end), all of them fastest in one
    pass: each query does what it is quick at.
    """

    def __init__(self, rows, count):
        self.rows, self._count = rows, count
        self.model = rows.model  # « 2000 candidatures » under the pages

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __getitem__(self, key):
        return self.rows[key]


EXPORT_LABELS = {
    "xlsx": _("Exporter en XLSX (Excel)"),
    "ods": _("Exporter en ODS (LibreOffice)"),
    "csv": _("Exporter en CSV"),
    "json": _("Exporter en JSON"),
}


class CandidatureIndexView(generic.IndexView):
    def get_base_queryset(self):
        # The answers are not a column of the list: not read, nor sorted with the rows.
        return (
            super()
            .get_base_queryset()
            .select_related("call")
            .defer("form_data")
            .with_duplicate_flags()
        )

    def paginate_queryset(self, queryset, page_size):
        filters = self.filters
        if not (
            filters
            and filters.is_valid()
            and filters.form.cleaned_data.get("duplicates") == "yes"
        ):
            return super().paginate_queryset(queryset, page_size)
        # ``queryset`` counts them in one pass; the page reads its rows one by one.
        filters.duplicates_row_by_row = True
        try:
            rows = self.search_queryset(
                self.filter_queryset(self.order_queryset(self.get_base_queryset()))
            )
        finally:
            filters.duplicates_row_by_row = False
        return super().paginate_queryset(CountedRows(rows, queryset.count()), page_size)

    def order_queryset(self, queryset):
        """The column chosen, then the oldest first among equals: the same order
        on every page and every load (many share an administration or a status)."""
        queryset = super().order_queryset(queryset)
        ordering = self.ordering
        if isinstance(ordering, str) and ordering.lstrip("-") not in ("pk", "id"):
            queryset = queryset.order_by(ordering, "pk")
        return queryset

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        query = self.request.GET.copy()
        query.pop("p", None)
        for order, (fmt, label) in enumerate(EXPORT_LABELS.items()):
            query["format"] = fmt
            buttons.append(
                Button(
                    label,
                    url=f"{reverse('exports:candidatures')}?{query.urlencode()}",
                    icon_name="download",
                    priority=50 + order,
                )
            )
        # The columns of this user's exports, chosen per call (the list's call, if one).
        call = as_int(self.request.GET.get("call"))
        buttons.append(
            Button(
                _("Choisir les colonnes de l'export"),
                url=(
                    reverse("exports:columns", args=["candidatures", call])
                    if call is not None and call >= 0
                    else reverse("exports:columns_calls", args=["candidatures"])
                ),
                icon_name="list-ul",
                priority=50 + len(EXPORT_LABELS),
            )
        )
        if query.get("call"):  # the files of one call's candidatures (exports.zips)
            query.pop("format")
            buttons.append(
                Button(
                    _("Télécharger les pièces jointes (ZIP)"),
                    url=f"{reverse('exports:call_attachments')}?{query.urlencode()}",
                    icon_name="download",
                    priority=51 + len(EXPORT_LABELS),
                )
            )
        if self.request.user.has_perm("forms.change_candidature"):
            buttons.append(
                Button(
                    _("Importer des décisions"),
                    url=reverse("exports:import_decisions"),
                    icon_name="upload",
                    priority=60,
                )
            )
        return buttons


class CandidatureInspectView(generic.InspectView):
    template_name = "forms/admin/candidature_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            candidatures_for(self.request.user)
            .select_related("call", "definition", "page")
            .prefetch_related("attachments", "status_changes__user"),
            pk=self.pk,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["answers"] = self.object.answers()
        context["status_changes"] = self.object.status_changes.all()
        context["duplicates"] = candidatures_for(self.request.user).duplicates_of(
            self.object
        )
        context["emails"] = emails_of(self.object)
        return context


class CandidatureStatusForm(WagtailAdminModelForm):
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Obligatoire pour une décision négative, un retrait ou une annulation ; "
            "gardé dans l'historique."
        ),
    )

    class Meta:
        model = Candidature
        fields = ["status"]
        labels = {"status": _("Nouveau statut")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = Status(self.instance.status)
        allowed = [current, *sorted(TRANSITIONS[current], key=list(Status).index)]
        self.fields["status"].choices = [(s.value, s.label) for s in allowed]
        self.initial_status = current

    def clean(self):
        cleaned_data = super().clean()
        new_status = cleaned_data.get("status")
        if self.instance.anonymised_at and new_status != self.initial_status:
            self.add_error(
                "status",
                _("Cette candidature a été anonymisée : son statut ne change plus."),
            )
        if (
            new_status
            and new_status != self.initial_status
            and (
                new_status in REASON_REQUIRED
                and not cleaned_data.get("reason", "").strip()
            )
        ):
            self.add_error("reason", _("Indiquez le motif de cette décision."))
        return cleaned_data


class CandidatureStatusView(generic.EditView):
    page_title = _("Changer le statut")
    success_message = _("Statut de la candidature %(object)s mis à jour.")
    error_message = _(
        "Le statut n'a pas pu être changé : corrigez les erreurs ci-dessous."
    )

    def get_form_class(self):
        return CandidatureStatusForm

    def save_instance(self):
        candidature = Candidature.objects.get(pk=self.form.instance.pk)
        try:
            return change_status(
                candidature,
                self.form.cleaned_data["status"],
                user=self.request.user,
                reason=self.form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:  # pragma: no cover - the form checked it first
            self.form.add_error(None, error)
            raise


COLUMNS = [
    LinkedTitleColumn(
        "reference", label=_("Référence"), url_name="candidatures:inspect"
    ),
    PlainColumn("applicant_name", label=_("Nom"), sort_key="applicant_name"),
    PlainColumn("administration", label=_("Administration"), sort_key="administration"),
    PlainColumn("call", label=_("Appel")),
    StatusColumn("status", label=_("Statut"), sort_key="status"),
    DuplicateColumn("duplicate", label=_("Doublon")),
    HumanDateColumn("submit_time", label=_("Reçue le"), sort_key="submit_time"),
]
