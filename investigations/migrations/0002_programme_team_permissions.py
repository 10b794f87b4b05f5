"""The programme team runs investigations; nobody else sees them (except published learnings)."""

from django.db import migrations

PROGRAMME_TEAM = "Équipe programme"
MODELS = ["investigation", "organisation"]
ACTIONS = ["add", "change", "view", "delete"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name=PROGRAMME_TEAM)
    for model in MODELS:
        content_type, _ = ContentType.objects.get_or_create(app_label="investigations", model=model)
        for action in ACTIONS:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=f"{action}_{model}", defaults={"name": f"Can {action} {model}"}
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=PROGRAMME_TEAM).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="investigations"))


class Migration(migrations.Migration):
    dependencies = [("investigations", "0001_initial"), ("cms_pages", "0002_groups")]

    operations = [migrations.RunPython(grant, revoke)]
