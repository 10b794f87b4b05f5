"""Everything about one applicant's address: export it, or erase it."""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from forms.choices import Status
from privacy.services import (
    applicant_candidatures,
    applicant_investigations,
    delete_files,
    erase_applicant,
    export_applicant,
)


class Command(BaseCommand):
    help = _(
        "Exporte (--export fichier.zip) ou efface (--erase) tout ce qui concerne "
        "une adresse de candidat ou de candidate, sans distinguer majuscules et "
        "minuscules. L'effacement anonymise les candidatures (références, statuts "
        "et notes conservés) et vide le contact des investigations."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help=_("Adresse électronique de la personne."))
        parser.add_argument(
            "--export", metavar="FICHIER", help=_("Archive ZIP à écrire.")
        )
        parser.add_argument(
            "--erase", action="store_true", help=_("Efface tout ce qui la concerne.")
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help=_("Efface sans demander de confirmation."),
        )

    def handle(self, *args, email, export=None, erase=False, yes=False, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(
                _("« %(email)s » n'est pas une adresse électronique valide.")
                % {"email": email}
            ) from None
        if bool(export) == bool(erase):
            raise CommandError(
                _("Indiquez soit --export FICHIER, soit --erase (un seul des deux).")
            )
        if export:
            self.check_destination(export)

        candidatures = applicant_candidatures(email)
        investigations = applicant_investigations(email)
        found = candidatures.count()
        contacts = investigations.count()
        if not found and not contacts:
            self.stdout.write(_("Aucune donnée pour cette adresse : rien à faire."))
            return
        if export:
            self.export(email, export)
        else:
            self.erase(email, candidatures, found, contacts, yes)

    def check_destination(self, path):
        if os.path.exists(path):
            raise CommandError(
                _("« %(path)s » existe déjà : choisissez un autre nom.")
                % {"path": path}
            )
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise CommandError(
                _("Le dossier « %(directory)s » n'existe pas.")
                % {"directory": directory}
            )

    def export(self, email, path):
        candidatures, investigations, missing = export_applicant(email, path)
        files = sum(len(c.attachments.all()) for c in candidatures) - len(missing)
        self.stdout.write(
            _(
                "Archive écrite : %(path)s (%(candidatures)s candidature(s), "
                "%(files)s fichier(s), %(investigations)s investigation(s) "
                "où la personne est le contact)."
            )
            % {
                "path": path,
                "candidatures": len(candidatures),
                "files": files,
                "investigations": len(investigations),
            }
        )
        for name in missing:
            self.stderr.write(
                _("Fichier absent du stockage, non joint : %(name)s") % {"name": name}
            )

    def erase(self, email, candidatures, found, contacts, yes):
        laureates = list(
            candidatures.filter(status=Status.SELECTED).values_list(
                "reference", flat=True
            )
        )
        self.stdout.write(
            _(
                "À effacer : %(candidatures)s candidature(s) (anonymisées : références, "
                "statuts et notes conservés) et le contact de %(investigations)s "
                "investigation(s)."
            )
            % {"candidatures": found, "investigations": contacts}
        )
        if laureates:
            self.stdout.write(
                _("Attention, lauréate(s) parmi elles : %(references)s.")
                % {"references": ", ".join(laureates)}
            )
        if not yes:
            answer = self.ask(_("Confirmez en tapant « oui » : "))
            if answer.strip().lower() != "oui":
                self.stdout.write(_("Abandon : rien n'a été effacé."))
                return
        with transaction.atomic():
            count, cleared, files = erase_applicant(email)
        not_deleted = delete_files(files)
        self.stdout.write(
            _(
                "Effacé : %(count)s candidature(s) anonymisée(s), %(files)s fichier(s) "
                "supprimé(s), %(cleared)s contact(s) d'investigation vidé(s). Les exports "
                "déjà produits partent avec purge_exports."
            )
            % {
                "count": count,
                "files": len(files) - len(not_deleted),
                "cleared": cleared,
            }
        )
        for name in not_deleted:
            self.stderr.write(
                _("Fichier non supprimé du stockage privé, à effacer : %(name)s")
                % {"name": name}
            )
        if not_deleted:
            raise CommandError(
                _("%(count)s fichier(s) non supprimé(s).") % {"count": len(not_deleted)}
            )

    def ask(self, prompt):
        self.stdout.write(prompt, ending="")
        self.stdout.flush()
        try:
            return input()
        except EOFError:
            return ""
