"""The discussion of a dossier in a round: members who scored it, and the programme team.

A member joins the discussion of a dossier once their own evaluation of it is
submitted, so that nobody scores after reading the others' arguments; and
only when the round's rule on the others' scores lets them see the others'
(« à partir de la date de la réunion »: from that date; « jamais »: never,
the team alone reads and writes there). A member with a declared conflict on
the dossier neither reads nor writes. Messages are kept with the round,
never edited nor deleted: a member corrects themself with a new message.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import DiscussionComment, Evaluation, OthersScores
from .scoring import others_visible_on

MAX_LENGTH = 5000


def discussion_open_to(review_round, evaluation, today=None):
    """Whether a member, whose evaluation of the dossier is ``evaluation``, takes part."""
    return (
        evaluation is not None
        and evaluation.is_locked
        and not evaluation.conflict_of_interest
        and others_visible_on(review_round, evaluation, today)
    )


def why_closed_to(review_round, evaluation):
    """The French reason a member may not take part yet, or None."""
    if evaluation is not None and evaluation.conflict_of_interest:
        return _("Vous avez déclaré un conflit d'intérêts pour ce dossier.")
    if review_round.others_scores == OthersScores.NEVER:
        return _(
            "Dans ce tour, les membres ne voient pas les avis des autres : seule "
            "l'équipe programme lit la discussion."
        )
    if evaluation is None or not evaluation.is_locked:
        return _(
            "La discussion de ce dossier s'ouvre pour vous quand vous avez rendu "
            "votre évaluation."
        )
    if review_round.others_scores == OthersScores.AFTER_MEETING:
        return _("La discussion de ce dossier s'ouvre à la date de la réunion.")
    return None


def messages_of(review_round, candidature):
    return list(
        DiscussionComment.objects.filter(
            round=review_round, candidature=candidature
        ).select_related("author")
    )


def clean_body(body):
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Écrivez votre message avant de l'envoyer."))
    if len(body) > MAX_LENGTH:
        raise ValidationError(
            _("Votre message dépasse %(max)s caractères : raccourcissez-le.")
            % {"max": MAX_LENGTH}
        )
    return body


def post_as_member(review_round, candidature, member, body):
    """Post a member's message; refused (French message) when they may not."""
    evaluation = Evaluation.objects.filter(
        round=review_round, candidature=candidature, member=member
    ).first()
    if not discussion_open_to(review_round, evaluation):
        raise ValidationError(why_closed_to(review_round, evaluation))
    if review_round.is_closed:
        raise ValidationError(
            _(
                "Ce tour est clos : sa discussion se lit, mais ne reçoit plus de "
                "message."
            )
        )
    return DiscussionComment.objects.create(
        round=review_round,
        candidature=candidature,
        author=member,
        body=clean_body(body),
    )


def post_as_team(review_round, candidature, user, body):
    return DiscussionComment.objects.create(
        round=review_round,
        candidature=candidature,
        author=user,
        by_programme_team=True,
        body=clean_body(body),
    )
