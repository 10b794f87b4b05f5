"""What an investigation's record rests on, kept (see docs/integrity.md).

- An investigation opened by mistake, with nothing recorded yet, may be
  deleted (Wagtail logs it). Once it has a phase, a checkpoint, a committee,
  an outcome or comes from a laureate, it is the record of public money
  spent: it stays, and it ends with its outcome (« Arrêt ») or the phase
  « abandon », not with a deletion.
- A recorded phase or investment committee stays (it can be corrected); an
  edit cannot empty the laureate of origin or the outcome either.
- An administration stays while an investigation or another administration
  names it.
- A call and a site stay while investigations refer to them.
"""

from django.utils.translation import gettext as _
from wagtail.models import Site

from cms_pages.models import CallPage
from core.deletion import deletion_rule

from .models import CommitteeEvent, Investigation, Organisation, Phase


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
        return _(
            "%(count)s investigation(s) nomment cette administration : elle est "
            "conservée."
        ) % {"count": investigations}
    if organisation.children.exists():
        return _(
            "D'autres administrations lui sont rattachées : changez d'abord leur "
            "administration de rattachement."
        )
    return None


@deletion_rule(CallPage)
def call_with_investigations(call):
    count = Investigation.objects.filter(call=call).count()
    if count:
        return _(
            "%(count)s investigation(s) sont issues de cet appel : la page est "
            "conservée. Dépubliez-la si elle ne doit plus être visible."
        ) % {"count": count}
    return None


@deletion_rule(Site)
def site_with_records(site):
    investigations = Investigation.objects.filter(site=site).count()
    organisations = Organisation.objects.filter(site=site).count()
    if investigations or organisations:
        return _(
            "Ce site porte %(investigations)s investigation(s) et %(organisations)s "
            "administration(s) : il est conservé."
        ) % {"investigations": investigations, "organisations": organisations}
    return None


@deletion_rule(Phase)
@deletion_rule(CommitteeEvent)
def recorded_step(step):
    return _(
        "Une phase ou un comité enregistré reste dans l'historique de "
        "l'investigation : corrigez-le plutôt."
    )
