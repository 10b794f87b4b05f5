"""The triggers that keep each investigation's current phase and last committee.

``Investigation.current_phase_code``, ``current_phase_starts_on`` (its phase
that started last, in the order of ``models.LATEST_PHASE_FIRST``)
and ``last_committee_on`` (its latest committee's date) are written by the
database itself, at every insertion, change or deletion of a phase or a
committee, whoever writes it (a form, a service, a bulk load, raw SQL). The
follow-up's totals and its soonest committee then read them from indexes
instead of finding every investigation's phases and committees again on each
page (``investigations.views``, ``investigations.stats``).

Whatever else writes them is replaced by what the phases and committees say
(a trigger on the investigation itself): a form opened before a committee was
recorded cannot put back the former date when it is saved. On PostgreSQL each
trigger first locks the investigation's row (``FOR NO KEY UPDATE``,
the lock its update takes anyway: it waits for nothing a foreign key check
holds), then reads its phases or committees in a statement of its own, which
sees what a concurrent transaction committed meanwhile: the last one to
commit writes the right value.

Installed by migration ``0012_investigation_kept_phase``. A migration that
rebuilds a table on SQLite keeps them (``core/sqlite``); after every
``migrate`` they are checked all the same (``ensure``): any missing one is made
again and every investigation's values are read again. A migration that
removes a column they read runs ``uninstall`` first, and ``install`` after
(with the new SQL here).
"""

import logging

from core import triggers

logger = logging.getLogger("amorce.investigations")

PREFIX = "investigations_kept_"

# The phase that started last, as ``models.LATEST_PHASE_FIRST`` orders them.
_LATEST_PHASE = """(SELECT {column} FROM investigations_phase
    WHERE investigation_id = {investigation}
    ORDER BY starts_on DESC, sort_order DESC NULLS LAST, id DESC LIMIT 1)"""
_LAST_COMMITTEE = """(SELECT MAX(date) FROM investigations_committeeevent
    WHERE investigation_id = {investigation})"""


def _phase_values(investigation):
    return (
        f"current_phase_code = {_LATEST_PHASE.format(column='code', investigation=investigation)}, "
        f"current_phase_starts_on = "
        f"{_LATEST_PHASE.format(column='starts_on', investigation=investigation)}"
    )


def _committee_values(investigation):
    return f"last_committee_on = {_LAST_COMMITTEE.format(investigation=investigation)}"


# What refreshes every investigation at once (installation, ``ensure``).
REFRESH_ALL = (
    "UPDATE investigations_investigation SET "
    f"{_phase_values('investigations_investigation.id')}, "
    f"{_committee_values('investigations_investigation.id')}"
)

# The two tables the kept values come from: (table, what they set).
SOURCES = {
    "phase": ("investigations_phase", _phase_values),
    "committee": ("investigations_committeeevent", _committee_values),
}


# SQLite ---------------------------------------------------------------------


def _sqlite_refresh(values, investigation):
    return (
        f"UPDATE investigations_investigation SET {values(investigation)} "
        f"WHERE id = {investigation};"
    )


def _sqlite_triggers():
    triggers = {}
    for source, (table, values) in SOURCES.items():
        name = f"{PREFIX}{source}"
        triggers[f"{name}_insert"] = (
            f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON {table} "
            f"BEGIN {_sqlite_refresh(values, 'NEW.investigation_id')} END"
        )
        triggers[f"{name}_delete"] = (
            f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON {table} "
            f"BEGIN {_sqlite_refresh(values, 'OLD.investigation_id')} END"
        )
        triggers[f"{name}_update"] = (
            f"CREATE TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE ON {table} "
            f"BEGIN {_sqlite_refresh(values, 'OLD.investigation_id')} "
            f"{_sqlite_refresh(values, 'NEW.investigation_id')} END"
        )
    return triggers


def _sqlite_guard():
    """The investigation's own writes: its kept values read again."""
    refresh = (
        "UPDATE investigations_investigation SET "
        f"{_phase_values('NEW.id')}, {_committee_values('NEW.id')} WHERE id = NEW.id;"
    )
    return {
        f"{PREFIX}guard_insert": (
            f"CREATE TRIGGER IF NOT EXISTS {PREFIX}guard_insert "
            f"AFTER INSERT ON investigations_investigation BEGIN {refresh} END"
        ),
        # Not fired again by its own update (SQLite's triggers do not recurse).
        f"{PREFIX}guard_update": (
            f"CREATE TRIGGER IF NOT EXISTS {PREFIX}guard_update AFTER UPDATE OF "
            "current_phase_code, current_phase_starts_on, last_committee_on "
            f"ON investigations_investigation BEGIN {refresh} END"
        ),
    }


SQLITE = {**_sqlite_triggers(), **_sqlite_guard()}


# PostgreSQL -----------------------------------------------------------------


def _postgresql_function(source, values):
    """The row trigger's function: the investigation locked, then read again in
    a statement of its own (a fresh snapshot under READ COMMITTED)."""
    refresh = (
        "PERFORM 1 FROM investigations_investigation WHERE id = investigation "
        "FOR NO KEY UPDATE; "
        f"UPDATE investigations_investigation SET {values('investigation')} "
        "WHERE id = investigation;"
    )
    return f"""CREATE OR REPLACE FUNCTION {PREFIX}{source}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE investigation bigint;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            investigation := OLD.investigation_id;
            {refresh}
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
            AND NEW.investigation_id IS DISTINCT FROM OLD.investigation_id)
        THEN
            investigation := NEW.investigation_id;
            {refresh}
        END IF;
        RETURN NULL;
    END $$"""


# The investigation's own writes: its kept values set from its rows, in
# statements of their own (a fresh snapshot each, as in the functions above).
_POSTGRESQL_GUARD = f"""CREATE OR REPLACE FUNCTION {PREFIX}guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.current_phase_code := {_LATEST_PHASE.format(column="code", investigation="NEW.id")};
        NEW.current_phase_starts_on :=
            {_LATEST_PHASE.format(column="starts_on", investigation="NEW.id")};
        NEW.last_committee_on := {_LAST_COMMITTEE.format(investigation="NEW.id")};
        RETURN NEW;
    END $$"""

POSTGRESQL = {
    # (trigger, table): (its function, its creation).
    **{
        (f"{PREFIX}{source}", table): (
            _postgresql_function(source, values),
            f"CREATE TRIGGER {PREFIX}{source} AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION {PREFIX}{source}()",
        )
        for source, (table, values) in SOURCES.items()
    },
    (f"{PREFIX}guard", "investigations_investigation"): (
        _POSTGRESQL_GUARD,
        f"CREATE TRIGGER {PREFIX}guard BEFORE INSERT OR UPDATE "
        f"ON investigations_investigation FOR EACH ROW EXECUTE FUNCTION {PREFIX}guard()",
    ),
}


def _check_vendor(connection):
    triggers.check_vendor(connection, "The investigations' kept phase is")


def missing(connection):
    """The names of the triggers this database lacks."""
    _check_vendor(connection)
    return triggers.missing(
        connection, SQLITE, postgresql={name for name, _table in POSTGRESQL}
    )


def install(connection):
    """Every trigger made (again), then every investigation's values read again."""
    _check_vendor(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name, statement in SQLITE.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")  # a former body
                cursor.execute(statement)
        else:
            for (name, table), (function, trigger) in POSTGRESQL.items():
                cursor.execute(function)
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(trigger)
        cursor.execute(REFRESH_ALL)


def uninstall(connection):
    _check_vendor(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            return
        for name, table in POSTGRESQL:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def ensure(connection):
    """After a migration: any trigger missing made again, and every
    investigation's values read again (a write may have gone unseen meanwhile)."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    lacking = missing(connection)
    if not lacking:
        return
    logger.warning(
        "Investigations: triggers of the kept phase missing after a migration "
        "(%s), made again; every investigation's current phase read again.",
        ", ".join(lacking),
    )
    install(connection)
