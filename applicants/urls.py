from django.urls import path

from . import proconnect, views

app_name = "applicants"

urlpatterns = [
    path("lien/<str:token>/", views.open_link, name="open"),
    path("nouveau-lien/", views.new_link, name="new_link"),
    # Where the site enables it: resume with ProConnect instead of a link.
    path(
        "proconnect/",
        proconnect.ApplicantProConnectView.as_view(),
        name="proconnect",
    ),
    path("mes-dossiers/", proconnect.mine, name="mine"),
    path("deconnexion/", proconnect.sign_out, name="sign_out"),
    path("dossiers/<str:reference>/", views.dossier, name="dossier"),
    path("dossiers/<str:reference>/modifier/", views.edit, name="edit"),
    path("dossiers/<str:reference>/retirer/", views.withdraw, name="withdraw"),
    path("dossiers/<str:reference>/messages/", views.write, name="write"),
    path(
        "dossiers/<str:reference>/complement/<int:pk>/",
        views.correct,
        name="correct",
    ),
    path(
        "dossiers/<str:reference>/messages/fichiers/<uuid:pk>/",
        views.message_file,
        name="message_file",
    ),
    path(
        "dossiers/<str:reference>/fichiers/<uuid:pk>/",
        views.download,
        name="attachment",
    ),
]
