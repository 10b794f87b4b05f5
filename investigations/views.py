"""The programme team's investigation screens: open one, the dashboard, hand-over, synthesis."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
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
from forms.permissions import candidatures_for, programme_site_scope

from .models import CommitteeEvent, Investigation, Outcome, Phase
from .services import open_from_candidature, to_beta_gouv_front_matter


def require(user, action):
    if not user.has_perm(f"investigations.{action}_investigation"):
        raise PermissionDenied


def investigations_for(user):
    """The investigations of the calls of the user's sites."""
    return Investigation.objects.filter(programme_site_scope(user))


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
        investigations = list(
            investigations_for(self.request.user)
            # What the counts and the table read, not the long texts of 10,000 records.
            .only(
                "pk",
                "title",
                "outcome",
                "starts_on",
                "planned_end",
                "final_committee_on",
            )
            .prefetch_related(
                Prefetch(
                    "phases",
                    Phase.objects.only(
                        "investigation_id", "code", "starts_on", "ends_on"
                    ),
                ),
                Prefetch(
                    "committee_events",
                    CommitteeEvent.objects.only("investigation_id", "date"),
                ),
            )
            .order_by("title")
        )
        rows = []
        for investigation in investigations:
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
        # The counts cover every investigation; the table shows them a page at a time.
        page = WagtailPaginator(rows, ROWS_PER_PAGE).get_page(self.request.GET.get("p"))
        context["rows"] = page.object_list
        context["page_obj"] = page
        context["elided_page_range"] = page.paginator.get_elided_page_range(page.number)
        context["by_phase"] = sorted(
            Counter(
                str(row["phase"].get_code_display())
                if row["phase"]
                else _("sans phase")
                for row in rows
            ).items()
        )
        outcome_labels = dict(Outcome.choices)
        context["outcomes"] = sorted(
            Counter(
                str(outcome_labels[i.outcome]) for i in investigations if i.outcome
            ).items()
        )
        upcoming = [row for row in rows if row["next_committee"]]
        context["next_committee"] = (
            min(upcoming, key=lambda row: row["next_committee"]) if upcoming else None
        )
        context["today"] = today
        return context


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


def synthesis_pdf(request, pk):
    require(request.user, "view")
    from exports.pdf import render_investigation_pdf
    from exports.views import pdf_response

    investigation = get_object_or_404(investigations_for(request.user), pk=pk)
    return pdf_response(
        render_investigation_pdf(investigation), f"synthese-{investigation.slug}.pdf"
    )
