"""Create the local administrator once, and print how to log in.

The password comes from ``AMORCE_ADMIN_PASSWORD`` or is drawn at random the
first time and kept in ``var/admin-password`` (git-ignored), so that every run
prints the same login. Meant for a laptop, not for production.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Crée le compte administrateur local s'il n'existe pas et affiche ses identifiants."

    def add_arguments(self, parser):
        parser.add_argument(
            "--username", default=os.environ.get("AMORCE_ADMIN_USERNAME", "admin")
        )
        parser.add_argument(
            "--email", default=os.environ.get("AMORCE_ADMIN_EMAIL", "admin@example.org")
        )

    def handle(self, *args, username, email, **options):
        password_file = Path(settings.BASE_DIR) / "var" / "admin-password"
        password = os.environ.get("AMORCE_ADMIN_PASSWORD")
        if not password and password_file.exists():
            password = password_file.read_text().strip()
        if not password:
            password = secrets.token_urlsafe(12)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)

        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": email,
                "is_staff": True,
                "is_superuser": True,
                "first_name": "Admin",
                "last_name": "Local",
            },
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save()

        demo_accounts = []
        for demo in User.objects.filter(
            username__in=[
                "programme",
                "jury",
                "communication",
                "programme-region",
                "jury-region",
            ]
        ):
            if not demo.has_usable_password() or not demo.check_password(password):
                demo.set_password(password)
                demo.save()
            demo_accounts.append(demo.username)

        base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Administration : {base_url}/admin/"))
        self.stdout.write(self.style.SUCCESS(f"Identifiant    : {username}"))
        self.stdout.write(self.style.SUCCESS(f"Mot de passe   : {password}"))
        if demo_accounts:
            self.stdout.write(
                "Comptes de démonstration (même mot de passe) : "
                + ", ".join(sorted(demo_accounts))
            )
        self.stdout.write("")
