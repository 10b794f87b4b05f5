"""Wagtail's ``publish_scheduled``, which leaves a refused publication aside.

A call's draft scheduled before its criteria froze would change the criteria
a jury scored with: ``CallPage.publish`` refuses it. Asked first here, it is
taken off the schedule, logged on the page and named in the output, and every
other scheduled publication goes ahead.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.management.commands.publish_scheduled import Command as WagtailCommand
from wagtail.models import Revision

from cms_pages.models import PUBLICATION_REFUSED


class Command(WagtailCommand):
    def handle(self, *args, **options):
        if not options.get("dryrun"):
            self.leave_refused_aside()
        return super().handle(*args, **options)

    def leave_refused_aside(self):
        due = Revision.objects.filter(approved_go_live_at__lt=timezone.now())
        for revision in due.order_by("approved_go_live_at"):
            page = revision.content_object
            refusal = getattr(page, "publication_refusal", None)
            message = refusal(revision) if refusal else None
            if not message:
                continue
            Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=None)
            log(
                page,
                PUBLICATION_REFUSED,
                data={"revision": revision.pk, "reason": message},
            )
            self.stderr.write(
                _("Publication programmée de « %(page)s » refusée : %(reason)s")
                % {"page": page, "reason": message}
            )
