"""Who reads which dossier in a round « attribution par dossier », by hand or automatically.

The programme team puts a member on a dossier, or takes them off it, by hand;
or asks Amorce to complete every dossier to the round's number of readers.
The automatic assignment keeps every assignment already made (by hand or
not), gives each dossier the members who have the fewest dossiers so far (ties
broken by the order of the round's members, so that the same round gives the
same result), and never puts a member on a dossier for which they declared a
conflict of interest, or for which a conflict is likely (same mail domain or
same administration, ``scoring.likely_conflict``). What it could not complete
it says, dossier by dossier.

A member is never put on a dossier they declared a conflict on. A likely
conflict is refused too, unless the team confirms it knows and assigns anyway
(the likely conflict is a guess: two ministries may share a mail domain).
"""

from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .models import Assignment, Evaluation, ReviewRound, RoundScores
from .rules import started_evaluation
from .scoring import ConflictCheck
from .sync import touch_candidatures

UNASSIGNED = "amorce.round.unassigned"


def member_name(user):
    return user.get_full_name() or user.get_username()


def declared_conflicts(review_round, candidature_ids=None):
    """{(candidature id, member id)} of the conflicts declared in the round."""
    evaluations = Evaluation.objects.filter(
        round=review_round, conflict_of_interest=True
    )
    if candidature_ids is not None:
        evaluations = evaluations.filter(candidature_id__in=candidature_ids)
    return set(evaluations.values_list("candidature_id", "member_id"))


def _in_round(review_round):
    """The round's dossiers, as a subquery on its list alone (no join to the
    candidatures: a third of the time of a count at 10,000 dossiers)."""
    return ReviewRound.candidatures.through.objects.filter(
        reviewround_id=review_round.pk
    ).values("candidature_id")


def load_by_member(review_round):
    """{member id: dossiers given to them} over the round's dossiers, a conflict
    declared since or not (what the automatic assignment balances)."""
    return dict(
        Assignment.objects.filter(
            round=review_round, candidature_id__in=_in_round(review_round)
        )
        .values_list("member_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


#: How long a round's counts are kept for a version of its scores (found by
#: the version only, a change never meets an old count; an hour bounds what a
#: database restored under a kept cache, its versions replayed, could show).
SUBMITTED_SECONDS = 3600


def submitted_by_member(review_round):
    """{member id: evaluations submitted, not declared a conflict} over the
    round's dossiers.

    Kept in the cache for the round's scores version (``ranking_models``),
    which the database's triggers move on every write to an evaluation that
    counts and to the round's list of dossiers: reading it is one query on a
    row, where counting is a pass over every evaluation of the round (18 ms
    at 10,000 dossiers). The round's creation instant is in the key too: a
    round whose number is used again (SQLite) starts again at version 1.

    Counted afresh inside a transaction: on PostgreSQL the version moves
    once a transaction, so its own later writes would not move it again; on
    SQLite a transaction rolled back would give its version number to the
    next write. A request is not one: Django commits each write. An
    evaluation's member is not a column the triggers watch: the app never
    changes it (an evaluation is its member's).
    """
    version = None
    if not connection.in_atomic_block:
        version = (
            RoundScores.objects.filter(round_id=review_round.pk)
            .values_list("version", flat=True)
            .first()
        )
    key = (
        f"amorce:selection:submitted:{review_round.pk}:"
        f"{review_round.created_at.timestamp()}:{version}"
    )
    counts = cache.get(key) if version is not None else None
    if counts is None:
        counts = dict(
            Evaluation.objects.filter(
                round=review_round,
                candidature_id__in=_in_round(review_round),
                submitted_at__isnull=False,
                conflict_of_interest=False,
            )
            .values_list("member_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if version is not None:
            cache.set(key, counts, SUBMITTED_SECONDS)
    return counts


def readers_of(review_round):
    """For a queryset of the round's dossiers: how many of its members read each one.

    A member who left the round, or who declared a conflict on the dossier, does
    not count: the automatic assignment gives the dossier another reader.
    """
    readers = (
        Assignment.objects.filter(
            round=review_round,
            candidature=OuterRef("pk"),
            member__round_memberships__round=review_round,
            member__round_memberships__removed_at__isnull=True,
        )
        .exclude(
            Exists(
                Evaluation.objects.filter(
                    round=review_round,
                    candidature=OuterRef("candidature"),
                    member=OuterRef("member"),
                    conflict_of_interest=True,
                )
            )
        )
        .order_by()
        .values("candidature")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(readers, output_field=IntegerField()), 0)


def assign(review_round, candidature, membership, *, by, confirm_likely=False):
    """Put the member of ``membership`` on ``candidature`` by hand; French errors."""
    name = member_name(membership.user)
    with transaction.atomic():
        if not review_round.candidatures.filter(pk=candidature.pk).exists():
            raise ValidationError(
                _("Le dossier %(reference)s n'est pas dans ce tour.")
                % {"reference": candidature.reference},
                code="not_in_round",
            )
        if Evaluation.objects.filter(
            round=review_round,
            candidature=candidature,
            member_id=membership.user_id,
            conflict_of_interest=True,
        ).exists():
            raise ValidationError(
                _(
                    "%(member)s a déclaré un conflit d'intérêts pour le dossier "
                    "%(reference)s : ce dossier ne peut pas lui être attribué."
                )
                % {"member": name, "reference": candidature.reference},
                code="declared_conflict",
            )
        likely = ConflictCheck(membership).reason(
            candidature.applicant_email, candidature.administration
        )
        if likely and not confirm_likely:
            raise ValidationError(
                _(
                    "Conflit d'intérêts probable entre %(member)s et le dossier "
                    "%(reference)s (%(why)s) : rien n'est attribué. Si vous savez "
                    "qu'il n'y a pas de conflit, cochez « Attribuer malgré le "
                    "conflit probable » et recommencez."
                )
                % {"member": name, "reference": candidature.reference, "why": likely},
                code="likely_conflict",
            )
        assignment, created = Assignment.objects.get_or_create(
            round=review_round,
            candidature=candidature,
            member_id=membership.user_id,
            defaults={"origin": Assignment.Origin.MANUAL, "made_by": by},
        )
        if not created:
            raise ValidationError(
                _("Le dossier %(reference)s est déjà attribué à %(member)s.")
                % {"member": name, "reference": candidature.reference},
                code="already",
            )
    return assignment


def unassign(assignment, *, by=None):
    """Take a member off a dossier, unless they started evaluating it (French error).

    The round's history keeps who took whom off which dossier.
    """
    reason = started_evaluation(assignment)
    if reason:
        raise ValidationError(reason, code="started")
    with transaction.atomic():
        log(
            assignment.round,
            UNASSIGNED,
            user=by,
            data={
                "member": member_name(assignment.member),
                "reference": assignment.candidature.reference,
            },
        )
        assignment.delete()


@dataclass
class AutoResult:
    created: int = 0
    # (reference, readers it has, readers it should have)
    short: list = field(default_factory=list)


def auto_assign(review_round, *, by):
    """Complete every dossier of the round to ``reviewers_per_dossier`` readers.

    Balanced: each time, the members with the fewest dossiers so far; keeps
    every assignment already made; avoids declared and likely conflicts. One
    team member at a time: the round is locked while it runs, so that two
    clicks never give a dossier more readers than asked.
    """
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        wanted = review_round.reviewers_per_dossier
        members = review_round.memberships.filter(
            removed_at__isnull=True
        ).select_related("user")
        memberships = list(members.order_by("sort_order", "pk"))
        checks = [(m.user_id, ConflictCheck(m)) for m in memberships]
        candidatures = review_round.candidatures.order_by("reference")
        fields = ("pk", "reference", "applicant_email", "administration")
        dossiers = list(candidatures.values_list(*fields))
        dossier_ids = {row[0] for row in dossiers}
        member_ids = {m.user_id for m in memberships}
        declared = declared_conflicts(review_round)
        readers = {}
        load = Counter(dict.fromkeys(member_ids, 0))
        given = Assignment.objects.filter(round=review_round)
        for candidature_id, member_id in given.values_list("candidature", "member"):
            if candidature_id not in dossier_ids or member_id not in member_ids:
                continue  # a dossier taken out of the round, a member who left it
            readers.setdefault(candidature_id, set()).add(member_id)
            load[member_id] += 1
        rank = {member_id: index for index, (member_id, _check) in enumerate(checks)}
        result = AutoResult()
        new = []
        for candidature_id, reference, email, administration in dossiers:
            mine = readers.get(candidature_id, set())
            # A member who declared a conflict does not read it: not one of its readers.
            counted = {m for m in mine if (candidature_id, m) not in declared}
            missing = wanted - len(counted)
            if missing <= 0:
                continue
            free = [
                member_id
                for member_id, check in checks
                if member_id not in mine
                and (candidature_id, member_id) not in declared
                and not check.reason(email, administration)
            ]
            free.sort(key=lambda member_id: (load[member_id], rank[member_id]))
            chosen = free[:missing]
            for member_id in chosen:
                load[member_id] += 1
                new.append(
                    Assignment(
                        round=review_round,
                        candidature_id=candidature_id,
                        member_id=member_id,
                        origin=Assignment.Origin.AUTOMATIC,
                        made_by=by,
                    )
                )
            if len(chosen) < missing:
                result.short.append((reference, len(counted) + len(chosen), wanted))
        Assignment.objects.bulk_create(new, batch_size=1000)
        touch_candidatures(*{a.candidature_id for a in new})  # no signal in bulk
        result.created = len(new)
    return result
