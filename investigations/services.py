"""Opening an investigation from a laureate, and handing records over to beta.gouv.fr."""

import yaml
from django.db import transaction
from django.utils import timezone

from cms_pages.choices import PhaseCode
from forms.choices import FieldType, Status

from .models import CommitteeEvent, Investigation, Organisation, Phase


def problem_of(candidature):
    """The candidature's first long answer: where applicants state their problem."""
    for row in candidature.answers():
        if row["type"] == FieldType.MULTILINE and row["value"]:
            return row["value"]
    return ""


@transaction.atomic
def open_from_candidature(candidature):
    """One action: the laureate's problem, applicant and administration, a first phase."""
    if candidature.status != Status.SELECTED:
        raise ValueError("only a laureate opens an investigation")
    existing = Investigation.objects.filter(candidature=candidature).first()
    if existing:
        return existing, False
    investigation = Investigation.objects.create(
        title=f"{candidature.reference} — {problem_of(candidature)[:120] or candidature.applicant_name}",
        candidature=candidature,
        call=candidature.call,
        problem_statement=problem_of(candidature),
        contact_name=candidature.applicant_name,
        contact_email=candidature.applicant_email,
        starts_on=timezone.localdate(),
    )
    if candidature.administration:
        organisation, _created = Organisation.objects.get_or_create(
            site=investigation.site, name=candidature.administration[:200]
        )
        investigation.organisations.add(organisation)
    investigation.propose_funder()
    Phase.objects.create(
        investigation=investigation,
        code=PhaseCode.INVESTIGATION,
        starts_on=investigation.starts_on,
    )
    return investigation, True


def to_beta_gouv_front_matter(investigation, incubator=""):
    """The record in the shape of beta.gouv.fr's startup files (YAML front matter)."""
    data = {
        "title": investigation.title,
        "mission": investigation.problem_statement,
        "incubator": incubator,
        "contact": investigation.contact_email,
        "sponsors": [o.name for o in investigation.organisations.all()],
        "phases": [
            {
                "name": p.code,
                "start": p.starts_on.isoformat(),
                **({"end": p.ends_on.isoformat()} if p.ends_on else {}),
            }
            for p in sorted(investigation.phases.all(), key=lambda p: p.starts_on)
        ],
        "events": [
            {
                "name": "committee",
                "date": e.date.isoformat(),
                "decision": e.decision,
                "comment": e.comment,
                "documents": e.document_tags,
            }
            for e in sorted(investigation.committee_events.all(), key=lambda e: e.date)
        ],
    }
    front_matter = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    body = investigation.learnings if investigation.publish_learnings else ""
    return f"---\n{front_matter}---\n\n{body}\n"


# What an outcome, then an investment committee's decision, opens next.
NEXT_PHASE_AFTER_OUTCOME = {
    "build_service": PhaseCode.CONSTRUCTION,
    "stop": PhaseCode.ABANDON_INVESTIGATION,
    "continue_in_house": PhaseCode.TRANSFERE,
    "deploy_existing_solution": PhaseCode.TRANSFERE,
}
NEXT_PHASE_AFTER_CONTINUE = {
    PhaseCode.CONSTRUCTION: PhaseCode.ACCELERATION,
    PhaseCode.ACCELERATION: PhaseCode.CONSOLIDATION,
    PhaseCode.CONSOLIDATION: PhaseCode.TRANSFERE,
}
FINAL_PHASES = {
    PhaseCode.ABANDON_INVESTIGATION,
    PhaseCode.ABANDON,
    PhaseCode.TRANSFERE,
    PhaseCode.OPERE,
}


def _move_to(investigation, code, on):
    current = investigation.current_phase
    if current is not None:
        if current.code in FINAL_PHASES:
            raise ValueError(f"{current.code} is final")
        current.ends_on = on
        current.save()
    return Phase.objects.create(investigation=investigation, code=code, starts_on=on)


@transaction.atomic
def record_outcome(investigation, outcome, rationale="", on=None):
    """The final committee's outcome closes the investigation phase and opens the next one."""
    on = on or timezone.localdate()
    current = investigation.current_phase
    if current is None or current.code != PhaseCode.INVESTIGATION:
        raise ValueError("an outcome ends the investigation phase")
    investigation.outcome = outcome
    investigation.outcome_rationale = rationale or investigation.outcome_rationale
    investigation.final_committee_on = investigation.final_committee_on or on
    investigation.save()
    return _move_to(investigation, NEXT_PHASE_AFTER_OUTCOME[outcome], on)


@transaction.atomic
def record_committee(investigation, decision, on=None, comment="", documents=""):
    """An investment committee: continue (next phase), stop (abandon) or pivot (same phase)."""

    on = on or timezone.localdate()
    event = CommitteeEvent.objects.create(
        investigation=investigation,
        date=on,
        decision=decision,
        comment=comment,
        documents=documents,
    )
    current = investigation.current_phase
    if decision == "stop":
        _move_to(investigation, PhaseCode.ABANDON, on)
    elif (
        decision == "continue"
        and current is not None
        and current.code in NEXT_PHASE_AFTER_CONTINUE
    ):
        _move_to(investigation, NEXT_PHASE_AFTER_CONTINUE[current.code], on)
    return event
