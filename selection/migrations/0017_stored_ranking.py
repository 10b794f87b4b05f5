"""The round's ranking kept in the database, and the triggers that say when it is stale.

Every write that can change a round's ranking moves the round's version
(``selection_roundscores.version``), in the database itself: an evaluation
inserted, deleted, or updated in what the ranking reads of it; a dossier added
to or taken from the round; a dossier's reference changed (ties go by it).
PostgreSQL counts once a statement (transition tables), SQLite once a row.
See ``selection/ranking_models.py``.
"""

import django.db.models.deletion
from django.db import migrations, models

# What the ranking reads of an evaluation (``selection.scoring.ranking``).
RANKED_COLUMNS = (
    "round_id",
    "candidature_id",
    "weighted",
    "submitted_at",
    "conflict_of_interest",
    "reopened_count",
)

BUMP_SQLITE = """
    INSERT INTO selection_roundscores (round_id, version, ranked_version)
    SELECT {round}, 1, NULL WHERE {round} IS NOT NULL {also}
    ON CONFLICT (round_id) DO UPDATE SET version = selection_roundscores.version + 1;
"""


def bump_sqlite(round_expression, also=""):
    return BUMP_SQLITE.format(round=round_expression, also=also)


def changed_sqlite():
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in RANKED_COLUMNS)


SQLITE = [
    # A round starts afresh (an id used again by a test database's flush, say).
    """CREATE TRIGGER selection_round_scores_new AFTER INSERT ON selection_reviewround
    BEGIN
        DELETE FROM selection_rankeddossier WHERE round_id = NEW.id;
        INSERT INTO selection_roundscores (round_id, version, ranked_version)
        VALUES (NEW.id, 1, NULL)
        ON CONFLICT (round_id) DO UPDATE
        SET version = selection_roundscores.version + 1, ranked_version = NULL;
    END""",
    """CREATE TRIGGER selection_round_scores_gone AFTER DELETE ON selection_reviewround
    BEGIN
        DELETE FROM selection_rankeddossier WHERE round_id = OLD.id;
        DELETE FROM selection_roundscores WHERE round_id = OLD.id;
    END""",
    f"""CREATE TRIGGER selection_evaluation_scores_insert
    AFTER INSERT ON selection_evaluation
    BEGIN {bump_sqlite("NEW.round_id")} END""",
    f"""CREATE TRIGGER selection_evaluation_scores_delete
    AFTER DELETE ON selection_evaluation
    BEGIN {bump_sqlite("OLD.round_id")} END""",
    f"""CREATE TRIGGER selection_evaluation_scores_update
    AFTER UPDATE ON selection_evaluation WHEN {changed_sqlite()}
    BEGIN
        {bump_sqlite("OLD.round_id")}
        {bump_sqlite("NEW.round_id", "AND NEW.round_id IS NOT OLD.round_id")}
    END""",
    f"""CREATE TRIGGER selection_round_dossiers_insert
    AFTER INSERT ON selection_reviewround_candidatures
    BEGIN {bump_sqlite("NEW.reviewround_id")} END""",
    f"""CREATE TRIGGER selection_round_dossiers_delete
    AFTER DELETE ON selection_reviewround_candidatures
    BEGIN {bump_sqlite("OLD.reviewround_id")} END""",
    f"""CREATE TRIGGER selection_round_dossiers_update
    AFTER UPDATE ON selection_reviewround_candidatures
    WHEN OLD.reviewround_id IS NOT NEW.reviewround_id
        OR OLD.candidature_id IS NOT NEW.candidature_id
    BEGIN
        {bump_sqlite("OLD.reviewround_id")}
        {bump_sqlite("NEW.reviewround_id", "AND NEW.reviewround_id IS NOT OLD.reviewround_id")}
    END""",
    """CREATE TRIGGER selection_candidature_reference_scores
    AFTER UPDATE OF reference ON forms_candidature
    WHEN OLD.reference IS NOT NEW.reference
    BEGIN
        INSERT INTO selection_roundscores (round_id, version, ranked_version)
        SELECT reviewround_id, 1, NULL FROM selection_reviewround_candidatures
        WHERE candidature_id = NEW.id
        ON CONFLICT (round_id) DO UPDATE SET version = selection_roundscores.version + 1;
    END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "selection_round_scores_new",
        "selection_round_scores_gone",
        "selection_evaluation_scores_insert",
        "selection_evaluation_scores_delete",
        "selection_evaluation_scores_update",
        "selection_round_dossiers_insert",
        "selection_round_dossiers_delete",
        "selection_round_dossiers_update",
        "selection_candidature_reference_scores",
    )
]


def changed_postgresql():
    old = ", ".join(f"o.{c}" for c in RANKED_COLUMNS)
    new = ", ".join(f"n.{c}" for c in RANKED_COLUMNS)
    return f"({old}) IS DISTINCT FROM ({new})"


def statement_triggers(table, function):
    """AFTER INSERT, UPDATE, DELETE and TRUNCATE on ``table``, once a statement."""
    return [
        f"""CREATE TRIGGER {table}_scores_insert AFTER INSERT ON {table}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
        f"""CREATE TRIGGER {table}_scores_update AFTER UPDATE ON {table}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
        f"""CREATE TRIGGER {table}_scores_delete AFTER DELETE ON {table}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
        f"""CREATE TRIGGER {table}_scores_truncate AFTER TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION selection_all_scores_changed()""",
    ]


POSTGRESQL = [
    # Every round named, once, in the order of their ids (two writers lock the
    # versions of the same rounds in the same order).
    """CREATE FUNCTION selection_bump_scores(rounds bigint[]) RETURNS void
    LANGUAGE sql AS $$
        INSERT INTO selection_roundscores (round_id, version, ranked_version)
        SELECT DISTINCT r, 1, NULL::bigint FROM unnest(rounds) AS r
        WHERE r IS NOT NULL ORDER BY r
        ON CONFLICT (round_id) DO UPDATE
        SET version = selection_roundscores.version + 1
    $$""",
    """CREATE FUNCTION selection_all_scores_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE selection_roundscores SET version = version + 1;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION selection_evaluation_scores_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM selection_bump_scores(ARRAY(SELECT round_id FROM new_rows));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM selection_bump_scores(ARRAY(SELECT round_id FROM old_rows));
        ELSE
            PERFORM selection_bump_scores(ARRAY(
                SELECT unnest(ARRAY[o.round_id, n.round_id])
                FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
                WHERE o.id IS NULL OR n.id IS NULL OR {changed_postgresql()}
            ));
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION selection_round_dossiers_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM selection_bump_scores(ARRAY(SELECT reviewround_id FROM new_rows));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM selection_bump_scores(ARRAY(SELECT reviewround_id FROM old_rows));
        ELSE
            PERFORM selection_bump_scores(ARRAY(
                SELECT unnest(ARRAY[o.reviewround_id, n.reviewround_id])
                FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
                WHERE o.id IS NULL OR n.id IS NULL
                    OR (o.reviewround_id, o.candidature_id)
                    IS DISTINCT FROM (n.reviewround_id, n.candidature_id)
            ));
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION selection_candidature_reference_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM selection_bump_scores(ARRAY(
            SELECT reviewround_id FROM selection_reviewround_candidatures
            WHERE candidature_id = NEW.id
        ));
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER selection_candidature_reference_scores
    AFTER UPDATE OF reference ON forms_candidature
    FOR EACH ROW WHEN (OLD.reference IS DISTINCT FROM NEW.reference)
    EXECUTE FUNCTION selection_candidature_reference_changed()""",
    """CREATE FUNCTION selection_round_scores_new() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM selection_rankeddossier WHERE round_id = NEW.id;
        INSERT INTO selection_roundscores (round_id, version, ranked_version)
        VALUES (NEW.id, 1, NULL)
        ON CONFLICT (round_id) DO UPDATE
        SET version = selection_roundscores.version + 1, ranked_version = NULL;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER selection_round_scores_new AFTER INSERT ON selection_reviewround
    FOR EACH ROW EXECUTE FUNCTION selection_round_scores_new()""",
    """CREATE FUNCTION selection_round_scores_gone() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM selection_rankeddossier WHERE round_id = OLD.id;
        DELETE FROM selection_roundscores WHERE round_id = OLD.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER selection_round_scores_gone AFTER DELETE ON selection_reviewround
    FOR EACH ROW EXECUTE FUNCTION selection_round_scores_gone()""",
    *statement_triggers("selection_evaluation", "selection_evaluation_scores_changed"),
    *statement_triggers(
        "selection_reviewround_candidatures", "selection_round_dossiers_changed"
    ),
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS selection_round_scores_new ON selection_reviewround",
    "DROP TRIGGER IF EXISTS selection_round_scores_gone ON selection_reviewround",
    "DROP TRIGGER IF EXISTS selection_candidature_reference_scores ON forms_candidature",
    *(
        f"DROP TRIGGER IF EXISTS {table}_scores_{event} ON {table}"
        for table in ("selection_evaluation", "selection_reviewround_candidatures")
        for event in ("insert", "update", "delete", "truncate")
    ),
    *(
        f"DROP FUNCTION IF EXISTS {function}"
        for function in (
            "selection_round_scores_new()",
            "selection_round_scores_gone()",
            "selection_candidature_reference_changed()",
            "selection_round_dossiers_changed()",
            "selection_evaluation_scores_changed()",
            "selection_all_scores_changed()",
            "selection_bump_scores(bigint[])",
        )
    ),
]

TRIGGERS = {
    "sqlite": (SQLITE, SQLITE_REVERSE),
    "postgresql": (POSTGRESQL, POSTGRESQL_REVERSE),
}


def vendor_sql(schema_editor, reverse=False):
    vendor = schema_editor.connection.vendor
    if vendor not in TRIGGERS:
        raise NotImplementedError(
            f"The stored ranking's triggers are written for SQLite and PostgreSQL, not {vendor}."
        )
    return TRIGGERS[vendor][1 if reverse else 0]


def create_triggers(apps, schema_editor):
    for statement in vendor_sql(schema_editor):
        schema_editor.execute(statement, params=None)
    # Every round that exists has its version: none has a kept ranking yet.
    schema_editor.execute(
        "INSERT INTO selection_roundscores (round_id, version, ranked_version) "
        "SELECT id, 1, NULL FROM selection_reviewround",
        params=None,
    )


def drop_triggers(apps, schema_editor):
    for statement in vendor_sql(schema_editor, reverse=True):
        schema_editor.execute(statement, params=None)


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
