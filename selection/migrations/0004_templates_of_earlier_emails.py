"""Decision emails prepared before templates were linked to them name their template.

The template a notification was prepared from is the call's own for its
status, else its site's for all calls: as ``NotificationTemplate.for_candidature``
chose it then. A template used before this link existed is thus kept too
(``selection.rules.used_template``).
"""

from django.db import migrations


def link(apps, schema_editor):
    Notification = apps.get_model("selection", "Notification")
    NotificationTemplate = apps.get_model("selection", "NotificationTemplate")
    Site = apps.get_model("wagtailcore", "Site")
    sites = list(Site.objects.select_related("root_page"))

    def site_of(call):
        above = [s for s in sites if call.path.startswith(s.root_page.path)]
        return max(above, key=lambda s: len(s.root_page.path), default=None)

    unlinked = Notification.objects.filter(template__isnull=True).select_related(
        "candidature__call"
    )
    for notification in unlinked.iterator():
        call = notification.candidature.call
        template = NotificationTemplate.objects.filter(
            call=call, status=notification.status
        ).first()
        if template is None and (site := site_of(call)) is not None:
            template = NotificationTemplate.objects.filter(
                call__isnull=True, site=site, status=notification.status
            ).first()
        if template is not None:
            Notification.objects.filter(pk=notification.pk).update(template=template)


class Migration(migrations.Migration):
    dependencies = [
        ("selection", "0003_queued_decision_emails"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
