"""Views that speak in a site's name."""

from wagtail.models import Site

from core.security import ThrottledPasswordResetView

from .models import SiteIdentity


class SitePasswordResetView(ThrottledPasswordResetView):
    """« Mot de passe oublié », from the incubator whose admin was asked, like its other emails."""

    def sender_for(self, request):
        if Site.find_for_request(request) is None:
            return None
        return SiteIdentity.for_request(request).sender
