"""An investigation as a beta.gouv.fr fiche (``content/_startups/<id>.md``).

The fiche must pass beta.gouv.fr's own check of startup files unchanged
(``ci/tests-fiches.mjs`` with the schema of ``ci/startups.mjs``, in the
betagouv/beta.gouv.fr repository) and read as the fiches espace-membre writes
(betagouv/espace-membre-next, ``src/scripts/update-local-files.ts``):

- dates are YAML dates (``start: 2026-01-05``), never quoted strings
  (``z.date()`` in ``ci/startups.mjs``);
- sponsors are ``/organisations/<id>`` references to files of
  ``content/_organisations``: each administration's « identifiant
  beta.gouv.fr »;
- ``incubator`` is the id of a file of ``content/_incubators``: the site's
  « identifiant de l'incubateur sur beta.gouv.fr »;
- ``title`` is a short name (the investigation's title without the
  candidature's reference), ``mission`` the one-line pitch;
- ``contact`` is an address, never empty;
- at least one phase, no phase twice, each end after its start;
- event names are those the site knows (``content/_events``); what Amorce
  records more (the decision, the documents shown) goes in the comment;
- the body (Markdown after the front matter) is never empty: the problem,
  then the learnings when they are published.

What is missing to write such a fiche is refused, all at once, in French,
naming the setting to fill: nothing half-written is handed over.
"""

import re

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cms_pages.models import SiteIdentity

from .models import DOCUMENT_TAGS, Decision, Outcome, chronological

# What our records are called in beta.gouv.fr's list of events (content/_events).
COMMITTEE = "committee"  # « Passage en comité »
END = "end"  # « Abandon »

# A leading human reference (« AMO-2026-0042 — … ») and what separates it from the name.
_REFERENCE = re.compile(r"^\s*[A-Za-z0-9]+-\d{4}-\d+\s*[—–:\-|]*\s*")


class _FicheDumper(yaml.SafeDumper):
    """YAML as the real fiches are written: lists indented, no anchors (``&id001``)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True


class FicheRefused(ValueError):
    """The fiche cannot be written; ``problems`` says why, in French, one a line."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


def short_name(investigation):
    """The investigation's title without the candidature's reference."""
    title = investigation.title.strip()
    reference = getattr(investigation.candidature, "reference", "")
    if reference and title.startswith(reference):
        title = title[len(reference) :].lstrip(" —–:-|")
    return _REFERENCE.sub("", title).strip()


def _committee_comment(event):
    labels = dict(DOCUMENT_TAGS)
    parts = [
        _("Comité d'investissement : %(decision)s.")
        % {"decision": event.get_decision_display()}
    ]
    comment = event.comment.strip()
    if comment:
        parts.append(comment if comment[-1] in ".!?…" else f"{comment}.")
    if event.document_tags:
        parts.append(
            _("Documents présentés : %(documents)s.")
            % {"documents": ", ".join(str(labels[tag]) for tag in event.document_tags)}
        )
    return " ".join(parts)


def fiche_events(investigation):
    """Our decisions as beta.gouv.fr events, by date (see docs/investigations.md)."""
    events = []
    if investigation.outcome and investigation.final_committee_on:
        events.append(
            {
                "name": COMMITTEE,
                "date": investigation.final_committee_on,
                "comment": _("Comité final : %(outcome)s.")
                % {"outcome": investigation.get_outcome_display()},
            }
        )
        if investigation.outcome == Outcome.STOP:
            events.append(
                {
                    "name": END,
                    "date": investigation.final_committee_on,
                    "comment": _("Investigation non concluante."),
                }
            )
    for event in sorted(
        investigation.committee_events.all(), key=lambda e: (e.date, e.pk or 0)
    ):
        events.append(
            {
                "name": COMMITTEE,
                "date": event.date,
                "comment": _committee_comment(event),
            }
        )
        if event.decision == Decision.STOP:
            events.append(
                {
                    "name": END,
                    "date": event.date,
                    "comment": _("Arrêt décidé en comité d'investissement."),
                }
            )
    return sorted(events, key=lambda e: e["date"])


def _phases(investigation, problems):
    phases = chronological(investigation.phases.all())
    if not phases:
        problems.append(
            _(
                "L'investigation n'a aucune phase : beta.gouv.fr en demande au moins une."
            )
        )
    seen = set()
    rows = []
    for phase in phases:
        if phase.code in seen:
            problems.append(
                _(
                    "La phase « %(phase)s » figure deux fois : beta.gouv.fr n'accepte "
                    "chaque phase qu'une fois. Corrigez les phases dans la fiche de "
                    "l'investigation."
                )
                % {"phase": phase.get_code_display()}
            )
        seen.add(phase.code)
        if phase.ends_on and phase.ends_on <= phase.starts_on:
            problems.append(
                _(
                    "La phase « %(phase)s » finit le jour où elle commence "
                    "(%(start)s) : beta.gouv.fr veut une fin après le début. "
                    "Corrigez ses dates dans la fiche de l'investigation."
                )
                % {
                    "phase": phase.get_code_display(),
                    "start": date_format(phase.starts_on, "j F Y"),
                }
            )
        row = {"name": phase.code, "start": phase.starts_on}
        if phase.ends_on:
            row["end"] = phase.ends_on
        rows.append(row)
    return rows


def _contact(investigation, identity, problems):
    for address in (investigation.contact_email, identity.contact_email):
        address = (address or "").strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            continue
        return address
    problems.append(
        _(
            "Aucune adresse de contact : remplissez « adresse du porteur » dans la "
            "fiche de l'investigation, ou l'adresse de contact du site (Paramètres › "
            "Identité du site)."
        )
    )
    return ""


def fiche_data(investigation):
    """The front matter, as data; ``FicheRefused`` with every problem found."""
    problems = []
    identity = SiteIdentity.for_site_or_defaults(investigation.site)
    title = short_name(investigation)
    if not title:
        problems.append(
            _(
                "L'intitulé de l'investigation ne contient que sa référence : "
                "donnez-lui un nom court dans sa fiche."
            )
        )
    mission = " ".join(investigation.pitch.split())
    if not mission:
        problems.append(
            _(
                "L'investigation n'a pas de présentation en une phrase : remplissez "
                "« en une phrase » dans sa fiche (c'est la mission de la fiche)."
            )
        )
    incubator = identity.beta_gouv_incubator_id.strip()
    site = investigation.site
    if site is None:
        problems.append(
            _(
                "Cette investigation n'est rattachée à aucun site, donc à aucun "
                "incubateur beta.gouv.fr : choisissez son site dans sa fiche."
            )
        )
    elif not incubator:
        problems.append(
            _(
                "Le site « %(site)s » n'a pas d'identifiant d'incubateur beta.gouv.fr : "
                "remplissez-le dans Paramètres › Identité du site › Fonctionnement."
            )
            % {"site": site.site_name or site.hostname}
        )
    if not investigation.problem_statement.strip():
        problems.append(
            _(
                "L'investigation n'a pas d'énoncé du problème : remplissez « le "
                "problème » dans sa fiche (c'est le texte de la fiche)."
            )
        )
    sponsors = []
    for organisation in investigation.organisations.all():
        if not organisation.beta_gouv_id:
            problems.append(
                _(
                    "L'administration « %(name)s » n'a pas d'identifiant beta.gouv.fr : "
                    "remplissez-le dans Investigations › Administrations."
                )
                % {"name": organisation.name}
            )
            continue
        reference = f"/organisations/{organisation.beta_gouv_id}"
        if reference not in sponsors:
            sponsors.append(reference)
    contact = _contact(investigation, identity, problems)
    phases = _phases(investigation, problems)
    if problems:
        raise FicheRefused(problems)
    data = {
        "title": title,
        "mission": mission,
        "incubator": incubator,
        "sponsors": sorted(sponsors),
        "contact": contact,
        "phases": phases,
        # Keys every fiche espace-membre writes carries, left for the team to
        # fill on beta.gouv.fr: the service's address, its users, its stack and
        # its themes (none of which an investigation knows yet).
        "link": "",
        "usertypes": [],
        "techno": [],
        "thematiques": [],
    }
    events = fiche_events(investigation)
    if events:
        data["events"] = events
    return data


def fiche_body(investigation):
    """The Markdown after the front matter: the problem, the published learnings."""
    sections = [f"## {_('Problème')}\n\n{investigation.problem_statement.strip()}"]
    if investigation.publish_learnings and investigation.learnings.strip():
        sections.append(f"## {_('Enseignements')}\n\n{investigation.learnings.strip()}")
    return "\n\n".join(sections)


def beta_gouv_fiche(investigation):
    """The whole file: YAML front matter between ``---`` lines, then the body."""
    data = fiche_data(investigation)
    front_matter = yaml.dump(
        data,
        Dumper=_FicheDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,  # one line a value, as espace-membre writes them
    )
    return f"---\n{front_matter}---\n\n{fiche_body(investigation)}\n"
