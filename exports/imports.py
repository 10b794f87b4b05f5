"""Decisions filled offline, imported with django-import-export: all rows or none.

The spreadsheet has a « Référence » column, a « Statut » column (the label
shown in the admin, e.g. « Pré-sélectionnée », or its code) and a « Motif »
column. Every row goes through the same rules as a decision taken in the
admin (allowed transitions, a reason for refusals) and into the history.
"""

import io

import tablib
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field

from core.antivirus import ScanState, Unreachable, scan_upload
from forms.models import Candidature
from forms.permissions import candidatures_for
from forms.services import change_status
from selection.models import Evaluation
from selection.scoring import clean_scores, criteria_of

from .ods import read_ods
from .resources import StatusWidget, neutralise, unneutralise


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

    def get_queryset(self):
        """Only the candidatures of the user's sites: others read as unknown references."""
        return candidatures_for(self.user)

    def get_or_init_instance(self, instance_loader, row):
        instance = self.get_instance(instance_loader, row)
        if instance is None:
            raise ValueError(
                _("Référence inconnue « %(ref)s ».") % {"ref": row.get("Référence")}
            )
        instance._previous_status = instance.status
        return instance, False

    def save_instance(self, instance, is_create, row, **kwargs):
        reason = unneutralise(str(row.get("Motif") or "").strip())
        current = Candidature.objects.get(pk=instance.pk)
        try:
            change_status(current, instance.status, user=self.user, reason=reason)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error


def refuse_unless_clean(upload):
    """An imported file is scanned before it is read: refused unless clamd clears it.

    Not stored, so not scanned later: clamd silent, the import waits for it.
    """
    try:
        state, detail = scan_upload(upload)
    except Unreachable:
        raise ValueError(
            _(
                "L'antivirus ne répond pas : le fichier n'est pas importé. "
                "Réessayez dans quelques minutes."
            )
        ) from None
    if state == ScanState.INFECTED:
        raise ValueError(
            _(
                "L'antivirus a détecté un virus dans ce fichier (%(name)s) : rien n'est importé."
            )
            % {"name": detail}
        )
    if state == ScanState.UNSCANNABLE:
        raise ValueError(
            _(
                "L'antivirus n'a pas pu analyser ce fichier (chiffré, endommagé ou trop "
                "volumineux) : rien n'est importé."
            )
        )


def load_dataset(upload):
    """A tablib Dataset from an uploaded XLSX, ODS or CSV file; ValueError in French otherwise."""
    name = upload.name.lower()
    refuse_unless_clean(upload)
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
        if fmt == "ods":
            return dataset_of(read_ods(io.BytesIO(content)))
        return tablib.Dataset().load(content, format=fmt)
    except Exception as error:
        raise ValueError(
            _("Le fichier n'a pas pu être lu : %(error)s") % {"error": error}
        ) from error


def dataset_of(rows):
    """A Dataset from rows whose first is the header; short rows are padded."""
    if not rows:
        return tablib.Dataset()
    headers, width = rows[0], len(rows[0])
    return tablib.Dataset(
        *(row + [""] * (width - len(row)) for row in rows[1:]), headers=headers
    )


def row_errors(result):
    """[(line number in the file, reason)] for every refused row (None: the whole file)."""
    errors = [(None, str(error.error)) for error in result.base_errors]
    for row in result.invalid_rows:
        for field, messages in row.error_dict.items():
            errors.append((row.number + 1, f"{field} : {' '.join(messages)}"))
    for line, row_result in result.row_errors():
        for error in row_result:
            errors.append((line + 1, str(error.error)))
    return sorted(errors, key=lambda error: (error[0] or 0, error[1]))


def all_or_nothing(resource, dataset, *, dry_run):
    """A dry run first; with any error, nothing is saved. Returns (result, errors)."""
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


def import_decisions(dataset, user, *, dry_run):
    return all_or_nothing(DecisionResource(user=user), dataset, dry_run=dry_run)


class EvaluationImportResource(resources.ModelResource):
    """A round's evaluations filled offline: one row per member per dossier.

    Columns as the evaluations export writes them: « Référence », « Adresse du
    membre », one column per criterion (its label, then its scale), « Commentaire »,
    optionally « Commentaire — <criterion> » per criterion, « Conflit d'intérêts »
    (Oui/Non). A closed round takes none.
    """

    class Meta:
        model = Evaluation
        fields = []
        use_transactions = True
        clean_model_instances = False

    def __init__(self, review_round, user=None, **kwargs):
        super().__init__(**kwargs)
        self.review_round = review_round
        self.user = user  # who typed them in: kept on each evaluation
        self.criteria = criteria_of(review_round.call)
        self.members = {
            m.user.email.casefold(): m.user
            for m in review_round.memberships.filter(removed_at=None).select_related(
                "user"
            )
            if m.user.email
        }

    def _check_import_id_fields(self, headers):
        """Rows are matched on « Référence » and « Adresse du membre », checked below."""
        missing = [
            column
            for column in ("Référence", "Adresse du membre")
            if column not in headers
        ]
        if missing:
            raise ValueError(
                _("Colonnes manquantes : %(columns)s.")
                % {"columns": ", ".join(missing)}
            )

    def criterion_column(self, criterion):
        return f"{criterion.label} ({criterion.scale_min}–{criterion.scale_max})"

    def criterion_comment(self, row, criterion):
        column = f"Commentaire — {criterion.label}"
        value = row.get(column, row.get(neutralise(column)))
        return unneutralise(str(value or "")).strip()

    def criterion_value(self, row, criterion):
        column = self.criterion_column(criterion)
        # The export neutralises a header that starts like a formula.
        return row.get(column, row.get(neutralise(column)))

    def get_or_init_instance(self, instance_loader, row):
        if self.review_round.is_closed:
            raise ValueError(
                _(
                    "Ce tour est clos : on n'y rend plus d'évaluation. Rouvrez-le "
                    "d'abord si ces évaluations doivent compter."
                )
            )
        reference = str(row.get("Référence") or "").strip()
        candidature = self.review_round.candidatures.filter(reference=reference).first()
        if candidature is None:
            raise ValueError(
                _("« %(ref)s » n'est pas un dossier de ce tour.") % {"ref": reference}
            )
        member = self.members.get(
            str(row.get("Adresse du membre") or "").strip().casefold()
        )
        if member is None:
            raise ValueError(
                _("« %(email)s » n'est pas membre de ce tour.")
                % {"email": row.get("Adresse du membre")}
            )
        instance = Evaluation.objects.filter(
            round=self.review_round, candidature=candidature, member=member
        ).first()
        if instance is None:
            return Evaluation(
                round=self.review_round, candidature=candidature, member=member
            ), True
        return instance, False

    def import_instance(self, instance, row, **kwargs):
        conflict = str(row.get("Conflit d'intérêts") or "").strip().casefold() in {
            "oui",
            "yes",
            "1",
            "x",
            "vrai",
        }
        comment = unneutralise(str(row.get("Commentaire") or ""))
        criterion_comments = {
            str(c.pk): text
            for c in self.criteria
            if (text := self.criterion_comment(row, c))
        }
        if conflict:
            scores = {}
        else:
            raw = {str(c.pk): self.criterion_value(row, c) for c in self.criteria}
            try:
                scores = clean_scores(raw, self.criteria)
            except ValidationError as error:
                raise ValueError(" ".join(error.messages)) from error
        if instance.is_locked:
            # A submitted evaluation is the member's: the same values read back
            # from the export are skipped; different ones are refused.
            unchanged = (
                instance.conflict_of_interest == conflict
                and instance.comment == comment
                and instance.criterion_comments == criterion_comments
                and instance.scores == scores
            )
            if not unchanged:
                raise ValueError(
                    _(
                        "L'évaluation de %(email)s pour « %(ref)s » est déjà rendue : "
                        "elle ne change plus. Rouvrez-la d'abord si elle doit changer."
                    )
                    % {"email": instance.member.email, "ref": row.get("Référence")}
                )
            instance.unchanged = True
            return
        instance.conflict_of_interest = conflict
        instance.comment = comment
        instance.criterion_comments = criterion_comments
        instance.scores = scores
        instance.entered_by = self.user
        instance.submitted_at = timezone.now()

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return getattr(instance, "unchanged", False)

    def save_instance(self, instance, is_create, row, **kwargs):
        instance.save()


def import_evaluations(dataset, review_round, *, dry_run, user=None):
    return all_or_nothing(
        EvaluationImportResource(review_round, user=user), dataset, dry_run=dry_run
    )
