"""A round's ranking kept in the database, and the version that says it is current.

Apart from ``models.py`` (which imports them) to keep each file to one concept.

Ranking a round groups every evaluation of it: at 10,000 dossiers that is
most of a ranking page's time. So the round's aggregates are kept, one row a
dossier (``RankedDossier``), and a page reads its rows by their place.

Nothing may change the ranking behind its back: the database itself, by
triggers (migration ``0017_stored_ranking``), moves the round's
``RoundScores.version`` on every write to its evaluations, to the list of its
dossiers, or to a dossier's reference; a write through the app, a
``queryset.update()``, a ``bulk_create``, raw SQL or the shell alike. The kept
rows are read only while they were computed at that version
(``ranked_version``); otherwise they are computed again first
(``selection.scoring.refresh_ranking``).

Neither table has a database foreign key: the triggers write them while rounds
and dossiers are being deleted (a round's own rows go with it, by trigger; a
deleted dossier's row goes at the next computation, its round's version having
moved).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundScores(models.Model):
    """How many times the scores of a round changed, counted by the database."""

    round = models.OneToOneField(
        "selection.ReviewRound",
        verbose_name=_("tour"),
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Moved by the database's triggers only, never written by the app.
    version = models.BigIntegerField(_("version des notes"), default=0)
    # The version the kept rows were computed at; None: never computed.
    ranked_version = models.BigIntegerField(
        _("version du classement conservé"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("version des notes d'un tour")
        verbose_name_plural = _("versions des notes des tours")

    def __str__(self):
        return f"{self.round_id}: {self.version}"


class RankedDossier(models.Model):
    """A dossier's aggregates in a round, as ``selection.scoring.ranking`` computes them.

    ``rank``: its place by the « note » order over the whole round; the other
    orders of the ranking page have their own place, so that any page of any
    order is read by an index.
    """

    round = models.ForeignKey(
        "selection.ReviewRound",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # led by the constraints' indexes
        related_name="+",
    )
    candidature = models.ForeignKey(
        "forms.Candidature",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    scored = models.PositiveIntegerField()
    mean = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    variance = models.FloatField(null=True)
    minimum = models.FloatField(null=True)
    maximum = models.FloatField(null=True)
    conflicted = models.PositiveIntegerField()
    reopened = models.PositiveIntegerField(null=True)
    reopened_pending = models.PositiveIntegerField()
    rank = models.PositiveIntegerField()  # the « note » order
    by_spread = models.PositiveIntegerField()  # the « ecart » order
    by_count = models.PositiveIntegerField()  # the « evaluations » order
    by_reference = models.PositiveIntegerField()  # the « reference » order

    class Meta:
        verbose_name = _("dossier classé")
        verbose_name_plural = _("dossiers classés")
        constraints = [
            # A page of the « note » order; and never a round's dossier twice.
            models.UniqueConstraint(fields=["round", "rank"], name="ranked_by_note"),
            models.UniqueConstraint(
                fields=["round", "candidature"], name="ranked_once_per_round"
            ),
        ]
        indexes = [
            models.Index(fields=["round", "by_spread"], name="ranked_by_spread"),
            models.Index(fields=["round", "by_count"], name="ranked_by_count"),
            models.Index(fields=["round", "by_reference"], name="ranked_by_reference"),
        ]

    def __str__(self):
        return f"{self.round_id} #{self.rank}: {self.candidature_id}"
