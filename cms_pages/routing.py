"""The route to a page that opts in (``RouteKept``), kept per process.

Wagtail finds a page by reading the site's root page, then the tree one query
per address segment and each page's specific row, then the view restrictions
of the page and its ancestors (two queries): six to eight queries before the
page does anything. The candidature form, which every agent posts to on a
call's last day, routes instead from a copy kept in this process under the
site's generations (``core.pagecache.remembered``): any save or deletion of a
page (a publish, an unpublish, a move, a change of its form's fields), of a
view restriction, of the site or its settings, in whichever process, renews
them, and the next request routes again from the database.

What is kept is the values of their columns: each request makes its own page
objects from them (the form page, its call, the restrictions), never shared
with another request, which may mark them.
Routes to other pages, or to no page (404), are not kept: the process keeps
one entry per form, whatever addresses are asked. Nothing of the moment is
kept: a call opens and closes by its dates, read against the clock at each
request, to the second; and what a submission stores obeys the dates as
stored, read again as its reference is taken (``forms.services.next_reference``),
whatever this copy holds. The other way round, a call reopened without a
save's signals (a raw update) is refused by this copy until it expires.
"""

import copy

from django.utils.translation import get_language
from wagtail.fields import StreamValue
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

from core.pagecache import remembered

# Where a kept page holds its view restrictions (those of its ancestors too).
KEPT_RESTRICTIONS = "_amorce_kept_view_restrictions"


class RouteKept:
    """A page type whose route is kept per process (``serve`` below).

    Its view restrictions are read with the route and kept with it: any save
    or deletion of a restriction renews the site's generations. The pages its
    route attached to it (``kept_with_route``: the call above a form, which
    routing read already) are kept with it, and stay its parent.
    """

    route_kept = True
    kept_with_route = ()

    def get_view_restrictions(self):
        kept = self.__dict__.get(KEPT_RESTRICTIONS)
        if kept is not None:
            return kept
        return super().get_view_restrictions()


def _values(instance):
    """``instance``'s class and the values of its columns, none an object to share.

    A stream field is kept as its JSON text (each copy parses its own); JSON
    values are copied again by each copy (``_revived``).
    """
    values = []
    for field in type(instance)._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, StreamValue):
            value = field.get_prep_value(value)
        values.append(value)
    return type(instance), tuple(values)


def _revived(kept):
    """A new instance, as if read from the database, from ``_values``."""
    model, values = kept
    return model.from_db(
        "default",
        None,
        [copy.deepcopy(v) if isinstance(v, dict | list) else v for v in values],
    )


class KeptRoute:
    """A route, as values: each request makes its own page objects from it."""

    def __init__(self, page, args, kwargs):
        self.page = _values(page)
        self.restrictions = [_values(r) for r in page.__dict__[KEPT_RESTRICTIONS]]
        parent = page.__dict__.get("_cached_parent_obj")
        self.attached = {}
        self.parent = None
        for name in page.kept_with_route:
            value = page.__dict__.get(name)
            if value is not None:
                self.attached[name] = _values(value)
                if value is parent:
                    self.parent = name
        self.args = copy.deepcopy(args)
        self.kwargs = copy.deepcopy(kwargs)

    def result(self):
        page = _revived(self.page)
        page.__dict__[KEPT_RESTRICTIONS] = [_revived(r) for r in self.restrictions]
        for name, kept in self.attached.items():
            page.__dict__[name] = _revived(kept)
        if self.parent is not None:
            page._cached_parent_obj = page.__dict__[self.parent]
        return RouteResult(page, copy.deepcopy(self.args), copy.deepcopy(self.kwargs))


def _route(request, path):
    """Route the request as Wagtail does; what may be kept of it, or None."""
    result = Page.route_for_request(request, path)  # kept on the request, for serve
    if result is None:
        return None
    page, args, kwargs = result
    if not getattr(page, "route_kept", False):
        return None
    # Read now, for this request's ``before_serve_page`` too.
    page.__dict__[KEPT_RESTRICTIONS] = list(page.get_view_restrictions())
    return KeptRoute(page, args, kwargs)


def serve(request, path):
    """Wagtail's ``serve``, routed from the kept copy of the route when there is one."""
    site = Site.find_for_request(request)
    if site is not None and not hasattr(request, "_wagtail_route_for_request"):
        kept = remembered(
            site.pk,
            f"route:{get_language()}:{path}",
            lambda: _route(request, path),
            keep=lambda value: value is not None,
        )
        if kept is not None and not hasattr(request, "_wagtail_route_for_request"):
            request._wagtail_route_for_request = kept.result()
    return wagtail_serve(request, path)


def wagtail_serve(request, path):
    # ``wagtail.views`` reads the page model when imported: not before the models.
    from wagtail import views

    return views.serve(request, path)
