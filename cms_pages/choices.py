"""Vocabularies shared by pages and, later, investigations."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhaseCode(models.TextChoices):
    """Phase codes as beta.gouv.fr's own startup records spell them."""

    INVESTIGATION = "investigation", _("Investigation")
    CONSTRUCTION = "construction", _("Construction")
    ACCELERATION = "acceleration", _("Accélération")
    CONSOLIDATION = "consolidation", _("Consolidation")
    TRANSFERE = "transfere", _("Transférée")
    OPERE = "opere", _("Opérée")
    ABANDON_INVESTIGATION = "abandon-investigation", _("Investigation non concluante")
    ABANDON = "abandon", _("Abandonnée")


class DurationUnit(models.TextChoices):
    WEEKS = "weeks", _("semaines")
    MONTHS = "months", _("mois")
