"""The antivirus's verdict on each file; files stored before it are « non analysé
(antérieur à l'antivirus) », served as before (``scan_pending --unscanned`` scans them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0024_candidature_form_use_steps"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidatureattachment",
            name="scan_attempts",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="candidatureattachment",
            name="scan_detail",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="candidatureattachment",
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
            model_name="candidatureattachment",
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
            model_name="candidatureattachment",
            name="scanned_at",
            field=models.DateTimeField(
                editable=False, null=True, verbose_name="analysé le"
            ),
        ),
        migrations.AddField(
            model_name="draftattachment",
            name="scan_attempts",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="draftattachment",
            name="scan_detail",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name="draftattachment",
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
            model_name="draftattachment",
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
            model_name="draftattachment",
            name="scanned_at",
            field=models.DateTimeField(
                editable=False, null=True, verbose_name="analysé le"
            ),
        ),
    ]
