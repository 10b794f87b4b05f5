"""Investigations get ``updated_at`` for the staff API's incremental sync.

Existing rows take their creation time (the last change known for sure), in
a data step between adding the column (nullable) and making it required:
no row is lost or left without a value.
"""

from django.db import migrations, models
from django.db.models import F


def from_creation(apps, schema_editor):
    Investigation = apps.get_model("investigations", "Investigation")
    Investigation.objects.filter(updated_at=None).update(updated_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0026_candidature_sync_index"),
        ("investigations", "0009_latest_phase_and_committee_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="investigation",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="modifiée le"),
        ),
        migrations.RunPython(from_creation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="investigation",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="modifiée le"),
        ),
        migrations.AddIndex(
            model_name="investigation",
            index=models.Index(fields=["updated_at", "id"], name="investigation_sync"),
        ),
    ]
