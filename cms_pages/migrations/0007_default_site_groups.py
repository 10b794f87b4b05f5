"""The three starting groups work on the default site.

Before sites had their own teams, ``Communication``, ``Équipe programme`` and
``Jury`` worked on everything; on an instance with one site, this keeps them
doing exactly that. ``create_incubator`` gives every new site its own groups.
"""

from django.db import migrations

GROUPS = ["Communication", "Équipe programme", "Jury"]


def link(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Site = apps.get_model("wagtailcore", "Site")
    SiteGroup = apps.get_model("cms_pages", "SiteGroup")
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    if site is None:
        return
    for group in Group.objects.filter(name__in=GROUPS):
        SiteGroup.objects.get_or_create(group=group, defaults={"site": site})


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0006_sites_themes_vocabulary_retention"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
