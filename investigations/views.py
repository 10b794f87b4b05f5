"""The programme team's investigation screens: open one, the dashboard, hand-over, synthesis."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    Prefetch,
    Q,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.paginator import WagtailPaginator
from wagtail.models import Site

from cms_pages.models import ProgrammePage
from core.views import AdminPage
from forms.permissions import candidatures_for

from .beta_gouv import FicheRefused, beta_gouv_fiche
from .models import (
    CommitteeEvent,
    Outcome,
    Phase,
    PhaseCode,
    committee_due,
)
from .permissions import investigations_for
from .services import open_from_candidature
from .stats import (
    by_phase,
    by_phase_chart,
    current_phases,
    team_colour,
    time_in_phase_chart,
)


def require(user, action):
    if not user.has_perm(f"investigations.{action}_investigation"):
        raise PermissionDenied


def open_investigation(request, candidature_id):
    require(request.user, "add")
    if request.method != "POST":
        raise PermissionDenied
    candidature = get_object_or_404(candidatures_for(request.user), pk=candidature_id)
    try:
        investigation, created = open_from_candidature(candidature)
    except ValueError:
        messages.error(
            request, _("Seule une candidature lauréate ouvre une investigation.")
        )
        return redirect("candidatures:inspect", candidature.pk)
    if created:
        messages.success(request, _("Investigation ouverte : %s") % investigation.title)
    return redirect(
        "wagtailsnippets_investigations_investigation:edit", investigation.pk
    )


ROWS_PER_PAGE = 100


class DashboardView(AdminPage):
    template_name = "investigations/dashboard.html"
    page_title = gettext_lazy("Suivi des investigations")
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        require(request.user, "view")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        investigations = investigations_for(self.request.user)
        # The counts cover every investigation, counted by the database; the
        # table shows them a page at a time.
        page = WagtailPaginator(
            investigations.select_related("funder")
            .only(
                "pk",
                "title",
                "outcome",
                "starts_on",
                "planned_end",
                "final_committee_on",
                "next_committee_on",
                "site_id",
                "funder",
                "funder__name",
            )
            .order_by("title", "pk"),
            ROWS_PER_PAGE,
        ).get_page(self.request.GET.get("p"))
        prefetch_related_objects(
            page.object_list,
            Prefetch(
                "phases",
                Phase.objects.only(
                    "investigation_id", "code", "starts_on", "ends_on", "sort_order"
                ),
            ),
            Prefetch(
                "committee_events",
                CommitteeEvent.objects.only("investigation_id", "date"),
            ),
        )
        rows = []
        months = committee_months_by_site(
            {investigation.site_id for investigation in page.object_list}
        )
        for investigation in page.object_list:
            # One read of each site's programme page, not one per row.
            investigation.__dict__["committee_months"] = months[investigation.site_id]
            phase = investigation.current_phase
            days, target = (
                investigation.days_in_phase(today),
                investigation.target_days(),
            )
            rows.append(
                {
                    "investigation": investigation,
                    "phase": phase,
                    "days": days,
                    "target": target,
                    "late": days is not None and target is not None and days > target,
                    "starts_later": phase is not None and phase.starts_on > today,
                    "next_committee": investigation.next_committee_due(),
                }
            )
        context["rows"] = rows
        context["page_obj"] = page
        context["elided_page_range"] = page.paginator.get_elided_page_range(page.number)
        phase_labels = dict(PhaseCode.choices)
        phases = current_phases(investigations)
        context["by_phase"] = sorted(
            (
                str(phase_labels.get(code, code)) if code else _("sans phase"),
                count,
            )
            for code, count in by_phase(phases).items()
        )
        context["by_funder"] = sorted(
            (name or _("financeur à choisir"), count)
            for name, count in investigations.order_by()
            .values_list("funder__name")
            .annotate(count=Count("pk"))
        )
        outcome_labels = dict(Outcome.choices)
        context["outcomes"] = sorted(
            (str(outcome_labels.get(outcome, outcome)), count)
            for outcome, count in investigations.exclude(outcome="")
            .exclude(outcome__isnull=True)
            .order_by()
            .values_list("outcome")
            .annotate(count=Count("pk"))
        )
        context["next_committee"] = next_committee_due(investigations)
        context["today"] = today
        colour = team_colour(self.request.user)
        charts = [
            by_phase_chart(investigations, colour, phases),
            time_in_phase_chart(investigations, colour, today, phases),
        ]
        for chart in charts:  # the CSV of each, from « Chiffres »
            chart.csv_url = reverse("figures_csv", args=[chart.key])
        context["charts"] = charts
        return context


def committee_months_by_site(site_ids):
    """{site id: months between two committees} (None: an investigation without a site)."""
    sites = Site.objects.in_bulk([pk for pk in site_ids if pk is not None])
    return {pk: ProgrammePage.committee_interval_for(sites.get(pk)) for pk in site_ids}


def next_committee_due(investigations):
    """The soonest committee due over ``investigations``, as their dashboard rows say.

    ``committee_due`` (the one rule) applied to the earliest row of each of
    its four cases, site by site (each site's programme page has its own
    interval): four queries a site, whatever the number of investigations.
    """
    candidates = []
    site_ids = set(
        investigations.order_by().values_list("site_id", flat=True).distinct()
    )
    for site_id, months in committee_months_by_site(site_ids).items():
        mine = investigations.filter(site_id=site_id)
        # A committee planned after the investigation phase comes first (an
        # investigation without a phase included) ...
        planned = mine.filter(next_committee_on__isnull=False).exclude(
            current_phase_code=PhaseCode.INVESTIGATION
        )
        # ... the rule's other cases hold for the rest: the last committee,
        # else the investigation phase's end, else the phase's start. The
        # current phase and the last committee are kept on each investigation
        # (``phase_triggers``): each case is its index's first row.
        mine = mine.filter(
            Q(next_committee_on__isnull=True)
            | Q(current_phase_code=PhaseCode.INVESTIGATION)
        )
        without_committee = mine.filter(last_committee_on__isnull=True)
        earliest = [
            planned.order_by("next_committee_on", "title"),
            mine.filter(last_committee_on__isnull=False).order_by(
                "last_committee_on", "title"
            ),
            without_committee.filter(current_phase_code=PhaseCode.INVESTIGATION)
            .annotate(due=Coalesce("final_committee_on", "planned_end"))
            .filter(due__isnull=False)
            .order_by("due", "title"),
            without_committee.filter(current_phase_starts_on__isnull=False)
            .exclude(current_phase_code=PhaseCode.INVESTIGATION)
            .order_by("current_phase_starts_on", "title"),
        ]
        for queryset in earliest:
            if (row := queryset.first()) is not None:
                due = committee_due(
                    last_committee_on=row.last_committee_on,
                    phase_code=row.current_phase_code,
                    phase_starts_on=row.current_phase_starts_on,
                    final_committee_on=row.final_committee_on,
                    planned_end=row.planned_end,
                    months=months,
                    next_committee_on=row.next_committee_on,
                )
                candidates.append((due, row.title, row))
    if not candidates:
        return None
    due, _title, investigation = min(candidates, key=lambda item: item[:2])
    return {"next_committee": due, "investigation": investigation}


def beta_gouv_export(request, pk):
    """The fiche to hand to beta.gouv.fr, or back to the investigation saying what to fill."""
    require(request.user, "view")
    investigation = get_object_or_404(
        investigations_for(request.user)
        .select_related("site", "candidature")
        .prefetch_related("organisations", "phases", "committee_events"),
        pk=pk,
    )
    try:
        text = beta_gouv_fiche(investigation)
    except FicheRefused as refused:
        messages.error(
            request,
            _("La fiche beta.gouv.fr n'est pas exportée : %(problems)s")
            % {"problems": " ".join(refused.problems)},
        )
        return redirect(
            "wagtailsnippets_investigations_investigation:inspect", investigation.pk
        )
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{slugify(investigation.slug)}.md"'
    )
    return response
