"""Telling a person that their second factor was reset: an email from the site.

Like Wagtail's « mot de passe oublié » (docs/emails.md), a plain-text email in
the site's name (``SiteIdentity.sender``), in the site's language. If the
person did not expect it, they know to call the team at once.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import Site

from cms_pages.models import SiteIdentity
from core.text import email_subject


def send_reset_notice(request, user):
    if not user.email:
        return None
    site = Site.find_for_request(request)
    identity = SiteIdentity.for_site_or_defaults(site)
    with translation.override(settings.LANGUAGE_CODE):
        subject = email_subject(
            _("Votre double authentification a été réinitialisée — %(service)s")
            % {"service": identity.service_title}
        )
        body = render_to_string(
            "twofactor/emails/reset.txt",
            {
                "user": user,
                "identity": identity,
                "login_url": request.build_absolute_uri(reverse("wagtailadmin_login")),
            },
        )
    message = EmailMessage(subject, body, identity.sender, [user.email])
    message.send()
    return message
