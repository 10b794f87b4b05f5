"""Send again the emails that failed (receipt or team notice)."""

from django.core.management.base import BaseCommand
from django.db.models import Q

from forms.emails import send_candidature_emails
from forms.models import Candidature


class Command(BaseCommand):
    help = "Renvoie les courriels de candidature qui n'ont pas pu partir."

    def handle(self, *args, **options):
        pending = (
            Candidature.objects.filter(
                Q(confirmation_sent_at=None) | Q(notification_sent_at=None)
            )
            .filter(anonymised_at=None)  # nobody left to write to
            .values_list("pk", "reference")
        )
        sent = failed = 0
        for pk, reference in pending:
            try:
                send_candidature_emails(pk)
                sent += 1
            except Exception as error:  # noqa: BLE001 - reported, next one
                failed += 1
                self.stderr.write(f"{reference} : échec ({error})")
        self.stdout.write(f"{sent} candidature(s) traitée(s), {failed} échec(s).")
