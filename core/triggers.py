"""What the modules of triggers kept by the database share
(``selection/ranking_triggers.py``, ``investigations/phase_triggers.py``): the
engines they are written for, and which of their triggers a database lacks."""


def check_vendor(connection, what):
    if connection.vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(
            f"{what} written for SQLite and PostgreSQL, not {connection.vendor}."
        )


def missing(connection, sqlite, postgresql):
    """The names this database lacks among ``sqlite`` (the triggers expected
    on SQLite) or ``postgresql`` (on PostgreSQL), sorted."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = set(sqlite)
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            expected = set(postgresql)
        present = {name for (name,) in cursor.fetchall()}
    return sorted(expected - present)
