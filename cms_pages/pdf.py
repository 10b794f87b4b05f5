"""PDFs in a site's name: its identity on the page, the State's style or a neutral one."""

from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import fonts, html_to_pdf

from .models import SiteIdentity, Theme


def pdf_style(identity):
    """The State's typeface and blue for a DSFR site; plain ones for a neutral site."""
    if identity.theme == Theme.DSFR:
        return {
            "fonts": fonts(),
            "font_family": '"Marianne", "DejaVu Sans", sans-serif',
            "accent": "#000091",
        }
    return {
        "fonts": {},
        "font_family": '"DejaVu Sans", sans-serif',
        "accent": "#1f3a5f",
    }


def render_pdf(template, context, site=None):
    """``template`` (extending ``cms_pages/pdf/base.html``) as a PDF of ``site``."""
    identity = SiteIdentity.for_site_or_defaults(site)
    context = {
        **pdf_style(identity),
        "identity": identity,
        "generated_at": timezone.localtime(),
        **context,
    }
    return html_to_pdf(render_to_string(template, context))
