"""Delete the exports made more than N days ago, and imports never confirmed after a day:
they hold personal data."""

from django.core.management.base import BaseCommand

from exports.services import purge_old_jobs, purge_stale_imports


class Command(BaseCommand):
    help = (
        "Supprime les exports (fichiers compris) plus anciens que --days jours "
        "(7 par défaut) et les tableaux d'import jamais confirmés après 24 heures."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options):
        count = purge_old_jobs(days)
        self.stdout.write(f"{count} export(s) supprimé(s).")
        count = purge_stale_imports()
        self.stdout.write(f"{count} tableau(x) d'import non confirmé(s) supprimé(s).")
