"""The columns a user keeps in an export of a call: a form of checkboxes, saved per user and call.

The choice is looked up when an export is asked for and travels in its
parameters (``params["columns"]``, kind → names), so a background job writes
what was chosen at the time. It only ever removes columns: the list offered
is the resource's own, built over what the user may export, and a saved name
the export no longer has is ignored (``RowResource.choose``).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms_pages.sites import is_programme_team
from core.views import AdminPage
from forms.permissions import calls_for, candidatures_for
from selection.permissions import rounds_for

from .models import ExportColumnChoice
from .resources import CandidatureResource, EvaluationResource, RankingResource

Kind = ExportColumnChoice.Kind


def saved_columns(user, call_id, kinds):
    """{kind: names} of what ``user`` chose for these exports of call ``call_id``."""
    if call_id is None or not user.is_authenticated:
        return {}
    return dict(
        ExportColumnChoice.objects.filter(
            user=user, call_id=call_id, kind__in=kinds
        ).values_list("kind", "columns")
    )


def single_call(candidatures):
    """The call of these candidatures when they all belong to one, else None."""
    calls = list(
        candidatures.order_by().values_list("call_id", flat=True).distinct()[:2]
    )
    return calls[0] if len(calls) == 1 else None


def available_columns(user, call, kind):
    """(name, header) of every column ``user`` may export for ``kind`` in ``call``."""
    if kind == Kind.CANDIDATURES:
        resource = CandidatureResource(candidatures_for(user).filter(call=call))
        return resource.available_columns()
    review_round = (
        rounds_for(user)
        .filter(call=call)
        .select_related("call")
        .order_by("-pk")
        .first()
    )
    if review_round is None:
        raise Http404
    if kind == Kind.EVALUATIONS:
        return EvaluationResource(review_round).available_columns()
    return RankingResource(review_round).available_columns()


class ColumnChoiceForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=gettext_lazy("Colonnes de l'export"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Cochez au moins une colonne."),
            "invalid_choice": gettext_lazy(
                "« %(value)s » n'est pas une colonne de cet export : rechargez la page."
            ),
        },
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = choices


class ColumnChoiceView(AdminPage):
    """Checkboxes of an export's columns; the choice is saved for this user and call."""

    template_name = "exports/columns.html"
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        if not is_programme_team(request.user):
            raise PermissionDenied
        if kwargs["kind"] not in Kind.values:
            raise Http404
        self.kind = Kind(kwargs["kind"])
        self.call = get_object_or_404(calls_for(request.user), pk=kwargs["call"])
        self.choices = available_columns(request.user, self.call, self.kind)
        self.saved = ExportColumnChoice.objects.filter(
            user=request.user, call=self.call, kind=self.kind
        ).first()
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Colonnes de l'export « %(kind)s »") % {"kind": self.kind.label}

    def get_page_subtitle(self):
        return self.call.title

    def next_url(self):
        target = self.request.POST.get("next") or self.request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}
        ):
            return target
        return f"{reverse('candidatures:index')}?call={self.call.pk}"

    def initial_columns(self):
        names = [name for name, _header in self.choices]
        if self.saved is None:
            return names
        chosen = set(self.saved.columns) & set(names)
        return [name for name in names if name in chosen] or names

    def get_context_data(self, **kwargs):
        kwargs.setdefault(
            "form",
            ColumnChoiceForm(
                choices=self.choices, initial={"columns": self.initial_columns()}
            ),
        )
        return super().get_context_data(
            saved=self.saved, next=self.next_url(), **kwargs
        )

    def post(self, request, *args, **kwargs):
        if "reset" in request.POST:
            if self.saved is not None:
                self.saved.delete()
            messages.success(
                request, _("Les exports de cet appel reprennent toutes les colonnes.")
            )
            return redirect(self.next_url())
        form = ColumnChoiceForm(request.POST, choices=self.choices)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        ExportColumnChoice.objects.update_or_create(
            user=request.user,
            call=self.call,
            kind=self.kind,
            defaults={"columns": form.cleaned_data["columns"]},
        )
        messages.success(
            request,
            _("%(count)s colonne(s) retenue(s) pour vos exports de cet appel.")
            % {"count": len(form.cleaned_data["columns"])},
        )
        return redirect(self.next_url())


class ColumnCallsView(AdminPage):
    """Which call's export to choose columns for, when the list is not filtered to one."""

    template_name = "exports/columns.html"
    header_icon = "list-ul"
    page_title = gettext_lazy("Choisir les colonnes d'un export")

    def dispatch(self, request, *args, **kwargs):
        if not is_programme_team(request.user):
            raise PermissionDenied
        if kwargs["kind"] not in Kind.values:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            calls=calls_for(self.request.user).order_by("-opens_at"),
            **kwargs,
        )
