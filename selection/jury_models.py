"""The records of the jury's people and time: invitations sent, reminders sent.

Apart from ``models.py`` (which imports them) to keep each file to one concept.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JuryInvitation(models.Model):
    """An email inviting a person to a round: who invited whom, when, accepted when.

    The link it carries holds a random token of which only a hash is kept
    (``token_hash``): it opens the invitation once, until ``expires_at``. A new
    invitation to the same person for the same round voids the older ones
    (``replaced_at``). Kept as the round's record.
    """

    round = models.ForeignKey(
        "selection.ReviewRound",
        verbose_name=_("tour"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne invitée"),
        on_delete=models.CASCADE,
        related_name="jury_invitations",
    )
    email = models.EmailField(_("adresse"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("valable jusqu'au"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    replaced_at = models.DateTimeField(
        _("remplacée par un nouveau lien le"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("invitation d'un membre")
        verbose_name_plural = _("invitations des membres")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["round", "user"], name="jury_invitation_round_user")
        ]

    def __str__(self):
        return f"{self.email} — {self.round_id}"


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("Avant la date limite")
    DAY = "day", _("Le jour de la date limite")


class JuryReminder(models.Model):
    """One reminder email sent to a member for a round: never twice for the same one."""

    round = models.ForeignKey(
        "selection.ReviewRound", on_delete=models.CASCADE, related_name="reminders"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre"),
        on_delete=models.CASCADE,
        related_name="jury_reminders",
    )
    kind = models.CharField(_("rappel"), max_length=10, choices=ReminderKind.choices)
    deadline = models.DateField(_("date limite rappelée"))
    pending = models.PositiveIntegerField(_("dossiers à noter"), default=0)
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rappel aux membres")
        verbose_name_plural = _("rappels aux membres")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member", "kind", "deadline"],
                name="one_reminder_per_member_and_deadline",
            )
        ]

    def __str__(self):
        return f"{self.round_id} / {self.member_id} — {self.kind} {self.deadline}"
