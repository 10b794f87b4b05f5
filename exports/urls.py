from django.urls import path

from . import columns, views, zip_views

app_name = "exports"

urlpatterns = [
    path("", views.JobsView.as_view(), name="jobs"),
    path("candidatures/", views.export_candidatures, name="candidatures"),
    path("dossiers/<int:pk>/pdf/", views.candidature_pdf, name="candidature_pdf"),
    path("investigations/", views.export_investigations, name="investigations"),
    path("tours/<int:pk>/cahier-du-jury/", views.jury_book, name="jury_book"),
    path(
        "pieces-jointes/",
        zip_views.call_attachments,
        name="call_attachments",
    ),
    path(
        "tours/<int:pk>/pieces-jointes/",
        zip_views.round_attachments,
        name="round_attachments",
    ),
    path(
        "tours/<int:pk>/importer-des-evaluations/",
        views.ImportEvaluationsView.as_view(),
        name="import_evaluations",
    ),
    path(
        "tours/<int:pk>/classeur/",
        views.export_round_workbook,
        name="round_workbook",
    ),
    path("tours/<int:pk>/<str:kind>/", views.export_round, name="round"),
    path(
        "colonnes/<str:kind>/", columns.ColumnCallsView.as_view(), name="columns_calls"
    ),
    path(
        "colonnes/<str:kind>/<int:call>/",
        columns.ColumnChoiceView.as_view(),
        name="columns",
    ),
    path("fichiers/<uuid:pk>/", views.download_job, name="download"),
    path(
        "importer-des-decisions/",
        views.ImportDecisionsView.as_view(),
        name="import_decisions",
    ),
]
