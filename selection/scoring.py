"""Weighted scores, aggregates per round, rankings, and likely conflicts of interest.

A member's score for a dossier is the weighted mean of their criterion
scores, each brought to 0–100 on its own scale (so that a criterion scored
out of 5 and another out of 10 weigh as their weights say). A dossier's
aggregate in a round is the mean of its members' scores, their count and
their spread (standard deviation); a wide spread flags a disagreement.
"""

import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Max,
    Min,
    Q,
    Sum,
)
from django.db.models.functions import Cast, Round
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import ranking_triggers
from .models import Evaluation, OthersScores, RankedDossier, RoundScores
from .weights import criteria_of, scorer, weighted_score  # noqa: F401 - read from here too


def criteria_version(criteria):
    """A short fingerprint of the criteria as scored: two documents with the same
    one were computed with the same labels, weights and scales."""
    payload = json.dumps(
        [
            [c.pk, c.label, f"{c.weight.normalize():f}", c.scale_min, c.scale_max]
            for c in criteria
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:8]


def criteria_summary(criteria):
    """« v. 3f2a9c1b — Ampleur du problème × 2 (0–5) ; … »: which criteria a document used."""
    parts = " ; ".join(
        f"{c.label} × {c.weight_display} ({c.scale_min}–{c.scale_max})"
        for c in criteria
    )
    return _("Critères v. %(version)s — %(criteria)s") % {
        "version": criteria_version(criteria),
        "criteria": parts,
    }


def clean_scores(raw, criteria, *, partial=False):
    """Scores as {criterion id: number}, each on its criterion's scale; French errors.

    ``partial``: a draft, where a criterion not scored yet is left out.
    """
    scores, errors = {}, {}
    for criterion in criteria:
        value = raw.get(str(criterion.pk), raw.get(criterion.pk))
        if value in (None, ""):
            if partial:
                continue
            errors[str(criterion.pk)] = _("Notez « %(label)s ».") % {
                "label": criterion.label
            }
            continue
        try:
            number = Decimal(str(value).replace(",", "."))
        except ArithmeticError:
            number = None
        if (
            number is None
            or not number.is_finite()
            or not criterion.scale_min <= number <= criterion.scale_max
        ):
            errors[str(criterion.pk)] = _(
                "« %(label)s » se note de %(min)s à %(max)s."
            ) % {
                "label": criterion.label,
                "min": criterion.scale_min,
                "max": criterion.scale_max,
            }
            continue
        scores[str(criterion.pk)] = float(number)
    if errors:
        raise ValidationError(errors)
    return scores


@dataclass
class Aggregate:
    """A dossier's result in a round; ``scores`` and ``conflicts`` name the members.

    ``count``, ``mean``, ``spread``, ``minimum`` and ``maximum`` come from the
    database (``ranking``); the lists of members are read only by
    ``round_aggregates``, for the screens and documents that name them.
    """

    candidature: object
    scores: list = field(default_factory=list)  # (member, weighted score)
    conflicts: list = field(default_factory=list)  # members who declared one
    reopened: int = 0  # times an evaluation of it was reopened by the team
    reopened_pending: int = 0  # evaluations reopened and not submitted again
    count: int = 0
    mean: float | None = None
    spread: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    conflict_count: int = 0

    @classmethod
    def of(cls, candidature):
        """From a candidature annotated by ``ranking``."""
        count = candidature.scored
        return cls(
            candidature=candidature,
            reopened=candidature.reopened or 0,
            reopened_pending=candidature.reopened_pending,
            count=count,
            mean=_hundredth(candidature.mean),
            spread=(
                round(math.sqrt(max(candidature.variance or 0.0, 0.0)), 2)
                if count
                else None
            ),
            minimum=candidature.minimum,
            maximum=candidature.maximum,
            conflict_count=candidature.conflicted,
        )

    @property
    def disagreement(self):
        spread = self.spread
        return spread is not None and spread >= getattr(
            settings, "AMORCE_DISAGREEMENT_SPREAD", 15
        )


def _hundredth(value):
    return None if value is None else round(float(value), 2)


RANKING_ORDERS = {
    "note": (F("mean").desc(nulls_last=True), "reference", "pk"),
    "ecart": (F("variance").desc(nulls_last=True), "reference", "pk"),
    "reference": ("reference", "pk"),
    "evaluations": ("-scored", "reference", "pk"),
}


def ranking(review_round, candidature_ids=None, order="note", fields=None):
    """The round's candidatures, each annotated with its aggregates, best first.

    One query, computed by the database from each evaluation's stored
    ``weighted`` score: ``scored`` (evaluations counted),
    ``mean``, ``variance`` (population: the spread is its square root), ``minimum``,
    ``maximum``, ``conflicted``, ``reopened`` and ``reopened_pending``; a page
    of it costs the same whatever the size of the round. ``order``: a key of
    ``RANKING_ORDERS``; ranks are always those of the « note » order.
    ``fields``: the only columns of the candidatures read (all but the answers
    otherwise).
    """
    # Joined: this round's evaluations only, not every round's of the dossier.
    joined = FilteredRelation(
        "evaluations", condition=Q(evaluations__round=review_round)
    )
    score = F("of_round__weighted")
    submitted = Q(of_round__submitted_at__isnull=False)
    counted = submitted & Q(of_round__conflict_of_interest=False)
    queryset = review_round.candidatures.defer("form_data")
    if fields is not None:  # a narrow row groups faster
        queryset = review_round.candidatures.only(*fields)
    if candidature_ids is not None:
        queryset = queryset.filter(pk__in=list(candidature_ids))
    return (
        queryset.annotate(of_round=joined)
        .annotate(
            scored=Count(score, filter=counted),
            # Rounded to the hundredth shown, by the database: two dossiers given
            # the same scores in another order tie (their sums may differ in the
            # last bit) and go by reference. PostgreSQL rounds in the cast,
            # SQLite in ROUND.
            mean=Round(
                Cast(
                    Avg(score, filter=counted),
                    DecimalField(max_digits=9, decimal_places=2),
                ),
                2,
            ),
            # The population variance as E[x²] − E[x]²: SQLite's STDDEV_POP,
            # Django's own, fails on a dossier with no score.
            variance=Avg(score * score, filter=counted)
            - Avg(score, filter=counted) * Avg(score, filter=counted),
            minimum=Min(score, filter=counted),
            maximum=Max(score, filter=counted),
            conflicted=Count(
                "of_round", filter=submitted & Q(of_round__conflict_of_interest=True)
            ),
            reopened=Sum("of_round__reopened_count"),
            reopened_pending=Count(
                "of_round",
                filter=Q(of_round__reopened_count__gt=0)
                & Q(of_round__submitted_at__isnull=True),
            ),
        )
        .order_by(*RANKING_ORDERS.get(order, RANKING_ORDERS["note"]))
    )


# The orders of ``RANKING_ORDERS`` as written over ``ranking``'s aggregated
# rows (the same columns, by their names in the ranking's query).
_SQL_ORDERS = {
    "note": '"mean" DESC NULLS LAST, "reference", "id"',
    "ecart": '"variance" DESC NULLS LAST, "reference", "id"',
    "reference": '"reference", "id"',
    "evaluations": '"scored" DESC, "reference", "id"',
}
# Each order's place in the kept ranking (``RankedDossier``), read by an index.
_PLACES = {
    "note": "rank",
    "ecart": "by_spread",
    "evaluations": "by_count",
    "reference": "by_reference",
}
_AGGREGATES = (
    "scored",
    "mean",
    "variance",
    "minimum",
    "maximum",
    "conflicted",
    "reopened",
    "reopened_pending",
)


def refresh_ranking(review_round):
    """Keep the round's ranking (``RankedDossier``) as ``ranking`` computes it,
    unless it is already kept at the round's current scores version; True if
    it was computed.

    The version is read, and locked, before the rows are computed: a
    transaction that wrote to the round's scores waits at its commit for the
    computation to end, then moves the version (the rows look stale, never
    fresh; ``ranking_triggers``); a second computation of the same round
    waits for the first, then finds the rows current. One grouping of the
    round's evaluations, written by the database (INSERT … SELECT).
    """
    scores = RoundScores._meta.db_table
    ranked = RankedDossier._meta.db_table
    aggregated, params = (
        ranking(review_round, fields=("pk", "reference"))
        .order_by()
        .query.sql_with_params()
    )
    places = ", ".join(
        f"ROW_NUMBER() OVER (ORDER BY {_SQL_ORDERS[order]})" for order in _PLACES
    )
    columns = ", ".join(f'"{name}"' for name in _AGGREGATES)
    place_columns = ", ".join(f'"{name}"' for name in _PLACES.values())
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    ranking_triggers.flush(connection)  # this transaction's own writes counted
    with transaction.atomic(), connection.cursor() as cursor:
        # A write first: SQLite takes the database's write lock here.
        cursor.execute(
            f"INSERT INTO {scores} (round_id, version, ranked_version) "  # noqa: S608
            "VALUES (%s, 1, NULL) ON CONFLICT (round_id) DO NOTHING",
            [review_round.pk],
        )
        cursor.execute(
            f"SELECT version, ranked_version FROM {scores} WHERE round_id = %s{lock}",  # noqa: S608
            [review_round.pk],
        )
        row = cursor.fetchone()
        if row is None:  # the round was deleted meanwhile
            raise Http404(_("Ce tour n'existe plus."))
        version, ranked_version = row
        if version == ranked_version:
            return False
        cursor.execute(
            f"DELETE FROM {ranked} WHERE round_id = %s",  # noqa: S608
            [review_round.pk],
        )
        # Only the ranking's own compiled SQL and the constant orders above are
        # written into the text; every value goes as a parameter.
        cursor.execute(
            f"""INSERT INTO {ranked}
                (round_id, candidature_id, {columns}, {place_columns})
            SELECT %s, "id", {columns}, {places}
            FROM ({aggregated}) agg""",  # noqa: S608
            [review_round.pk, *params],
        )
        cursor.execute(
            f"UPDATE {scores} SET ranked_version = %s WHERE round_id = %s",  # noqa: S608
            [version, review_round.pk],
        )
    return True


class RankedRows:
    """A page of a round's ranking (``ranking``), and the dossiers to discuss
    first, read from the round's kept ranking (``RankedDossier``).

    Ranking a round groups all its evaluations; kept in the database, a page
    of it is read by an index, in one query with « À discuter en priorité »
    (the widest spreads), and whether the kept rows are current: when they are
    not (the round's scores version moved since), they are computed again
    (``refresh_ranking``) and read again. Sliced as a paginator slices it
    (``rows[start:stop]``): candidatures annotated as ``ranking`` annotates
    them, with ``rank`` (by the « note » order); ``discuss``: the dossiers to
    discuss first, as ``to_discuss_first`` lists them, read with the page.

    ``status``: only the dossiers of this status, ranked among themselves (as
    a status filter on ``ranking``). ``readable``: a query of the ids listed,
    ranked over the whole round (a member's dossiers). ``count``: the number
    of rows listed, as the caller counted them cheaply. ``fields``: the
    candidatures' columns read.
    """

    def __init__(
        self,
        review_round,
        *,
        order="note",
        status=None,
        readable=None,
        count,
        fields=("pk", "reference"),
        discuss=0,
    ):
        self.review_round, self.order, self.status = review_round, order, status
        self.readable, self._count, self.fields = readable, count, fields
        self.discuss_limit, self.discuss = discuss, []

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("RankedRows is read a page (a slice) at a time")
        start, stop = key.start or 0, key.stop if key.stop is not None else self._count
        sql, params = self._sql(start, stop)
        model = self.review_round.candidatures.model
        ranking_triggers.flush(connection)  # this transaction's own writes counted
        rows = list(model.objects.raw(sql, params))
        if not any(c.part == 2 for c in rows):  # kept at an older version
            refresh_ranking(self.review_round)
            # Current as of the computation, whatever was written since.
            rows = list(model.objects.raw(sql, params))
        self.discuss = [Aggregate.of(c) for c in rows if c.part == 1]
        return [c for c in rows if c.part == 0]

    def _sql(self, start, stop):
        model = self.review_round.candidatures.model
        ranked, scores = RankedDossier._meta.db_table, RoundScores._meta.db_table
        candidatures = model._meta.db_table
        fields = [
            model._meta.pk if f == "pk" else model._meta.get_field(f)
            for f in self.fields
        ]
        read = ", ".join(f'c."{f.column}"' for f in fields)
        kept = ", ".join(f'"{name}"' for name in _AGGREGATES)
        shown = ", ".join(f'p."{name}"' for name in _AGGREGATES)
        place = _PLACES.get(self.order, "rank")
        round_id = self.review_round.pk
        source, where = f"{ranked} s", "s.round_id = %s"
        params, skipped, rank = [round_id], start, 's."rank"'
        if self.status:  # ranked among the dossiers of this status
            source += f' JOIN {candidatures} sc ON sc."id" = s.candidature_id'
            where += ' AND sc."status" = %s'
            params.append(self.status)
            rank = 'ROW_NUMBER() OVER (ORDER BY s."rank")'
        elif self.readable is None:  # the page by its places: an index range
            where += f' AND s."{place}" > %s AND s."{place}" <= %s'
            params.extend([start, stop])
            skipped = 0
        listed = ""
        if self.readable is not None:  # ranked over the whole round, then filtered
            readable, readable_params = self.readable.query.sql_with_params()
            listed = f"WHERE candidature_id IN ({readable})"
            params.extend(readable_params)
        params.extend([stop - start, skipped])
        widest = ""
        if self.discuss_limit:
            widest = f"""
                UNION ALL SELECT 1 AS part, p.place AS position, 0 AS "rank",
                    {shown}, {read}
                FROM (
                    SELECT s."by_spread" AS place, {kept}, candidature_id
                    FROM {ranked} s WHERE s.round_id = %s AND s."scored" >= 2
                    ORDER BY s."by_spread" LIMIT %s
                ) p JOIN {candidatures} c ON c."id" = p.candidature_id"""  # noqa: S608
            params.extend([round_id, self.discuss_limit])
        # Read with the rows, in the same snapshot: present only if they are current.
        nothing = ", ".join(["NULL"] * (len(_AGGREGATES) + len(fields)))
        params.append(round_id)
        # The page's rows are chosen from the kept ones alone, by their place,
        # then joined to their dossiers: a hundred of them, whatever the round.
        # Only column names of the models and constant orders are written into
        # the text; every value goes as a parameter.
        sql = f"""
            SELECT * FROM (
                SELECT 0 AS part, p.place AS position, p."rank", {shown}, {read}
                FROM (
                    SELECT * FROM (
                        SELECT s."{place}" AS place, {rank} AS "rank", {kept},
                            s.candidature_id
                        FROM {source} WHERE {where}
                    ) ranked {listed}
                    ORDER BY place LIMIT %s OFFSET %s
                ) p JOIN {candidatures} c ON c."id" = p.candidature_id
                {widest}
                UNION ALL SELECT 2 AS part, 0 AS position, 0 AS "rank", {nothing}
                FROM {scores} WHERE round_id = %s AND ranked_version = version
            ) parts ORDER BY part, position"""  # noqa: S608
        return sql, params


def round_aggregates(review_round, candidature_ids=None):
    """One Aggregate per candidature of the round, best first (unscored last).

    ``candidature_ids``: only those dossiers (a page of them), not the round.

    Three queries whatever the number of dossiers and members: the ranking
    (``ranking``), the submitted evaluations as plain rows, and the members
    who wrote them, one user object each. The answers are not read.
    """
    aggregates = [
        Aggregate.of(candidature)
        for candidature in ranking(review_round, candidature_ids)
    ]
    by_id = {a.candidature.pk: a for a in aggregates}
    of_round = Evaluation.objects.filter(round=review_round, submitted_at__isnull=False)
    if candidature_ids is not None:
        of_round = of_round.filter(candidature_id__in=list(by_id))
    evaluations = list(
        of_round.order_by("submitted_at", "pk").values_list(
            "candidature_id", "member_id", "conflict_of_interest", "weighted"
        )
    )
    members = get_user_model().objects.in_bulk({row[1] for row in evaluations})
    for candidature_id, member_id, conflict, score in evaluations:
        aggregate = by_id.get(candidature_id)
        if aggregate is None:
            continue
        if conflict:
            aggregate.conflicts.append(members[member_id])
            continue
        if score is not None:
            aggregate.scores.append((members[member_id], score))
    return aggregates


@dataclass
class PreselectionResult:
    """A dossier's result in the jury's pre-selection, shown to the committee."""

    aggregate: Aggregate
    comments: list = field(default_factory=list)  # (comment, [(criterion, text)])


def preselection_results(preselection, candidature_ids):
    """{candidature id: PreselectionResult} in ``preselection`` for these dossiers.

    The same number of queries whatever the number of dossiers: the round's
    aggregates, then the comments of the submitted evaluations in one query.
    The members' names are left out: the committee reads what the jury said.
    """
    results = {
        a.candidature.pk: PreselectionResult(aggregate=a)
        for a in round_aggregates(preselection, candidature_ids)
    }
    if not results:
        return results
    criteria = criteria_of(preselection.call)
    rows = (
        Evaluation.objects.filter(
            round=preselection,
            candidature_id__in=list(results),
            submitted_at__isnull=False,
            conflict_of_interest=False,
        )
        .order_by("submitted_at", "pk")
        .values_list("candidature_id", "comment", "criterion_comments")
    )
    for candidature_id, comment, by_criterion in rows:
        per_criterion = [
            (c, by_criterion[str(c.pk)])
            for c in criteria
            if (by_criterion or {}).get(str(c.pk))
        ]
        if comment or per_criterion:
            results[candidature_id].comments.append((comment, per_criterion))
    return results


def others_scores_open(review_round, today=None):
    """Whether the round's rule lets its members see the others' scores (not per dossier)."""
    if review_round.others_scores == OthersScores.NEVER:
        return False
    if review_round.others_scores == OthersScores.AFTER_MEETING:
        today = today or timezone.localdate()
        return review_round.ends_on is not None and today >= review_round.ends_on
    return True


def others_visible_on(review_round, evaluation, today=None):
    """Whether a member sees the others' scores and comments on one dossier."""
    if review_round.others_scores == OthersScores.AFTER_OWN:
        return evaluation is not None and evaluation.is_locked
    return others_scores_open(review_round, today)


def ranking_visible_to(review_round):
    """Whether a member's own jury book may rank the dossiers by everyone's scores.

    As the members' ranking page: once the team closed the round, if the round
    shows its ranking to its members, never before. (Each dossier's others'
    scores follow the round's own rule, ``others_visible_on``.)
    """
    return review_round.closed_at is not None and review_round.members_see_ranking


def to_discuss_first(review_round, limit=10):
    """The dossiers on which members disagree most: widest spread first."""
    return [
        Aggregate.of(candidature)
        for candidature in ranking(
            review_round, order="ecart", fields=("pk", "reference")
        ).filter(scored__gte=2)[:limit]
    ]


def _normalise(text):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(text.casefold().replace("-", " ").split())


def likely_conflict(membership, candidature):
    """Why a member may be in a conflict of interest for a dossier, or None."""
    return ConflictCheck(membership).reason(
        candidature.applicant_email, candidature.administration
    )


class ConflictCheck:
    """``likely_conflict`` for one member, read once: for checking many dossiers."""

    def __init__(self, membership):
        self.domain = (membership.user.email or "").rpartition("@")[2].casefold()
        self.administration = _normalise(membership.administration)

    def reason(self, applicant_email, administration):
        applicant_domain = (applicant_email or "").rpartition("@")[2].casefold()
        if self.domain and self.domain == applicant_domain:
            return _("même domaine de messagerie (%(domain)s)") % {
                "domain": self.domain
            }
        mine, theirs = self.administration, _normalise(administration)
        if mine and theirs and (mine == theirs or mine in theirs or theirs in mine):
            return _("même administration (%(administration)s)") % {
                "administration": administration
            }
        return None
