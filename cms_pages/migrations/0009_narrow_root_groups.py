"""On an instance that already has several sites, no group keeps rights at the root.

``create_incubator`` used to narrow only the three starting groups; Wagtail's
« Editors » and « Moderators » (and any group an administrator made) kept
their rights over every site's pages and images. This narrows them to the
default site, as adding a site now does. An instance with one site is left
as it is.
"""

from django.db import migrations


def narrow(apps, schema_editor):
    Site = apps.get_model("wagtailcore", "Site")
    if Site.objects.count() < 2:
        return
    # Page and Collection are trees (treebeard): only the real models can
    # create the site's collection, so this uses the same code as adding a site.
    from wagtail.models import Site as RealSite

    from cms_pages.incubators import narrow_starting_groups

    site = RealSite.objects.filter(is_default_site=True).first()
    if site is not None:
        narrow_starting_groups(site)


class Migration(migrations.Migration):
    dependencies = [("cms_pages", "0008_help_texts")]

    operations = [migrations.RunPython(narrow, migrations.RunPython.noop)]
