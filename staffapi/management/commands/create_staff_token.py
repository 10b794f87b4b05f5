"""Create a staff token for a user, for a script: prints the token, once."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import APIToken

from staffapi.models import DEFAULT_DAYS, MAX_DAYS, TokenExpiry


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un membre du personnel et l'affiche (une fois)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="script")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS)

    def handle(self, *args, username, name, days, **options):
        if not 0 < days <= MAX_DAYS:
            raise CommandError(_("--days : entre 1 et %(max)s.") % {"max": MAX_DAYS})
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Aucun compte « %(name)s ».") % {"name": username})
        token, plaintext = APIToken.create_token(user=user, name=name)
        TokenExpiry.objects.update_or_create(
            token=token,
            defaults={"expires_at": timezone.now() + dt.timedelta(days=days)},
        )
        self.stdout.write(plaintext)
