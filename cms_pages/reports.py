"""Wagtail's « Utilisation des types de page » report, within the user's sites.

Wagtail counts every site's pages and names the last one edited of each type,
whatever site it belongs to: one incubator's communication team would read
the titles of the other's drafts. Here a user tied to sites counts and sees
only the pages of those sites, and chooses only among them in the « Site »
filter; superusers still see them all.

Wagtail's own filters join the pages table, which repeats each page type once
per page as soon as a filter is chosen (Wagtail 8.0). The filters here only
narrow the counting subqueries: one row per page type, always.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.models import Page

from .sites import sites_of


def pages_within(sites):
    """The pages of ``sites``; of every site when ``sites`` is None (superusers)."""
    if sites is None:
        return Page.objects.filter(depth__gt=1)
    if not sites:
        return Page.objects.none()
    within = Q()
    for site in sites:
        within |= Q(path__startswith=site.root_page.path)
    return Page.objects.filter(within)


class ScopedPageTypesUsageReportView(PageTypesUsageReportView):
    def get_queryset(self):
        sites = sites_of(self.request.user)
        pages = pages_within(sites)
        queryset = ContentType.objects.filter(model__in=self.page_models)
        page_type = ContentType.objects.get_for_model(Page)
        if not pages.filter(content_type=page_type).exists():
            queryset = queryset.exclude(pk=page_type.pk)
        self.queryset = queryset
        form = self.filters.form
        if sites is not None and "site" in form.fields:
            own = {site.root_page.path for site in sites}
            form.fields["site"].choices = [
                (value, label)
                for value, label in form.fields["site"].choices
                if not value or value in own
            ]
        # Another site chosen by its address is refused by the form, as unknown.
        cleaned = form.cleaned_data if self.filters.is_valid() else {}
        if cleaned.get("page_locale"):
            pages = pages.filter(locale__language_code=cleaned["page_locale"])
        if cleaned.get("site"):
            pages = pages.filter(path__startswith=cleaned["site"])
        of_type = pages.filter(content_type=OuterRef("pk"))
        counted = of_type.order_by().values("content_type").annotate(n=Count("pk"))
        latest = of_type.order_by(
            F("latest_revision_created_at").desc(nulls_last=True), "title", "-pk"
        )
        return queryset.annotate(
            count=Coalesce(
                Subquery(counted.values("n")[:1], output_field=IntegerField()), 0
            ),
            last_edited_page_id=Subquery(latest.values("pk")[:1]),
        ).order_by("-count", "app_label", "model")
