"""django-tasks-db's ``db_worker``, with a heartbeat: a worker killed mid-task loses no task.

Same options as ``db_worker``. Its worker keeps a heartbeat in the shared
cache and hands back to the queue the tasks of workers that stopped beating
(``core.workers``): run every worker of an instance with this command.
"""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from core.workers import Heartbeat, cache_is_shared, new_worker_id


class Command(DbWorkerCommand):
    help = (
        "Exécute les tâches de fond (db_worker) et remet dans la file celles "
        "des workers arrêtés net."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=new_worker_id())

    def handle(self, *args, **options):
        if not cache_is_shared():
            self.stderr.write(
                "Cache propre à ce processus : les tâches d'un worker arrêté net "
                "ne seront pas remises dans la file (REDIS_URL, ou le cache en base)."
            )
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
