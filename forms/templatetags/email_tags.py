"""Filters of the emails' HTML parts."""

from django import template

from ..emails import text_to_html

register = template.Library()


@register.filter
def email_text(value):
    """A plain text written by the team as safe HTML (see ``forms.emails.text_to_html``)."""
    return text_to_html(value)
