"""The programme team writes the decision email templates."""

from django.db import migrations

PROGRAMME_TEAM = "Équipe programme"
CODENAMES = [
    "add_notificationtemplate",
    "change_notificationtemplate",
    "view_notificationtemplate",
    "delete_notificationtemplate",
]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="forms", model="notificationtemplate")
    group, _ = Group.objects.get_or_create(name=PROGRAMME_TEAM)
    for codename in CODENAMES:
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")}
        )
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=PROGRAMME_TEAM).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="forms", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("forms", "0007_notifications")]

    operations = [migrations.RunPython(grant, revoke)]
