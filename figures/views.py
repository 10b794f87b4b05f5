"""« Chiffres »: the programme team's charts, each with its table and its CSV.

Every chart is built by a function beside the data it reads
(``forms.stats``, ``selection.stats``, ``investigations.stats``) from what
the user may read: the candidatures of their site's calls
(``candidatures_for``), its rounds (``rounds_for``), its investigations
(``investigations_for``). The page and the CSV of one chart go through the
same ``chart_builders``: the file holds the numbers the page shows.
Only the programme team gets them: the communications team and the jury
get a 403.
"""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms_pages.sites import is_programme_team
from core.views import AdminPage, as_int
from exports.resources import neutralise
from exports.writers import write_csv
from forms.permissions import calls_for, candidatures_for
from forms.stats import (
    asks_eligibility,
    by_answer_chart,
    by_day_chart,
    by_status_chart,
    choice_fields,
    eligibility_chart,
)
from investigations.permissions import investigations_for
from investigations.stats import (
    by_kind_chart,
    by_phase_chart,
    funnel_chart_of,
    team_colour,
    time_in_phase_chart,
)
from selection.permissions import rounds_for
from selection.scoring import criteria_of
from selection.stats import score_chart


def require_programme_team(user):
    if not is_programme_team(user):
        raise PermissionDenied


class Choices:
    """The call, question and round a request asks for, among those the user reads."""

    def __init__(self, request):
        user = request.user
        self.calls = list(calls_for(user).order_by("-opens_at", "-pk"))
        wanted = request.GET.get("appel")
        self.call = next(
            (c for c in self.calls if str(c.pk) == wanted),
            self.calls[0] if self.calls else None,
        )
        self.fields = choice_fields(self.call) if self.call else []
        wanted = request.GET.get("champ")
        self.field = next(
            (f for f in self.fields if f[0] == wanted),
            self.fields[0] if self.fields else None,
        )
        self.round = None
        wanted = as_int(request.GET.get("tour"))
        if wanted is not None:
            self.round = get_object_or_404(
                rounds_for(user).select_related("call"), pk=wanted
            )

    def query(self):
        params = {}
        if self.round is not None:
            params["tour"] = self.round.pk
        elif self.call is not None:
            params["appel"] = self.call.pk
            if self.field is not None:
                params["champ"] = self.field[0]
        return urlencode(params)


def chart_builders(request, choices):
    """{chart key: a function drawing it}, for what ``choices`` name."""
    user = request.user
    builders = {}
    call = choices.call
    if choices.round is None and call is not None:
        colour = call.site_identity.accent_colour
        candidatures = candidatures_for(user).filter(call=call)
        builders.update(
            {
                "par-jour": lambda: by_day_chart(candidatures, call, colour),
                "par-statut": lambda: by_status_chart(candidatures, colour),
                "par-nature": lambda: by_kind_chart(
                    candidatures, call.get_site(), colour
                ),
                "entonnoir": lambda: funnel_chart_of(
                    candidatures, investigations_for(user), colour
                ),
            }
        )
        if asks_eligibility(call):
            builders["eligibilite"] = lambda: eligibility_chart(call, colour)
        if choices.field is not None:
            name, label = choices.field
            builders["par-reponse"] = lambda: by_answer_chart(
                candidatures, name, label, colour
            )
    if choices.round is not None:
        review_round = choices.round
        colour = review_round.call.site_identity.accent_colour
        for criterion in criteria_of(review_round.call):
            builders[f"notes-{criterion.pk}"] = lambda criterion=criterion: score_chart(
                review_round, criterion, colour
            )
    investigations = investigations_for(user)
    builders["investigations-phases"] = lambda: by_phase_chart(
        investigations, team_colour(user)
    )
    builders["investigations-temps"] = lambda: time_in_phase_chart(
        investigations, team_colour(user)
    )
    return builders


def draw(builders, keys, query):
    """The charts of ``keys`` (those that exist), each with its CSV link."""
    charts = []
    for key in keys:
        if key in builders:
            chart = builders[key]()
            url = reverse("figures_csv", args=[key])
            chart.csv_url = f"{url}?{query}" if query else url
            charts.append(chart)
    return charts


CALL_CHARTS = [
    "par-jour",
    "par-statut",
    "par-nature",
    "par-reponse",
    "entonnoir",
    "eligibilite",
]


class FiguresView(AdminPage):
    """The call's candidatures and selection in charts, for the programme team."""

    template_name = "figures/dashboard.html"
    page_title = gettext_lazy("Chiffres")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        require_programme_team(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        choices = Choices(self.request)
        choices.round = None  # the rounds have their own page
        builders = chart_builders(self.request, choices)
        context.update(
            choices=choices,
            charts=draw(builders, CALL_CHARTS, choices.query()),
            rounds=rounds_for(self.request.user)
            .filter(call=choices.call)
            .order_by("created_at")
            if choices.call
            else [],
        )
        return context


class RoundScoresView(AdminPage):
    """How the members of a round scored, criterion by criterion."""

    template_name = "figures/round_scores.html"
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        require_programme_team(request.user)
        self.review_round = get_object_or_404(
            rounds_for(request.user).select_related("call"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Notes par critère — %s") % self.review_round

    def parents(self):
        return [
            (reverse("review_rounds:index"), _("Tours d'examen")),
            (
                reverse("review_rounds:ranking", args=[self.review_round.pk]),
                _("Classement"),
            ),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        choices = Choices(self.request)
        choices.round = self.review_round
        builders = chart_builders(self.request, choices)
        keys = [key for key in builders if key.startswith("notes-")]
        context.update(
            review_round=self.review_round,
            charts=draw(builders, keys, choices.query()),
        )
        return context


def chart_csv(request, key):
    """The numbers of one chart, as CSV (« ; », UTF-8 with BOM)."""
    require_programme_team(request.user)
    choices = Choices(request)
    builders = chart_builders(request, choices)
    if key not in builders:
        raise Http404
    chart = builders[key]()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    suffix = f"-{choices.call.slug}" if choices.call and not choices.round else ""
    response["Content-Disposition"] = f'attachment; filename="{key}{suffix}.csv"'
    # An applicant's answer (« =HYPERLINK(…) ») is a label here: never a formula.
    write_csv(
        [neutralise(str(header)) for header in chart.headers],
        ([neutralise(cell) for cell in row] for row in chart.rows),
        response,
    )
    return response
