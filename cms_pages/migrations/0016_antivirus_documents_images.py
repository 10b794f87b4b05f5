"""The antivirus's verdict on Wagtail's documents and images. Those stored before it
are « non analysé (antérieur à l'antivirus) »: served as before, and scanned by
``scan_pending --unscanned``. Only rows are added: no document, no image changes."""

import django.db.models.deletion
from django.db import migrations, models


def mark_legacy(apps, schema_editor):
    for source_label, scan_label in (
        (("wagtaildocs", "Document"), "DocumentScan"),
        (("wagtailimages", "Image"), "ImageScan"),
    ):
        source_model = apps.get_model(*source_label)
        scan_model = apps.get_model("cms_pages", scan_label)
        batch = []
        for pk, name in (
            source_model.objects.order_by("pk").values_list("pk", "file").iterator()
        ):
            batch.append(
                scan_model(source_id=pk, file_name=name or "", scan_state="legacy")
            )
            if len(batch) >= 1000:
                scan_model.objects.bulk_create(batch)
                batch = []
        scan_model.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0015_programme_key_figures"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentScan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "scan_state",
                    models.CharField(
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
                (
                    "scanned_at",
                    models.DateTimeField(
                        editable=False, null=True, verbose_name="analysé le"
                    ),
                ),
                (
                    "scan_detail",
                    models.CharField(blank=True, editable=False, max_length=255),
                ),
                (
                    "scan_attempts",
                    models.PositiveSmallIntegerField(default=0, editable=False),
                ),
                ("file_name", models.CharField(editable=False, max_length=255)),
                (
                    "source",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="antivirus_scan",
                        to="wagtaildocs.document",
                        verbose_name="document",
                    ),
                ),
            ],
            options={
                "verbose_name": "analyse antivirus d'un document",
                "verbose_name_plural": "analyses antivirus des documents",
            },
        ),
        migrations.CreateModel(
            name="ImageScan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "scan_state",
                    models.CharField(
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
                (
                    "scanned_at",
                    models.DateTimeField(
                        editable=False, null=True, verbose_name="analysé le"
                    ),
                ),
                (
                    "scan_detail",
                    models.CharField(blank=True, editable=False, max_length=255),
                ),
                (
                    "scan_attempts",
                    models.PositiveSmallIntegerField(default=0, editable=False),
                ),
                ("file_name", models.CharField(editable=False, max_length=255)),
                (
                    "source",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="antivirus_scan",
                        to="wagtailimages.image",
                        verbose_name="image",
                    ),
                ),
            ],
            options={
                "verbose_name": "analyse antivirus d'une image",
                "verbose_name_plural": "analyses antivirus des images",
            },
        ),
        migrations.RunPython(mark_legacy, migrations.RunPython.noop),
    ]
