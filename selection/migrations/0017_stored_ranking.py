"""The round's ranking kept in the database, and the triggers that say when it is stale.

The triggers are those of ``selection/ranking_triggers.py`` (checked again
after every migration); see ``selection/ranking_models.py``.
"""

import django.db.models.deletion
from django.db import migrations, models

from selection import ranking_triggers


def create_triggers(apps, schema_editor):
    ranking_triggers.install(schema_editor.connection)
    # Every round that exists has its version: none has a kept ranking yet.
    schema_editor.execute(
        "INSERT INTO selection_roundscores (round_id, version, ranked_version) "
        "SELECT id, 1, NULL FROM selection_reviewround",
        params=None,
    )


def drop_triggers(apps, schema_editor):
    ranking_triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0029_candidature_call_status_covering"),
        ("selection", "0016_evaluation_scored_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="RoundScores",
            fields=[
                (
                    "round",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="selection.reviewround",
                        verbose_name="tour",
                    ),
                ),
                (
                    "version",
                    models.BigIntegerField(default=0, verbose_name="version des notes"),
                ),
                (
                    "ranked_version",
                    models.BigIntegerField(
                        blank=True,
                        null=True,
                        verbose_name="version du classement conservé",
                    ),
                ),
            ],
            options={
                "verbose_name": "version des notes d'un tour",
                "verbose_name_plural": "versions des notes des tours",
            },
        ),
        migrations.CreateModel(
            name="RankedDossier",
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
                ("scored", models.PositiveIntegerField()),
                (
                    "mean",
                    models.DecimalField(decimal_places=2, max_digits=9, null=True),
                ),
                ("variance", models.FloatField(null=True)),
                ("minimum", models.FloatField(null=True)),
                ("maximum", models.FloatField(null=True)),
                ("conflicted", models.PositiveIntegerField()),
                ("reopened", models.PositiveIntegerField(null=True)),
                ("reopened_pending", models.PositiveIntegerField()),
                ("rank", models.PositiveIntegerField()),
                ("by_spread", models.PositiveIntegerField()),
                ("by_count", models.PositiveIntegerField()),
                ("by_reference", models.PositiveIntegerField()),
                (
                    "candidature",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="forms.candidature",
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="selection.reviewround",
                    ),
                ),
            ],
            options={
                "verbose_name": "dossier classé",
                "verbose_name_plural": "dossiers classés",
                "indexes": [
                    models.Index(
                        fields=["round", "by_spread"], name="ranked_by_spread"
                    ),
                    models.Index(fields=["round", "by_count"], name="ranked_by_count"),
                    models.Index(
                        fields=["round", "by_reference"], name="ranked_by_reference"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("round", "rank"), name="ranked_by_note"
                    ),
                    models.UniqueConstraint(
                        fields=("round", "candidature"), name="ranked_once_per_round"
                    ),
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
