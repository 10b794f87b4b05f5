"""A call's closing: exact to the second, « au fil de l'eau », extended in the open.

A call may have no closing date (« au fil de l'eau »: open until the team
sets one), and a published call whose closing is moved later keeps its first
date (``initial_closes_at``), which the public page shows. Once candidatures
came, the closing moves later, never earlier; a changed closing never lies in
the past. ``CallPage`` takes all of it from ``ClosingMixin``.
"""

import datetime as dt

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

# Whether a call has received candidatures: the forms app says
# (``CANDIDATURES_RECEIVED``: functions of a call answering True), this app
# knowing no candidature. A call that has some may not close earlier.
CANDIDATURES_RECEIVED = []


def has_candidatures(call):
    return call.pk is not None and any(check(call) for check in CANDIDATURES_RECEIVED)


def closing_limit_of(closes_at):
    """The last second a closing time accepts (see ``CallPage.closing_limit``)."""
    if closes_at is None:
        return None
    limit = closes_at.replace(microsecond=0)
    if limit.second == 0:
        limit += dt.timedelta(seconds=59)
    return limit


def closes_later(one, other):
    """Whether closing time ``one`` accepts candidatures longer than ``other``.

    Compared by the last second each accepts; no closing date is never.
    """
    if other is None:
        return False
    return one is None or closing_limit_of(one) > closing_limit_of(other)


class ClosingMixin(models.Model):
    """The closing of a call, and the rules of moving it."""

    closes_at = models.DateTimeField(
        _("clôture des candidatures"),
        null=True,
        blank=True,
        help_text=_(
            "Date et heure, heure de Paris. La minute indiquée compte encore : "
            "« 23:59 » accepte les candidatures jusqu'à 23:59:59. Une fois des "
            "candidatures reçues, elle peut être reportée, jamais avancée."
        ),
    )
    rolling = models.BooleanField(
        _("appel au fil de l'eau"),
        default=False,
        help_text=_(
            "Les candidatures sont reçues et examinées au fur et à mesure. La "
            "clôture peut alors rester vide : l'appel reste ouvert jusqu'à ce "
            "que vous indiquiez une date de clôture."
        ),
    )
    initial_closes_at = models.DateTimeField(
        _("clôture initialement prévue"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Enregistrée d'elle-même au premier report de la clôture d'un appel "
            "publié, et affichée sur la page publique."
        ),
    )

    class Meta:
        abstract = True

    def _stored_closing(self):
        """(closing, initial closing, first published) as stored; None: a new call."""
        manager = type(self)._default_manager
        return (
            manager.filter(pk=self.pk)
            .values_list("closes_at", "initial_closes_at", "first_published_at")
            .first()
        )

    def _keep_initial_closing(self):
        stored = self._stored_closing()
        if stored is None:
            return
        closes_at, initial, published = stored
        # A revision read back may carry an older value: the stored one wins.
        self.initial_closes_at = initial
        if (
            initial is None
            and published is not None
            and closes_at is not None
            and closes_later(self.closes_at, closes_at)
        ):
            self.initial_closes_at = closes_at

    def closing_refusal(self, closes_at, now=None):
        """Why the team may not move this call's closing to ``closes_at``, or None.

        Once a call is published, a changed closing date may not lie in the
        past (the current minute still counts: that is how a team closes a
        rolling call now), and once candidatures were received it may be
        moved later, never earlier: people prepared theirs for the announced
        date. Asked by the admin's form; a script or a test may still set a
        past date (to archive a call, to close one in a test).
        """
        stored = self._stored_closing() if self.pk else None
        if closes_at is None or stored is None or stored[2] is None:
            return None  # no date, or a new or never published call
        if closing_limit_of(stored[0]) == closing_limit_of(closes_at):
            return None  # unchanged (« 23:59 » posted back for 23:59:59)
        now = (now or timezone.now()).replace(microsecond=0)
        if closing_limit_of(closes_at) < now:
            return _(
                "Cette date de clôture est déjà passée. Pour clore l'appel tout "
                "de suite, indiquez la date et l'heure d'aujourd'hui."
            )
        earlier = stored[0] is not None and closes_later(stored[0], closes_at)
        if earlier and has_candidatures(self):
            fixed = formats.date_format(timezone.localtime(stored[0]), "j F Y à H:i")
            return _(
                "Des candidatures ont déjà été déposées : la clôture ne peut plus "
                "être avancée (elle est fixée au %(date)s), seulement reportée."
            ) % {"date": fixed}
        return None

    @property
    def closing_limit(self):
        """The last second at which a submission counts; None: no closing date yet.

        Closing times are inclusive to the precision they were entered with: the
        admin takes minutes, so "23:59" accepts until 23:59:59; a time given to
        the second (the API, the demo) accepts until that second.
        """
        return closing_limit_of(self.closes_at)

    @property
    def extended(self):
        """Whether the closing was moved later than first published."""
        if self.initial_closes_at is None:
            return False
        return closes_later(self.closes_at, self.initial_closes_at)
