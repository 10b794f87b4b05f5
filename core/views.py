"""Admin screens of ours, in Wagtail's layout."""

from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


def as_int(value):
    """An id read from a request (query string or form), or None when it is none.

    ``int`` and not ``str.isdigit``: « ² » is a digit to Python, not a number.
    """
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class AdminPage(WagtailAdminTemplateMixin, TemplateView):
    """A screen of the admin: Wagtail's header, and breadcrumbs from ``parents()``."""

    def parents(self):
        """(url, label) of the screens above this one, from the top."""
        return []

    def breadcrumb_label(self):
        return self.get_page_title()

    def get_breadcrumbs_items(self):
        return (
            self.breadcrumbs_items
            + [{"url": url, "label": label} for url, label in self.parents()]
            + [{"url": "", "label": self.breadcrumb_label()}]
        )
