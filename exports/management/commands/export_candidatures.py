"""Export candidatures (one call or all) to a spreadsheet file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exports.services import build_resource, export_to
from exports.writers import FORMATS


class Command(BaseCommand):
    help = "Exporte les candidatures (XLSX, ODS, CSV ou JSON)."

    def add_arguments(self, parser):
        parser.add_argument(
            "output", help="Fichier à écrire ; son extension donne le format."
        )
        parser.add_argument(
            "--call",
            type=int,
            help="Identifiant de l'appel (toutes les candidatures sinon).",
        )
        parser.add_argument(
            "--status", action="append", help="Ne garder que ce statut (répétable)."
        )

    def handle(self, *args, output, call=None, status=None, **options):
        path = Path(output)
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError(
                f"Format inconnu « {fmt} » : choisissez parmi {', '.join(FORMATS)}."
            )
        params = {}
        if call:
            params["call"] = call
        if status:
            params["status"] = status
        resource, total = build_resource("candidatures", params)
        with path.open("wb") as handle:
            export_to(resource, fmt, handle)
        self.stdout.write(f"{total} candidature(s) écrite(s) dans {path}.")
