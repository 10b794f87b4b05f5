"""The programme team writes the decision email templates."""

from django.db import migrations

from cms_pages import group_permissions

ACTIONS = ["add", "change", "view", "delete"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "Équipe programme", "forms", "notificationtemplate", ACTIONS)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "Équipe programme", "forms", ["notificationtemplate"])


class Migration(migrations.Migration):
    dependencies = [("forms", "0007_notifications")]

    operations = [migrations.RunPython(grant, revoke)]
