from django.db import migrations, models


def fill_weighted(apps, schema_editor):
    """Each evaluation's weighted score, as ``selection.scoring.weighted_score`` computes it."""
    ReviewRound = apps.get_model("selection", "ReviewRound")
    Evaluation = apps.get_model("selection", "Evaluation")
    Criterion = apps.get_model("cms_pages", "SelectionCriterion")
    for review_round in ReviewRound.objects.all():
        parts = [
            (str(c.pk), float(c.weight), c.scale_min, c.scale_max - c.scale_min)
            for c in Criterion.objects.filter(page_id=review_round.call_id).order_by(
                "sort_order", "pk"
            )
        ]
        total_weight = sum(part[1] for part in parts)
        batch = []
        for evaluation in Evaluation.objects.filter(round=review_round).only("scores"):
            values = [(evaluation.scores or {}).get(key) for key, *_rest in parts]
            if not parts or not total_weight or None in values:
                continue
            acc = sum(
                weight * (float(value) - low) / span
                for (_key, weight, low, span), value in zip(parts, values, strict=True)
            )
            evaluation.weighted = round(100 * acc / total_weight, 2)
            batch.append(evaluation)
        Evaluation.objects.bulk_update(batch, ["weighted"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("selection", "0011_others_scores_help"),
        ("cms_pages", "0014_siteidentity_beta_gouv_incubator_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="weighted",
            field=models.FloatField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="note pondérée (sur 100)",
            ),
        ),
        migrations.RunPython(fill_weighted, migrations.RunPython.noop),
    ]
