"""What a candidature's record rests on, kept (see docs/integrity.md).

- A candidature is never deleted: it is withdrawn or cancelled with a
  reason, and emptied of personal data when its retention ends or its author
  asks. Its status changes are its history: never deleted either.
- The call and form pages holding candidatures, and the pages above them,
  stay (unpublish them instead); so does a site holding candidatures.
- A person who decided keeps their account: deactivate it instead.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from wagtail.models import Site

from cms_pages.models import CANDIDATURES_RECEIVED, CallPage
from core.deletion import deletion_rule

from .models import Candidature, CandidatureFormPage, CandidatureStatusChange


def account_is_kept(what):
    """The refusal to delete a person who ``what`` (« a pris des décisions »)."""
    return _(
        "Cette personne %(what)s : son compte est conservé pour que "
        "l'historique dise qui a fait quoi. Désactivez-le (case « Actif ») "
        "pour lui retirer l'accès."
    ) % {"what": what}


@deletion_rule(Candidature)
def candidature_is_kept(candidature):
    return _(
        "Une candidature n'est jamais supprimée : retirez-la ou annulez-la en "
        "indiquant le motif, elle reste dans l'historique. Seul l'effacement des "
        "données personnelles (à la demande de la personne, ou à la fin de la "
        "durée de conservation) la vide, et il est journalisé."
    )


@deletion_rule(CandidatureStatusChange)
def history_is_kept(entry):
    return _("L'historique d'une décision n'est jamais supprimé.")


def _held_under(page):
    return Candidature.objects.filter(call__path__startswith=page.path).exists()


@deletion_rule(CallPage)
@deletion_rule(CandidatureFormPage)
def page_with_candidatures(page):
    if isinstance(page, CandidatureFormPage):
        held = Candidature.objects.filter(page=page).exists()
    else:
        held = _held_under(page)
    if held:
        # No count: whoever may delete pages may not read candidatures.
        return _(
            "« %(title)s » porte des candidatures : la page est conservée avec "
            "elles. Dépubliez-la si elle ne doit plus être visible."
        ) % {"title": page.title}
    return None


@deletion_rule(Site)
def site_with_candidatures(site):
    if site.root_page_id and _held_under(site.root_page):
        return _(
            "Ce site porte des candidatures : il est conservé. Changez son nom "
            "d'hôte ou retirez l'accès de ses groupes s'il ne doit plus servir."
        )
    return None


@deletion_rule(get_user_model())
def person_who_decided(user):
    if CandidatureStatusChange.objects.filter(user=user).exists():
        return account_is_kept(_("a pris des décisions"))
    return None


def call_has_candidatures(call):
    """A call that received candidatures may close later, never earlier."""
    return Candidature.objects.filter(call_id=call.pk).exists()


CANDIDATURES_RECEIVED.append(call_has_candidatures)
