"""Django's SQLite backend, except that a table rebuilt by a migration keeps
the database's triggers.

Django changes most SQLite columns by building a new table, copying the rows,
dropping the old table and renaming the new one (``_remake_table``). SQLite
drops the old table's triggers with it, and refuses the rename while a trigger
of another table names the dropped one (« error in trigger …: no such
table »). The triggers that keep the rounds' ranking version and the
investigations' current phase (``selection/ranking_triggers.py``,
``investigations/phase_triggers.py``) are such triggers: every rebuild takes
each trigger out first and puts it back after, as it was.

A migration that removes or renames a column a trigger reads drops that trigger
first (a ``RunPython`` of its module's ``uninstall``): putting it back would
fail.
"""

from django.db.backends.sqlite3 import base, schema


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _remake_table(self, model, *args, **kwargs):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "ORDER BY name"
            )
            triggers = cursor.fetchall()
        for name, _definition in triggers:
            self.execute(f"DROP TRIGGER {self.quote_name(name)}", None)
        super()._remake_table(model, *args, **kwargs)
        for _name, definition in triggers:
            self.execute(definition, None)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
