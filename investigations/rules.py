"""What an investigation's record rests on, kept (see docs/integrity.md).

- An investigation opened by mistake, with nothing recorded yet, may be
  deleted (Wagtail logs it). Once it has a phase, a checkpoint, a committee,
  an outcome or comes from a laureate, it is the record of public money
  spent: it stays, and it ends with its outcome (« Arrêt ») or the phase
  « abandon », not with a deletion.
- A recorded phase or investment committee stays (it can be corrected); an
  edit cannot empty the laureate of origin or the outcome either.
- An administration stays while an investigation or another administration
  names it; a funder, while an investigation names it.
- A call and a site stay while investigations refer to them.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Site

from cms_pages.models import CallPage
from core.deletion import deletion_rule

from .models import CommitteeEvent, Funder, Investigation, Organisation, Phase


@deletion_rule(Investigation)
def investigation_with_history(investigation):
    recorded = (
        investigation.candidature_id
        or investigation.outcome
        or investigation.phases.exists()
        or investigation.checkpoints.exists()
        or investigation.committee_events.exists()
    )
    if recorded:
        return _(
            "Cette investigation a un historique (lauréat d'origine, phases, points "
            "d'étape, comités ou issue) : elle est conservée. Pour y mettre fin, "
            "indiquez son issue ou la phase « abandon »."
        )
    return None


@deletion_rule(Organisation)
def organisation_in_use(organisation):
    investigations = Investigation.objects.filter(organisations=organisation).count()
    if investigations:
        return ngettext(
            "Une investigation nomme cette administration : elle est conservée.",
            "%(count)s investigations nomment cette administration : elle est conservée.",
            investigations,
        ) % {"count": investigations}
    if organisation.children.exists():
        return _(
            "D'autres administrations lui sont rattachées : changez d'abord leur "
            "administration de rattachement."
        )
    return None


@deletion_rule(Funder)
def funder_in_use(funder):
    investigations = Investigation.objects.filter(funder=funder).count()
    if investigations:
        return ngettext(
            "Une investigation est financée par ce financeur : il est conservé. "
            "Retirez-le d'abord de ses natures par défaut si besoin.",
            "%(count)s investigations sont financées par ce financeur : il est "
            "conservé. Retirez-le d'abord de ses natures par défaut si besoin.",
            investigations,
        ) % {"count": investigations}
    return None


@deletion_rule(CallPage)
def call_with_investigations(call):
    if Investigation.objects.filter(call=call).exists():
        return _(
            "Des investigations sont issues de cet appel : la page est conservée. "
            "Dépubliez-la si elle ne doit plus être visible."
        )
    return None


@deletion_rule(Site)
def site_with_records(site):
    if (
        Investigation.objects.filter(site=site).exists()
        or Organisation.objects.filter(site=site).exists()
        or Funder.objects.filter(site=site).exists()
    ):
        return _(
            "Ce site porte des investigations ou des administrations : il est conservé."
        )
    return None


@deletion_rule(Phase)
@deletion_rule(CommitteeEvent)
def recorded_step(step):
    return _(
        "Une phase ou un comité enregistré reste dans l'historique de "
        "l'investigation : corrigez-le plutôt."
    )
