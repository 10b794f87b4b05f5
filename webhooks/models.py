"""Webhooks: URLs of a site's programme team that receive its events, signed."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    CANDIDATURE_SUBMITTED = "candidature.submitted", _("Candidature déposée")
    STATUS_CHANGED = "candidature.status_changed", _("Statut de candidature modifié")
    DECISION_SENT = "decision.sent", _("Courriel de décision envoyé")
    EVALUATION_SUBMITTED = "evaluation.submitted", _("Évaluation soumise")
    PHASE_CHANGED = "investigation.phase_changed", _("Phase d'investigation modifiée")
    PING = "ping", _("Événement de test")


SUBSCRIBABLE = [(value, label) for value, label in Event.choices if value != "ping"]


def new_secret():
    return f"whsec_{secrets.token_hex(32)}"


class Endpoint(models.Model):
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    name = models.CharField(_("nom"), max_length=120)
    url = models.URLField(
        _("adresse (URL)"),
        max_length=500,
        help_text=_("Reçoit les événements en POST, en JSON. HTTPS conseillé."),
    )
    secret = models.CharField(
        _("secret de signature"), max_length=80, default=new_secret
    )
    events = models.JSONField(_("événements"), default=list, blank=True)
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def receives(self, event):
        return self.active and (event == Event.PING or event in (self.events or []))


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        SUCCEEDED = "succeeded", _("réussie")
        FAILED = "failed", _("échouée")

    endpoint = models.ForeignKey(
        Endpoint,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("événement"), max_length=40, choices=Event.choices)
    payload = models.JSONField(_("contenu"))
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    response_code = models.PositiveSmallIntegerField(
        _("code de réponse"), null=True, blank=True
    )
    last_error = models.TextField(_("dernière erreur"), blank=True)
    next_try_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("envoi de webhook")
        verbose_name_plural = _("envois de webhooks")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_try_at"], name="webhook_due_idx")
        ]

    def __str__(self):
        return f"{self.get_event_display()} → {self.endpoint}"
