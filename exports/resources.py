"""django-import-export resources: what each spreadsheet holds, column by column.

Resources work on light row dictionaries (read with ``values()``, in chunks)
rather than model instances, so that 10,000 candidatures export in constant
memory. Every text cell is neutralised: a cell starting with ``=``, ``+``,
``-`` or ``@`` cannot be read as a formula by a spreadsheet program.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field

from forms.choices import FieldType, Status
from forms.models import Candidature, FormDefinition, answer_text
from investigations.models import Investigation
from selection.models import Evaluation, ReviewRound
from selection.scoring import (
    criteria_of,
    criteria_summary,
    criteria_version,
    round_aggregates,
    weighted_score,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START_SET = frozenset(FORMULA_STARTS)
STATUS_LABELS = dict(Status.choices)
CHUNK = 2000


def neutralise(value):
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_START_SET:
        return "'" + value
    return value


def paris(moment):
    """The moment in Paris time, without its zone (spreadsheets have none), to the second."""
    if not moment:
        return None
    return timezone.localtime(moment).replace(microsecond=0, tzinfo=None)


def _getter(attribute):
    """A fast reader for ``a__b__c`` in nested dictionaries (Field.get_value, compiled once)."""
    if not attribute:
        return lambda row: None
    keys = attribute.split("__")
    if len(keys) == 1:
        key = keys[0]
        return lambda row: row.get(key)

    def get(row):
        value = row
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
            if value is None:
                return None
        return value

    return get


class RowResource(resources.Resource):
    """A resource over dictionaries; subclasses say which rows and which columns."""

    def export_field(self, field, instance, **kwargs):
        return neutralise(field.get_value(instance))

    def headers(self):
        """Column names, neutralised too: form labels and criteria are written by people."""
        return [
            neutralise(str(field.column_name)) for field in self.get_export_fields()
        ]

    def rows(self):
        """Each row's cells, in column order, neutralised."""
        getters = [_getter(field.attribute) for field in self.get_export_fields()]
        for row in self.iter_rows():
            yield [neutralise(get(row)) for get in getters]

    def iter_rows(self):  # pragma: no cover - abstract
        raise NotImplementedError


class CandidatureResource(RowResource):
    """Identity, status, one column per form field (form order, its label; file fields give
    the names of the files joined), then each round's aggregates."""

    reference = Field(attribute="reference", column_name=_("Référence"))
    submitted = Field(attribute="submitted", column_name=_("Reçue le"))
    status = Field(attribute="status_label", column_name=_("Statut"))
    call = Field(attribute="call_title", column_name=_("Appel"))
    name = Field(attribute="applicant_name", column_name=_("Nom"))
    email = Field(attribute="applicant_email", column_name=_("Adresse électronique"))
    administration = Field(attribute="administration", column_name=_("Administration"))
    service = Field(attribute="service", column_name=_("Service"))

    def __init__(self, queryset=None, **kwargs):
        super().__init__(**kwargs)
        self.queryset = (
            queryset if queryset is not None else Candidature.objects.all()
        ).order_by("submit_time", "pk")
        self.answer_columns = self._answer_columns()
        for name, label in self.answer_columns:
            self.fields[f"answer__{name}"] = Field(
                attribute=f"answers__{name}", column_name=label
            )
        self.rounds = self._rounds()
        for review_round in self.rounds:
            label = review_round.get_kind_display()
            self.fields[f"round{review_round.pk}_mean"] = Field(
                attribute=f"rounds__{review_round.pk}__mean",
                column_name=_(
                    "%(round)s : note pondérée /100 (critères v. %(version)s)"
                )
                % {
                    "round": label,
                    "version": criteria_version(criteria_of(review_round.call)),
                },
            )
            self.fields[f"round{review_round.pk}_count"] = Field(
                attribute=f"rounds__{review_round.pk}__count",
                column_name=_("%s : évaluations") % label,
            )
            self.fields[f"round{review_round.pk}_spread"] = Field(
                attribute=f"rounds__{review_round.pk}__spread",
                column_name=_("%s : écart-type") % label,
            )

    def get_export_order(self):
        return list(self.fields)

    def _answer_columns(self):
        """Every field any exported candidature answered, the newest form's order first."""
        definition_ids = (
            self.queryset.order_by().values_list("definition_id", flat=True).distinct()
        )
        definitions = FormDefinition.objects.filter(pk__in=definition_ids).order_by(
            "page_id", "-created_at"
        )
        columns, seen = [], set()
        for definition in definitions:
            for field in definition.fields:
                if field["name"] not in seen:
                    seen.add(field["name"])
                    columns.append((field["name"], field["label"], field["type"]))
        self.file_fields = {
            name for name, _label, kind in columns if kind == FieldType.FILE
        }
        return [(name, label) for name, label, _kind in columns]

    def _rounds(self):
        call_ids = self.queryset.order_by().values_list("call_id", flat=True).distinct()
        return list(
            ReviewRound.objects.filter(call_id__in=call_ids)
            .select_related("call")
            .order_by("pk")
        )

    def rows(self):
        """The cells of each candidature, in the order of ``get_export_order()``.

        Computed straight from ``values_list`` rows, without model instances or
        intermediate dictionaries: this is the path 10,000 rows take.
        """
        aggregates = {}
        for review_round in self.rounds:
            for aggregate in round_aggregates(review_round):
                aggregates[(review_round.pk, aggregate.candidature.pk)] = (
                    aggregate.mean,
                    aggregate.count,
                    aggregate.spread,
                )
        status_labels = {value: str(label) for value, label in STATUS_LABELS.items()}
        answer_specs = [
            (name, name in self.file_fields) for name, _label in self.answer_columns
        ]
        round_ids = [review_round.pk for review_round in self.rounds]
        empty = (None, None, None)
        values = self.queryset.values_list(
            "pk",
            "reference",
            "submit_time",
            "status",
            "call__title",
            "applicant_name",
            "applicant_email",
            "administration",
            "service",
            "form_data",
        )
        for (
            pk,
            reference,
            submitted,
            status,
            call_title,
            name,
            email,
            administration,
            service,
            data,
        ) in values.iterator(chunk_size=CHUNK):
            data = data or {}
            cells = [
                reference,
                paris(submitted),
                status_labels.get(status, status),
                call_title,
                name,
                email,
                administration,
                service,
            ]
            for field_name, is_file in answer_specs:
                value = data.get(field_name)
                cells.append(
                    ", ".join(value) if is_file and value else answer_text(value)
                )
            for round_id in round_ids:
                cells.extend(aggregates.get((round_id, pk), empty))
            yield [neutralise(cell) for cell in cells]


class EvaluationResource(RowResource):
    """One row per member per dossier, one column per criterion."""

    reference = Field(attribute="reference", column_name=_("Référence"))
    applicant = Field(attribute="applicant", column_name=_("Candidat ou candidate"))
    member = Field(attribute="member", column_name=_("Membre"))
    member_email = Field(attribute="member_email", column_name=_("Adresse du membre"))

    def __init__(self, review_round, **kwargs):
        super().__init__(**kwargs)
        self.review_round = review_round
        self.criteria = criteria_of(review_round.call)
        self.criteria_summary = criteria_summary(self.criteria)
        for criterion in self.criteria:
            self.fields[f"criterion{criterion.pk}"] = Field(
                attribute=f"scores__{criterion.pk}",
                column_name=f"{criterion.label} ({criterion.scale_min}–{criterion.scale_max})",
            )
        for name, attribute, label in (
            ("weighted", "weighted", _("Note pondérée /100")),
            ("comment", "comment", _("Commentaire")),
            ("conflict", "conflict", _("Conflit d'intérêts")),
            ("state", "state", _("État")),
            ("submitted", "submitted", _("Rendue le")),
            ("reopened", "reopened", _("Réouvertures")),
            ("criteria", "criteria", _("Critères")),
        ):
            self.fields[name] = Field(attribute=attribute, column_name=label)

    def get_export_order(self):
        return list(self.fields)

    def iter_rows(self):
        evaluations = (
            Evaluation.objects.filter(round=self.review_round)
            .select_related("candidature", "member")
            .order_by("candidature__reference", "member__last_name", "member__username")
        )
        for evaluation in evaluations.iterator(chunk_size=CHUNK):
            yield {
                "reference": evaluation.candidature.reference,
                "applicant": evaluation.candidature.applicant_name,
                "member": evaluation.member.get_full_name()
                or evaluation.member.get_username(),
                "member_email": evaluation.member.email,
                "scores": {str(k): v for k, v in evaluation.scores.items()},
                "weighted": None
                if evaluation.conflict_of_interest
                else weighted_score(evaluation.scores, self.criteria),
                "comment": evaluation.comment,
                "conflict": _("Oui") if evaluation.conflict_of_interest else _("Non"),
                "state": _("Rendue") if evaluation.submitted_at else _("Brouillon"),
                "submitted": paris(evaluation.submitted_at),
                "reopened": evaluation.reopened_count,
                "criteria": self.criteria_summary,
            }


class RankingResource(RowResource):
    rank = Field(attribute="rank", column_name=_("Rang"))
    reference = Field(attribute="reference", column_name=_("Référence"))
    applicant = Field(attribute="applicant", column_name=_("Candidat ou candidate"))
    administration = Field(attribute="administration", column_name=_("Administration"))
    status = Field(attribute="status", column_name=_("Statut"))
    mean = Field(attribute="mean", column_name=_("Note pondérée /100"))
    count = Field(attribute="count", column_name=_("Évaluations"))
    spread = Field(attribute="spread", column_name=_("Écart-type"))
    disagreement = Field(attribute="disagreement", column_name=_("Désaccord"))
    reopened = Field(attribute="reopened", column_name=_("Réouvertures"))
    criteria = Field(attribute="criteria", column_name=_("Critères"))

    def __init__(self, review_round, **kwargs):
        super().__init__(**kwargs)
        self.review_round = review_round
        self.criteria_summary = criteria_summary(criteria_of(review_round.call))

    def get_export_order(self):
        return list(self.fields)

    def iter_rows(self):
        for rank, aggregate in enumerate(round_aggregates(self.review_round), start=1):
            candidature = aggregate.candidature
            yield {
                "rank": rank,
                "reference": candidature.reference,
                "applicant": candidature.applicant_name,
                "administration": candidature.administration,
                "status": str(
                    STATUS_LABELS.get(candidature.status, candidature.status)
                ),
                "mean": aggregate.mean,
                "count": aggregate.count,
                "spread": aggregate.spread,
                "disagreement": _("Oui") if aggregate.disagreement else _("Non"),
                "reopened": aggregate.reopened,
                "criteria": self.criteria_summary,
            }


class InvestigationResource(RowResource):
    title = Field(attribute="title", column_name=_("Investigation"))
    organisations = Field(attribute="organisations", column_name=_("Administrations"))
    contact = Field(attribute="contact", column_name=_("Porteur ou porteuse"))
    phase = Field(attribute="phase", column_name=_("Phase en cours"))
    starts_on = Field(attribute="starts_on", column_name=_("Début"))
    planned_end = Field(attribute="planned_end", column_name=_("Fin prévue"))
    outcome = Field(attribute="outcome", column_name=_("Issue"))
    recommendations = Field(
        attribute="recommendations", column_name=_("Recommandations")
    )
    conditions = Field(attribute="conditions", column_name=_("Conditions de réussite"))
    budget = Field(attribute="budget", column_name=_("Budget"))
    skills = Field(attribute="skills", column_name=_("Compétences"))
    published = Field(attribute="published", column_name=_("Enseignements publiés"))

    def get_export_order(self):
        return list(self.fields)

    def __init__(self, queryset=None, **kwargs):
        super().__init__(**kwargs)
        self.queryset = queryset

    def iter_rows(self):
        queryset = self.queryset if self.queryset is not None else Investigation.objects
        for investigation in queryset.prefetch_related(
            "organisations", "phases"
        ).order_by("title"):
            phase = investigation.current_phase
            yield {
                "title": investigation.title,
                "organisations": ", ".join(
                    o.name for o in investigation.organisations.all()
                ),
                "contact": investigation.contact_name,
                "phase": str(phase.get_code_display()) if phase else "",
                "starts_on": investigation.starts_on,
                "planned_end": investigation.planned_end,
                "outcome": str(investigation.get_outcome_display())
                if investigation.outcome
                else "",
                "recommendations": investigation.recommendations,
                "conditions": investigation.conditions_of_success,
                "budget": investigation.means_budget,
                "skills": investigation.means_skills,
                "published": _("Oui") if investigation.publish_learnings else _("Non"),
            }
