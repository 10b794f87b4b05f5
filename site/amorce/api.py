"""The headless API: Wagtail 8's API v3 (django-ninja), one OpenAPI document.

Wagtail's own routers serve the pages (``/api/v3/pages/``) with the fields
each page model lists in ``api_fields``; later apps add their routers to the
same ``api`` instance so that everything shows in ``/api/v3/openapi.json``.
"""

from wagtail.api.v3.urls import api

from forms.api import router as forms_router
from investigations.api import router as investigations_router

api.title = "Amorce API"
api.description = (
    "Pages publiées (appels à candidatures, programme, FAQ, actualités) et, "
    "selon les modules installés, formulaires de candidature."
)

api.add_router("/forms/", forms_router)
api.add_router("/investigations/", investigations_router)

__all__ = ["api"]
