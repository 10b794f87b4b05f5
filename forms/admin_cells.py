"""The candidature list's cells, written from Python.

A page of the list is fifty rows of seven cells: rendered by Wagtail's cell
templates, they were a third of the page's time, and the part that grows with
the rows shown (a filter that finds 50 rows among 10,000 against 11 among
100). Each column here writes the same HTML as its template would (the same
elements, classes, attributes and escaping: ``tests/forms/test_admin_cells.py``
compares them), and falls back to the template for what it does not write
(a title with buttons or a label, say).
"""

import datetime as dt

from django.forms.utils import flatatt
from django.template.defaultfilters import capfirst
from django.utils.formats import date_format, get_format, localize
from django.utils.html import conditional_escape, format_html
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from wagtail.admin.templatetags.wagtailadmin_tags import timesince_simple
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn


def _shown(value):
    """``{{ value }}`` in a template: local time, localized, escaped."""
    return conditional_escape(localize(template_localtime(value)))


def _td(column, content, *classes):
    names = " ".join(c for c in (*classes, column.classname) if c)
    return format_html("<td{}>{}</td>", flatatt({"class": names or None}), content)


def _status_tag(label, classname):
    return format_html('<span class="w-status {}">{}</span>', classname, label)


class PlainColumn(Column):
    """Wagtail's ``Column``: its value, as its cell template shows it."""

    def render_cell_html(self, instance, parent_context):
        value = self.get_cell_context_data(instance, parent_context)["value"]
        return _td(self, "" if value is None else _shown(value))


class LinkedTitleColumn(TitleColumn):
    """Wagtail's ``TitleColumn`` as a link to the row's page."""

    def render_cell_html(self, instance, parent_context):
        context = self.get_cell_context_data(instance, parent_context)
        if not context["link_url"] or context["title_id"] or context.get("buttons"):
            return super().render_cell_html(instance, parent_context)
        link = format_html(
            "<a{}>{}</a>", flatatt(context["link_attrs"]), _shown(context["value"])
        )
        return format_html(
            '<td class="{}"><div class="title-wrapper">{}</div></td>',
            " ".join(c for c in (self.classname, "title") if c),
            link,
        )


class HumanDateColumn(DateColumn):
    """Wagtail's ``DateColumn``: « il y a 3 jours », the date in full on hover."""

    def render_cell_html(self, instance, parent_context):
        value = self.get_value(instance)
        if not value:
            return _td(self, "")
        tooltip = get_format(
            "DATETIME_FORMAT" if isinstance(value, dt.datetime) else "DATE_FORMAT"
        )
        local = template_localtime(value)
        button = format_html(
            '<button type="button" class="w-human-readable-date" '
            'data-controller="w-tooltip" data-w-tooltip-content-value="{}" '
            'data-w-tooltip-placement-value="top"><time '
            'class="w-human-readable-date__date" datetime="{}">{}</time></button>',
            date_format(local, tooltip),
            date_format(local, "c"),
            capfirst(timesince_simple(value)),
        )
        return _td(self, button)


class StatusColumn(Column):
    """The candidature's status, as a Wagtail status tag."""

    def render_cell_html(self, instance, parent_context):
        return format_html(
            '<td class="{}">{}</td>',
            f"{self.classname} " if self.classname else "",
            _status_tag(instance.get_status_display(), "w-status--primary"),
        )


def duplicate_reason(candidature):
    """Why a candidature may be a duplicate (``forms/admin/duplicate_reason.html``)."""
    if candidature.shares_email and candidature.shares_identity:
        return _("même adresse électronique, même nom et même administration")
    if candidature.shares_email:
        return _("même adresse électronique")
    if candidature.shares_identity:
        return _("même nom et même administration")
    return ""


class DuplicateColumn(Column):
    """« Doublon possible », and why: read from the list's own query."""

    def render_cell_html(self, instance, parent_context):
        reason = duplicate_reason(instance)
        content = (
            format_html(
                '{}\n<div class="w-help-text">{}</div>',
                _status_tag(_("Doublon possible"), "w-status--label"),
                reason,
            )
            if reason
            else ""
        )
        return _td(self, content, "amorce-duplicate")
