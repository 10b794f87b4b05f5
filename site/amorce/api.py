"""The headless API: Wagtail 8's API v3 (django-ninja), one OpenAPI document.

Wagtail's own routers serve the pages (``/api/v3/pages/``) with the fields
each page model lists in ``api_fields``; later apps add their routers to the
same ``api`` instance so that everything shows in ``/api/v3/openapi.json``.
"""

from wagtail.api.v3.pagination import WagtailLimitOffsetPagination
from wagtail.api.v3.urls import api

from forms.api import router as forms_router
from investigations.api import router as investigations_router

# Wagtail 8.0's lists (pages, images, documents, redirects, sites, revisions)
# take any offset, and one beyond the database's 64-bit integers is a server
# error (found by schemathesis). Past the end is past the end: such an offset
# reads an empty page, as any offset after the last item does.
MAX_OFFSET = 2**62
_wagtail_paginate = WagtailLimitOffsetPagination.paginate_queryset


def _paginate_within_integers(self, queryset, pagination, request, **params):
    if pagination.offset > MAX_OFFSET:
        pagination = pagination.model_copy(update={"offset": MAX_OFFSET})
    return _wagtail_paginate(self, queryset, pagination, request, **params)


WagtailLimitOffsetPagination.paginate_queryset = _paginate_within_integers

api.title = "Amorce API"
api.description = (
    "Pages publiées (appels à candidatures, programme, FAQ, actualités) et, "
    "selon les modules installés, formulaires de candidature."
)

api.add_router("/forms/", forms_router)
api.add_router("/investigations/", investigations_router)

__all__ = ["api"]
