"""Email the members who still have dossiers to score before their round's deadline."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from selection.reminders import send_jury_reminders


class Command(BaseCommand):
    help = _(
        "Envoie aux membres des tours d'examen qui ont encore des dossiers à noter "
        "un rappel quelques jours avant la date limite, puis le jour même (un "
        "courriel par membre et par tour, jamais deux fois le même). À lancer "
        "chaque jour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            metavar="AAAA-MM-JJ",
            help=_("Jour de référence au lieu d'aujourd'hui (heure de Paris)."),
        )

    def handle(self, *args, date=None, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(
                    _("« %(value)s » n'est pas une date (exemple : 2026-03-31).")
                    % {"value": date}
                ) from None
        report = send_jury_reminders(today)
        for review_round, member, error in report.failed:
            self.stderr.write(
                _("%(round)s, %(member)s : rappel non envoyé (%(error)s).")
                % {"round": review_round, "member": member.email, "error": error}
            )
        self.stdout.write(
            _("%(sent)s rappel(s) envoyé(s), %(skipped)s sans objet ou déjà envoyé(s).")
            % {"sent": report.sent, "skipped": report.skipped}
        )
        if report.failed:
            raise CommandError(
                _("%(count)s échec(s), voir ci-dessus ; relancez la commande.")
                % {"count": len(report.failed)}
            )
