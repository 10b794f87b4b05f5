"""What happens to an investigation: opened, planned, decided, handed over.

The decisions of the record go through here: the final committee's outcome
opens the next phase, an investment committee's decision advances, keeps or
closes it (the change of phase is announced by ``phase_watch``, whoever
writes it). A decision that does not follow from the record (an outcome recorded
twice, a committee before the outcome, a date before the current phase began)
raises ``StepRefused`` with its reason in French, and changes nothing.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from cms_pages.choices import PhaseCode
from cms_pages.models import SiteIdentity
from forms.choices import FieldType, Status

from .models import (
    CalendarFeed,
    Checkpoint,
    CommitteeEvent,
    Decision,
    Investigation,
    Organisation,
    Outcome,
    Phase,
    new_calendar_key,
)

# Sent once the current phase of an investigation is another one (or its code
# changed), after the commit of the change, however it was made: opened here,
# or written by hand in the admin's « Phases » rows (``phase_watch``). With
# ``investigation``, ``phase`` (now current), ``previous`` (the code before,
# or None).
phase_changed = Signal()


def announce_phase(investigation, phase, previous):
    phase_changed.send(
        sender=Phase, investigation=investigation, phase=phase, previous=previous
    )


class StepRefused(ValueError):
    """A decision that skips a step of the investigation's history; ``str()`` says why, in French."""


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
        # The call's launch of the investigations, when it gives one.
        starts_on=getattr(candidature.call, "investigations_start", None)
        or timezone.localdate(),
    )
    if candidature.administration:
        organisation, _created = Organisation.objects.get_or_create(
            site=investigation.site, name=candidature.administration[:200]
        )
        investigation.organisations.add(organisation)
    investigation.propose_funder()
    start_investigation(investigation)
    return investigation, True


def start_investigation(investigation):
    """Its first phase, from its start date, and its planned dates (see ``plan``)."""
    if not investigation.phases.exists():
        Phase.objects.create(
            investigation=investigation,
            code=PhaseCode.INVESTIGATION,
            starts_on=investigation.starts_on,
            sort_order=0,
        )
    plan(investigation)


def plan(investigation):
    """Plan what is not planned yet, from the start date and the site's settings.

    The end (the site's length, 9 weeks by default), the final committee on
    that day, the checkpoints (weeks 3 and 6 by default), the first investment
    committee one interval (the programme page's) after the final committee.
    Dates already set are kept: the team may have moved them.
    """
    identity = SiteIdentity.for_site_or_defaults(investigation.site)
    start = investigation.starts_on
    investigation.planned_end = investigation.planned_end or start + dt.timedelta(
        weeks=identity.investigation_weeks
    )
    investigation.final_committee_on = (
        investigation.final_committee_on or investigation.planned_end
    )
    if investigation.next_committee_on is None and not investigation.outcome:
        investigation.next_committee_on = investigation.final_committee_on + (
            relativedelta(months=investigation.committee_months)
        )
    Investigation.objects.filter(pk=investigation.pk).update(
        planned_end=investigation.planned_end,
        final_committee_on=investigation.final_committee_on,
        next_committee_on=investigation.next_committee_on,
        updated_at=timezone.now(),  # a bulk update: auto_now does not reach it
    )
    if not investigation.checkpoints.exists():
        Checkpoint.objects.bulk_create(
            Checkpoint(investigation=investigation, date=date, sort_order=index)
            for index, date in enumerate(
                date
                for date in (
                    start + dt.timedelta(weeks=week)
                    for week in identity.checkpoint_week_list
                )
                if date < investigation.planned_end
            )
        )


def move_start(investigation, previous_start, kept=()):
    """A new start date moves what was planned from the old one, by as many days.

    Only while the investigation phase is the only one (nothing decided yet):
    its first phase, end, final and investment committees, and the checkpoints
    not yet written up (without notes). Dates named in ``kept`` (changed in
    the same edit) stay as the team wrote them.
    """
    shift = investigation.starts_on - previous_start
    phases = list(investigation.phases.all())
    if not shift or investigation.outcome or len(phases) > 1:
        return
    for phase in phases:
        phase.starts_on = investigation.starts_on
        phase.save(update_fields=["starts_on"])
    for name in ("planned_end", "final_committee_on", "next_committee_on"):
        if getattr(investigation, name) and name not in kept:
            setattr(investigation, name, getattr(investigation, name) + shift)
    Investigation.objects.filter(pk=investigation.pk).update(
        planned_end=investigation.planned_end,
        final_committee_on=investigation.final_committee_on,
        next_committee_on=investigation.next_committee_on,
        updated_at=timezone.now(),  # a bulk update: auto_now does not reach it
    )
    for checkpoint in investigation.checkpoints.filter(notes=""):
        checkpoint.date += shift
        checkpoint.save(update_fields=["date"])
    if not phases:
        start_investigation(investigation)


# What an outcome, then an investment committee's decision, opens next.
NEXT_PHASE_AFTER_OUTCOME = {
    Outcome.BUILD_SERVICE: PhaseCode.CONSTRUCTION,
    Outcome.STOP: PhaseCode.ABANDON_INVESTIGATION,
    Outcome.CONTINUE_IN_HOUSE: PhaseCode.TRANSFERE,
    Outcome.DEPLOY_EXISTING: PhaseCode.TRANSFERE,
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


def _locked(investigation):
    """The investigation read again under a lock: two clicks decide once."""
    return Investigation.objects.select_for_update().get(pk=investigation.pk)


def _not_before(on, phase):
    if on < phase.starts_on:
        raise StepRefused(
            _(
                "Cette date (%(on)s) précède le début de la phase en cours "
                "« %(phase)s », le %(start)s : vérifiez-la."
            )
            % {
                "on": date_format(on, "j F Y"),
                "phase": phase.get_code_display(),
                "start": date_format(phase.starts_on, "j F Y"),
            }
        )


def _move_to(investigation, code, on):
    current = investigation.current_phase
    if current is not None:
        if current.code in FINAL_PHASES:
            raise StepRefused(
                _("Cette investigation est close (phase « %(phase)s »).")
                % {"phase": current.get_code_display()}
            )
        _not_before(on, current)
        current.ends_on = on
        current.save(update_fields=["ends_on"])
    phase = Phase.objects.create(
        investigation=investigation,
        code=code,
        starts_on=on,
        sort_order=investigation.phases.count(),
    )
    return phase


@transaction.atomic
def record_outcome(investigation, outcome, rationale="", on=None, user=None):
    """The final committee's outcome closes the investigation phase and opens the next one."""
    on = on or timezone.localdate()
    if outcome not in NEXT_PHASE_AFTER_OUTCOME:
        raise StepRefused(_("Choisissez l'issue décidée par le comité final."))
    locked = _locked(investigation)
    current = locked.current_phase
    if locked.outcome:
        raise StepRefused(
            _(
                "L'issue du comité final est déjà enregistrée (« %(outcome)s ») : "
                "corrigez-la dans la fiche si elle est fausse."
            )
            % {"outcome": locked.get_outcome_display()}
        )
    if current is None or current.code != PhaseCode.INVESTIGATION:
        raise StepRefused(
            _(
                "L'issue du comité final clôt la phase d'investigation, et cette "
                "investigation n'y est pas."
            )
        )
    _not_before(on, current)
    phase = _move_to(locked, NEXT_PHASE_AFTER_OUTCOME[outcome], on)
    locked.outcome = outcome
    locked.outcome_rationale = rationale or locked.outcome_rationale
    locked.final_committee_on = on
    locked.next_committee_on = (
        None
        if phase.code in FINAL_PHASES
        else on + relativedelta(months=locked.committee_months)
    )
    locked.save()
    for name in (
        "outcome",
        "outcome_rationale",
        "final_committee_on",
        "next_committee_on",
    ):
        setattr(investigation, name, getattr(locked, name))
    log(
        locked,
        "amorce.investigation.outcome",
        user=user,
        data={
            "outcome": outcome,
            "on": on.isoformat(),
            "phase": phase.code,
        },
    )
    return phase


def outcome_correction_refused(investigation, outcome):
    """Why the recorded outcome may not be corrected into ``outcome``, or None.

    A correction that opens the same phase changes only the words. One that
    opens another phase changes the phase the outcome opened, as long as
    nothing was decided after it (no investment committee, still that phase).
    """
    previous = investigation.outcome
    if not previous or not outcome or outcome == previous:
        return None  # emptying it is refused by the edit form's own rule
    if NEXT_PHASE_AFTER_OUTCOME.get(previous) == NEXT_PHASE_AFTER_OUTCOME[outcome]:
        return None
    current = investigation.current_phase
    if (
        current is None
        or current.code != NEXT_PHASE_AFTER_OUTCOME.get(previous)
        or investigation.committee_events.exists()
    ):
        return _(
            "D'autres décisions ont suivi cette issue (comités, phases) : elle ne se "
            "corrige plus ainsi. Enregistrez plutôt la décision du prochain comité."
        )
    return None


@transaction.atomic
def correct_outcome(investigation, previous, user=None):
    """The outcome corrected in the edit form: the phase it opened follows, logged.

    ``outcome_correction_refused`` said it may; the phase keeps its dates.
    """
    outcome = investigation.outcome
    if not previous or outcome == previous:
        return
    current = investigation.current_phase
    code = NEXT_PHASE_AFTER_OUTCOME[outcome]
    if current is not None and current.code != code:
        current.code = code
        current.save(update_fields=["code"])
        investigation.next_committee_on = (
            None
            if code in FINAL_PHASES
            else current.starts_on
            + relativedelta(months=investigation.committee_months)
        )
        Investigation.objects.filter(pk=investigation.pk).update(
            next_committee_on=investigation.next_committee_on,
            updated_at=timezone.now(),
        )
    log(
        investigation,
        "amorce.investigation.outcome_corrected",
        user=user,
        data={"from": previous, "outcome": outcome, "phase": code},
    )


@transaction.atomic
def record_committee(
    investigation, decision, on=None, comment="", documents="", user=None
):
    """An investment committee: continue (next phase), stop (abandon) or pivot (same phase)."""
    on = on or timezone.localdate()
    if decision not in Decision.values:
        raise StepRefused(_("Choisissez la décision du comité."))
    locked = _locked(investigation)
    current = locked.current_phase
    if current is None or current.code == PhaseCode.INVESTIGATION:
        raise StepRefused(
            _(
                "Un comité d'investissement suit l'issue du comité final : "
                "enregistrez d'abord cette issue."
            )
        )
    if current.code in FINAL_PHASES:
        raise StepRefused(
            _(
                "Cette investigation est close (phase « %(phase)s ») : plus de comité "
                "d'investissement."
            )
            % {"phase": current.get_code_display()}
        )
    _not_before(on, current)
    last = locked.committee_events.order_by("-date").first()
    if last is not None and on < last.date:
        raise StepRefused(
            _("Un comité a déjà été enregistré plus tard, le %(date)s.")
            % {"date": date_format(last.date, "j F Y")}
        )
    if last is not None and on == last.date:
        # A second click on the same form would otherwise move the phase twice.
        raise StepRefused(
            _(
                "Un comité est déjà enregistré le %(date)s : il n'est pas "
                "enregistré deux fois."
            )
            % {"date": date_format(last.date, "j F Y")}
        )
    event = CommitteeEvent.objects.create(
        investigation=locked,
        date=on,
        decision=decision,
        comment=comment,
        documents=documents,
        sort_order=locked.committee_events.count(),
    )
    phase = current
    if decision == Decision.STOP:
        phase = _move_to(locked, PhaseCode.ABANDON, on)
    elif decision == Decision.CONTINUE and current.code in NEXT_PHASE_AFTER_CONTINUE:
        phase = _move_to(locked, NEXT_PHASE_AFTER_CONTINUE[current.code], on)
    locked.next_committee_on = (
        None
        if phase.code in FINAL_PHASES
        else on + relativedelta(months=locked.committee_months)
    )
    Investigation.objects.filter(pk=locked.pk).update(
        next_committee_on=locked.next_committee_on, updated_at=timezone.now()
    )
    investigation.next_committee_on = locked.next_committee_on
    log(
        locked,
        "amorce.investigation.committee",
        user=user,
        data={"decision": decision, "on": on.isoformat(), "phase": phase.code},
    )
    return event


def renew_calendar_key(user):
    """A new private calendar address for ``user``; the old one stops answering."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if not created:
        feed.key = new_calendar_key()
        feed.save(update_fields=["key", "created_at"])
    return feed
