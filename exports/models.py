"""Exports made in the background, kept in private storage until fetched."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forms.models import private_storage


class ExportJob(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Prêt")
        FAILED = "failed", _("Échec")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("export"), max_length=40)
    label = models.CharField(_("intitulé"), max_length=200)
    params = models.JSONField(default=dict)
    format = models.CharField(_("format"), max_length=10)
    state = models.CharField(
        _("état"), max_length=10, choices=State.choices, default=State.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(
        storage=private_storage, upload_to="exports/%Y/%m/", blank=True, max_length=300
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        # « Mes exports »: a user's latest, read from the index.
        indexes = [
            models.Index(fields=["user", "-created_at"], name="exportjob_user_latest")
        ]

    def __str__(self):
        return self.label

    @property
    def percent(self):
        return (
            round(100 * self.done / self.total)
            if self.total
            else (100 if self.state == self.State.DONE else 0)
        )


class ExportColumnChoice(models.Model):
    """The columns a user keeps in an export of a call, applied to their later exports.

    Column names are the resource's Field names (``reference``,
    ``answer__le_probleme``…). A name the export no longer has is ignored when
    the choice is applied; a choice only ever removes columns from what the
    user may export anyway.
    """

    class Kind(models.TextChoices):
        CANDIDATURES = "candidatures", _("Candidatures")
        EVALUATIONS = "evaluations", _("Évaluations")
        RANKING = "ranking", _("Classement")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_column_choices",
    )
    call = models.ForeignKey(
        "cms_pages.CallPage",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("export"), max_length=20, choices=Kind.choices)
    columns = models.JSONField(_("colonnes"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("choix de colonnes")
        verbose_name_plural = _("choix de colonnes")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "call", "kind"], name="one_column_choice_per_export"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.call_id}"
