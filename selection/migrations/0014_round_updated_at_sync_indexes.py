"""Rounds get ``updated_at`` for the staff API's incremental sync; rounds and
evaluations are read in that order from an index.

Existing rounds take their creation time, in a data step between adding the
column (nullable) and making it required: no row is lost or left without a
value. Evaluations already had the column.
"""

from django.db import migrations, models
from django.db.models import F


def from_creation(apps, schema_editor):
    ReviewRound = apps.get_model("selection", "ReviewRound")
    ReviewRound.objects.filter(updated_at=None).update(updated_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0026_candidature_sync_index"),
        ("selection", "0013_evaluation_conflicts_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewround",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="modifié le"),
        ),
        migrations.RunPython(from_creation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reviewround",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="modifié le"),
        ),
        migrations.AddIndex(
            model_name="evaluation",
            index=models.Index(fields=["updated_at", "id"], name="evaluation_sync"),
        ),
        migrations.AddIndex(
            model_name="reviewround",
            index=models.Index(fields=["updated_at", "id"], name="round_sync"),
        ),
    ]
