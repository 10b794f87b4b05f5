"""What a selection rests on, kept: the deletion rules and the criteria lock of this app.

Decided as the people who will be audited would (see docs/integrity.md):

- a candidature is never deleted: it is withdrawn or cancelled with a reason,
  and emptied of personal data when its retention ends or its author asks;
- an evaluation, a reopening of one, a status change and a sent decision
  email are the history of a decision: never deleted;
- a round may be deleted until someone scores in it, not after;
- a decision email template, once used, stays (it can still be edited);
- the call and form pages holding candidatures, and the pages above them,
  stay (unpublish them instead); so does a site holding candidatures;
- a person who scored, decided or released emails keeps their account:
  deactivate it instead;
- once a member of a round of a call submitted an evaluation, the call's
  criteria are frozen.
"""

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.models import Site

from amorce.deletion import deletion_rule
from cms_pages.models import CRITERIA_LOCKS, CallPage

from .models import (
    Candidature,
    CandidatureFormPage,
    CandidatureStatusChange,
    Evaluation,
    EvaluationReopening,
    Notification,
    NotificationTemplate,
    ReviewRound,
)


@deletion_rule(Candidature)
def candidature_is_kept(candidature):
    return _(
        "Une candidature n'est jamais supprimée : retirez-la ou annulez-la en "
        "indiquant le motif, elle reste dans l'historique. Seul l'effacement des "
        "données personnelles (à la demande de la personne, ou à la fin de la "
        "durée de conservation) la vide, et il est journalisé."
    )


@deletion_rule(Evaluation)
def evaluation_is_kept(evaluation):
    return _(
        "Une évaluation n'est jamais supprimée : le classement en dépend. "
        "L'équipe programme peut la rouvrir, avec un motif."
    )


@deletion_rule(EvaluationReopening)
@deletion_rule(CandidatureStatusChange)
def history_is_kept(entry):
    return _("L'historique d'une décision n'est jamais supprimé.")


@deletion_rule(Notification)
def sent_email_is_kept(notification):
    if notification.state == Notification.State.SENT:
        return _("Un courriel envoyé à une personne reste dans son historique.")
    return None


@deletion_rule(ReviewRound)
def round_with_evaluations(review_round):
    count = review_round.evaluations.count()
    if count:
        return _(
            "Ce tour compte %(count)s évaluation(s) : il est conservé avec elles, "
            "car le classement et les décisions en dépendent. Un tour ne peut être "
            "supprimé qu'avant la première évaluation."
        ) % {"count": count}
    return None


@deletion_rule(NotificationTemplate)
def used_template(template):
    count = template.notifications.count()
    if count:
        return _(
            "Ce modèle a servi à préparer %(count)s courriel(s) : il est conservé. "
            "Modifiez-le s'il doit changer pour les prochains envois."
        ) % {"count": count}
    return None


def _count_under(page):
    return Candidature.objects.filter(call__path__startswith=page.path).count()


@deletion_rule(CallPage)
@deletion_rule(CandidatureFormPage)
def page_with_candidatures(page):
    if isinstance(page, CandidatureFormPage):
        count = Candidature.objects.filter(page=page).count()
    else:
        count = _count_under(page)
    if count:
        return _(
            "« %(title)s » porte %(count)s candidature(s) : la page est conservée "
            "avec elles. Dépubliez-la si elle ne doit plus être visible."
        ) % {"title": page.title, "count": count}
    return None


@deletion_rule(Site)
def site_with_candidatures(site):
    if site.root_page_id and (count := _count_under(site.root_page)):
        return _(
            "Ce site porte %(count)s candidature(s) : il est conservé. Changez son "
            "nom d'hôte ou retirez l'accès de ses groupes s'il ne doit plus servir."
        ) % {"count": count}
    return None


@deletion_rule(get_user_model())
def person_who_took_part(user):
    reasons = [
        (Evaluation.objects.filter(member=user), _("a évalué des dossiers")),
        (Evaluation.objects.filter(entered_by=user), _("a saisi des évaluations")),
        (
            CandidatureStatusChange.objects.filter(user=user),
            _("a pris des décisions"),
        ),
        (EvaluationReopening.objects.filter(user=user), _("a rouvert des évaluations")),
        (
            Notification.objects.filter(prepared_by=user)
            | Notification.objects.filter(released_by=user),
            _("a préparé ou envoyé des courriels de décision"),
        ),
    ]
    for queryset, what in reasons:
        if queryset.exists():
            return _(
                "Cette personne %(what)s : son compte est conservé pour que "
                "l'historique dise qui a fait quoi. Désactivez-le (case « Actif ») "
                "pour lui retirer l'accès."
            ) % {"what": what}
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
