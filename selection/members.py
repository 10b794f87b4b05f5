"""The members of a round for the programme team: removal, and progress per member.

A member who evaluated in a round is never deleted from it: they are marked
removed (who, when), no longer see the round, and what they submitted still
counts, shown as a removed member's. A member who evaluated nothing there
leaves the round plainly.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .invitations import invitation_state
from .models import Evaluation, JuryInvitation, JuryReminder, RoundMember
from .permissions import juror_dossier_counts

MEMBER_REMOVED = "amorce.round.member_removed"


def has_evaluations(membership):
    return Evaluation.objects.filter(
        round_id=membership.round_id, member_id=membership.user_id
    ).exists()


def removal_date(membership):
    return formats.date_format(timezone.localtime(membership.removed_at), "j F Y")


def removed_members(review_round):
    """{user id: membership} of those removed from the round."""
    return {m.user_id: m for m in review_round.memberships.exclude(removed_at=None)}


def remove_member(membership, *, by):
    """Take a member off the round; kept, marked, if they evaluated there.

    Returns True when the membership was kept (marked removed).
    """
    with transaction.atomic():
        membership = RoundMember.objects.select_for_update().get(pk=membership.pk)
        if membership.removed_at is not None:
            return True
        if has_evaluations(membership):
            membership.removed_at = timezone.now()
            membership.removed_by = by
            membership.save(update_fields=["removed_at", "removed_by"])
            kept = True
        else:
            membership.delete()
            kept = False
        # The round's history says who took whom off, even when nothing is kept.
        log(
            membership.round,
            MEMBER_REMOVED,
            user=by,
            data={
                "member": membership.user.get_full_name()
                or membership.user.get_username(),
                "kept": kept,
            },
        )
        # Their invitation links stop working either way.
        JuryInvitation.objects.filter(
            round_id=membership.round_id,
            user_id=membership.user_id,
            accepted_at=None,
            replaced_at=None,
        ).update(replaced_at=timezone.now())
    return kept


@dataclass
class MemberProgress:
    membership: RoundMember
    to_score: int = 0  # dossiers the member reads (their conflicts aside)
    submitted: int = 0
    drafts: int = 0
    conflicts: int = 0
    last_activity: object = None
    reminders: int = 0
    last_reminder: object = None
    invitation: JuryInvitation | None = None
    invitation_state: str = ""

    @property
    def pending(self):
        return max(self.to_score - self.submitted, 0)


def round_progress(review_round):
    """One ``MemberProgress`` per member, current ones first; the same few
    queries whatever the number of members, dossiers and evaluations."""
    memberships = list(
        review_round.memberships.select_related("user", "removed_by").order_by(
            "removed_at", "user__last_name", "user__first_name", "user__username"
        )
    )
    counts = juror_dossier_counts(review_round, memberships)
    evaluations = {
        row["member_id"]: row
        for row in Evaluation.objects.filter(round=review_round)
        .values("member_id")
        .annotate(
            submitted=Count(
                "pk",
                filter=Q(submitted_at__isnull=False, conflict_of_interest=False),
            ),
            drafts=Count("pk", filter=Q(submitted_at__isnull=True)),
            conflicts=Count("pk", filter=Q(conflict_of_interest=True)),
            last=Max("updated_at"),
        )
    }
    reminders = {
        row["member_id"]: row
        for row in JuryReminder.objects.filter(round=review_round)
        .values("member_id")
        .annotate(count=Count("pk"), last=Max("sent_at"))
    }
    latest_invitation = {}
    for invitation in JuryInvitation.objects.filter(round=review_round).order_by(
        "created_at", "pk"
    ):
        latest_invitation[invitation.user_id] = invitation
    now = timezone.now()
    rows = []
    for membership in memberships:
        scored = evaluations.get(membership.user_id, {})
        sent = reminders.get(membership.user_id, {})
        invitation = latest_invitation.get(membership.user_id)
        rows.append(
            MemberProgress(
                membership=membership,
                to_score=counts.get(membership.user_id, 0),
                submitted=scored.get("submitted", 0),
                drafts=scored.get("drafts", 0),
                conflicts=scored.get("conflicts", 0),
                last_activity=scored.get("last"),
                reminders=sent.get("count", 0),
                last_reminder=sent.get("last"),
                invitation=invitation,
                invitation_state=invitation_state(invitation, now),
            )
        )
    return rows


def removal_note(membership):
    """« membre retiré du tour le 3 mars 2026 », or ""."""
    if membership is None or membership.removed_at is None:
        return ""
    return _("membre retiré du tour le %(date)s") % {"date": removal_date(membership)}
