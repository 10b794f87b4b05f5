"""Ask the task worker to prepare the jury books of the rounds under way (nightly)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from exports import preparation
from selection.models import ReviewRound


class Command(BaseCommand):
    help = _(
        "Demande au worker de tâches de préparer le cahier du jury et "
        "l'exemplaire de chaque membre des tours non clos dont la réunion "
        "n'est pas passée depuis plus d'une semaine : ce qui a changé est "
        "tiré, ce qui était gardé l'est une semaine de plus. À lancer chaque "
        "nuit, après anonymise_candidatures."
    )

    def handle(self, *args, **options):
        if not preparation.enabled():
            raise CommandError(
                _(
                    "La préparation des cahiers du jury n'est pas active : il "
                    "lui faut un worker de tâches et un cache partagé (Redis ou "
                    "la base), voir AMORCE_JURY_BOOK_PREPARE."
                )
            )
        # A meeting a week past: the round is over, closed or not; its parts lapse.
        week_ago = timezone.localdate() - timedelta(days=7)
        rounds = (
            ReviewRound.objects.filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=week_ago),
                closed_at__isnull=True,
                candidatures__isnull=False,
            )
            .distinct()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        count = 0
        for round_id in rounds:
            preparation.request(round_id, renew=True)
            count += 1
        self.stdout.write(
            _("%(count)s tour(s) en cours : préparation demandée.") % {"count": count}
        )
