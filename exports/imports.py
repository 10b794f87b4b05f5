"""Decisions filled offline, imported with django-import-export: all rows or none.

The spreadsheet has a « Référence » column, a « Statut » column (the label
shown in the admin, e.g. « Pré-sélectionnée », or its code) and a « Motif »
column. Every row goes through the same rules as a decision taken in the
admin (allowed transitions, a reason for refusals) and into the history.
"""

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field

from forms.choices import Status
from forms.models import Candidature
from forms.services import change_status

STATUS_BY_LABEL = {str(label).casefold(): value for value, label in Status.choices}


class StatusWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if text in Status.values:
            return text
        status = STATUS_BY_LABEL.get(text.casefold())
        if status is None:
            raise ValueError(_("Statut inconnu « %(value)s ».") % {"value": text})
        return status

    def render(self, value, obj=None, **kwargs):
        return str(Status(value).label) if value else ""


class DecisionResource(resources.ModelResource):
    reference = Field(attribute="reference", column_name="Référence")
    status = Field(attribute="status", column_name="Statut", widget=StatusWidget())

    class Meta:
        model = Candidature
        import_id_fields = ["reference"]
        fields = ["reference", "status"]
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = False

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def get_or_init_instance(self, instance_loader, row):
        instance = self.get_instance(instance_loader, row)
        if instance is None:
            raise ValueError(
                _("Référence inconnue « %(ref)s ».") % {"ref": row.get("Référence")}
            )
        instance._previous_status = instance.status
        return instance, False

    def save_instance(self, instance, is_create, row, **kwargs):
        reason = str(row.get("Motif") or "").strip()
        current = Candidature.objects.get(pk=instance.pk)
        try:
            change_status(current, instance.status, user=self.user, reason=reason)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error


def load_dataset(upload):
    """A tablib Dataset from an uploaded XLSX, ODS or CSV file; ValueError in French otherwise."""
    name = upload.name.lower()
    content = upload.read()
    if name.endswith(".xlsx"):
        fmt = "xlsx"
    elif name.endswith(".ods"):
        fmt = "ods"
    elif name.endswith(".csv"):
        content = content.decode("utf-8-sig")
        fmt = "csv"
    else:
        raise ValueError(
            _("Format non pris en charge : envoyez un fichier XLSX, ODS ou CSV.")
        )
    try:
        if fmt == "csv":
            delimiter = (
                ";"
                if content.split("\n", 1)[0].count(";")
                >= content.split("\n", 1)[0].count(",")
                else ","
            )
            return tablib.Dataset().load(content, format="csv", delimiter=delimiter)
        return tablib.Dataset().load(content, format=fmt)
    except Exception as error:
        raise ValueError(
            _("Le fichier n'a pas pu être lu : %(error)s") % {"error": error}
        ) from error


def row_errors(result):
    """[(line number in the file, reason)] for every refused row."""
    errors = []
    for row in result.invalid_rows:
        for field, messages in row.error_dict.items():
            errors.append((row.number + 1, f"{field} : {' '.join(messages)}"))
    for line, row_result in result.row_errors():
        for error in row_result:
            errors.append((line + 1, str(error.error)))
    return sorted(errors)


def import_decisions(dataset, user, *, dry_run):
    """Run the import; with any error, nothing is saved. Returns (result, errors)."""
    resource = DecisionResource(user=user)
    result = resource.import_data(
        dataset, dry_run=True, raise_errors=False, use_transactions=True
    )
    errors = row_errors(result)
    if errors or dry_run:
        return result, errors
    result = resource.import_data(
        dataset, dry_run=False, raise_errors=True, use_transactions=True
    )
    return result, []
