"""The programme team runs investigations; nobody else sees them (except published learnings)."""

from django.db import migrations

from cms_pages import group_permissions

MODELS = ["investigation", "organisation"]
ACTIONS = ["add", "change", "view", "delete"]


def grant(apps, schema_editor):
    for model in MODELS:
        group_permissions.grant(apps, "Équipe programme", "investigations", model, ACTIONS)


def revoke(apps, schema_editor):
    group_permissions.revoke(apps, "Équipe programme", "investigations", MODELS)


class Migration(migrations.Migration):
    dependencies = [("investigations", "0001_initial"), ("cms_pages", "0002_groups")]

    operations = [migrations.RunPython(grant, revoke)]
