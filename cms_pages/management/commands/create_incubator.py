"""Add an incubator to this instance: its site, pages, identity and groups."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cms_pages.incubators import create_incubator


def host_allowed(hostname):
    from django.conf import settings
    from django.http.request import validate_host

    return validate_host(hostname, settings.ALLOWED_HOSTS)


class Command(BaseCommand):
    help = (
        "Ajoute un incubateur : un site Wagtail avec sa page d'accueil, sa page programme, "
        "son identité et ses groupes Communication, Équipe programme et Jury."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Nom de l'incubateur, affiché dans l'en-tête.")
        parser.add_argument("--hostname", required=True, help="Nom d'hôte du site.")
        parser.add_argument(
            "--port", type=int, default=80, help="Port du site (80 par défaut)."
        )
        parser.add_argument(
            "--authority",
            default="",
            help="Bloc-marque, lignes séparées par \\n (par exemple « Ministère\\nde la Mer »).",
        )
        parser.add_argument(
            "--prefix",
            default="",
            help="Préfixe des références (par défaut, trois lettres tirées du nom).",
        )
        parser.add_argument(
            "--theme",
            default="",
            help="dsfr (services de l'État) ou neutral (collectivités) ; "
            "par défaut AMORCE_THEME.",
        )
        parser.add_argument("--contact-email", default="")
        parser.add_argument(
            "--slug", default="", help="Identifiant de la page d'accueil."
        )

    def handle(self, *args, **options):
        try:
            incubator = create_incubator(
                options["name"],
                options["hostname"],
                port=options["port"],
                name_lines=options["authority"],
                reference_prefix=options["prefix"],
                theme=options["theme"],
                contact_email=options["contact_email"],
                slug=options["slug"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        site = incubator.site
        self.stdout.write(
            self.style.SUCCESS(
                f"Incubateur « {site.site_name} » créé : {site.root_url}/"
            )
        )
        for group in incubator.groups.values():
            self.stdout.write(f"  groupe « {group.name} »")
        self.stdout.write(
            "Ajoutez les personnes à ces groupes dans Paramètres > Utilisateurs ; "
            "l'identité du site se règle dans Paramètres > Identité du site."
        )
        if not host_allowed(site.hostname):
            self.stdout.write(
                self.style.WARNING(
                    f"Ajoutez {site.hostname} à ALLOWED_HOSTS (variable d'environnement), "
                    "puis redémarrez le serveur : d'ici là, le site répond « Bad Request (400) »."
                )
            )
