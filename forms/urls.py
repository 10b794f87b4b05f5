from django.urls import path

from . import views

app_name = "forms"

urlpatterns = [
    path("pieces-jointes/<uuid:pk>/", views.download_attachment, name="attachment"),
]
