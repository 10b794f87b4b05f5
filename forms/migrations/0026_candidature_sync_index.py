"""The staff API's sync order and cursor, (updated_at, id), read from an index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0025_antivirus_scan_state"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="candidature",
            index=models.Index(fields=["updated_at", "id"], name="candidature_sync"),
        ),
    ]
