"""The programme team's investigation screens: open one, the dashboard, hand-over, synthesis."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    OuterRef,
    Prefetch,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms_pages.models import SiteIdentity
from forms.permissions import candidatures_for

from .models import (
    COMMITTEE_INTERVAL_DAYS,
    CommitteeEvent,
    Outcome,
    Phase,
    PhaseCode,
)
from .permissions import investigations_for
from .services import open_from_candidature, to_beta_gouv_front_matter


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


class DashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "investigations/dashboard.html"
    page_title = gettext_lazy("Suivi des investigations")
    header_icon = "site"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def dispatch(self, request, *args, **kwargs):
        require(request.user, "view")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        investigations = with_current_phase(investigations_for(self.request.user))
        # The counts cover every investigation, counted by the database; the
        # table shows them a page at a time.
        page = WagtailPaginator(
            investigations.only(
                "pk",
                "title",
                "outcome",
                "starts_on",
                "planned_end",
                "final_committee_on",
            ).order_by("title", "pk"),
            ROWS_PER_PAGE,
        ).get_page(self.request.GET.get("p"))
        prefetch_related_objects(
            page.object_list,
            Prefetch(
                "phases",
                Phase.objects.only("investigation_id", "code", "starts_on", "ends_on"),
            ),
            Prefetch(
                "committee_events",
                CommitteeEvent.objects.only("investigation_id", "date"),
            ),
        )
        rows = []
        for investigation in page.object_list:
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
                    "next_committee": investigation.next_committee_due(),
                }
            )
        context["rows"] = rows
        context["page_obj"] = page
        context["elided_page_range"] = page.paginator.get_elided_page_range(page.number)
        phase_labels = dict(PhaseCode.choices)
        context["by_phase"] = sorted(
            (
                str(phase_labels.get(code, code)) if code else _("sans phase"),
                count,
            )
            for code, count in investigations.order_by()
            .values_list("current_code")
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
        return context


def with_current_phase(investigations):
    """Each investigation with its current phase and its last committee, read by SQL.

    The current phase is the one that started last, as ``Investigation.current_phase``.
    """
    latest = Phase.objects.filter(investigation=OuterRef("pk")).order_by(
        "-starts_on", "-sort_order", "-pk"
    )
    last_committee = CommitteeEvent.objects.filter(
        investigation=OuterRef("pk")
    ).order_by("-date")
    return investigations.annotate(
        current_code=Subquery(latest.values("code")[:1]),
        current_starts_on=Subquery(latest.values("starts_on")[:1]),
        last_committee_on=Subquery(last_committee.values("date")[:1]),
    )


def next_committee_due(investigations):
    """The soonest committee due over ``investigations``, as their dashboard rows say.

    ``Investigation.next_committee_due`` for one, in three queries for them all:
    after a committee, the next is due an interval later; during the
    investigation phase, at the final committee (else the planned end); in
    another phase, an interval after it started.
    """
    interval = dt.timedelta(days=COMMITTEE_INTERVAL_DAYS)
    candidates = []
    after_committee = (
        investigations.filter(last_committee_on__isnull=False)
        .order_by("last_committee_on", "title")
        .first()
    )
    if after_committee:
        candidates.append(
            (after_committee.last_committee_on + interval, after_committee)
        )
    without_committee = investigations.filter(last_committee_on__isnull=True)
    in_investigation = (
        without_committee.filter(current_code=PhaseCode.INVESTIGATION)
        .annotate(due=Coalesce("final_committee_on", "planned_end"))
        .filter(due__isnull=False)
        .order_by("due", "title")
        .first()
    )
    if in_investigation:
        candidates.append((in_investigation.due, in_investigation))
    in_other_phase = (
        without_committee.filter(current_starts_on__isnull=False)
        .exclude(current_code=PhaseCode.INVESTIGATION)
        .order_by("current_starts_on", "title")
        .first()
    )
    if in_other_phase:
        candidates.append((in_other_phase.current_starts_on + interval, in_other_phase))
    if not candidates:
        return None
    due, investigation = min(candidates, key=lambda pair: pair[0])
    return {"next_committee": due, "investigation": investigation}


def beta_gouv_export(request, pk):
    require(request.user, "view")
    investigation = get_object_or_404(investigations_for(request.user), pk=pk)
    incubator = SiteIdentity.for_request(request).service_title
    response = HttpResponse(
        to_beta_gouv_front_matter(investigation, incubator),
        content_type="text/markdown; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{slugify(investigation.slug)}.md"'
    )
    return response
