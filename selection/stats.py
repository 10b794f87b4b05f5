"""How a round's members scored, criterion by criterion, for the team's charts.

Counted by the database: one query per criterion of the call (a handful),
whatever the number of evaluations. Only submitted evaluations count, and
never those of a member who declared a conflict of interest.
"""

import math

from django.db.models import CharField, Count, Func
from django.utils.translation import gettext as _

from core.charts import Chart, column_chart

from .models import Evaluation
from .scoring import criteria_of


class ScoreOf(Func):
    """The score an evaluation gave one criterion, as text, read by the database.

    Django's key lookups read a key made of digits (a criterion's id) as a
    position in a list: the path is written out here, the key as a parameter.
    """

    output_field = CharField()

    def __init__(self, criterion_pk):
        self.key = str(int(criterion_pk))
        super().__init__("scores")

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"({column} ->> %s)", (*params, self.key)

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({column}, %s)", (*params, f'$."{self.key}"')


def score_counts(review_round, criterion):
    """{score given: how many evaluations gave it} for one criterion."""
    counts = {}
    rows = (
        Evaluation.objects.filter(
            round=review_round,
            submitted_at__isnull=False,
            conflict_of_interest=False,
        )
        .annotate(score=ScoreOf(criterion.pk))
        .exclude(score__isnull=True)
        .values_list("score")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for score, n in rows:
        try:
            value = float(score)
        except (TypeError, ValueError):
            continue
        counts[value] = counts.get(value, 0) + n
    return counts


def score_bins(criterion, counts):
    """One bin per whole point of the criterion's scale: a half point (3,5) falls
    in the bin below (3), the top of the scale in its own."""
    low, high = criterion.scale_min, criterion.scale_max
    bins = dict.fromkeys(range(low, high + 1), 0)
    for value, n in counts.items():
        point = min(max(math.floor(value), low), high)
        bins[point] += n
    return list(bins.items())


def score_chart(review_round, criterion, colour):
    """A histogram of one criterion: how many evaluations gave each score."""
    rows = score_bins(criterion, score_counts(review_round, criterion))
    title = _("Notes données pour « %(label)s »") % {"label": criterion.label}
    description = _("%(total)s évaluations rendues, notées de %(min)s à %(max)s.") % {
        "total": sum(n for _score, n in rows),
        "min": criterion.scale_min,
        "max": criterion.scale_max,
    }
    key = f"notes-{criterion.pk}"
    return Chart(
        key=key,
        title=title,
        description=description,
        headers=[_("Note"), _("Évaluations")],
        rows=rows,
        svg=column_chart(
            f"chart-{key}",
            title,
            description,
            [(str(score), n) for score, n in rows],
            colour=colour,
        ),
    )


def score_distribution_charts(review_round, colour):
    """A histogram per criterion of the round's call."""
    return [
        score_chart(review_round, criterion, colour)
        for criterion in criteria_of(review_round.call)
    ]
