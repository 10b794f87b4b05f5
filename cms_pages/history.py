"""Wagtail's « Site history » report, without the other sites' dossiers.

Wagtail shows a model's log entries to anyone holding a permission on that
model. Candidatures, rounds, decision templates and investigations are
per-site data: an entry about one of them is shown only to the people who may
read it (its label carries the applicant's name).
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.models import ModelLogEntry

from .sites import SCOPED_MODELS


def scoped_querysets(user):
    """(model, the objects of it ``user`` may read) for every per-site model the apps registered."""
    return [(model, readable_by(user)) for model, readable_by in SCOPED_MODELS]


def readable_entries(user):
    """A filter on ``ModelLogEntry`` keeping per-site entries to their own site."""
    condition = Q()
    for model, queryset in scoped_querysets(user):
        readable = queryset.annotate(key=Cast("pk", CharField())).values("key")
        content_type = ContentType.objects.get_for_model(model)
        condition &= ~Q(content_type=content_type) | Q(object_id__in=readable)
    return condition


class ScopedLogEntriesView(LogEntriesView):
    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if queryset.model is ModelLogEntry and not self.request.user.is_superuser:
            queryset = queryset.filter(readable_entries(self.request.user))
        return queryset
