"""The jury's and committee's screens: their rounds, their dossiers, their scores."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.paginator import WagtailPaginator

from core.views import AdminPage

from .blind import (
    blind_answers,
    blind_file_terms,
    blind_text,
    likely_conflict_notice,
)
from .closing import ranking_open_to_members
from .discussion import (
    discussion_open_to,
    messages_of,
    post_as_member,
    why_closed_to,
)
from .evaluations import (
    clean_criterion_comments,
    closed_message,
    locked_message,
    save_evaluation,
)
from .models import Evaluation, OthersScores
from .permissions import juror_candidatures, juror_dossier_ids, rounds_of
from .scoring import (
    Aggregate,
    RankedRows,
    clean_scores,
    criteria_of,
    likely_conflict,
    others_visible_on,
    preselection_results,
    weighted_score,
)

DOSSIERS_PER_PAGE = 100
RADIO_LEVELS = 11  # up to 0–10 as radio buttons; a longer scale is a list to pick from


class JuryPage(AdminPage):
    header_icon = "tasks"

    def parents(self):
        return [(reverse("jury:rounds"), _("Mes évaluations"))]


def progress_for(user, review_round, *, sits=False):
    """(dossiers scored, dossiers to score) by ``user`` on ``review_round``.

    Both counted in one pass over the round's dossiers (a member has at most
    one evaluation a dossier: the dossiers he scored are his evaluations
    counted). ``sits``: the round comes from ``rounds_of(user)``, not checked
    again.
    """
    dossiers = juror_dossier_ids(user, review_round, sits=sits)
    if dossiers is None:
        return 0, 0
    scored = Evaluation.objects.filter(
        round=review_round,
        member=user,
        submitted_at__isnull=False,
        conflict_of_interest=False,
    ).values("candidature_id")
    counts = dossiers.aggregate(
        total=Count("candidature_id"),
        done=Count("candidature_id", filter=Q(candidature_id__in=scored)),
    )
    return counts["done"], counts["total"]


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
        context["rounds"] = [
            (r, *progress_for(self.request.user, r, sits=True)) for r in rounds
        ]
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
        done, total = progress_for(user, self.review_round, sits=True)
        paginator = WagtailPaginator(
            juror_candidatures(user, self.review_round)
            .defer("form_data")  # the answers are read on the dossier, not here
            .order_by("reference"),
            DOSSIERS_PER_PAGE,
        )
        paginator.count = total  # the same dossiers, already counted
        page = paginator.get_page(self.request.GET.get("p"))
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
        context["done"], context["total"] = done, total
        context["review_round"] = self.review_round
        context["ranking_open"] = ranking_open_to_members(self.review_round)
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
            scale = criterion.scale()
            levels = [
                (str(value), f"{value} — {text}" if text else str(value))
                for value, text in scale
            ]
            if len(scale) <= RADIO_LEVELS:
                field = forms.ChoiceField(
                    choices=levels, required=False, widget=forms.RadioSelect
                )
            else:
                field = forms.ChoiceField(choices=[("", "—")] + levels, required=False)
            field.label = f"{criterion.label} (× {criterion.weight_display})"
            field.help_text = criterion.description
            self.fields[f"score_{criterion.pk}"] = field
            self.fields[f"criterion_comment_{criterion.pk}"] = forms.CharField(
                label=_("Commentaire sur ce critère (facultatif)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.order_fields(
            [
                name
                for c in criteria
                for name in (f"score_{c.pk}", f"criterion_comment_{c.pk}")
            ]
            + ["comment", "conflict_of_interest", "conflict_note"]
        )

    def criterion_rows(self):
        """(criterion, its score field, its comment field), for one fieldset each."""
        return [
            (c, self[f"score_{c.pk}"], self[f"criterion_comment_{c.pk}"])
            for c in self.criteria
        ]

    def general_fields(self):
        return [
            self[name] for name in ("comment", "conflict_of_interest", "conflict_note")
        ]

    def clean(self):
        cleaned_data = super().clean()
        cleaned_data["criterion_comments"] = clean_criterion_comments(
            {
                str(c.pk): cleaned_data.get(f"criterion_comment_{c.pk}")
                for c in self.criteria
            },
            self.criteria,
        )
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
            for key, text in self.evaluation.criterion_comments.items():
                initial[f"criterion_comment_{key}"] = text
        action = self.request.POST.get("action")
        if self.request.method == "POST" and action != "discuss":
            submit = action != "draft"
            return EvaluationForm(
                self.request.POST,
                initial=initial,
                criteria=self.criteria,
                submit=submit,
            )
        return EvaluationForm(initial=initial, criteria=self.criteria)

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "discuss":
            return self.post_message(request)
        if self.evaluation and self.evaluation.is_locked:
            messages.error(request, locked_message())
            return self.render_to_response(self.get_context_data(), status=409)
        form = self.get_form()
        if form.submit and self.review_round.is_closed:
            messages.error(request, closed_message())
            return self.render_to_response(self.get_context_data(form=form), status=409)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            evaluation = save_evaluation(
                self.review_round,
                self.candidature,
                request.user,
                scores=form.cleaned_data["scores"],
                comment=form.cleaned_data["comment"],
                criterion_comments=form.cleaned_data["criterion_comments"],
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

    def my_scores(self):
        """(criterion, my note, what it means, my comment on it), once I scored."""
        rows = []
        if self.evaluation is None:
            return rows
        for criterion in self.criteria:
            key = str(criterion.pk)
            value = self.evaluation.scores.get(key)
            described = criterion.levels_described
            meaning = "" if value is None else described.get(int(value), "")
            comment = self.evaluation.criterion_comments.get(key, "")
            rows.append((criterion, value, meaning, comment))
        return rows

    def post_message(self, request):
        try:
            post_as_member(
                self.review_round,
                self.candidature,
                request.user,
                request.POST.get("body", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self.render_to_response(
                self.get_context_data(discussion_body=request.POST.get("body", "")),
                status=400,
            )
        messages.success(request, _("Message ajouté à la discussion du dossier."))
        return redirect(request.get_full_path() + "#discussion")

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
            my_scores=self.my_scores(),
            round_closed=self.review_round.is_closed,
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
                    e.comments_by_criterion(self.criteria),
                )
                for e in others
            ]
        if discussion_open_to(self.review_round, self.evaluation):
            context["discussion_open"] = True
            context["discussion"] = messages_of(self.review_round, self.candidature)
            context["discussion_can_post"] = not self.review_round.is_closed
            context["discussion_body"] = kwargs.get("discussion_body", "")
        else:
            context["discussion_closed_reason"] = why_closed_to(
                self.review_round, self.evaluation
            )
        preselection = self.review_round.preselection_round()
        if preselection is not None:
            context["preselection"] = preselection
            results = preselection_results(preselection, [self.candidature.pk])
            context["preselection_result"] = results.get(self.candidature.pk)
        if blind:
            self.mask_what_others_wrote(context)
        return context

    def mask_what_others_wrote(self, context):
        """In a blind round, what other people wrote about the dossier reaches a
        member with the applicant's identity masked, as the answers are: the
        values of the identifying answers (an address, a SIRET) included."""
        terms = blind_file_terms(self.candidature)

        def mask(text):
            return blind_text(text, terms)

        def masked_by_criterion(pairs):
            return [(criterion, mask(text)) for criterion, text in pairs]

        if "others" in context:
            context["others"] = [
                (name, score, mask(comment), masked_by_criterion(per_criterion))
                for name, score, comment, per_criterion in context["others"]
            ]
        for message in context.get("discussion") or []:
            message.body = mask(message.body)  # read, never saved
        result = context.get("preselection_result")
        if result is not None:
            result.comments = [
                (mask(comment), masked_by_criterion(per_criterion))
                for comment, per_criterion in result.comments
            ]


class MemberRankingView(JuryPage):
    """The round's ranking, read-only, for its members once the team closed it.

    Only if the round says so (« les membres voient le classement une fois le
    tour clos »); never before closing. Aggregates only: no member's name nor
    score. A dossier the member declared a conflict on is left out.
    """

    template_name = "selection/jury/ranking.html"

    def get_page_title(self):
        return _("Classement — %s") % self.review_round

    def parents(self):
        return super().parents() + [
            (reverse("jury:round", args=[self.review_round.pk]), str(self.review_round))
        ]

    def breadcrumb_label(self):
        return _("Classement")

    def dispatch(self, request, *args, **kwargs):
        self.review_round, self.membership = member_round(
            request.user, kwargs["round_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if not ranking_open_to_members(self.review_round):
            context = self.get_context_data(refused=True)
            return self.render_to_response(context, status=403)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["review_round"] = self.review_round
        if kwargs.get("refused"):
            return context
        # Ranked over the whole round; listed, the dossiers this member reads
        # (his assigned ones when the round assigns them), his conflicts aside.
        # The database ranks, filters and pages: only the page's dossiers come
        # back, then are read with their aggregates.
        readable = juror_dossier_ids(self.request.user, self.review_round, sits=True)
        if readable is None:  # no longer on the round
            raise Http404
        ranked = RankedRows(
            self.review_round,
            readable=readable,
            count=readable.count(),
            fields=("pk", "reference", "applicant_name"),
        )
        page = WagtailPaginator(ranked, DOSSIERS_PER_PAGE).get_page(
            self.request.GET.get("p")
        )
        page.object_list = [(c.rank, Aggregate.of(c)) for c in page.object_list]
        context.update(
            blind=self.review_round.blind,
            ranked=page.object_list,
            page_obj=page,
            elided_page_range=page.paginator.get_elided_page_range(page.number),
        )
        return context
