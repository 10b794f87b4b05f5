"""The jury's and committee's screens: their rounds, their dossiers, their scores."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.paginator import WagtailPaginator

from core.views import AdminPage

from .blind import blind_answers, likely_conflict_notice
from .evaluations import locked_message, save_evaluation
from .models import Evaluation, OthersScores
from .permissions import juror_candidatures, rounds_of
from .scoring import (
    clean_scores,
    criteria_of,
    likely_conflict,
    others_visible_on,
    weighted_score,
)

DOSSIERS_PER_PAGE = 100


class JuryPage(AdminPage):
    header_icon = "tasks"

    def parents(self):
        return [(reverse("jury:rounds"), _("Mes évaluations"))]


def progress_for(user, review_round):
    dossiers = juror_candidatures(user, review_round)
    total = dossiers.count()
    done = Evaluation.objects.filter(
        round=review_round,
        member=user,
        submitted_at__isnull=False,
        conflict_of_interest=False,
        candidature__in=dossiers,
    ).count()
    return done, total


class MyRoundsView(JuryPage):
    template_name = "selection/jury/rounds.html"
    page_title = gettext_lazy("Mes évaluations")

    def parents(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rounds = (
            rounds_of(self.request.user).select_related("call").order_by("-created_at")
        )
        context["rounds"] = [(r, *progress_for(self.request.user, r)) for r in rounds]
        return context


def member_round(user, round_id):
    """The round, if the user sits on it; 404 otherwise (nothing to learn by guessing)."""
    review_round = get_object_or_404(
        rounds_of(user).select_related("call"), pk=round_id
    )
    membership = (
        review_round.memberships.filter(user=user, removed_at=None)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404
    return review_round, membership


class RoundDossiersView(JuryPage):
    template_name = "selection/jury/round.html"

    def get_page_title(self):
        return str(self.review_round)

    def dispatch(self, request, *args, **kwargs):
        self.review_round, self.membership = member_round(
            request.user, kwargs["round_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        page = WagtailPaginator(
            juror_candidatures(user, self.review_round)
            .defer("form_data")  # the answers are read on the dossier, not here
            .order_by("reference"),
            DOSSIERS_PER_PAGE,
        ).get_page(self.request.GET.get("p"))
        dossiers = list(page.object_list)
        mine = {
            e.candidature_id: e
            for e in Evaluation.objects.filter(
                round=self.review_round, member=user, candidature__in=dossiers
            )
        }
        blind = self.review_round.blind
        context["rows"] = [
            (
                c,
                mine.get(c.pk),
                likely_conflict_notice(likely_conflict(self.membership, c), blind),
            )
            for c in dossiers
        ]
        context["blind"] = blind
        context["done"], context["total"] = progress_for(user, self.review_round)
        context["review_round"] = self.review_round
        context["page_obj"] = page
        context["elided_page_range"] = page.paginator.get_elided_page_range(page.number)
        return context


class EvaluationForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Commentaire"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    conflict_of_interest = forms.BooleanField(
        label=gettext_lazy("Je suis en conflit d'intérêts pour ce dossier"),
        required=False,
        help_text=gettext_lazy(
            "Le dossier vous sera alors retiré ; vous ne le noterez pas."
        ),
    )
    conflict_note = forms.CharField(
        label=gettext_lazy("Précision (facultatif)"), required=False, max_length=300
    )

    def __init__(self, *args, criteria, submit=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.submit = submit  # a draft may leave criteria unscored
        for criterion in criteria:
            choices = [("", "—")] + [
                (str(v), str(v))
                for v in range(criterion.scale_min, criterion.scale_max + 1)
            ]
            self.fields[f"score_{criterion.pk}"] = forms.ChoiceField(
                label=f"{criterion.label} (× {criterion.weight_display})",
                help_text=criterion.description,
                choices=choices,
                required=False,
            )
        self.order_fields(
            [f"score_{c.pk}" for c in criteria]
            + ["comment", "conflict_of_interest", "conflict_note"]
        )

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("conflict_of_interest"):
            cleaned_data["scores"] = {}
            return cleaned_data
        raw = {str(c.pk): cleaned_data.get(f"score_{c.pk}") for c in self.criteria}
        try:
            cleaned_data["scores"] = clean_scores(
                raw, self.criteria, partial=not self.submit
            )
        except ValidationError as error:
            for criterion_id, messages_ in error.message_dict.items():
                self.add_error(f"score_{criterion_id}", messages_)
        return cleaned_data


class EvaluateView(JuryPage):
    template_name = "selection/jury/evaluate.html"

    def get_page_title(self):
        return self.candidature.reference

    def parents(self):
        return super().parents() + [
            (reverse("jury:round", args=[self.review_round.pk]), str(self.review_round))
        ]

    def next_dossier(self):
        """The next dossier (by reference) this member has not scored yet, if any."""
        pending = (
            juror_candidatures(self.request.user, self.review_round)
            .exclude(
                evaluations__round=self.review_round,
                evaluations__member=self.request.user,
                evaluations__submitted_at__isnull=False,
            )
            .exclude(pk=self.candidature.pk)
            .order_by("reference")
            .only("pk", "reference")
        )
        return (
            pending.filter(reference__gt=self.candidature.reference).first()
            or pending.first()
        )

    def dispatch(self, request, *args, **kwargs):
        self.review_round, self.membership = member_round(
            request.user, kwargs["round_id"]
        )
        self.candidature = get_object_or_404(
            juror_candidatures(request.user, self.review_round).select_related(
                "definition", "call"
            ),
            pk=kwargs["candidature_id"],
        )
        self.criteria = criteria_of(self.review_round.call)
        self.evaluation = Evaluation.objects.filter(
            round=self.review_round, candidature=self.candidature, member=request.user
        ).first()
        return super().dispatch(request, *args, **kwargs)

    def get_form(self):
        initial = {}
        if self.evaluation:
            initial = {
                f"score_{k}": str(int(v)) for k, v in self.evaluation.scores.items()
            }
            initial["comment"] = self.evaluation.comment
        if self.request.method == "POST":
            submit = self.request.POST.get("action") != "draft"
            return EvaluationForm(
                self.request.POST,
                initial=initial,
                criteria=self.criteria,
                submit=submit,
            )
        return EvaluationForm(initial=initial, criteria=self.criteria)

    def post(self, request, *args, **kwargs):
        if self.evaluation and self.evaluation.is_locked:
            messages.error(request, locked_message())
            return self.render_to_response(self.get_context_data(), status=409)
        form = self.get_form()
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            evaluation = save_evaluation(
                self.review_round,
                self.candidature,
                request.user,
                scores=form.cleaned_data["scores"],
                comment=form.cleaned_data["comment"],
                conflict_of_interest=form.cleaned_data["conflict_of_interest"],
                conflict_note=form.cleaned_data["conflict_note"],
                submit=form.submit,
            )
        except ValidationError as error:  # submitted meanwhile, from another tab
            messages.error(request, " ".join(error.messages))
            return redirect(request.get_full_path())
        if not evaluation.is_locked:
            messages.success(
                request,
                _(
                    "Brouillon enregistré pour le dossier %s : il ne compte pas "
                    "tant que vous ne l'avez pas rendu."
                )
                % self.candidature.reference,
            )
            return redirect(request.get_full_path())
        if evaluation.conflict_of_interest:
            messages.success(
                request,
                _("Conflit d'intérêts noté : le dossier %s vous est retiré.")
                % self.candidature.reference,
            )
            return redirect("jury:round", round_id=self.review_round.pk)
        messages.success(
            request,
            _("Évaluation du dossier %s rendue.") % self.candidature.reference,
        )
        return redirect(
            "jury:evaluate",
            round_id=self.review_round.pk,
            candidature_id=self.candidature.pk,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        locked = bool(self.evaluation and self.evaluation.is_locked)
        blind = self.review_round.blind
        answers = self.candidature.answers()
        context.update(
            review_round=self.review_round,
            candidature=self.candidature,
            blind=blind,
            answers=blind_answers(self.candidature, answers) if blind else answers,
            form=None if locked else kwargs.get("form") or self.get_form(),
            evaluation=self.evaluation,
            locked=locked,
            my_scores=[
                (c, self.evaluation.scores.get(str(c.pk))) for c in self.criteria
            ]
            if self.evaluation
            else [],
            likely_conflict=likely_conflict_notice(
                likely_conflict(self.membership, self.candidature), blind
            ),
            last_reopening=self.evaluation.reopenings.order_by("created_at").last()
            if self.evaluation and self.evaluation.reopened_count and not locked
            else None,
            next_dossier=self.next_dossier(),
            others_rule=self.review_round.others_scores,
            OthersScores=OthersScores,
        )
        if locked:
            context["my_score"] = weighted_score(self.evaluation.scores, self.criteria)
        if others_visible_on(self.review_round, self.evaluation):
            context["others_visible"] = True
            others = (
                Evaluation.objects.filter(
                    round=self.review_round,
                    candidature=self.candidature,
                    submitted_at__isnull=False,
                    conflict_of_interest=False,
                )
                .exclude(member=self.request.user)
                .select_related("member")
            )
            context["others"] = [
                (
                    e.member.get_full_name() or e.member.get_username(),
                    weighted_score(e.scores, self.criteria),
                    e.comment,
                )
                for e in others
            ]
        return context
