"""The public list of a call's laureates: what it shows, and the team's switch.

Off until the team publishes it (who and when are kept, and the history
says each change). It shows, for each laureate with an investigation, the
investigation's title, its administrations and its one-line pitch: never a
person's name or address. The call page serves it (« laureats/ » under the
call, on the call's own site, with its theme) through
``cms_pages.models.LAUREATE_LISTS``, filled at start-up.
"""

import re

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.paginator import WagtailPaginator
from wagtail.log_actions import log

from core.views import AdminPage
from forms.choices import Status
from forms.permissions import calls_for
from selection.blind import MIN_TERM, mask_text

from .models import Investigation, LaureateList
from .views import require


def laureate_investigations(call):
    return (
        Investigation.objects.filter(call=call, candidature__status=Status.SELECTED)
        .select_related("candidature")
        .prefetch_related("organisations")
        .order_by("title", "pk")
    )


def person_terms(investigation):
    """The applicant's name (and its words) and address, to keep off the public list.

    An investigation opened from a candidature is titled with the applicant's
    own words (or their name when they gave no problem statement): published
    as it is, the list would name them.
    """
    candidature = investigation.candidature
    if candidature is None:
        return []
    name = (candidature.applicant_name or "").strip()
    terms = {
        name,
        (candidature.applicant_email or "").strip(),
        *re.split(r"[\s'’-]+", name),
    }
    return sorted((t for t in terms if len(t) >= MIN_TERM), key=len, reverse=True)


def as_public_rows(investigations):
    rows = []
    for investigation in investigations:
        terms = person_terms(investigation)
        rows.append(
            {
                "title": mask_text(investigation.title, terms),
                "administration": ", ".join(
                    o.name for o in investigation.organisations.all()
                ),
                "pitch": mask_text(investigation.pitch, terms),
            }
        )
    return rows


def published_laureates(call):
    """The rows of the public list of ``call``, or None while it is not published."""
    if not LaureateList.objects.filter(call=call, published=True).exists():
        return None
    return as_public_rows(laureate_investigations(call))


class LaureateListsView(AdminPage):
    """The calls of the user's sites, with their laureates and whether their list is public."""

    template_name = "investigations/laureate_lists.html"
    page_title = gettext_lazy("Listes publiques des lauréats")
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        require(request.user, "change")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        calls = (
            calls_for(self.request.user)
            .annotate(
                laureate_count=Count(
                    "investigations",
                    filter=Q(investigations__candidature__status=Status.SELECTED),
                ),
                is_published=Exists(
                    LaureateList.objects.filter(call=OuterRef("pk"), published=True)
                ),
            )
            .only("pk", "title", "opens_at")
            .order_by("-opens_at", "pk")
        )
        page = WagtailPaginator(calls, 50).get_page(self.request.GET.get("p"))
        context["page_obj"] = page
        return context


class LaureateListView(AdminPage):
    """One call's list: what the public would read, and the switch to publish it."""

    template_name = "investigations/laureate_list.html"
    header_icon = "list-ul"

    def dispatch(self, request, *args, **kwargs):
        require(request.user, "change")
        self.call = get_object_or_404(calls_for(request.user), pk=kwargs["call_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Lauréats — %s") % self.call.title

    def parents(self):
        return [
            (
                reverse("investigations_laureate_lists"),
                _("Listes publiques des lauréats"),
            )
        ]

    def post(self, request, *args, **kwargs):
        publish = request.POST.get("published") == "1"
        listing, _created = LaureateList.objects.get_or_create(call=self.call)
        if listing.published != publish:
            listing.published = publish
            listing.changed_by = request.user
            listing.save()
            log(
                listing,
                "amorce.laureates.published"
                if publish
                else "amorce.laureates.withdrawn",
                user=request.user,
            )
        messages.success(
            request,
            _("La liste des lauréats est publiée.")
            if publish
            else _("La liste des lauréats n'est plus publiée."),
        )
        return redirect("investigations_laureate_list", self.call.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        investigations = list(laureate_investigations(self.call))
        listing = (
            LaureateList.objects.filter(call=self.call)
            .select_related("changed_by")
            .first()
        )
        context.update(
            call=self.call,
            listing=listing,
            rows=zip(investigations, as_public_rows(investigations), strict=True),
            public_url=(self.call.get_url(self.request) or "") + "laureats/",
        )
        return context
