"""The applicant's space: the one-time links that open a draft or a dossier, and
the dossier's thread (messages, correction requests)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.files import PrivateFile, private_storage
from forms.models import Candidature, Draft


class ApplicantLink(models.Model):
    """A link sent by email that opens one draft or one dossier, once.

    The address carries the link's id, signed and dated (``applicants.links``):
    a forged one fails its signature, an old one its date, a used one this
    row's ``used_at``. (``applicants.links``)
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254)
    draft = models.ForeignKey(
        Draft, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    candidature = models.ForeignKey(
        Candidature,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="links",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lien de reprise")
        verbose_name_plural = _("liens de reprise")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(draft__isnull=False)
                | models.Q(candidature__isnull=False),
                name="applicant_link_opens_something",
            )
        ]

    def __str__(self):
        return str(self.pk)


class CorrectionRequest(models.Model):
    """« Demander un complément »: fields reopened for the applicant until a deadline.

    Answered, it keeps what the answer changed (``changes``: field, label,
    before, after), and the version it replaced.
    """

    candidature = models.ForeignKey(
        Candidature, on_delete=models.CASCADE, related_name="correction_requests"
    )
    fields = models.JSONField(_("champs à corriger"), default=list)
    deadline = models.DateTimeField(_("à rendre avant le"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    answered_at = models.DateTimeField(_("complété le"), null=True, blank=True)
    changes = models.JSONField(default=list, blank=True)
    version = models.ForeignKey(
        "forms.CandidatureVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande de complément")
        verbose_name_plural = _("demandes de complément")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.candidature_id}: {', '.join(self.fields)}"

    def is_open(self, now=None):
        now = now or timezone.now()
        return (
            self.answered_at is None
            and self.cancelled_at is None
            and self.deadline > now
        )


class Message(models.Model):
    """One message of a dossier's thread, from the programme team or its applicant."""

    class Author(models.TextChoices):
        TEAM = "team", _("Équipe du programme")
        APPLICANT = "applicant", _("Candidat ou candidate")

    candidature = models.ForeignKey(
        Candidature, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.CharField(_("auteur"), max_length=10, choices=Author.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("message"))
    correction = models.ForeignKey(
        CorrectionRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    read_at = models.DateTimeField(_("lu le"), null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["candidature", "created_at"])]

    def __str__(self):
        return f"{self.candidature_id}: {self.get_author_display()}"


class MessageAttachment(PrivateFile):
    """A file joined to a message: checked like the form's, kept privately."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        storage=private_storage, upload_to="messages/%Y/%m/", max_length=300
    )

    class Meta:
        verbose_name = _("pièce jointe d'un message")
        verbose_name_plural = _("pièces jointes des messages")
        ordering = ["original_name"]
