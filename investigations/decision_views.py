"""The two decisions that move an investigation's phases, as admin forms.

« Enregistrer la décision du comité final » and « Enregistrer un comité
d'investissement » call ``services.record_outcome`` and
``services.record_committee``: the phases follow, the history keeps the
decision, and a decision that skips a step is refused with its reason.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.widgets import AdminDateInput

from core.views import AdminPage

from .models import DOCUMENT_TAGS, Decision, Outcome
from .permissions import investigations_for
from .services import StepRefused, record_committee, record_outcome
from .views import require


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Issue décidée"),
        choices=[("", "---------"), *Outcome.choices],
        error_messages={
            "required": gettext_lazy("Choisissez l'issue décidée par le comité final.")
        },
    )
    on = forms.DateField(
        label=gettext_lazy("Date du comité final"),
        widget=AdminDateInput,
        error_messages={
            "required": gettext_lazy("Indiquez la date du comité final."),
            "invalid": gettext_lazy("Écrivez une date, par exemple 15/01/2027."),
        },
    )
    rationale = forms.CharField(
        label=gettext_lazy("Pourquoi cette issue"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommitteeForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Décision"),
        choices=[("", "---------"), *Decision.choices],
        error_messages={"required": gettext_lazy("Choisissez la décision du comité.")},
    )
    on = forms.DateField(
        label=gettext_lazy("Date du comité"),
        widget=AdminDateInput,
        error_messages={
            "required": gettext_lazy("Indiquez la date du comité."),
            "invalid": gettext_lazy("Écrivez une date, par exemple 15/01/2027."),
        },
    )
    comment = forms.CharField(
        label=gettext_lazy("Commentaire"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    documents = forms.MultipleChoiceField(
        label=gettext_lazy("Documents présentés"),
        choices=DOCUMENT_TAGS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class DecisionView(AdminPage):
    """A decision on one investigation of the user's sites."""

    template_name = "investigations/decision.html"
    header_icon = "site"
    form_class = None

    def dispatch(self, request, *args, **kwargs):
        require(request.user, "change")
        self.investigation = get_object_or_404(
            investigations_for(request.user), pk=kwargs["pk"]
        )
        self.form = self.form_class(
            request.POST if request.method == "POST" else None,
            initial=self.initial(),
        )
        return super().dispatch(request, *args, **kwargs)

    def initial(self):
        return {"on": timezone.localdate()}

    def parents(self):
        return [
            (
                reverse("wagtailsnippets_investigations_investigation:list"),
                _("Investigations"),
            ),
            (
                reverse(
                    "wagtailsnippets_investigations_investigation:inspect",
                    args=[self.investigation.pk],
                ),
                self.investigation.title,
            ),
        ]

    def post(self, request, *args, **kwargs):
        if self.form.is_valid():
            try:
                self.record(self.form.cleaned_data)
            except StepRefused as refused:
                self.form.add_error(None, str(refused))
            else:
                messages.success(request, self.success_message())
                return redirect(
                    "wagtailsnippets_investigations_investigation:inspect",
                    self.investigation.pk,
                )
        return self.get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            investigation=self.investigation,
            phase=self.investigation.current_phase,
            form=self.form,
            submit_label=self.page_title,
        )
        return context


class RecordOutcomeView(DecisionView):
    page_title = gettext_lazy("Enregistrer la décision du comité final")
    form_class = OutcomeForm

    def initial(self):
        return {"on": self.investigation.final_committee_on or timezone.localdate()}

    def record(self, data):
        self.phase = record_outcome(
            self.investigation,
            data["outcome"],
            data["rationale"],
            on=data["on"],
            user=self.request.user,
        )

    def success_message(self):
        return _("Issue enregistrée : la phase « %(phase)s » commence le %(date)s.") % {
            "phase": self.phase.get_code_display(),
            "date": self.phase.starts_on.strftime("%d/%m/%Y"),
        }


class RecordCommitteeView(DecisionView):
    page_title = gettext_lazy("Enregistrer un comité d'investissement")
    form_class = CommitteeForm

    def initial(self):
        return {"on": self.investigation.next_committee_on or timezone.localdate()}

    def record(self, data):
        record_committee(
            self.investigation,
            data["decision"],
            on=data["on"],
            comment=data["comment"],
            documents=", ".join(data["documents"]),
            user=self.request.user,
        )

    def success_message(self):
        phase = self.investigation.current_phase
        return _("Comité enregistré : l'investigation est en phase « %(phase)s ».") % {
            "phase": phase.get_code_display()
        }
