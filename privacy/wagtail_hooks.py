"""The history entries of the personal-data paths, as Wagtail's admin shows them."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter


class AnonymisedFormatter(LogFormatter):
    label = _("Anonymisation")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        if data.get("cause") == "erasure":
            return _(
                "Candidature anonymisée à la demande de la personne "
                "(empreinte SHA-256 de l'adresse : %(digest)s…)"
            ) % {"digest": (data.get("email_sha256") or "")[:12]}
        return _("Candidature anonymisée : conservation de %(months)s mois écoulée") % {
            "months": data.get("retention_months", "?")
        }


class PersonalDataExportedFormatter(LogFormatter):
    label = _("Export des données d'une personne")

    def format_message(self, log_entry):
        return _(
            "Données exportées pour une adresse (empreinte SHA-256 : %(digest)s…)"
        ) % {"digest": ((log_entry.data or {}).get("email_sha256") or "")[:12]}


class PersonalDataErasedFormatter(LogFormatter):
    label = _("Effacement des données d'une personne")

    def format_message(self, log_entry):
        return _(
            "Contact effacé à la demande de la personne (empreinte SHA-256 : %(digest)s…)"
        ) % {"digest": ((log_entry.data or {}).get("email_sha256") or "")[:12]}


@hooks.register("register_log_actions")
def register_privacy_log_actions(actions):
    actions.register_action("amorce.candidature.anonymised")(AnonymisedFormatter)
    actions.register_action("amorce.personal_data.exported")(
        PersonalDataExportedFormatter
    )
    actions.register_action("amorce.personal_data.erased")(PersonalDataErasedFormatter)
