"""Each investigation's current phase and last committee, kept by the database
(``investigations/phase_triggers.py``): the columns, their indexes, the
triggers; and the list's order as an index.

The triggers are made by the module as it is today: a later change to their
SQL that names a column added after this migration copies today's SQL here
first (else a new database would fail to migrate)."""

from django.db import migrations, models

from investigations import phase_triggers


def install(apps, schema_editor):
    phase_triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    phase_triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('cms_pages', '0016_antivirus_documents_images'),
        ('forms', '0030_candidature_call_counts_covering'),
        ('investigations', '0011_investigation_by_title'),
        ('wagtailcore', '0098_apitoken'),
    ]

    operations = [
        migrations.AddField(
            model_name='investigation',
            name='current_phase_code',
            field=models.CharField(editable=False, max_length=30, null=True, verbose_name='phase courante'),
        ),
        migrations.AddField(
            model_name='investigation',
            name='current_phase_starts_on',
            field=models.DateField(editable=False, null=True, verbose_name='début de la phase courante'),
        ),
        migrations.AddField(
            model_name='investigation',
            name='last_committee_on',
            field=models.DateField(editable=False, null=True, verbose_name='dernier comité'),
        ),
        migrations.AddIndex(
            model_name='investigation',
            index=models.Index(fields=['site', '-starts_on', '-id'], name='investigation_newest'),
        ),
        migrations.AddIndex(
            model_name='investigation',
            index=models.Index(fields=['site', 'current_phase_code', 'current_phase_starts_on'], name='investigation_phase_now'),
        ),
        migrations.AddIndex(
            model_name='investigation',
            index=models.Index(fields=['site', 'last_committee_on', 'title'], name='investigation_last_committee'),
        ),
        migrations.AddIndex(
            model_name='investigation',
            index=models.Index(fields=['site', 'next_committee_on', 'title'], name='investigation_next_committee'),
        ),
        # The triggers, then every investigation's values read from its rows.
        migrations.RunPython(install, uninstall),
    ]
