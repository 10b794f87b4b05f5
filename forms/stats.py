"""Counts of a call's candidatures for the programme team's charts.

Every count is made by the database (``GROUP BY``): one query a chart,
whatever the number of candidatures. The caller passes the candidatures the
user may read (``candidatures_for``), so a chart never counts another site's.
"""

import datetime as dt

from django.db.models import Count, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from cms_pages.sites import under_sites
from core.charts import Chart, column_chart, day_label, days_between, drawn

from .choices import FieldType, Status
from .models import Candidature, CandidatureFormPage, EligibilityRefusal

# The questions whose answers are one choice among a list: those a chart counts.
SINGLE_CHOICE_TYPES = {FieldType.DROPDOWN, FieldType.RADIO}

# Funnel steps drawn from the current status: those past each step.
ELIGIBLE_OR_LATER = [
    Status.ELIGIBLE,
    Status.PRESELECTED,
    Status.NOT_PRESELECTED,
    Status.SELECTED,
    Status.NOT_SELECTED,
]
PRESELECTED_OR_LATER = [Status.PRESELECTED, Status.SELECTED, Status.NOT_SELECTED]


def counts_by_day(candidatures):
    """{day (Europe/Paris): candidatures sent that day}."""
    return dict(
        candidatures.order_by()
        .annotate(day=TruncDate("submit_time"))
        .values_list("day")
        .annotate(n=Count("pk"))
    )


MAX_DAYS = 92  # past three months, the chart counts weeks


def monday(day):
    return day - dt.timedelta(days=day.weekday())


def weekly_counts(by_day):
    """{Monday: candidatures sent that week} from {day: candidatures}."""
    weeks = {}
    for day, count in by_day.items():
        weeks[monday(day)] = weeks.get(monday(day), 0) + count
    return weeks


def by_day_chart(candidatures, call, colour):
    """Candidatures sent each day, from the opening (or the first) to the closing
    (or the last), with the opening and the closing marked."""
    counts = counts_by_day(candidatures)
    opens = timezone.localdate(call.opens_at) if call.opens_at else None
    closes = timezone.localdate(call.closes_at) if call.closes_at else None
    bounds = [day for day in (opens, closes, *counts) if day is not None]
    days = days_between(min(bounds), max(bounds)) if bounds else []
    weekly = len(days) > MAX_DAYS  # a call open for months: a column a week
    if weekly:
        counts = weekly_counts(counts)
        days = sorted({monday(day) for day in days})
        opens, closes = (monday(d) if d else None for d in (opens, closes))
    rows = [(day, counts.get(day, 0)) for day in days]
    marks = [
        (days.index(day) + offset, label)
        for day, offset, label in (
            (opens, 0, _("ouverture")),
            (closes, 1, _("clôture")),
        )
        if day in days
    ]
    title = (
        _("Candidatures reçues par semaine")
        if weekly
        else _("Candidatures reçues par jour")
    )
    description = _(
        "%(total)s candidatures du %(first)s au %(last)s ; ouverture le "
        "%(opens)s, clôture le %(closes)s."
    ) % {
        "total": sum(counts.values()),
        "first": days[0].strftime("%d/%m/%Y") if days else "—",
        "last": days[-1].strftime("%d/%m/%Y") if days else "—",
        "opens": opens.strftime("%d/%m/%Y") if opens else "—",
        "closes": closes.strftime("%d/%m/%Y") if closes else "—",
    }
    return Chart(
        key="par-jour",
        title=title,
        description=description,
        headers=[_("Semaine du") if weekly else _("Jour"), _("Candidatures")],
        rows=rows,
        svg=column_chart(
            "chart-par-jour",
            title,
            description,
            [(day_label(day), n) for day, n in rows],
            colour=colour,
            marks=marks,
        ),
    )


def by_status_chart(candidatures, colour):
    """Candidatures by their current status, in the order of the selection."""
    counts = dict(candidatures.order_by().values_list("status").annotate(n=Count("pk")))
    rows = [(str(label), counts.get(value, 0)) for value, label in Status.choices]
    title = _("Candidatures par statut")
    description = _("%(total)s candidatures, par statut actuel.") % {
        "total": sum(counts.values())
    }
    return drawn(
        "par-statut",
        title,
        description,
        [_("Statut"), _("Candidatures")],
        rows,
        colour=colour,
    )


def asks_eligibility(call):
    """Whether the call's form has eligibility questions (then its chart is drawn)."""
    pages = CandidatureFormPage.objects.child_of(call)
    return (
        EligibilityRefusal.objects.filter(page__in=pages).exists()
        or pages.filter(form_fields__eligibility_values__gt="").exists()
    )


def eligibility_chart(call, colour):
    """How many times each eligibility question ended the form (refusals, not people)."""
    form_page = CandidatureFormPage.objects.child_of(call).first()
    labels = (
        {f.clean_name: f.label for f in form_page.form_fields.all()}
        if form_page
        else {}
    )
    counts = (
        EligibilityRefusal.objects.filter(page=form_page)
        .values_list("field_name")
        .annotate(n=Sum("count"))
        .order_by("-n", "field_name")
        if form_page
        else []
    )
    rows = [(labels.get(name, name), n) for name, n in counts]
    title = _("Arrêts aux questions d'éligibilité")
    description = _(
        "%(total)s fois, une réponse a mis fin au formulaire avant la candidature "
        "(des envois refusés, pas des personnes : rien d'elles n'est gardé)."
    ) % {"total": sum(n for _label, n in rows)}
    return drawn(
        "eligibilite",
        title,
        description,
        [_("Question"), _("Arrêts")],
        rows,
        colour=colour,
    )


def choice_fields(call):
    """(name, label) of the single-choice questions of the call's current form."""
    form_page = (
        CandidatureFormPage.objects.child_of(call)
        .select_related("current_definition")
        .first()
    )
    definition = form_page.current_definition if form_page else None
    if definition is None:
        return []
    return [
        (field["name"], field["label"])
        for field in definition.fields
        if field["type"] in SINGLE_CHOICE_TYPES
    ]


def by_answer_chart(candidatures, field_name, field_label, colour):
    """Candidatures by their answer to one single-choice question (a territory…)."""
    counts = (
        candidatures.order_by()
        .annotate(answer=KeyTextTransform(field_name, "form_data"))
        .values_list("answer")
        .annotate(n=Count("pk"))
        .order_by("-n", "answer")
    )
    rows = [(answer or _("sans réponse"), n) for answer, n in counts]
    title = _("Candidatures par réponse à « %(label)s »") % {"label": field_label}
    description = _("%(total)s candidatures, par réponse donnée.") % {
        "total": sum(n for _answer, n in rows)
    }
    return drawn(
        "par-reponse",
        title,
        description,
        [field_label, _("Candidatures")],
        rows,
        colour=colour,
    )


def funnel_counts(candidatures):
    """The candidature steps of the selection funnel, in one query.

    - received: every candidature sent, less those the team cancelled (a test,
      a duplicate, a mistake); withdrawn ones count here only;
    - eligible: those whose status is « Recevable » or any later one;
    - pre-selected: « Pré-sélectionnée », « Lauréate » or « Non retenue »;
    - laureates: « Lauréate ».
    """
    counts = dict(candidatures.order_by().values_list("status").annotate(n=Count("pk")))

    def total(statuses):
        return sum(counts.get(status, 0) for status in statuses)

    received = sum(counts.values()) - counts.get(Status.CANCELLED, 0)
    return [
        (_("Reçues"), received),
        (_("Recevables"), total(ELIGIBLE_OR_LATER)),
        (_("Pré-sélectionnées"), total(PRESELECTED_OR_LATER)),
        (_("Lauréates"), counts.get(Status.SELECTED, 0)),
    ]


# « Chiffres clés » of a programme page (cms_pages.key_figures): counts of its site.


def site_candidatures(site, call=None):
    """The candidatures to the calls of ``site`` (to ``call`` only, if given)."""
    candidatures = Candidature.objects.filter(under_sites([site]))
    return candidatures.filter(call=call) if call is not None else candidatures


def count_received(site, call=None):
    """Candidatures sent, less those the team cancelled (tests, duplicates)."""
    return site_candidatures(site, call).exclude(status=Status.CANCELLED).count()


def count_laureates(site, call=None, *, calls=None):
    """Laureates of the site's calls (of ``calls`` only, when given)."""
    laureates = site_candidatures(site, call).filter(status=Status.SELECTED)
    if calls is not None:
        laureates = laureates.filter(call__in=calls)
    return laureates.count()
