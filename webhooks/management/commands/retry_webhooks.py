from django.core.management.base import BaseCommand

from webhooks.tasks import send_due


class Command(BaseCommand):
    help = "Envoie les webhooks dont l'heure est venue (nouvel essai ou tâche perdue)."

    def handle(self, *args, **options):
        count = send_due()
        self.stdout.write(f"{count} envoi(s) de webhook tenté(s).")
