"""What a selection rests on, kept: the deletion rules and the criteria lock of the selection.

Decided as the people who will be audited would (see docs/integrity.md):

- an evaluation and a reopening of one are the history of a decision, and
  so are a sent decision email and a message of a dossier's discussion:
  never deleted;
- a round may be deleted until someone scores in it, not after;
- a member who evaluated in a round is removed from it (marked), not deleted;
- a dossier's assignment to a member goes until the member starts its
  evaluation (a draft is enough), not after;
- a decision email template, once used, stays (it can still be edited);
- a person who scored, reopened evaluations or released emails keeps their
  account: deactivate it instead;
- once a member of a round of a call submitted an evaluation, the call's
  criteria are frozen.
"""

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms_pages.models import CRITERIA_LOCKS
from core.deletion import deletion_rule
from forms.rules import account_is_kept

from .models import (
    Assignment,
    DiscussionComment,
    Evaluation,
    EvaluationReopening,
    Notification,
    NotificationTemplate,
    ReviewRound,
    RoundMember,
)


@deletion_rule(Evaluation)
def evaluation_is_kept(evaluation):
    return _(
        "Une évaluation n'est jamais supprimée : le classement en dépend. "
        "L'équipe programme peut la rouvrir, avec un motif."
    )


@deletion_rule(Assignment)
def started_evaluation(assignment):
    """Why an assignment stays: its member started evaluating the dossier; or None."""
    started = Evaluation.objects.filter(
        round_id=assignment.round_id,
        candidature_id=assignment.candidature_id,
        member_id=assignment.member_id,
    ).exists()
    if started:
        return _(
            "%(member)s a commencé l'évaluation de ce dossier : l'attribution est "
            "conservée avec elle."
        ) % {
            "member": assignment.member.get_full_name()
            or assignment.member.get_username()
        }
    return None


@deletion_rule(EvaluationReopening)
def reopening_is_kept(entry):
    return _("L'historique d'une décision n'est jamais supprimé.")


@deletion_rule(DiscussionComment)
def discussion_is_kept(comment):
    return _(
        "Un message de la discussion d'un dossier n'est jamais supprimé : il "
        "reste avec le tour."
    )


@deletion_rule(Notification)
def sent_email_is_kept(notification):
    if notification.state == Notification.State.SENT:
        return _("Un courriel envoyé à une personne reste dans son historique.")
    return None


@deletion_rule(ReviewRound)
def round_with_evaluations(review_round):
    count = review_round.evaluations.count()
    if count:
        return ngettext(
            "Ce tour compte %(count)s évaluation : il est conservé avec elle, car le "
            "classement et les décisions en dépendent. Un tour ne peut être supprimé "
            "qu'avant la première évaluation.",
            "Ce tour compte %(count)s évaluations : il est conservé avec elles, car le "
            "classement et les décisions en dépendent. Un tour ne peut être supprimé "
            "qu'avant la première évaluation.",
            count,
        ) % {"count": count}
    if review_round.discussion.exists():
        return _(
            "Ce tour a une discussion sur ses dossiers : il est conservé avec elle."
        )
    return None


@deletion_rule(RoundMember)
def member_who_evaluated(membership):
    if Evaluation.objects.filter(
        round_id=membership.round_id, member_id=membership.user_id
    ).exists():
        return _(
            "Ce membre a évalué des dossiers de ce tour : il n'est pas supprimé du "
            "tour mais retiré (« Membres et avancement »), et ses évaluations "
            "rendues comptent toujours."
        )
    return None


@deletion_rule(NotificationTemplate)
def used_template(template):
    count = template.notifications.count()
    if count:
        return ngettext(
            "Ce modèle a servi à préparer %(count)s courriel : il est conservé. "
            "Modifiez-le s'il doit changer pour les prochains envois.",
            "Ce modèle a servi à préparer %(count)s courriels : il est conservé. "
            "Modifiez-le s'il doit changer pour les prochains envois.",
            count,
        ) % {"count": count}
    return None


@deletion_rule(get_user_model())
def member_who_took_part(user):
    reasons = [
        (Evaluation.objects.filter(member=user), _("a évalué des dossiers")),
        (Evaluation.objects.filter(entered_by=user), _("a saisi des évaluations")),
        (EvaluationReopening.objects.filter(user=user), _("a rouvert des évaluations")),
        (
            DiscussionComment.objects.filter(author=user),
            _("a écrit dans la discussion d'un dossier"),
        ),
        (ReviewRound.objects.filter(closed_by=user), _("a clos un tour d'examen")),
        (
            Notification.objects.filter(prepared_by=user)
            | Notification.objects.filter(released_by=user),
            _("a préparé ou envoyé des courriels de décision"),
        ),
    ]
    for queryset, what in reasons:
        if queryset.exists():
            return account_is_kept(what)
    return None


def evaluations_freeze_criteria(call):
    first = (
        Evaluation.objects.filter(round__call_id=call.pk, submitted_at__isnull=False)
        .select_related("round")
        .order_by("submitted_at")
        .first()
    )
    if first is None:
        return None
    return _(
        "Les critères de cet appel sont figés depuis le %(date)s, quand une première "
        "évaluation a été rendue (%(round)s) : le classement et le cahier du jury en "
        "dépendent. Ils ne peuvent plus être modifiés, ajoutés ni supprimés ; le "
        "reste de la page peut l'être."
    ) % {
        "date": formats.date_format(timezone.localtime(first.submitted_at), "d/m/Y"),
        "round": first.round.get_kind_display(),
    }


CRITERIA_LOCKS.append(evaluations_freeze_criteria)
