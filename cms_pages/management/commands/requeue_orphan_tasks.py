"""Hand back to the queue the tasks of workers killed mid-task (``core.workers``).

The workers of ``run_worker`` already do it as they run; this is for when
none runs, or to see it done. Safe at any time, from any machine.
"""

from django.core.management.base import BaseCommand

from core.workers import requeue_orphans


class Command(BaseCommand):
    help = "Remet dans la file les tâches des workers arrêtés net."

    def handle(self, *args, **options):
        self.stdout.write(f"{requeue_orphans()} tâche(s) remise(s) dans la file.")
