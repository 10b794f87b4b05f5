"""The keys that find likely duplicates, filled for the candidatures already stored.

Only two new columns are written: no row is added, removed or otherwise
changed. Anonymised candidatures keep both keys empty.
"""

from django.conf import settings
from django.db import migrations, models

# The same digests as ``Candidature.save`` gives, or the old rows would not
# meet the new ones.
from forms.models.candidatures import email_key, identity_key

BATCH = 500


def fill_keys(apps, schema_editor):
    Candidature = apps.get_model("forms", "Candidature")
    rows = Candidature.objects.filter(anonymised_at=None).only(
        "pk", "applicant_name", "applicant_email", "administration"
    )
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = list(rows.filter(pk__in=ids[start : start + BATCH]))
        for candidature in batch:
            candidature.email_key = email_key(candidature.applicant_email)
            candidature.identity_key = identity_key(
                candidature.applicant_name, candidature.administration
            )
        Candidature.objects.bulk_update(batch, ["email_key", "identity_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('cms_pages', '0010_one_line_texts'),
        ('forms', '0016_applicant_space'),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='candidature',
            name='email_key',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='candidature',
            name='identity_key',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='candidature',
            index=models.Index(fields=['call', 'email_key'], name='forms_candi_call_id_2a72f4_idx'),
        ),
        migrations.AddIndex(
            model_name='candidature',
            index=models.Index(fields=['call', 'identity_key'], name='forms_candi_call_id_099911_idx'),
        ),
    ]
