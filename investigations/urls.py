"""The public addresses of the investigations app: each user's private calendar feed."""

from django.urls import path

from . import calendar_views

urlpatterns = [
    path(
        "agenda/<str:key>.ics",
        calendar_views.calendar_feed,
        name="investigations_calendar_feed",
    ),
]
