"""Counts of administrations, investigations and outcomes for the team's charts.

Counted by the database, one query a chart whatever the number of rows; the
callers pass what the user may read (``candidatures_for``, ``investigations_for``).
"""

from collections import Counter

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from cms_pages.choices import PhaseCode
from cms_pages.models import SiteIdentity
from cms_pages.sites import programme_sites
from core.charts import DEFAULT_COLOUR, drawn, funnel_chart
from forms.stats import count_laureates, funnel_counts

from .models import (
    PHASE_TARGET_DAYS,
    Investigation,
    LaureateList,
    Organisation,
)
from .services import FINAL_PHASES


def team_colour(user):
    """The accent of the user's site when they work on one, else the DSFR blue."""
    sites = programme_sites(user)
    if sites and len(sites) == 1:
        return SiteIdentity.for_site(sites[0]).accent_colour
    return DEFAULT_COLOUR


def by_kind_chart(candidatures, site, colour):
    """Candidatures by the kind of their administration.

    A candidature names its administration in a text field; its kind is that
    of the administration of the same name (case aside) in the site's
    directory (« Administrations »). Those not found there are counted apart.
    """
    kind = Organisation.objects.filter(
        site=site, name__iexact=OuterRef("administration")
    ).values("kind")[:1]
    counts = dict(
        candidatures.order_by()
        .annotate(kind=Subquery(kind))
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    rows = [
        (str(label), counts.get(value, 0))
        for value, label in Organisation.Kind.choices
        if counts.get(value)
    ]
    rows.append((_("hors répertoire des administrations"), counts.get(None, 0)))
    title = _("Candidatures par nature d'administration")
    description = _(
        "%(total)s candidatures ; la nature est celle de l'administration du "
        "même nom dans le répertoire du site."
    ) % {"total": sum(counts.values())}
    return drawn(
        "par-nature",
        title,
        description,
        [_("Nature de l'administration"), _("Candidatures")],
        rows,
        colour=colour,
    )


def funnel_chart_of(candidatures, investigations, colour):
    """From the candidatures received to the investigations' outcomes.

    The candidature steps are ``forms.stats.funnel_counts``; then the
    investigations opened from the call's laureates, then those whose outcome
    (the final committee's decision) is recorded.
    """
    opened = investigations.filter(candidature__in=candidatures)
    counts = opened.order_by().aggregate(
        opened=Count("pk"), decided=Count("pk", filter=~Q(outcome=""))
    )
    rows = [
        *funnel_counts(candidatures),
        (_("Investigations ouvertes"), counts["opened"]),
        (_("Issues décidées"), counts["decided"]),
    ]
    title = _("De la candidature à l'issue de l'investigation")
    description = _(
        "Chaque étape compte les candidatures (puis les investigations) qui "
        "l'ont atteinte : %(steps)s."
    ) % {"steps": ", ".join(f"{label} {n}" for label, n in rows)}
    return drawn(
        "entonnoir",
        title,
        description,
        [_("Étape"), _("Nombre")],
        rows,
        colour=colour,
        draw=funnel_chart,
    )


def current_phases(investigations):
    """How many of ``investigations`` are in each current phase, by its start date:
    ``{(code, starts_on): number}``, with ``{(None, None): number}`` for those
    that have no phase.

    The current phase is the one that started last, as
    ``Investigation.current_phase``, kept on each investigation by the database
    (``phase_triggers``): grouped from an index, not found again for each one.
    """
    return Counter(
        {
            (code, starts_on): number
            for code, starts_on, number in investigations.order_by()
            .values_list("current_phase_code", "current_phase_starts_on")
            .annotate(number=Count("pk"))
        }
    )


def by_phase(phases):
    """{phase code or None: number}, from ``current_phases``."""
    counts = Counter()
    for (code, _starts_on), n in phases.items():
        counts[code] += n
    return counts


def by_phase_chart(investigations, colour, phases=None):
    """Investigations by their current phase, in the order of the phases."""
    counts = by_phase(phases if phases is not None else current_phases(investigations))
    rows = [
        (str(label), counts[value])
        for value, label in PhaseCode.choices
        if counts.get(value)
    ]
    if counts.get(None):
        rows.append((_("sans phase"), counts[None]))
    title = _("Investigations par phase")
    description = _("%(total)s investigations, par phase actuelle.") % {
        "total": sum(counts.values())
    }
    return drawn(
        "investigations-phases",
        title,
        description,
        [_("Phase"), _("Investigations")],
        rows,
        colour=colour,
    )


def time_in_phase_chart(investigations, colour, today=None, phases=None):
    """Mean days spent so far in the current phase, phase by phase, against target.

    From ``current_phases``: (phase, start date) groups, whose number is bounded
    by the days, not by the rows. Final phases (abandoned, transferred…) and
    phases starting later are left out.
    """
    today = today or timezone.localdate()
    if phases is None:
        phases = current_phases(investigations)
    days, counts = {}, {}
    for (code, starts_on), n in phases.items():
        if code is None or code in FINAL_PHASES or starts_on > today:
            continue
        days[code] = days.get(code, 0) + n * (today - starts_on).days
        counts[code] = counts.get(code, 0) + n
    rows = [
        (
            str(label),
            round(days[value] / counts[value]),
            counts[value],
            PHASE_TARGET_DAYS.get(value),
        )
        for value, label in PhaseCode.choices
        if counts.get(value)
    ]
    title = _("Temps moyen passé dans la phase actuelle (jours)")
    description = _(
        "Jours écoulés depuis le début de la phase, en moyenne ; cible de "
        "l'investigation : %(target)s jours."
    ) % {"target": PHASE_TARGET_DAYS[PhaseCode.INVESTIGATION]}
    return drawn(
        "investigations-temps",
        title,
        description,
        [_("Phase"), _("Jours en moyenne"), _("Investigations"), _("Cible (jours)")],
        rows,
        colour=colour,
        values=[(label, mean) for label, mean, _n, _target in rows],
    )


# « Chiffres clés » of a programme page (cms_pages.key_figures): counts of its site.


def count_announced_laureates(site, call=None):
    """Laureates of the calls whose list the team published: a number the public
    page shows before that would announce a decision not yet made public."""
    announced = LaureateList.objects.filter(published=True).values("call")
    return count_laureates(site, call, calls=announced)


def count_investigations(site, call=None):
    investigations = Investigation.objects.for_site(site)
    if call is not None:
        investigations = investigations.filter(call=call)
    return investigations.count()


def count_administrations(site, call=None):
    """Administrations of the site's directory with at least one investigation."""
    investigations = Investigation.objects.for_site(site)
    if call is not None:
        investigations = investigations.filter(call=call)
    return (
        Organisation.objects.filter(investigation__in=investigations).distinct().count()
    )
