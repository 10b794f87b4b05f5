"""Delete the exports made more than N days ago: they hold personal data."""

from django.core.management.base import BaseCommand

from exports.services import purge_old_jobs


class Command(BaseCommand):
    help = "Supprime les exports (fichiers compris) plus anciens que --days jours (7 par défaut)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options):
        count = purge_old_jobs(days)
        self.stdout.write(f"{count} export(s) supprimé(s).")
