"""Read routes for staff tokens, under ``/api/v3/staff/``.

Each route reads through the same rules as the admin screen it mirrors
(``forms.permissions.candidatures_for``, ``selection.permissions.rounds_for`` /
``rounds_of`` / ``juror_candidatures``, ``investigations.permissions.
investigations_for``): an object outside them is 404, as in the admin; a route
whose admin screen the user may not open at all is 403. Every read of personal
data is logged (``access.log_read``).
"""

import base64
import binascii
import datetime as dt
import logging
import re
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import field_validator
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination

from cms_pages.sites import is_programme_team
from forms.api import REQUEST_PROBLEM_CONTENT, Problem
from forms.choices import Status as CandidatureStatus
from forms.permissions import candidatures_for
from investigations.models import chronological
from investigations.permissions import investigations_for
from selection.blind import blind_answers
from selection.closing import ranking_open_to_members
from selection.models import Evaluation, ReviewRound
from selection.permissions import juror_candidatures, rounds_for, rounds_of
from selection.scoring import Aggregate, ranking

from .access import log_read
from .auth import StaffTokenAuth

logger = logging.getLogger("amorce.staffapi")

router = Router(tags=["personnel"], auth=StaffTokenAuth())

PROBLEMS = {
    "responses": {
        400: {
            "description": "Pagination refusée (`limit` au-delà du maximum)",
            "content": REQUEST_PROBLEM_CONTENT,
        },
        401: {
            "description": "Jeton absent, inconnu, révoqué ou expiré",
            "content": REQUEST_PROBLEM_CONTENT,
        },
        422: {
            "description": "Requête illisible (paramètre invalide)",
            "content": REQUEST_PROBLEM_CONTENT,
        },
    }
}


class Page(Schema):
    count: int


def updated_at_field():
    return Field(
        json_schema_extra={"format": "date-time"},
        description="Dernière modification, à la microseconde.",
    )


def paginate(request, queryset, pagination):
    return WagtailLimitOffsetPagination().paginate_queryset(
        queryset, pagination, request
    )


def forbidden():
    return Status(
        403,
        Problem(
            detail=_(
                "Votre compte ne lit pas de candidatures : demandez à l'équipe "
                "programme de votre incubateur."
            )
        ),
    )


# Candidatures ---------------------------------------------------------------


class AnswerOut(Schema):
    name: str
    label: str
    type: str
    value: Any = Field(
        description="La réponse telle qu'enregistrée ; pour un fichier, la liste "
        "de ses pièces (`name`, `size`, `scan` : l'analyse antivirus)."
    )


class StatusChangeOut(Schema):
    from_status: CandidatureStatus
    to_status: CandidatureStatus
    reason: str
    at: dt.datetime


class CandidatureOut(Schema):
    """As the admin shows it; to a member of a round, as « Mes évaluations » does:
    no status, address, service nor history (``null``), the identity masked in a
    blind round."""

    reference: str
    status: CandidatureStatus | None
    call_id: int
    call_title: str
    submitted_at: dt.datetime
    updated_at: str = updated_at_field()
    applicant_name: str
    applicant_email: str | None
    administration: str
    service: str | None
    answers: list[AnswerOut]
    status_history: list[StatusChangeOut] | None


class SyncPage(Page):
    next: str | None = Field(
        description="Curseur de synchronisation : la position après la dernière "
        "ligne de la page, à repasser en `after` pour la suite ; sur une page "
        "vide, le `after` reçu (`null` sans `after`).",
    )


class CandidatureSyncPage(SyncPage):
    items: list[CandidatureOut]


NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class SyncFilters(Schema):
    """``changed_since`` and the ``after`` cursor, the same on every list route."""

    changed_since: dt.datetime | None = Field(
        None,
        description="Seulement les lignes modifiées après cet instant (ISO 8601, "
        "avec fuseau) : pour une synchronisation incrémentale, repassez le "
        "`updated_at` le plus récent reçu. Pour ne rien manquer, suivez plutôt "
        "le curseur `after`.",
    )
    after: str | None = Field(
        None,
        description="Curseur opaque (le `next` d'une réponse) : seulement les "
        "lignes placées après lui dans l'ordre (dernière modification, puis "
        "numéro), y compris celles modifiées depuis. Sans `offset`.",
    )

    @field_validator("changed_since", mode="before")
    @classmethod
    def _an_instant_as_written(cls, value):
        """ISO 8601 only: pydantic would read « 0.5 » as seconds since 1970."""
        if isinstance(value, int | float) or (
            isinstance(value, str) and NUMBER.fullmatch(value.strip())
        ):
            raise ValueError(
                _(
                    "Un instant ISO 8601 est attendu, par exemple 2026-11-30T12:00:00+01:00."
                )
            )
        return value

    @field_validator("changed_since")
    @classmethod
    def _in_utc(cls, value):
        """In UTC: PostgreSQL takes no offset past 15:59 (« +23:36 » is valid ISO)."""
        if value is None:
            return value
        if value.tzinfo is None:
            value = timezone.make_aware(value)  # the site's time, as in the admin
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError(_("Cet instant est hors des dates possibles.")) from None


class CandidatureFilters(SyncFilters):
    call: int | None = Field(None, description="Numéro de l'appel.")
    status: CandidatureStatus | None = None


# Incremental sync goes by a keyset cursor on (updated_at, pk), the order of
# every list route but the ranking (computed, in its own order): an offset
# over ``updated_at > t`` skips rows, as many rows share one instant
# (anonymisation updates hundreds in one query) and a row changed during the
# sync leaves its place. The cursor is opaque to clients
# (docs/api.md « Jetons du personnel »): base64 of "<updated_at>~<pk>".


def cursor_of(row):
    position = f"{row.updated_at.isoformat()}~{row.pk}"
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def position_of(cursor):
    """The (updated_at, pk) a cursor stands for; a 422 when it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        instant, pk = raw.rsplit("~", 1)
        updated_at = dt.datetime.fromisoformat(instant)
        if updated_at.tzinfo is None:
            raise ValueError(instant)
        return updated_at, int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError(
            [
                {
                    "loc": ["query", "after"],
                    "msg": _("Curseur illisible : repassez le `next` reçu, tel quel."),
                    "type": "value_error",
                }
            ]
        ) from None


SYNC_HELD_WARNING = dt.timedelta(minutes=10)


def settled_before():
    """The instant before which every change is committed, or will never be.

    ``updated_at`` is stamped when a row is written, but the row is seen when
    its transaction commits: a long one (an anonymisation, a closing) commits
    rows stamped minutes before. Handing out a cursor past them would skip
    them for good. So a sync reads only what was stamped before the oldest
    transaction still open on the database (PostgreSQL tells; other requests
    of this very connection excluded) and, for the clocks of several nodes and
    for SQLite, which does not tell, a margin (``AMORCE_SYNC_SETTLE_SECONDS``).
    The rows after it come with the next sync.
    """
    bound = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The statistics are read once per transaction unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            # Only transactions that have written (an xid): a reader's open
            # transaction (a BI tool, psql, pg_dump) holds nothing back. Rows
            # are stamped when written, so a writer is seen from its first write.
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity"
                " WHERE datname = current_database()"
                " AND backend_type = 'client backend'"
                " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                " AND backend_xid IS NOT NULL"
            )
            oldest = cursor.fetchone()[0]
        if oldest is not None:
            bound = min(bound, oldest)
            if timezone.now() - oldest > SYNC_HELD_WARNING:
                logger.warning(
                    "Staff API sync held back since %s by a transaction still open "
                    "(see idle_in_transaction_session_timeout, docs/operations.md)",
                    oldest.isoformat(),
                )
    return bound - dt.timedelta(seconds=settings.AMORCE_SYNC_SETTLE_SECONDS)


def sync_page(request, queryset, filters, pagination):
    """(rows, count, next) of a list read in sync order, from ``filters``."""
    queryset = queryset.filter(updated_at__lt=settled_before())
    if filters.changed_since is not None:
        queryset = queryset.filter(updated_at__gt=filters.changed_since)
    if filters.after is not None:
        if pagination.offset:
            raise ValidationError(
                [
                    {
                        "loc": ["query", "offset"],
                        "msg": _("`offset` et `after` ne vont pas ensemble."),
                        "type": "value_error",
                    }
                ]
            )
        updated_at, pk = position_of(filters.after)
        queryset = queryset.filter(
            Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, pk__gt=pk)
        )
    page = paginate(request, queryset.order_by("updated_at", "pk"), pagination)
    rows = list(page["items"])
    return rows, page["count"], cursor_of(rows[-1]) if rows else filters.after


def updated(row):
    """To the microsecond (the API's encoder stops at the millisecond): given
    back as ``changed_since``, it leaves out the very row it was read from."""
    return row.updated_at.isoformat()


def answer_value(answer):
    if answer["type"] == "file":
        # ``scan``: the antivirus's verdict (docs/antivirus.md).
        return [
            {"name": f.original_name, "size": f.size, "scan": f.scan_state}
            for f in answer["value"]
        ]
    return answer["value"]


def answers_out(answers):
    return [
        AnswerOut(
            name=a["name"], label=str(a["label"]), type=a["type"], value=answer_value(a)
        )
        for a in answers
    ]


def candidature_out(candidature):
    """A candidature as the programme team reads it."""
    return CandidatureOut(
        reference=candidature.reference,
        status=candidature.status,
        call_id=candidature.call_id,
        call_title=candidature.call.title,
        submitted_at=candidature.submit_time,
        updated_at=updated(candidature),
        applicant_name=candidature.applicant_name,
        applicant_email=candidature.applicant_email,
        administration=candidature.administration,
        service=candidature.service,
        answers=answers_out(candidature.answers()),
        status_history=[
            StatusChangeOut(
                from_status=c.from_status,
                to_status=c.to_status,
                reason=c.reason,
                at=c.created_at,
            )
            for c in candidature.status_changes.all()
        ],
    )


def dossier_out(candidature, blind):
    """A dossier as a member of a round reads it (``selection.jury_views``)."""
    answers = candidature.answers()
    hidden = _("[masqué]")
    return CandidatureOut(
        reference=candidature.reference,
        status=None,
        call_id=candidature.call_id,
        call_title=candidature.call.title,
        submitted_at=candidature.submit_time,
        updated_at=updated(candidature),
        applicant_name=hidden if blind else candidature.applicant_name,
        applicant_email=None,
        administration=hidden if blind else candidature.administration,
        service=None,
        answers=answers_out(blind_answers(candidature, answers) if blind else answers),
        status_history=None,
    )


def with_details(queryset):
    return queryset.select_related("call", "definition").prefetch_related(
        "attachments", "status_changes"
    )


@router.get(
    "/candidatures/",
    response={200: CandidatureSyncPage, 403: Problem},
    summary="Candidatures (équipe programme)",
    openapi_extra=PROBLEMS,
)
def list_candidatures(
    request,
    filters: Query[CandidatureFilters],
    pagination: Query[WagtailLimitOffsetPagination.Input],
):
    """The candidatures of the calls the token's owner reads in the admin, with their
    answers and status history, oldest change first (`updated_at`, then reference)."""
    if not is_programme_team(request.user):
        return forbidden()
    candidatures = candidatures_for(request.user)
    if filters.call is not None:
        candidatures = candidatures.filter(call_id=filters.call)
    if filters.status is not None:
        candidatures = candidatures.filter(status=filters.status)
    rows, count, after = sync_page(
        request, with_details(candidatures), filters, pagination
    )
    items = [candidature_out(c) for c in rows]
    log_read(request, [c.reference for c in items])
    return {"count": count, "items": items, "next": after}


@router.get(
    "/candidatures/{reference}/",
    response={200: CandidatureOut, 403: Problem, 404: Problem},
    summary="Une candidature (équipe programme)",
    openapi_extra=PROBLEMS,
)
def read_candidature(request, reference: str):
    if not is_programme_team(request.user):
        return forbidden()
    candidature = (
        with_details(candidatures_for(request.user)).filter(reference=reference).first()
    )
    if candidature is None:
        return Status(
            404, Problem(detail=_("Aucune candidature que vous lisez ne porte ce nom."))
        )
    log_read(request, [candidature.reference])
    return candidature_out(candidature)


# Rounds, dossiers, evaluations, rankings -------------------------------------


class RoundOut(Schema):
    id: int
    call_id: int
    call_title: str
    kind: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    evaluation_deadline: dt.date | None
    blind: bool
    closed: bool
    updated_at: str = updated_at_field()
    role: str = Field(
        description="`team` : l'équipe programme mène ce tour ; `member` : vous y "
        "siégez (vous ne lisez que vos dossiers)."
    )


class RoundPage(SyncPage):
    items: list[RoundOut]


def readable_rounds(user):
    return ReviewRound.objects.filter(
        Q(pk__in=rounds_for(user).values("pk")) | Q(pk__in=rounds_of(user).values("pk"))
    )


def round_or_404(user, round_id):
    """(round, runs it as the programme team), or None outside both rules."""
    review_round = (
        readable_rounds(user).select_related("call").filter(pk=round_id).first()
    )
    if review_round is None:
        return None, False
    return review_round, rounds_for(user).filter(pk=round_id).exists()


def no_round():
    return Status(
        404, Problem(detail=_("Aucun tour que vous lisez ne porte ce numéro."))
    )


@router.get(
    "/rounds/",
    response=RoundPage,
    summary="Tours d'examen (équipe programme et membres)",
    openapi_extra=PROBLEMS,
)
def list_rounds(
    request,
    filters: Query[SyncFilters],
    pagination: Query[WagtailLimitOffsetPagination.Input],
):
    """The rounds the team runs and those the owner sits on, oldest change first."""
    team = set(rounds_for(request.user).values_list("pk", flat=True))
    rows, count, after = sync_page(
        request,
        readable_rounds(request.user).select_related("call"),
        filters,
        pagination,
    )
    items = [
        RoundOut(
            id=r.pk,
            call_id=r.call_id,
            call_title=r.call.title,
            kind=r.kind,
            starts_on=r.starts_on,
            ends_on=r.ends_on,
            evaluation_deadline=r.evaluation_deadline,
            blind=r.blind,
            closed=r.is_closed,
            updated_at=updated(r),
            role="team" if r.pk in team else "member",
        )
        for r in rows
    ]
    return {"count": count, "items": items, "next": after}


@router.get(
    "/rounds/{round_id}/dossiers/",
    response={200: CandidatureSyncPage, 404: Problem},
    summary="Dossiers d'un tour",
    openapi_extra=PROBLEMS,
)
def round_dossiers(
    request,
    round_id: int,
    filters: Query[SyncFilters],
    pagination: Query[WagtailLimitOffsetPagination.Input],
):
    """The team reads every dossier of the round; a member, those he reads in « Mes
    évaluations » (his assigned ones, his conflicts aside), masked in a blind round."""
    review_round, team = round_or_404(request.user, round_id)
    if review_round is None:
        return no_round()
    dossiers = (
        review_round.candidatures.all()
        if team
        else juror_candidatures(request.user, review_round)
    )
    rows, count, after = sync_page(request, with_details(dossiers), filters, pagination)
    items = [
        candidature_out(c) if team else dossier_out(c, review_round.blind) for c in rows
    ]
    log_read(request, [c.reference for c in items])
    return {"count": count, "items": items, "next": after}


class EvaluationOut(Schema):
    id: int
    candidature: str = Field(description="Référence du dossier.")
    member: str
    scores: dict[str, Any]
    weighted: float | None
    comment: str
    conflict_of_interest: bool
    submitted_at: dt.datetime | None
    updated_at: str = updated_at_field()


class EvaluationPage(SyncPage):
    items: list[EvaluationOut]


@router.get(
    "/rounds/{round_id}/evaluations/",
    response={200: EvaluationPage, 404: Problem},
    summary="Évaluations d'un tour",
    openapi_extra=PROBLEMS,
)
def round_evaluations(
    request,
    round_id: int,
    filters: Query[SyncFilters],
    pagination: Query[WagtailLimitOffsetPagination.Input],
):
    """The team reads the submitted evaluations of the round; a member, his own."""
    review_round, team = round_or_404(request.user, round_id)
    if review_round is None:
        return no_round()
    evaluations = Evaluation.objects.filter(round=review_round)
    if team:
        evaluations = evaluations.filter(submitted_at__isnull=False)
    else:
        evaluations = evaluations.filter(member=request.user)
    rows, count, after = sync_page(
        request,
        evaluations.select_related("candidature", "member"),
        filters,
        pagination,
    )
    items = [
        EvaluationOut(
            id=e.pk,
            candidature=e.candidature.reference,
            member=e.member.get_full_name() or e.member.get_username(),
            scores=e.scores,
            weighted=e.weighted,
            comment=e.comment,
            conflict_of_interest=e.conflict_of_interest,
            submitted_at=e.submitted_at,
            updated_at=updated(e),
        )
        for e in rows
    ]
    log_read(request, [e.candidature for e in items])
    return {"count": count, "items": items, "next": after}


class RankOut(Schema):
    rank: int
    candidature: str
    count: int
    mean: float | None
    spread: float | None
    minimum: float | None
    maximum: float | None


class RankPage(Page):
    items: list[RankOut]


@router.get(
    "/rounds/{round_id}/ranking/",
    response={200: RankPage, 403: Problem, 404: Problem},
    summary="Classement d'un tour",
    openapi_extra=PROBLEMS,
)
def round_ranking(
    request, round_id: int, pagination: Query[WagtailLimitOffsetPagination.Input]
):
    """The round's ranking, best first: for the team, always; for a member, once the
    round is closed if it shows its ranking to members (their dossiers, conflicts aside)."""
    review_round, team = round_or_404(request.user, round_id)
    if review_round is None:
        return no_round()
    if not team and not ranking_open_to_members(review_round):
        return Status(
            403,
            Problem(
                detail=_(
                    "Le classement de ce tour n'est pas ouvert à ses membres "
                    "(tour non clos, ou classement réservé à l'équipe)."
                )
            ),
        )
    ranked = list(
        enumerate(ranking(review_round).values_list("pk", flat=True), start=1)
    )
    if not team:
        readable = set(
            juror_candidatures(request.user, review_round).values_list("pk", flat=True)
        )
        ranked = [(rank, pk) for rank, pk in ranked if pk in readable]
    page = paginate(request, ranked, pagination)
    rank_of = {pk: rank for rank, pk in page["items"]}
    aggregates = {
        c.pk: Aggregate.of(c)
        for c in ranking(review_round, list(rank_of), fields=["reference"])
    }
    items = [
        RankOut(
            rank=rank,
            candidature=aggregates[pk].candidature.reference,
            count=aggregates[pk].count,
            mean=aggregates[pk].mean,
            spread=aggregates[pk].spread,
            minimum=aggregates[pk].minimum,
            maximum=aggregates[pk].maximum,
        )
        for rank, pk in page["items"]
    ]
    log_read(request, [r.candidature for r in items])
    return {"count": page["count"], "items": items}


# Investigations --------------------------------------------------------------


class PhaseOut(Schema):
    code: str
    starts_on: dt.date
    ends_on: dt.date | None


class InvestigationOut(Schema):
    id: int
    slug: str
    title: str
    call_id: int | None
    candidature: str | None
    problem_statement: str
    contact_email: str
    organisations: list[str]
    starts_on: dt.date
    planned_end: dt.date | None
    final_committee_on: dt.date | None
    phase: str | None = Field(description="Le code de la phase en cours.")
    phases: list[PhaseOut] = Field(
        description="Ses phases, de la première à la dernière."
    )
    outcome: str
    outcome_rationale: str
    recommendations: str
    conditions_of_success: str
    learnings: str
    updated_at: str = updated_at_field()


class InvestigationPage(SyncPage):
    items: list[InvestigationOut]


@router.get(
    "/investigations/",
    response={200: InvestigationPage, 403: Problem},
    summary="Investigations (équipe programme)",
    openapi_extra=PROBLEMS,
)
def list_investigations(
    request,
    filters: Query[SyncFilters],
    pagination: Query[WagtailLimitOffsetPagination.Input],
):
    """The investigations of the team's sites, oldest change first: a change to
    its phases, checkpoints, team, committees or administrations is one too."""
    if not is_programme_team(request.user):
        return forbidden()
    investigations = (
        investigations_for(request.user)
        .select_related("candidature")
        .prefetch_related("organisations", "phases")
    )
    rows, count, after = sync_page(request, investigations, filters, pagination)
    items = []
    for i in rows:
        phase = i.current_phase
        items.append(
            InvestigationOut(
                id=i.pk,
                slug=i.slug,
                title=i.title,
                call_id=i.call_id,
                candidature=i.candidature.reference if i.candidature else None,
                problem_statement=i.problem_statement,
                contact_email=i.contact_email,
                organisations=[o.name for o in i.organisations.all()],
                starts_on=i.starts_on,
                planned_end=i.planned_end,
                final_committee_on=i.final_committee_on,
                phase=phase.code if phase else None,
                phases=[
                    PhaseOut(code=p.code, starts_on=p.starts_on, ends_on=p.ends_on)
                    for p in chronological(i.phases.all())
                ],
                outcome=i.outcome,
                outcome_rationale=i.outcome_rationale,
                recommendations=i.recommendations,
                conditions_of_success=i.conditions_of_success,
                learnings=i.learnings,
                updated_at=updated(i),
            )
        )
    log_read(request, [i.slug for i in items])
    return {"count": count, "items": items, "next": after}
