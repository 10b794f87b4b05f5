"""The programme team reads candidatures and changes their status.

The communications team gets nothing here: it never sees candidatures.
"""

from django.db import migrations

PROGRAMME_TEAM = "Équipe programme"
CODENAMES = {"view_candidature": "Can view candidature", "change_candidature": "Can change candidature"}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="forms", model="candidature")
    group, _ = Group.objects.get_or_create(name=PROGRAMME_TEAM)
    for codename, name in CODENAMES.items():
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=PROGRAMME_TEAM).first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="forms", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0001_initial"),
        ("cms_pages", "0002_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
