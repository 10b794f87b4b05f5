"""The programme team creates and runs the review rounds."""

from django.db import migrations

from cms_pages import group_permissions

ACTIONS = ["add", "change", "view", "delete"]


def grant(apps, schema_editor):
    group_permissions.grant(apps, "Équipe programme", "forms", "reviewround", ACTIONS)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "Équipe programme", "forms", ["reviewround"])


class Migration(migrations.Migration):
    dependencies = [("forms", "0005_review_rounds")]

    operations = [migrations.RunPython(grant, revoke)]
