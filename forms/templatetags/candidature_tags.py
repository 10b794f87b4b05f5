from django import template

from forms import admin_cells

register = template.Library()


@register.simple_tag
def described_widget(field):
    """The field's widget, described by its hint and, when there are some, its errors."""
    ids = [f"{field.auto_id}_helptext"]
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(ids)}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def duplicate_reason(candidature):
    """Why a candidature of the list may be a duplicate (``forms.admin_cells``)."""
    return admin_cells.duplicate_reason(candidature)
