from django.urls import path

from . import jury_views

app_name = "jury"

urlpatterns = [
    path("", jury_views.MyRoundsView.as_view(), name="rounds"),
    path("<int:round_id>/", jury_views.RoundDossiersView.as_view(), name="round"),
    path(
        "<int:round_id>/classement/",
        jury_views.MemberRankingView.as_view(),
        name="ranking",
    ),
    path(
        "<int:round_id>/<int:candidature_id>/",
        jury_views.EvaluateView.as_view(),
        name="evaluate",
    ),
]
