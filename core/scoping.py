"""Admin viewsets whose every view sees only what the user's sites hold.

A viewset names its ``scope``: a function of the user giving a filter
(``Q``). The listing is filtered by it, and every view that loads one object
(inspect, edit, delete, history, usage…) answers 404 for an object outside it,
as if it did not exist. A deletion that a rule refuses (``core.deletion``)
says why instead of asking to confirm. Form fields that point at calls, candidatures or
members only offer what lies in the user's sites.
"""

from django.http import Http404
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import DeleteView

from .deletion import RuleCheckedDeleteMixin


class ScopedViewMixin:
    scope = None

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if (
            queryset.model is not self.model
        ):  # a history listing: its object was checked
            return queryset
        return queryset.filter(self.scope(self.request.user))

    def get_object_list(self):  # choosers
        return super().get_object_list().filter(self.scope(self.request.user))

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if obj is None:
            return obj
        in_scope = (
            type(obj)
            ._default_manager.filter(self.scope(self.request.user))
            .filter(pk=obj.pk)
            .exists()
        )
        if not in_scope:
            raise Http404
        return obj


class ScopedViewSetMixin:
    """Mix into a ``ModelViewSet`` or ``SnippetViewSet`` and define ``scope(user)``."""

    def scope(self, user):
        raise NotImplementedError

    def construct_view(self, view_class, **kwargs):
        mixins = (ScopedViewMixin,)
        if issubclass(view_class, DeleteView):
            mixins += (RuleCheckedDeleteMixin,)
        scoped = type(
            view_class.__name__,
            (*mixins, view_class),
            {"scope": staticmethod(self.scope), "__module__": view_class.__module__},
        )
        return super().construct_view(scoped, **kwargs)


class ScopedAdminModelForm(WagtailAdminModelForm):
    """An admin form whose related-object choices stop at the user's sites."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None:
            self.limit_choices(self.for_user)

    def limit_choices(self, user):
        """Narrow ``self.fields[...].queryset`` to what ``user`` may point at."""


def limit_site_choices(field, sites):
    """A « site » field offers the user's sites (``None``: all); one site comes chosen."""
    if sites is None:
        return
    field.queryset = field.queryset.filter(pk__in=[site.pk for site in sites])
    if len(sites) == 1:
        field.initial = sites[0].pk
