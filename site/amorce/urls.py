from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts.views import (
    ProConnectCallbackView,
    ProConnectSignInView,
    SignInView,
    SignOutView,
)
from amorce import views
from amorce.api import api
from cms_pages import routing
from cms_pages.history import ScopedLogEntriesView
from cms_pages.reports import ScopedPageTypesUsageReportView
from cms_pages.views import SitePasswordResetView
from core.security import health
from selection.invitation_views import JuryInvitationView

urlpatterns = [
    # Wagtail's sign-in, throttled after repeated failures (before Wagtail's own
    # route), with ProConnect and the per-site switch of passwords (accounts/).
    path("admin/login/", SignInView.as_view(), name="wagtailadmin_login"),
    path("admin/logout/", SignOutView.as_view(), name="wagtailadmin_logout"),
    path(
        "proconnect/connexion/",
        ProConnectSignInView.as_view(),
        name="proconnect_sign_in",
    ),
    path(
        "proconnect/callback/",
        ProConnectCallbackView.as_view(),
        name="proconnect_callback",
    ),
    path(
        "admin/password_reset/",
        SitePasswordResetView.as_view(),
        name="wagtailadmin_password_reset",
    ),
    # A jury member's invitation: set a password, or sign in (no account needed to open it).
    path(
        "admin/invitation-jury/<str:token>/",
        JuryInvitationView.as_view(),
        name="jury_invitation",
    ),
    # Wagtail's « Site history », without the other sites' dossiers (cms_pages/history.py)
    path("admin/reports/site-history/", ScopedLogEntriesView.as_view()),
    path(
        "admin/reports/site-history/results/",
        ScopedLogEntriesView.as_view(results_only=True),
    ),
    # Wagtail's « Utilisation des types de page », within the user's sites (cms_pages/reports.py)
    path("admin/reports/page-types-usage/", ScopedPageTypesUsageReportView.as_view()),
    path(
        "admin/reports/page-types-usage/results/",
        ScopedPageTypesUsageReportView.as_view(results_only=True),
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v3/", api.urls),
    # The applicant's space: drafts and dossiers opened by a link sent by email.
    path("espace-candidat/", include("applicants.urls", namespace="applicants")),
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    # Each user's private calendar of the investigations (a key in the address).
    path("", include("investigations.urls")),
    path("sante/", health, name="health"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's pages, served through ``cms_pages.routing`` (a form's route kept per process).
urlpatterns += [
    *(p for p in wagtail_urls.urlpatterns if getattr(p, "name", "") != "wagtail_serve"),
    re_path(wagtail_urls.serve_pattern, routing.serve, name="wagtail_serve"),
]
