from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from cms_pages.sites import programme_site_scope

from .models import Endpoint
from .services import ping


class PingView(View):
    """« Envoyer un événement de test »: asks to confirm, then queues a ``ping``."""

    def get_endpoint(self, request, pk):
        if not (
            request.user.is_superuser or request.user.has_perm("forms.view_candidature")
        ):
            raise PermissionDenied
        queryset = Endpoint.objects.filter(
            programme_site_scope(request.user)
        ).select_related("site")
        return get_object_or_404(queryset, pk=pk)

    def get(self, request, pk):
        endpoint = self.get_endpoint(request, pk)
        return TemplateResponse(request, "webhooks/ping.html", {"endpoint": endpoint})

    def post(self, request, pk):
        endpoint = self.get_endpoint(request, pk)
        ping(endpoint)
        messages.success(
            request,
            _("Événement de test mis en file pour « %(name)s ».")
            % {"name": endpoint.name},
        )
        return redirect(
            reverse("webhook_deliveries:index") + f"?endpoint={endpoint.pk}"
        )
