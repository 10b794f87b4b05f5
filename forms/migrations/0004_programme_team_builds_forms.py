"""The programme team builds the candidature forms: it edits and publishes pages."""

from django.db import migrations

PROGRAMME_TEAM = "Équipe programme"
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    root = Page.objects.filter(depth=1).first()
    if root is None:
        return
    group, _ = Group.objects.get_or_create(name=PROGRAMME_TEAM)
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    for codename in PAGE_PERMISSIONS:
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")}
        )
        GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)


def revoke(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(
        group__name=PROGRAMME_TEAM, permission__codename__in=PAGE_PERMISSIONS
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0003_lean_indexes_current_definition"),
        ("cms_pages", "0002_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
