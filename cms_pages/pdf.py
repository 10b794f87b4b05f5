"""PDFs in a site's name: its identity on the page, the State's style or a neutral one."""

from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import fonts, html_to_pdf, reused_pdf

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


def render_pdf(template, context, site=None, reuse=False):
    """``template`` (extending ``cms_pages/pdf/base.html``) as a PDF of ``site``.

    With ``reuse``, a PDF already drawn from the very same HTML (all but the
    hour of editing, ``generated_at``) is served again (``core.pdf.reused_pdf``):
    it then says when that content was first drawn.
    """
    identity = SiteIdentity.for_site_or_defaults(site)
    context = {
        **pdf_style(identity),
        "identity": identity,
        "generated_at": timezone.localtime(),
        **context,
    }
    if not reuse:
        return html_to_pdf(render_to_string(template, context))
    key_html = render_to_string(template, {**context, "generated_at": None})
    return reused_pdf(
        key_html, lambda: html_to_pdf(render_to_string(template, context))
    )
