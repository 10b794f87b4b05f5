"""Anonymise the candidatures not selected once their call's retention has passed."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from forms.models import Candidature, Draft
from privacy.services import (
    anonymise,
    calls_past_retention,
    delete_files,
    expired_candidatures,
    purge_links,
    remove_drafts,
    retention_end,
)


def parse_moment(value):
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("« %(value)s » n'est pas une date ISO (exemple : 2026-03-31T08:00).")
            % {"value": value}
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def kept(call):
    """Candidatures of the call left whole: laureates and those with an investigation."""
    return Candidature.objects.filter(call=call, anonymised_at=None).count()


class Command(BaseCommand):
    help = _(
        "Anonymise les candidatures non retenues des appels dont la durée de "
        "conservation est écoulée (nombres, statuts et notes conservés). À lancer "
        "chaque jour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Affiche ce qui serait anonymisé, sans rien modifier."),
        )
        parser.add_argument(
            "--now",
            metavar="ISO",
            help=_(
                "Date de référence au lieu de maintenant (heure de Paris si sans fuseau)."
            ),
        )

    def handle(self, *args, dry_run=False, now=None, **options):
        now = parse_moment(now) if now else timezone.now()
        if dry_run:
            self.stdout.write(_("Simulation : rien ne sera modifié."))
        total = failures = 0
        for call in calls_past_retention(now):
            heading = _(
                "« %(title)s » (clos le %(closed)s, conservation %(months)s mois, "
                "échue le %(end)s)"
            ) % {
                "title": call.title,
                "closed": formats.date_format(timezone.localtime(call.closes_at)),
                "months": call.retention_months,
                "end": formats.date_format(retention_end(call)),
            }
            if dry_run:
                count = expired_candidatures(call).count()
                if count:
                    self.stdout.write(
                        _(
                            "%(call)s : %(count)s candidature(s) seraient anonymisée(s), "
                            "%(kept)s conservée(s)."
                        )
                        % {"call": heading, "count": count, "kept": kept(call) - count}
                    )
                total += count
                continue
            try:
                with transaction.atomic():
                    count, files = anonymise(
                        expired_candidatures(call),
                        now=now,
                        log_data={
                            "cause": "retention",
                            "retention_months": call.retention_months,
                        },
                    )
                    # Drafts never sent are no candidatures: deleted, files too.
                    drafts, draft_files = remove_drafts(Draft.objects.filter(call=call))
                    files += draft_files
            except Exception as error:  # noqa: BLE001 - this call is untouched; the next one
                failures += 1
                self.stderr.write(
                    _("%(call)s : échec, rien n'a été modifié (%(error)s).")
                    % {"call": heading, "error": error}
                )
                continue
            not_deleted = delete_files(files)
            total += count
            if count:
                self.stdout.write(
                    _(
                        "%(call)s : %(count)s candidature(s) anonymisée(s), "
                        "%(kept)s conservée(s), %(files)s fichier(s) supprimé(s)."
                    )
                    % {
                        "call": heading,
                        "count": count,
                        "kept": kept(call),
                        "files": len(files) - len(not_deleted),
                    }
                )
            if drafts:
                self.stdout.write(
                    _("%(call)s : %(count)s brouillon(s) jamais envoyé(s) supprimé(s).")
                    % {"call": heading, "count": drafts}
                )
            for name in not_deleted:
                failures += 1
                self.stderr.write(
                    _("Fichier non supprimé du stockage privé, à effacer : %(name)s")
                    % {"name": name}
                )
        if not dry_run:
            purge_links(now)  # expired links: nothing left to open, an address kept
        if dry_run:
            self.stdout.write(
                _("En tout : %(count)s candidature(s) seraient anonymisée(s).")
                % {"count": total}
            )
        else:
            self.stdout.write(
                _("En tout : %(count)s candidature(s) anonymisée(s).")
                % {"count": total}
            )
        if failures:
            raise CommandError(
                _("%(count)s échec(s), voir ci-dessus.") % {"count": failures}
            )
