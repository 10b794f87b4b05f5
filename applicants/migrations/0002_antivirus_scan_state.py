"""The antivirus's verdict on each file; files stored before it are « non analysé
(antérieur à l'antivirus) », served as before (``scan_pending --unscanned`` scans them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applicants", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="messageattachment",
            name="scan_attempts",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="messageattachment",
            name="scan_detail",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="messageattachment",
            name="scan_state",
            field=models.CharField(
                choices=[
                    ("pending", "analyse en cours"),
                    ("clean", "analysé, sain"),
                    ("infected", "en quarantaine : virus détecté"),
                    ("unscannable", "en quarantaine : impossible à analyser"),
                    ("off", "non analysé (antivirus désactivé)"),
                    ("legacy", "non analysé (antérieur à l'antivirus)"),
                ],
                db_index=True,
                default="legacy",
                editable=False,
                max_length=12,
                verbose_name="analyse antivirus",
            ),
        ),
        migrations.AlterField(
            model_name="messageattachment",
            name="scan_state",
            field=models.CharField(
                choices=[
                    ("pending", "analyse en cours"),
                    ("clean", "analysé, sain"),
                    ("infected", "en quarantaine : virus détecté"),
                    ("unscannable", "en quarantaine : impossible à analyser"),
                    ("off", "non analysé (antivirus désactivé)"),
                    ("legacy", "non analysé (antérieur à l'antivirus)"),
                ],
                db_index=True,
                default="pending",
                editable=False,
                max_length=12,
                verbose_name="analyse antivirus",
            ),
        ),
        migrations.AddField(
            model_name="messageattachment",
            name="scanned_at",
            field=models.DateTimeField(
                editable=False, null=True, verbose_name="analysé le"
            ),
        ),
    ]
