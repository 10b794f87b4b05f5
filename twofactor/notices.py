"""Telling a person that their second factor was set up or reset: an email from the site.

Like Wagtail's « mot de passe oublié » (docs/emails.md), a plain-text email in
the site's name (``SiteIdentity.sender``), in the site's language. If the
person did not expect it (someone else holding their password enrolled their
own phone, or had it reset), they know to call the team at once.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from cms_pages.models import SiteIdentity
from core.text import email_subject

logger = logging.getLogger("amorce.twofactor")


def send_notice(request, user, subject, template):
    """Sends the notice; None when the person has no address or the server refused it."""
    if not user.email:
        return None
    site = Site.find_for_request(request)
    identity = SiteIdentity.for_site_or_defaults(site)
    with translation.override(settings.LANGUAGE_CODE):
        subject = email_subject(subject % {"service": identity.service_title})
        body = render_to_string(
            template,
            {
                "user": user,
                "identity": identity,
                "login_url": request.build_absolute_uri(reverse("wagtailadmin_login")),
            },
        )
    message = EmailMessage(subject, body, identity.sender, [user.email])
    try:
        message.send()
    except Exception:  # a notice lost must not undo what was done; the log says it
        logger.exception("Second factor notice not sent (user %s)", user.pk)
        return None
    return message


def send_reset_notice(request, user):
    return send_notice(
        request,
        user,
        _("Votre double authentification a été réinitialisée — %(service)s"),
        "twofactor/emails/reset.txt",
    )


def send_enrolment_notice(request, user):
    return send_notice(
        request,
        user,
        _("Double authentification activée sur votre compte — %(service)s"),
        "twofactor/emails/enrolled.txt",
    )
