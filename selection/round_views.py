"""The programme team's round screens: fill a round, rank it, decide."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms_pages.sites import is_programme_team
from core.views import AdminPage
from forms.choices import REASON_REQUIRED, Status
from forms.models import Candidature
from forms.services import change_status

from .closing import close_round, reopen_round
from .discussion import messages_of, post_as_team
from .evaluations import reopen_evaluation
from .members import removal_note, removed_members
from .models import Evaluation
from .permissions import rounds_for
from .scoring import (
    RANKING_ORDERS,
    Aggregate,
    RankedRows,
    criteria_of,
    criteria_summary,
    preselection_results,
    weighted_score,
)
from .standing import fill_round

RANKING_PER_PAGE = 100  # ranked over the whole round, shown a page at a time
DISCUSS_FIRST = 10  # « À discuter en priorité »: the widest spreads
# What the ranking's rows show of a dossier: a narrow row groups faster.
RANKING_FIELDS = ("pk", "reference", "applicant_name", "administration", "status")


class DecisionForm(forms.Form):
    DECISIONS = [
        (s.value, s.label)
        for s in (
            Status.PRESELECTED,
            Status.NOT_PRESELECTED,
            Status.SELECTED,
            Status.NOT_SELECTED,
            Status.WITHDRAWN,
            Status.CANCELLED,
        )
    ]
    candidatures = forms.ModelMultipleChoiceField(
        queryset=Candidature.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Cochez au moins un dossier dans le classement.")
        },
    )
    status = forms.ChoiceField(label=gettext_lazy("Décision"), choices=DECISIONS)
    reason = forms.CharField(
        label=gettext_lazy("Motif"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, review_round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidatures"].queryset = review_round.candidatures.all()

    def clean(self):
        cleaned_data = super().clean()
        if (
            cleaned_data.get("status") in REASON_REQUIRED
            and not cleaned_data.get("reason", "").strip()
        ):
            self.add_error("reason", _("Indiquez le motif de cette décision."))
        return cleaned_data


def round_of_team(request, pk):
    """One of the rounds this person's programme team runs (403 for anyone else)."""
    if not is_programme_team(request.user):
        raise PermissionDenied
    return get_object_or_404(rounds_for(request.user).select_related("call"), pk=pk)


class TeamRoundPage(AdminPage):
    """A screen of the programme team on one of its rounds: ``self.review_round``."""

    def dispatch(self, request, *args, **kwargs):
        self.review_round = round_of_team(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class RoundRankingView(TeamRoundPage):
    template_name = "selection/rounds/ranking.html"
    header_icon = "list-ol"

    def get_page_title(self):
        return _("Classement — %s") % self.review_round

    def parents(self):
        return [(reverse("review_rounds:index"), _("Tours d'examen"))]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit_round"] = self.request.user.has_perm(
            "selection.change_reviewround"
        )
        status_filter = self.request.GET.get("statut")
        sort = self.request.GET.get("ordre", "note")
        if sort not in RANKING_ORDERS:
            sort = "note"
        # Counted on the round's own list of dossiers, not by ranking it again.
        listed = self.review_round.candidatures.through.objects.filter(
            reviewround=self.review_round
        )
        if status_filter:
            listed = listed.filter(candidature__status=status_filter)
        ranked = RankedRows(
            self.review_round,
            order=sort,
            status=status_filter,
            count=listed.count(),
            fields=RANKING_FIELDS,
            discuss=DISCUSS_FIRST,
        )
        page = WagtailPaginator(ranked, RANKING_PER_PAGE).get_page(
            self.request.GET.get("p")
        )
        page.object_list = [(c.rank, Aggregate.of(c)) for c in page.object_list]
        preselection = self.review_round.preselection_round()
        if preselection is not None:
            # The committee reads the jury's result beside its own: for the
            # page's dossiers only, in a fixed number of queries.
            results = preselection_results(
                preselection, [a.candidature.pk for _rank, a in page.object_list]
            )
            page.object_list = [
                (rank, a, results.get(a.candidature.pk)) for rank, a in page.object_list
            ]
        else:
            page.object_list = [(rank, a, None) for rank, a in page.object_list]
        context.update(
            preselection=preselection,
            review_round=self.review_round,
            ranked=page.object_list,
            page_obj=page,
            elided_page_range=page.paginator.get_elided_page_range(page.number),
            discuss=ranked.discuss,
            sort=sort,
            status_filter=status_filter,
            statuses=Status.choices,
            form=kwargs.get("form") or DecisionForm(review_round=self.review_round),
            members=self.review_round.memberships.filter(
                removed_at=None
            ).select_related("user"),
            criteria_summary=criteria_summary(criteria_of(self.review_round.call)),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("forms.change_candidature"):
            raise PermissionDenied
        form = DecisionForm(request.POST, review_round=self.review_round)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        new_status = form.cleaned_data["status"]
        failures = []
        with transaction.atomic():
            for candidature in form.cleaned_data["candidatures"]:
                try:
                    change_status(
                        candidature,
                        new_status,
                        user=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as error:
                    failures.append(
                        f"{candidature.reference} : {' '.join(error.messages)}"
                    )
            if failures:
                transaction.set_rollback(True)
        if failures:
            messages.error(
                request, _("Aucune décision enregistrée : %s") % " ; ".join(failures)
            )
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            _("%(count)s candidature(s) : %(status)s.")
            % {
                "count": len(form.cleaned_data["candidatures"]),
                "status": Status(new_status).label,
            },
        )
        return redirect(request.get_full_path())


class FillRoundView(WagtailAdminTemplateMixin, TemplateView):
    http_method_names = ["post"]  # a button on the ranking, never a page of its own

    def post(self, request, pk):
        if not request.user.has_perm("selection.change_reviewround"):
            raise PermissionDenied
        review_round = get_object_or_404(rounds_for(request.user), pk=pk)
        if review_round.is_closed:
            messages.error(
                request,
                _("Ce tour est clos : rouvrez-le avant d'y ajouter des candidatures."),
            )
            return redirect("review_rounds:ranking", pk=pk)
        count = fill_round(review_round)
        status = Status(review_round.source_status).label
        if count:
            message = ngettext(
                "%(count)s candidature « %(status)s » ajoutée au tour.",
                "%(count)s candidatures « %(status)s » ajoutées au tour.",
                count,
            )
        else:
            message = _("Aucune nouvelle candidature « %(status)s » à ajouter au tour.")
        messages.success(request, message % {"count": count, "status": status})
        return redirect("review_rounds:ranking", pk=pk)


class CloseRoundView(WagtailAdminTemplateMixin, TemplateView):
    """« Clore le tour » / « Rouvrir le tour »: a button on the ranking."""

    http_method_names = ["post"]

    def post(self, request, pk):
        if not request.user.has_perm("selection.change_reviewround"):
            raise PermissionDenied
        review_round = get_object_or_404(rounds_for(request.user), pk=pk)
        closing = request.POST.get("action") != "reopen"
        try:
            if closing:
                close_round(review_round, user=request.user)
            else:
                reopen_round(review_round, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("review_rounds:ranking", pk=pk)
        if closing:
            message = _(
                "Tour clos : les membres ne rendent plus d'évaluation (leurs "
                "brouillons sont gardés)."
            )
            if review_round.members_see_ranking:
                message += " " + _("Ils voient maintenant le classement du tour.")
        else:
            message = _(
                "Tour rouvert : les membres peuvent de nouveau rendre leurs "
                "évaluations."
            )
        messages.success(request, message)
        return redirect("review_rounds:ranking", pk=pk)


class DiscussionForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Votre message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Lu par les membres du tour qui ont rendu leur évaluation de ce dossier "
            "et par l'équipe programme. Un message envoyé ne se modifie plus."
        ),
        error_messages={
            "required": gettext_lazy("Écrivez votre message avant de l'envoyer.")
        },
    )


class ReopenForm(forms.Form):
    evaluation = forms.TypedChoiceField(
        label=gettext_lazy("Évaluation à rouvrir"),
        coerce=int,
        error_messages={"required": gettext_lazy("Choisissez l'évaluation à rouvrir.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Motif de la réouverture"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Gardé dans l'historique du dossier, montré dans le classement et au membre."
        ),
        error_messages={
            "required": gettext_lazy("Indiquez pourquoi cette évaluation est rouverte.")
        },
    )

    def __init__(self, *args, evaluations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluation"].choices = [("", "—")] + [
            (e.pk, e.member.get_full_name() or e.member.get_username())
            for e in evaluations
            if e.submitted_at
        ]


class DossierEvaluationsView(AdminPage):
    """One dossier in a round, for the programme team: each member's evaluation.

    Where a submitted evaluation is reopened, with a reason.
    """

    template_name = "selection/rounds/dossier_evaluations.html"
    header_icon = "list-ol"

    def dispatch(self, request, *args, **kwargs):
        if not is_programme_team(request.user):
            raise Http404
        self.review_round = get_object_or_404(
            rounds_for(request.user).select_related("call"), pk=kwargs["pk"]
        )
        self.candidature = get_object_or_404(
            self.review_round.candidatures.all(), pk=kwargs["candidature_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Évaluations du dossier %(reference)s — %(round)s") % {
            "reference": self.candidature.reference,
            "round": self.review_round,
        }

    def parents(self):
        return [
            (reverse("review_rounds:index"), _("Tours d'examen")),
            (
                reverse("review_rounds:ranking", args=[self.review_round.pk]),
                _("Classement — %s") % self.review_round,
            ),
        ]

    def breadcrumb_label(self):
        return self.candidature.reference

    def evaluations(self):
        return list(
            Evaluation.objects.filter(
                round=self.review_round, candidature=self.candidature
            )
            .select_related("member", "entered_by")
            .prefetch_related("reopenings__user")
            .order_by("member__last_name", "member__username")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        criteria = criteria_of(self.review_round.call)
        evaluations = self.evaluations()
        removed = removed_members(self.review_round)
        # A closed round's ranking stays as its members were shown it.
        may_reopen = self.request.user.has_perm("selection.change_reviewround")
        can_reopen = may_reopen and not self.review_round.is_closed
        context.update(
            review_round=self.review_round,
            candidature=self.candidature,
            criteria=criteria,
            criteria_summary=criteria_summary(criteria),
            rows=[
                {
                    "evaluation": evaluation,
                    "scores": [evaluation.scores.get(str(c.pk)) for c in criteria],
                    "score": None
                    if evaluation.conflict_of_interest
                    else weighted_score(evaluation.scores, criteria),
                    "reopenings": list(evaluation.reopenings.all()),
                    "removed": removal_note(removed.get(evaluation.member_id)),
                    "criterion_comments": evaluation.comments_by_criterion(criteria),
                }
                for evaluation in evaluations
            ],
            can_reopen=can_reopen,
            form=kwargs.get("form") or ReopenForm(evaluations=evaluations),
            discussion=messages_of(self.review_round, self.candidature),
            discussion_form=kwargs.get("discussion_form") or DiscussionForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "discuss":
            return self.post_message(request)
        if not request.user.has_perm("selection.change_reviewround"):
            raise PermissionDenied
        form = ReopenForm(request.POST, evaluations=self.evaluations())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        evaluation = get_object_or_404(
            Evaluation.objects.select_related("member"),
            round=self.review_round,
            candidature=self.candidature,
            pk=form.cleaned_data["evaluation"],
        )
        try:
            reopen_evaluation(
                evaluation, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason", error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            _(
                "L'évaluation de %(member)s est rouverte : elle ne compte plus tant "
                "qu'elle n'est pas rendue de nouveau."
            )
            % {
                "member": evaluation.member.get_full_name()
                or evaluation.member.get_username()
            },
        )
        return redirect(request.get_full_path())

    def post_message(self, request):
        form = DiscussionForm(request.POST)
        if form.is_valid():
            try:
                post_as_team(
                    self.review_round,
                    self.candidature,
                    request.user,
                    form.cleaned_data["body"],
                )
            except ValidationError as error:
                form.add_error("body", error)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(discussion_form=form))
        messages.success(request, _("Message ajouté à la discussion du dossier."))
        return redirect(request.get_full_path() + "#discussion")
