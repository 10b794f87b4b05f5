"""The triggers that tell when a round's kept ranking is stale, in the database.

Every write that can change a round's ranking moves the round's version
(``selection_roundscores.version``, see ``ranking_models``): an evaluation
that counts (submitted, or reopened by the team) inserted, deleted, or
changed in what the ranking reads of it; a dossier added to or taken from
the round; a dossier's reference changed (ties go by it). A draft never
submitted changes nothing and moves nothing.

PostgreSQL moves it at the commit (deferred constraint triggers), once a
transaction and round: a transaction that writes evaluations takes its
rounds' version rows only while it commits, so a long import never holds
them while it waits for a member's evaluation (no deadlock), and a member's
save waits for nothing but a ranking being computed. A transaction that reads
a kept ranking after its own writes moves them first (``flush``). SQLite,
which writes one transaction at a time, moves it at once.

Installed by migration ``0017_stored_ranking``. A migration that rebuilds a
table on SQLite keeps them (``core/sqlite``); after every ``migrate`` they are
checked all the same (``ensure``): any missing one (dropped by hand, or by
Django's own SQLite backend) is made again, and every kept ranking is marked
stale (a write may have gone uncounted meanwhile).
"""

import logging

from core import triggers

logger = logging.getLogger("amorce.selection")

# What the ranking reads of an evaluation (``selection.scoring.ranking``).
RANKED_COLUMNS = (
    "round_id",
    "candidature_id",
    "weighted",
    "submitted_at",
    "conflict_of_interest",
    "reopened_count",
)


def _counts(row):
    """An evaluation the ranking reads: submitted, or reopened (« reopened » columns)."""
    return f"({row}.submitted_at IS NOT NULL OR {row}.reopened_count > 0)"


# SQLite ---------------------------------------------------------------------

_BUMP_SQLITE = """
    INSERT INTO selection_roundscores (round_id, version, ranked_version)
    SELECT {round}, 1, NULL
    WHERE EXISTS (SELECT 1 FROM selection_reviewround WHERE id = {round}) {also}
    ON CONFLICT (round_id) DO UPDATE SET version = selection_roundscores.version + 1;
"""


def _bump_sqlite(round_expression, also=""):
    return _BUMP_SQLITE.format(round=round_expression, also=also)


def _changed_sqlite():
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in RANKED_COLUMNS)


SQLITE = {
    # A round starts afresh (an id used again after a flush, say).
    "selection_round_scores_new": """
    CREATE TRIGGER IF NOT EXISTS selection_round_scores_new
    AFTER INSERT ON selection_reviewround
    BEGIN
        DELETE FROM selection_rankeddossier WHERE round_id = NEW.id;
        INSERT INTO selection_roundscores (round_id, version, ranked_version)
        VALUES (NEW.id, 1, NULL)
        ON CONFLICT (round_id) DO UPDATE
        SET version = selection_roundscores.version + 1, ranked_version = NULL;
    END""",
    "selection_round_scores_gone": """
    CREATE TRIGGER IF NOT EXISTS selection_round_scores_gone
    AFTER DELETE ON selection_reviewround
    BEGIN
        DELETE FROM selection_rankeddossier WHERE round_id = OLD.id;
        DELETE FROM selection_roundscores WHERE round_id = OLD.id;
    END""",
    "selection_evaluation_scores_insert": f"""
    CREATE TRIGGER IF NOT EXISTS selection_evaluation_scores_insert
    AFTER INSERT ON selection_evaluation WHEN {_counts("NEW")}
    BEGIN {_bump_sqlite("NEW.round_id")} END""",
    "selection_evaluation_scores_delete": f"""
    CREATE TRIGGER IF NOT EXISTS selection_evaluation_scores_delete
    AFTER DELETE ON selection_evaluation WHEN {_counts("OLD")}
    BEGIN {_bump_sqlite("OLD.round_id")} END""",
    "selection_evaluation_scores_update": f"""
    CREATE TRIGGER IF NOT EXISTS selection_evaluation_scores_update
    AFTER UPDATE ON selection_evaluation
    WHEN ({_counts("OLD")} OR {_counts("NEW")}) AND ({_changed_sqlite()})
    BEGIN
        {_bump_sqlite("OLD.round_id")}
        {_bump_sqlite("NEW.round_id", "AND NEW.round_id IS NOT OLD.round_id")}
    END""",
    "selection_round_dossiers_insert": f"""
    CREATE TRIGGER IF NOT EXISTS selection_round_dossiers_insert
    AFTER INSERT ON selection_reviewround_candidatures
    BEGIN {_bump_sqlite("NEW.reviewround_id")} END""",
    "selection_round_dossiers_delete": f"""
    CREATE TRIGGER IF NOT EXISTS selection_round_dossiers_delete
    AFTER DELETE ON selection_reviewround_candidatures
    BEGIN {_bump_sqlite("OLD.reviewround_id")} END""",
    "selection_round_dossiers_update": f"""
    CREATE TRIGGER IF NOT EXISTS selection_round_dossiers_update
    AFTER UPDATE ON selection_reviewround_candidatures
    WHEN OLD.reviewround_id IS NOT NEW.reviewround_id
        OR OLD.candidature_id IS NOT NEW.candidature_id
    BEGIN
        {_bump_sqlite("OLD.reviewround_id")}
        {_bump_sqlite("NEW.reviewround_id", "AND NEW.reviewround_id IS NOT OLD.reviewround_id")}
    END""",
    "selection_candidature_reference_scores": """
    CREATE TRIGGER IF NOT EXISTS selection_candidature_reference_scores
    AFTER UPDATE OF reference ON forms_candidature
    WHEN OLD.reference IS NOT NEW.reference
    BEGIN
        INSERT INTO selection_roundscores (round_id, version, ranked_version)
        SELECT reviewround_id, 1, NULL FROM selection_reviewround_candidatures
        WHERE candidature_id = NEW.id
        ON CONFLICT (round_id) DO UPDATE SET version = selection_roundscores.version + 1;
    END""",
}


# PostgreSQL -----------------------------------------------------------------

# The deferred triggers, by name (``SET CONSTRAINTS`` names them: ``flush``).
DEFERRED = (
    "selection_evaluation_scores",
    "selection_round_dossiers_scores",
    "selection_candidature_reference_scores",
)


def _row_function(name, round_column, columns, counts=lambda row: "TRUE"):
    """A row trigger's function: the round of a row inserted or deleted, or of a
    row changed in ``columns`` (both rounds if it moved), when ``counts`` it."""
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return f"""CREATE OR REPLACE FUNCTION {name}()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF {counts("NEW")} THEN
                PERFORM selection_bump_round(NEW.{round_column});
            END IF;
        ELSIF TG_OP = 'DELETE' THEN
            IF {counts("OLD")} THEN
                PERFORM selection_bump_round(OLD.{round_column});
            END IF;
        ELSIF ({counts("OLD")} OR {counts("NEW")})
            AND ({old}) IS DISTINCT FROM ({new})
        THEN
            PERFORM selection_bump_round(OLD.{round_column});
            IF NEW.{round_column} IS DISTINCT FROM OLD.{round_column} THEN
                PERFORM selection_bump_round(NEW.{round_column});
            END IF;
        END IF;
        RETURN NULL;
    END $$"""


_FUNCTIONS_POSTGRESQL = [
    # A round's version moved once a transaction: again only if the transaction
    # computed the ranking since (it looks current), or for another transaction.
    # Only an existing round gets a version (its deletion's cascade does not
    # bring it back).
    """CREATE OR REPLACE FUNCTION selection_bump_round(round bigint) RETURNS void
    LANGUAGE sql AS $$
        INSERT INTO selection_roundscores (round_id, version, ranked_version)
        SELECT round, 1, NULL::bigint
        WHERE EXISTS (SELECT 1 FROM selection_reviewround WHERE id = round)
        ON CONFLICT (round_id) DO UPDATE
        SET version = selection_roundscores.version + 1
        WHERE selection_roundscores.xmin <> pg_current_xact_id()::xid
            OR selection_roundscores.ranked_version
                IS NOT DISTINCT FROM selection_roundscores.version
    $$""",
    """CREATE OR REPLACE FUNCTION selection_all_scores_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE selection_roundscores SET version = version + 1;
        RETURN NULL;
    END $$""",
    _row_function(
        "selection_evaluation_scores_changed", "round_id", RANKED_COLUMNS, _counts
    ),
    _row_function(
        "selection_round_dossiers_changed",
        "reviewround_id",
        ("reviewround_id", "candidature_id"),
    ),
    # The reference compared here, not in the trigger's definition: a column a
    # trigger names cannot change type (a later migration would fail).
    """CREATE OR REPLACE FUNCTION selection_candidature_reference_changed()
    RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE round bigint;
    BEGIN
        IF OLD.reference IS DISTINCT FROM NEW.reference THEN
            FOR round IN
                SELECT reviewround_id FROM selection_reviewround_candidatures
                WHERE candidature_id = NEW.id ORDER BY reviewround_id
            LOOP
                PERFORM selection_bump_round(round);
            END LOOP;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION selection_round_scores_new() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM selection_rankeddossier WHERE round_id = NEW.id;
        INSERT INTO selection_roundscores (round_id, version, ranked_version)
        VALUES (NEW.id, 1, NULL)
        ON CONFLICT (round_id) DO UPDATE
        SET version = selection_roundscores.version + 1, ranked_version = NULL;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION selection_round_scores_gone() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM selection_rankeddossier WHERE round_id = OLD.id;
        DELETE FROM selection_roundscores WHERE round_id = OLD.id;
        RETURN NULL;
    END $$""",
]


def _deferred(name, table, events, function):
    return f"""CREATE CONSTRAINT TRIGGER {name} AFTER {events} ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()"""


POSTGRESQL = {
    # (trigger, table): its creation.
    ("selection_round_scores_new", "selection_reviewround"): """
    CREATE TRIGGER selection_round_scores_new AFTER INSERT ON selection_reviewround
    FOR EACH ROW EXECUTE FUNCTION selection_round_scores_new()""",
    ("selection_round_scores_gone", "selection_reviewround"): """
    CREATE TRIGGER selection_round_scores_gone AFTER DELETE ON selection_reviewround
    FOR EACH ROW EXECUTE FUNCTION selection_round_scores_gone()""",
    ("selection_evaluation_scores", "selection_evaluation"): _deferred(
        "selection_evaluation_scores",
        "selection_evaluation",
        "INSERT OR UPDATE OR DELETE",
        "selection_evaluation_scores_changed",
    ),
    ("selection_round_dossiers_scores", "selection_reviewround_candidatures"): (
        _deferred(
            "selection_round_dossiers_scores",
            "selection_reviewround_candidatures",
            "INSERT OR UPDATE OR DELETE",
            "selection_round_dossiers_changed",
        )
    ),
    ("selection_candidature_reference_scores", "forms_candidature"): _deferred(
        "selection_candidature_reference_scores",
        "forms_candidature",
        "UPDATE",
        "selection_candidature_reference_changed",
    ),
    **{
        (f"{table}_scores_truncate", table): f"""
        CREATE TRIGGER {table}_scores_truncate AFTER TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION selection_all_scores_changed()"""
        for table in ("selection_evaluation", "selection_reviewround_candidatures")
    },
}

# Triggers of the first version of migration 0017 (once a statement, at once),
# dropped where they were installed.
_FORMER_POSTGRESQL = [
    (f"{table}_scores_{event}", table)
    for table in ("selection_evaluation", "selection_reviewround_candidatures")
    for event in ("insert", "update", "delete")
]
_FUNCTIONS_DROPPED = (
    "selection_round_scores_new()",
    "selection_round_scores_gone()",
    "selection_candidature_reference_changed()",
    "selection_round_dossiers_changed()",
    "selection_evaluation_scores_changed()",
    "selection_all_scores_changed()",
    "selection_bump_round(bigint)",
    "selection_bump_scores(bigint[])",
)


def _check_vendor(connection):
    triggers.check_vendor(connection, "The stored ranking's triggers are")


def missing(connection):
    """The names of the triggers this database lacks."""
    _check_vendor(connection)
    return triggers.missing(
        connection, SQLITE, postgresql={name for name, _table in POSTGRESQL}
    )


def install(connection):
    """Every trigger made (again): those present are left or replaced."""
    _check_vendor(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in SQLITE.values():
                cursor.execute(statement)
            return
        for name, table in _FORMER_POSTGRESQL:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS selection_bump_scores(bigint[])")
        for statement in _FUNCTIONS_POSTGRESQL:
            cursor.execute(statement)
        for (name, table), statement in POSTGRESQL.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(statement)


def uninstall(connection):
    _check_vendor(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            return
        for name, table in [*POSTGRESQL, *_FORMER_POSTGRESQL]:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in _FUNCTIONS_DROPPED:
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}")


def ensure(connection):
    """After a migration: any trigger missing made again, and every kept ranking
    then marked stale (a write may have gone uncounted while it was missing)."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    lacking = missing(connection)
    if not lacking:
        return
    logger.warning(
        "Stored ranking: triggers missing after a migration (%s), made again; "
        "every round's ranking will be computed again.",
        ", ".join(lacking),
    )
    install(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE selection_roundscores SET version = version + 1")


def flush(connection):
    """Inside a transaction on PostgreSQL, the rounds' versions moved now by the
    writes this transaction made so far (instead of at its commit): before it
    reads or computes a kept ranking. Nothing to do elsewhere."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    names = ", ".join(DEFERRED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SET CONSTRAINTS {names} IMMEDIATE; SET CONSTRAINTS {names} DEFERRED"
        )
