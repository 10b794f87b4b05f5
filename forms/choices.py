from django.db import models
from django.utils.translation import gettext_lazy as _

from core.files import DEFAULT_FILE_KINDS, FileKind  # noqa: F401 - the forms' vocabulary


class FieldType(models.TextChoices):
    """Wagtail's field types, plus file upload and non-input blocks."""

    SINGLELINE = "singleline", _("Texte court")
    MULTILINE = "multiline", _("Texte long")
    EMAIL = "email", _("Adresse électronique")
    NUMBER = "number", _("Nombre")
    URL = "url", _("Adresse web")
    CHECKBOX = "checkbox", _("Case à cocher")
    CHECKBOXES = "checkboxes", _("Cases à cocher")
    DROPDOWN = "dropdown", _("Liste déroulante")
    MULTISELECT = "multiselect", _("Liste à choix multiples")
    RADIO = "radio", _("Boutons radio")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date et heure")
    HIDDEN = "hidden", _("Champ caché")
    PHONE = "phone", _("Téléphone (France)")
    SIRET = "siret", _("Numéro SIRET")
    SIREN = "siren", _("Numéro SIREN")
    DEPARTEMENT = "departement", _("Département")
    COMMUNE = "commune", _("Commune")
    ADDRESS = "address", _("Adresse postale (France)")
    GROUP = "group", _("Groupe répétable")
    FILE = "file", _("Fichier(s) joint(s)")
    SECTION = "section", _("Titre de section (sans saisie)")
    EXPLANATION = "explanation", _("Texte explicatif (sans saisie)")


NON_INPUT_TYPES = {FieldType.SECTION, FieldType.EXPLANATION}

# Which field types each option of a field applies to (``CandidatureFormField``).
OPTION_TYPES = {
    "min_value": {FieldType.NUMBER},
    "max_value": {FieldType.NUMBER},
    "min_date": {FieldType.DATE, FieldType.DATETIME},
    "max_date": {FieldType.DATE, FieldType.DATETIME},
    "pattern": {FieldType.SINGLELINE},
    "pattern_message": {FieldType.SINGLELINE},
    "confirm_email": {FieldType.EMAIL},
    "group_fields": {FieldType.GROUP},
    "min_entries": {FieldType.GROUP},
    "max_entries": {FieldType.GROUP},
    "entry_label": {FieldType.GROUP},
}


# File kinds are checked by content in core.files, which defines them.


class Status(models.TextChoices):
    RECEIVED = "received", _("Reçue")
    ELIGIBLE = "eligible", _("Recevable")
    INELIGIBLE = "ineligible", _("Irrecevable")
    PRESELECTED = "preselected", _("Pré-sélectionnée")
    NOT_PRESELECTED = "not_preselected", _("Non pré-sélectionnée")
    SELECTED = "selected", _("Lauréate")
    NOT_SELECTED = "not_selected", _("Non retenue")
    WITHDRAWN = "withdrawn", _("Retirée")
    CANCELLED = "cancelled", _("Annulée")


# Which status may follow which. A candidature is never deleted: it is
# ``withdrawn`` (at the applicant's request) or ``cancelled`` (by the team: a
# duplicate, a test, a submission made by mistake), from any status, with a
# reason, and kept.
CLOSING_STATUSES = (Status.WITHDRAWN, Status.CANCELLED)
TRANSITIONS = {
    Status.RECEIVED: {Status.ELIGIBLE, Status.INELIGIBLE},
    Status.ELIGIBLE: {Status.PRESELECTED, Status.NOT_PRESELECTED, Status.INELIGIBLE},
    Status.INELIGIBLE: {Status.ELIGIBLE},
    Status.PRESELECTED: {Status.SELECTED, Status.NOT_SELECTED, Status.NOT_PRESELECTED},
    Status.NOT_PRESELECTED: {Status.PRESELECTED},
    Status.SELECTED: {Status.NOT_SELECTED},
    Status.NOT_SELECTED: {Status.SELECTED},
    Status.WITHDRAWN: set(),
    Status.CANCELLED: set(),
}
for _status, _targets in TRANSITIONS.items():
    if _status not in CLOSING_STATUSES:
        _targets.update(CLOSING_STATUSES)

# A refusal must say why.
REASON_REQUIRED = {
    Status.INELIGIBLE,
    Status.NOT_PRESELECTED,
    Status.NOT_SELECTED,
    Status.WITHDRAWN,
    Status.CANCELLED,
}
