"""A member's evaluation: a draft, then submitted and locked; reopened only by the team.

A member who could change a submitted evaluation after reading the others'
could align on them, or throw a dossier out: the ranking would no longer be
each member's own judgement. So a submitted evaluation is locked. If it must
change (a score entered by mistake, a conflict of interest found late), the
programme team reopens it with a reason; the reopening keeps what it said,
shows in the ranking, and the member submits it again.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DEFERRED
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .models import Evaluation, EvaluationReopening, RoundMember

ACTION_REOPENED = "amorce.evaluation.reopened"

# Sent inside the transaction of a submission (a declared conflict is one),
# with ``evaluation``: receivers that act later use ``transaction.on_commit``.
# Sent from the save itself, whatever made it (the member's screen, the
# team's spreadsheet import, a shell): once, when ``submitted_at`` is set on
# an evaluation that was not submitted when read (or is new).
evaluation_submitted = Signal()


@receiver(pre_save, sender=Evaluation, dispatch_uid="selection.evaluation_read_state")
def read_submission_state(sender, instance, raw=False, **kwargs):
    """An evaluation read without ``submitted_at`` (``.only()``, ``.defer()``) does
    not know whether it was submitted: asked of the database before it changes."""
    if (
        not raw
        and instance.pk
        and getattr(instance, "submitted_when_read", None) is DEFERRED
    ):
        instance.submitted_when_read = (
            Evaluation.objects.filter(pk=instance.pk)
            .values_list("submitted_at", flat=True)
            .first()
        )


@receiver(post_save, sender=Evaluation, dispatch_uid="selection.evaluation_submitted")
def announce_submission(
    sender, instance, created, raw=False, update_fields=None, **kwargs
):
    if raw or (update_fields is not None and "submitted_at" not in update_fields):
        return
    before = None if created else getattr(instance, "submitted_when_read", None)
    instance.submitted_when_read = instance.submitted_at  # a second save: no event
    if instance.submitted_at is not None and before is None:
        evaluation_submitted.send(sender=Evaluation, evaluation=instance)


def locked_message():
    return _(
        "Cette évaluation est rendue : elle ne se modifie plus. Si elle doit "
        "changer, demandez à l'équipe programme de la rouvrir."
    )


def closed_message():
    return _(
        "Ce tour est clos : on n'y rend plus d'évaluation. Votre brouillon est "
        "gardé ; si le tour doit reprendre, l'équipe programme peut le rouvrir."
    )


def clean_criterion_comments(raw, criteria):
    """{criterion id: comment} for the criteria of the call, blank ones left out."""
    comments = {}
    for criterion in criteria:
        text = (raw.get(str(criterion.pk)) or "").strip()
        if text:
            comments[str(criterion.pk)] = text
    return comments


def save_evaluation(
    review_round,
    candidature,
    member,
    *,
    scores,
    comment="",
    criterion_comments=None,
    conflict_of_interest=False,
    conflict_note="",
    submit,
    entered_by=None,
):
    """Save a member's draft, or submit it (``submit``); refuse a locked one.

    ``entered_by``: the team member who typed it in (an import), if not the
    member themself. A closed round keeps drafts but takes no submission (a
    declared conflict is one).
    """
    with transaction.atomic():
        review_round.refresh_from_db(fields=["closed_at"])
        if review_round.is_closed and (submit or conflict_of_interest):
            raise ValidationError(closed_message(), code="closed")
        evaluation, _created = Evaluation.objects.select_for_update().get_or_create(
            round=review_round, candidature=candidature, member=member
        )
        if evaluation.is_locked:
            raise ValidationError(locked_message(), code="locked")
        evaluation.scores = {} if conflict_of_interest else scores
        evaluation.comment = comment
        evaluation.criterion_comments = criterion_comments or {}
        evaluation.conflict_of_interest = conflict_of_interest
        evaluation.conflict_note = conflict_note
        evaluation.entered_by = entered_by
        # A declared conflict is a declaration, not a draft: it takes effect now.
        evaluation.submitted_at = (
            timezone.now() if submit or conflict_of_interest else None
        )
        evaluation.save()  # announced, if submitted, by ``announce_submission``
    return evaluation


def reopen_evaluation(evaluation, *, user, reason):
    """Unlock a submitted evaluation, keeping what it said, who reopened it and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Indiquez pourquoi cette évaluation est rouverte."), code="reason"
        )
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update()
            .select_related("round")
            .get(pk=evaluation.pk)
        )
        if evaluation.round.is_closed:
            # The ranking the members were shown at closing stays what it was.
            raise ValidationError(
                _(
                    "Ce tour est clos : rouvrez d'abord le tour, puis cette "
                    "évaluation si elle doit changer."
                ),
                code="closed",
            )
        if not evaluation.is_locked:
            raise ValidationError(
                _("Cette évaluation n'est pas rendue : il n'y a rien à rouvrir."),
                code="not_submitted",
            )
        if RoundMember.objects.filter(
            round_id=evaluation.round_id,
            user_id=evaluation.member_id,
            removed_at__isnull=False,
        ).exists():
            # Reopened, it would stop counting, and its member, who no longer
            # sees the round, could never submit it again.
            raise ValidationError(
                _(
                    "%(member)s a été retiré de ce tour : son évaluation rendue "
                    "compte telle quelle. Pour qu'il la reprenne, invitez-le de "
                    "nouveau (« Membres et avancement »), puis rouvrez-la."
                )
                % {
                    "member": evaluation.member.get_full_name()
                    or evaluation.member.get_username()
                },
                code="removed_member",
            )
        EvaluationReopening.objects.create(
            evaluation=evaluation,
            user=user,
            reason=reason,
            previous_scores=evaluation.scores,
            previous_comment=evaluation.comment,
            previous_criterion_comments=evaluation.criterion_comments,
            previous_conflict_of_interest=evaluation.conflict_of_interest,
            previous_submitted_at=evaluation.submitted_at,
        )
        evaluation.submitted_at = None
        # A declared conflict is lifted too, so that the member reads the dossier
        # again and scores it or declares it anew; the reopening keeps it.
        evaluation.conflict_of_interest = False
        evaluation.reopened_count += 1
        evaluation.save(
            update_fields=[
                "submitted_at",
                "conflict_of_interest",
                "reopened_count",
                "updated_at",
            ]
        )
        log(
            evaluation.candidature,
            ACTION_REOPENED,
            user=user,
            data={
                "round": evaluation.round_id,
                "member": evaluation.member.get_full_name()
                or evaluation.member.get_username(),
                "reason": reason,
            },
        )
    return evaluation
