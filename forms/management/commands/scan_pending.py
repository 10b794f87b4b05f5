"""Scan now the files that wait for the antivirus (clamd was silent, a task was lost).

``--unscanned`` also scans the files never scanned: stored before the antivirus
(« antérieur à l'antivirus ») or while it was off.
"""

from django.core.management.base import BaseCommand, CommandError

from core.antivirus import (
    FAILED,
    GONE,
    NOT_SCANNED,
    ScanState,
    Unreachable,
    enabled,
    scan_waiting,
)


class Command(BaseCommand):
    help = "Analyse par l'antivirus les fichiers en attente (et, avec --unscanned, ceux jamais analysés)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--unscanned",
            action="store_true",
            help="Analyser aussi les fichiers antérieurs à l'antivirus ou reçus quand il était désactivé.",
        )

    def handle(self, *args, unscanned=False, **options):
        if not enabled():
            raise CommandError(
                "L'antivirus est désactivé (AMORCE_ANTIVIRUS) : aucun fichier n'est analysé."
            )
        try:
            counts = scan_waiting(unscanned=unscanned)
        except Unreachable as error:
            raise CommandError(
                f"L'antivirus ne répond pas ({error}) : les fichiers attendent encore leur analyse."
            ) from None
        labels = {
            **dict(ScanState.choices),
            GONE: "supprimé pendant l'analyse",
            FAILED: "échec de l'analyse (voir le journal)",
            NOT_SCANNED: "non analysé, laissé tel quel (antivirus injoignable)",
        }
        if not counts:
            self.stdout.write("Aucun fichier en attente d'analyse.")
        for state, count in sorted(counts.items()):
            self.stdout.write(f"{labels[state]} : {count}")
        if counts.get(ScanState.PENDING) or counts.get(NOT_SCANNED):
            raise CommandError(
                "L'antivirus ne répond pas : des fichiers attendent encore leur analyse."
            )
        if counts.get(FAILED):
            raise CommandError(
                f"L'analyse de {counts[FAILED]} fichier(s) a échoué : voir le journal."
            )
