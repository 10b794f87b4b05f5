"""django-import-export resources: what each spreadsheet holds, column by column.

Each resource declares its columns once, as Fields: the header is the
Field's ``column_name``, the cell its ``attribute`` shown by its widget (or
the resource's ``dehydrate_<name>``), both in ``get_export_order()``. Adding or
removing a Field changes the header and the cells alike; no column is
written by hand anywhere else.

Rows are light: candidatures come as ``values_list`` tuples of the Fields'
attributes, read in chunks, so that 10,000 of them export in constant
memory; the other resources read model instances or a round's aggregates.
Every text cell is neutralised: a cell starting with ``=``, ``+``, ``-`` or
``@`` cannot be read as a formula by a spreadsheet program.
"""

import copy
import datetime as dt
import json
from decimal import Decimal
from functools import cached_property
from operator import itemgetter

import msgspec
from django.db import connections
from django.db.models import Count, ExpressionWrapper, F, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from import_export import resources, widgets
from import_export.fields import Field

from core.text import without_lone_surrogates
from forms.choices import FieldType, Status
from forms.compound import entry_title
from forms.models import Candidature, FormDefinition, answer_text
from investigations.models import Investigation
from selection.members import removal_note, removed_members
from selection.models import Evaluation, ReviewRound
from selection.scoring import (
    criteria_of,
    criteria_summary,
    criteria_version,
    round_aggregates,
    weighted_score,
)

from .sheets import DATE, DATETIME, LONG, NUMBER, SCORE, TEXT, Sheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START_SET = frozenset(FORMULA_STARTS)
STATUS_LABELS = dict(Status.choices)
STATUS_BY_LABEL = {str(label).casefold(): value for value, label in Status.choices}
CHUNK = 500
# The kind of an answer's column by its field type: long answers wrap, numbers and
# dates are the spreadsheet's own; the rest (phone, SIRET…) stays text, zeros kept.
ANSWER_KINDS = {
    FieldType.MULTILINE: LONG,
    FieldType.NUMBER: NUMBER,
    FieldType.DATE: DATE,
}


def neutralise(value):
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_START_SET:
        return "'" + value
    return value


def unneutralise(value):
    """What ``neutralise`` wrote, read back: a spreadsheet of ours imports unchanged."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_START_SET:
        return value[1:]
    return value


def paris(moment, zone=None):
    """The moment in Paris time, without its zone (spreadsheets have none), to the second."""
    if not moment:
        return None
    return timezone.localtime(moment, zone).replace(microsecond=0, tzinfo=None)


class CellWidget(widgets.Widget):
    """A widget for export cells. ``renderer()`` gives the render function of one
    export, with what it depends on (language, time zone) looked up once rather
    than once a cell: both lookups cost more than the rest of a cell.

    ``kind`` tells the writers how the column shows (``exports/sheets.py``):
    a date, a moment, a score with two decimals, long text that wraps.
    """

    kind = TEXT

    def renderer(self):
        return self.render


class KindWidget(CellWidget):
    """A value written as it is (a number stays a number, a date a date), in a column
    of ``kind``: no render call per cell."""

    def __init__(self, kind, **kwargs):
        super().__init__(**kwargs)
        self.kind = kind

    def render(self, value, obj=None, **kwargs):
        return value

    def renderer(self):
        return None


def score_widget():
    return KindWidget(SCORE)


def long_text_widget():
    return KindWidget(LONG)


def day_widget():
    return KindWidget(DATE)


class ParisTimeWidget(CellWidget):
    """A moment as a spreadsheet shows it: Paris time, to the second, a real date cell."""

    kind = DATETIME

    def render(self, value, obj=None, **kwargs):
        return paris(value)

    def renderer(self):
        zone = timezone.get_current_timezone()

        def render(value):  # ``paris``, its checks done once
            if not value:
                return None
            # Built afresh: ``replace()`` with keywords costs twice as much.
            local = value.astimezone(zone)
            return dt.datetime(
                local.year,
                local.month,
                local.day,
                local.hour,
                local.minute,
                local.second,
                fold=local.fold,
            )

        return render


class StatusWidget(CellWidget):
    """A candidature's status as the admin words it (« Pré-sélectionnée »).

    The same widget reads the « Statut » column back on import, where the
    label or the code is accepted.
    """

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if text in Status.values:
            return text
        status = STATUS_BY_LABEL.get(text.casefold())
        if status is None:
            raise ValueError(_("Statut inconnu « %(value)s ».") % {"value": text})
        return status

    def render(self, value, obj=None, **kwargs):
        return self.renderer()(value)

    def renderer(self):
        labels = {value: str(label) for value, label in STATUS_LABELS.items()}
        return lambda value: labels.get(value, value)


class YesNoWidget(CellWidget):
    def render(self, value, obj=None, **kwargs):
        return self.renderer()(value)

    def renderer(self):
        yes, no = _("Oui"), _("Non")
        return lambda value: yes if value else no


def _number(text):
    number = Decimal(text.strip())  # stored as its text (``answers_json``)
    if not number.is_finite():
        raise ValueError(text)
    return number


# How a stored answer (its text) becomes a typed cell, by column kind.
TYPED_ANSWERS = {NUMBER: _number, DATE: dt.date.fromisoformat}


class AnswerWidget(CellWidget):
    """One answer out of a candidature's answers (``form_data``), as a person reads it;
    a file field gives the names of its files, joined."""

    def __init__(self, name, is_file=False, kind=TEXT):
        super().__init__()
        self.name, self.is_file, self.kind = name, is_file, kind

    def render(self, value, obj=None, **kwargs):
        return self.renderer()(value)

    def renderer(self):
        name, is_file = self.name, self.is_file
        typed = TYPED_ANSWERS.get(self.kind)

        def render(answers):
            answer = answers.get(name) if answers else None
            if answer.__class__ is str:  # most answers: no formatting to do
                return answer
            if is_file and answer:
                return ", ".join(answer)
            return answer_text(answer)

        if typed is None:
            return render

        def render_typed(answers):
            answer = answers.get(name) if answers else None
            if answer.__class__ is str:
                try:
                    return typed(answer)
                except (
                    ValueError,
                    ArithmeticError,
                ):  # stored before the type: as written
                    return answer
            return render(answers)

        return render_typed


class PartWidget(CellWidget):
    """One part of an answer made of parts: an address's ``key``, or a group's
    sub-field ``key`` of entry ``index`` (from 0); typed as its ``kind``.

    The ``first`` part's column also holds an answer given before the question
    had parts (a text the question was, in an older version of the form): as
    written, rather than left out.
    """

    def __init__(self, name, key, index=None, kind=TEXT, first=False):
        super().__init__()
        self.name, self.key, self.index, self.kind = name, key, index, kind
        self.first = first

    def render(self, value, obj=None, **kwargs):
        return self.renderer()(value)

    def renderer(self):
        name, key, index, first = self.name, self.key, self.index, self.first
        typed = TYPED_ANSWERS.get(self.kind)

        def render(answers):
            answer = answers.get(name) if answers else None
            if (
                first
                and answer not in (None, "")
                and not isinstance(answer, dict | list)
            ):
                return answer_text(answer)
            if (
                first
                and isinstance(answer, list)
                and not all(isinstance(entry, dict) for entry in answer)
            ):
                return answer_text(answer)
            if index is not None:
                if not isinstance(answer, list) or index >= len(answer):
                    return None
                answer = answer[index]
            part = answer.get(key) if isinstance(answer, dict) else None
            if part in (None, ""):
                return None
            if typed is not None and isinstance(part, str):
                try:
                    return typed(part)
                except (ValueError, ArithmeticError):
                    return part
            return part

        return render


# The columns of an address, and the cell kind of a group's sub-field by its type.
ADDRESS_COLUMNS = (
    ("voie", _lazy("voie")),
    ("complement", _lazy("complément")),
    ("code_postal", _lazy("code postal")),
    ("commune", _lazy("commune")),
)
SUBFIELD_KINDS = {FieldType.NUMBER: NUMBER, FieldType.DATE: DATE}


def part_columns(field):
    """(suffix, column name, widget) of an address's or a group's own columns.

    A group gives one column a sub-field of each entry, up to its maximum
    (« Équipe – personne 2 – courriel »): a cell holds one value, typed, that a
    spreadsheet or pandas reads without splitting text.
    """
    name, label = field["name"], field["label"]
    if field["type"] == FieldType.ADDRESS:
        return [
            (key, f"{label} – {part}", PartWidget(name, key, first=position == 0))
            for position, (key, part) in enumerate(ADDRESS_COLUMNS)
        ]
    group = field.get("group") or {}
    title = entry_title(group.get("entry_label")).lower()
    return [
        (
            f"{number}__{sub['name']}",
            f"{label} – {title} {number} – {sub['label']}",
            PartWidget(
                name,
                sub["name"],
                number - 1,
                SUBFIELD_KINDS.get(sub["type"], TEXT),
                first=number == 1 and position == 0,
            ),
        )
        for number in range(1, int(group.get("max") or 0) + 1)
        for position, sub in enumerate(group.get("subfields") or ())
    ]


def _widen_group(newest, older):
    """An older version of a group with more entries or other sub-fields: the columns
    hold them too (the newest's labels first), so that no answer is left out."""
    group, before = newest.setdefault("group", {}), older.get("group") or {}
    group["max"] = max(int(group.get("max") or 0), int(before.get("max") or 0))
    names = {sub["name"] for sub in group.setdefault("subfields", [])}
    group["subfields"] = group["subfields"] + [
        sub for sub in before.get("subfields") or () if sub["name"] not in names
    ]


class RoundScores:
    """Each candidature's (mean, count, spread) in a round, computed when first read."""

    def __init__(self, review_round):
        self.review_round = review_round

    @cached_property
    def by_candidature(self):
        return {
            aggregate.candidature.pk: (
                aggregate.mean,
                aggregate.count,
                aggregate.spread,
            )
            for aggregate in round_aggregates(self.review_round)
        }


class RoundScoreWidget(CellWidget):
    """The mean (0), count (1) or spread (2) of the candidature whose pk is read."""

    def __init__(self, scores, index):
        super().__init__()
        self.scores, self.index = scores, index
        self.kind = NUMBER if index == 1 else SCORE

    def render(self, value, obj=None, **kwargs):
        found = self.scores.by_candidature.get(value)
        return None if found is None else found[self.index]

    def renderer(self):
        by_candidature, index = self.scores.by_candidature, self.index

        def render(value):
            found = by_candidature.get(value)
            return None if found is None else found[index]

        return render


class RowResource(resources.Resource):
    """A resource whose declared Fields are its only description of the spreadsheet.

    ``headers()`` and ``rows()`` both walk ``get_export_order()``: each Field
    gives its header (``column_name``) and its cell, read once per row by a
    reader compiled before the first row. The reader is the resource's
    ``dehydrate_<name>(row)`` method when there is one, otherwise the Field's
    ``attribute`` shown by its widget; a Field with the default widget gives
    its value as it is (a number stays a number, a date a date, for the
    spreadsheet to sort).
    """

    sheet_name = "Export"
    chosen = None  # the names of the columns a user chose, in ``choose()``

    def get_export_order(self):
        """Declared Fields first, then those a resource adds in ``__init__``; only the
        chosen ones when a user chose (``choose()``)."""
        if self.chosen is not None:
            return [name for name in self.fields if name in self.chosen]
        return list(self.fields)

    def available_columns(self):
        """(name, header) of every column this export can hold, chosen or not."""
        return [(name, str(field.column_name)) for name, field in self.fields.items()]

    def choose(self, names):
        """Keeps only the columns named in ``names`` (a user's saved choice).

        Names this export does not have (a form field since removed, a round
        of another call) are ignored; a choice of none of them keeps every
        column. A choice only ever removes columns: it cannot add one.
        """
        chosen = set(names or ()) & set(self.fields)
        self.chosen = chosen or None
        return self

    def kinds(self):
        """How each column shows, from its Field's widget: text unless the widget says."""
        return [getattr(field.widget, "kind", TEXT) for _name, field in self.columns()]

    def sheet(self, name=None):
        """The export as a ``Sheet`` for the writers, named after its content."""
        return Sheet(
            str(name or self.sheet_name), self.headers(), self.rows(), self.kinds()
        )

    def columns(self):
        """(name, Field) in export order: the one list headers and cells come from."""
        return [(name, self.fields[name]) for name in self.get_export_order()]

    def headers(self):
        """Column names, neutralised too: form labels and criteria are written by people."""
        return [neutralise(str(field.column_name)) for _name, field in self.columns()]

    def rows(self):
        """Each row's cells, in column order, neutralised.

        ``neutralise`` is written out for plain text, the most common cell:
        a call per cell costs more than the test itself on 10,000 rows.
        """
        readers = [self.reader(name, field) for name, field in self.columns()]
        starts = FORMULA_START_SET
        for row in self.iter_rows():
            cells = [
                get(row) if render is None else render(get(row))
                for get, render in readers
            ]
            yield [
                (("'" + value) if value[:1] in starts else value)
                if value.__class__ is str
                else neutralise(value)
                if isinstance(value, str)
                else value
                for value in cells
            ]

    def reader(self, name, field):
        """How the cell of column ``name`` is read from a row: (get, render or None).

        Two plain functions rather than one composed: no extra call per cell on
        the 10,000-row path.
        """
        dehydrate = field.get_dehydrate_method(name)
        if not callable(dehydrate):
            dehydrate = getattr(self, dehydrate, None)
        if dehydrate is not None:
            return dehydrate, None
        widget = field.widget
        if type(widget) is widgets.Widget:
            # The default widget would make text of a number or a date.
            return self.getter(field), None
        if isinstance(widget, CellWidget):
            return self.getter(field), widget.renderer()
        return self.getter(field), widget.render

    def getter(self, field):
        """Reads ``field.attribute`` from a row (an object or a dictionary, ``a__b``)."""
        return field.get_value

    # django-import-export's own ``export()`` gives the same sheet as headers() and
    # rows(), one cell at a time (slower: the streaming writers use rows()).

    def get_queryset(self):
        return self.iter_rows()

    def get_export_headers(self, selected_fields=None):
        return [neutralise(h) for h in super().get_export_headers(selected_fields)]

    def export_field(self, field, instance, **kwargs):
        get, render = self.reader(self.get_field_name(field), field)
        return neutralise(get(instance) if render is None else render(get(instance)))

    def iter_rows(self):  # pragma: no cover - abstract
        raise NotImplementedError


class CandidatureResource(RowResource):
    """Identity, status, one column per form field (form order, its label; file fields give
    the names of the files joined), then each round's aggregates.

    Rows are ``values_list`` tuples of the Fields' attributes, each read once
    (``form_data`` for every answer column, ``pk`` for every round column):
    no model instances, no intermediate dictionaries, the path 10,000 rows take.
    """

    sheet_name = _lazy("Candidatures")

    reference = Field(attribute="reference", column_name=_("Référence"))
    submitted = Field(
        attribute="submit_time", column_name=_("Reçue le"), widget=ParisTimeWidget()
    )
    status = Field(attribute="status", column_name=_("Statut"), widget=StatusWidget())
    call = Field(attribute="call__title", column_name=_("Appel"))
    name = Field(attribute="applicant_name", column_name=_("Nom"))
    email = Field(attribute="applicant_email", column_name=_("Adresse électronique"))
    administration = Field(attribute="administration", column_name=_("Administration"))
    service = Field(attribute="service", column_name=_("Service"))

    def __init__(self, queryset=None, **kwargs):
        super().__init__(**kwargs)
        self.queryset = (
            queryset if queryset is not None else Candidature.objects.all()
        ).order_by("submit_time", "pk")
        for name, label, kind, field in self._answer_columns():
            if kind in (FieldType.ADDRESS, FieldType.GROUP):
                for suffix, column_name, widget in part_columns(field):
                    self.fields[f"answer__{name}__{suffix}"] = Field(
                        attribute="form_data", column_name=column_name, widget=widget
                    )
                continue
            self.fields[f"answer__{name}"] = Field(
                attribute="form_data",
                column_name=label,
                widget=AnswerWidget(
                    name, kind == FieldType.FILE, ANSWER_KINDS.get(kind, TEXT)
                ),
            )
        for review_round in self._rounds():
            label = review_round.get_kind_display()
            scores = RoundScores(review_round)
            version = criteria_version(criteria_of(review_round.call))
            for index, (suffix, column_name) in enumerate(
                (
                    (
                        "mean",
                        _("%(round)s : note pondérée /100 (critères v. %(version)s)")
                        % {"round": label, "version": version},
                    ),
                    ("count", _("%s : évaluations") % label),
                    ("spread", _("%s : écart-type") % label),
                )
            ):
                self.fields[f"round{review_round.pk}_{suffix}"] = Field(
                    attribute="pk",
                    column_name=column_name,
                    widget=RoundScoreWidget(scores, index),
                )

    @cached_property
    def groups(self):
        """(form definition, call, count) of the exported candidatures: one reading.

        The forms, the rounds and the total all come from it. On SQLite a
        candidature's other columns are stored after its answers: each reading
        of them walks the answers' 7 kB a row, as three separate queries did.
        """
        return list(
            self.queryset.order_by()
            .values_list("definition_id", "call_id")
            .annotate(count=Count("pk"))
        )

    @property
    def total(self):
        """How many candidatures the export holds."""
        return sum(count for _definition, _call, count in self.groups)

    def _answer_columns(self):
        """Every field any exported candidature answered, the newest form's order first:
        (name, label, field type, its definition)."""
        definition_ids = {definition for definition, _call, _count in self.groups}
        definitions = FormDefinition.objects.filter(pk__in=definition_ids).order_by(
            "page_id", "-created_at"
        )
        columns, seen = [], {}
        for definition in definitions:
            for field in definition.fields:
                if field["name"] not in seen:
                    if field["type"] == FieldType.GROUP:  # widened below, not stored
                        field = copy.deepcopy(field)
                    seen[field["name"]] = field
                    columns.append(
                        (field["name"], field["label"], field["type"], field)
                    )
                elif field["type"] == seen[field["name"]]["type"] == FieldType.GROUP:
                    _widen_group(seen[field["name"]], field)
        return columns

    def _rounds(self):
        call_ids = {call for _definition, call, _count in self.groups}
        return list(
            ReviewRound.objects.filter(call_id__in=call_ids)
            .select_related("call")
            .order_by("pk")
        )

    def lookups(self):
        """What ``values_list`` reads: each Field's attribute, once."""
        return list(
            dict.fromkeys(
                field.attribute for _name, field in self.columns() if field.attribute
            )
        )

    def getter(self, field):
        return itemgetter(self.lookups().index(field.attribute))

    def iter_rows(self):
        """The rows; answers and the moment of receipt read as the database stores
        them and turned into values here (``AS_STORED``)."""
        lookups = self.lookups()
        connection = connections[self.queryset.db]
        decoders = {}
        for index, lookup in enumerate(lookups):
            if lookup in AS_STORED:
                lookups[index], decoders[index] = AS_STORED[lookup](connection)
        rows = self.queryset.values_list(*lookups).iterator(chunk_size=CHUNK)
        return decoded(rows, decoders) if decoders else rows


# msgspec, not orjson: orjson reads an integer past 64 bits as a float.
_DECODE = msgspec.json.Decoder().decode


def loads(text):
    """JSON text decoded as Django's ``json.loads`` would, twice as fast; what
    msgspec refuses (a lone surrogate, NaN, 1e400) goes to ``json.loads``, and
    a lone surrogate, which no file can encode, is read as U+FFFD there."""
    try:
        return _DECODE(text)
    except msgspec.DecodeError:
        return without_lone_surrogates(json.loads(text))


def moment_reader(zone):
    """Reads a moment as stored: SQLite gives its text, in the connection's zone;
    PostgreSQL a datetime already.

    Text stored in UTC (Django's default) is read with its offset written
    after it: ``fromisoformat`` makes the moment aware, without a
    ``replace(tzinfo=…)`` a row, which costs more than the reading itself.
    """
    suffix = "+00:00" if zone is dt.UTC else None

    def read(value):
        if value.__class__ is str:
            if suffix is not None:
                try:
                    moment = dt.datetime.fromisoformat(value + suffix)
                except ValueError:  # an offset already, or another form
                    moment = None
                if moment is not None and moment.tzinfo is not None:
                    return moment
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                value = parse_datetime(value)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value

    return read


def answers_as_stored(connection):
    return ExpressionWrapper(F("form_data"), output_field=TextField()), loads


def moment_as_stored(connection):
    # Cast: SQLite's own driver would parse the column (declared « datetime »)
    # with Django's regular expression, whatever the query's output field.
    column = (
        Cast("submit_time", TextField())
        if connection.vendor == "sqlite"
        else "submit_time"
    )
    return column, moment_reader(connection.timezone)


# Columns read as the database stores them, then turned into values here: their
# reading by Django costs more than the rest of a row. The answers are JSON text
# that Django decodes with ``json.loads``, twice as slow as msgspec on 75 MB of
# long answers (10,000 candidatures); a moment, on SQLite, text that Django
# parses with a regular expression, several times slower than ``fromisoformat``.
AS_STORED = {"form_data": answers_as_stored, "submit_time": moment_as_stored}


def decoded(rows, decoders):
    """The rows with the cells of ``decoders`` (index → function) turned into values."""
    decoders = list(decoders.items())
    for row in rows:
        row = list(row)
        for index, decode in decoders:
            row[index] = decode(row[index])
        yield row


def criterion_comment_of(criterion):
    """Reads a member's comment on ``criterion`` from an evaluation."""
    key = str(criterion.pk)
    return lambda evaluation: evaluation.criterion_comments.get(key, "")


class EvaluationResource(RowResource):
    """One row per member per dossier, one column per criterion."""

    sheet_name = _lazy("Évaluations")

    reference = Field(attribute="candidature__reference", column_name=_("Référence"))
    applicant = Field(
        attribute="candidature__applicant_name",
        column_name=_("Candidat ou candidate"),
    )
    member = Field(column_name=_("Membre"))
    member_email = Field(attribute="member__email", column_name=_("Adresse du membre"))

    def __init__(self, review_round, **kwargs):
        super().__init__(**kwargs)
        self.review_round = review_round
        self.removed = removed_members(review_round)
        self.criteria = criteria_of(review_round.call)
        self.criteria_summary = criteria_summary(self.criteria)
        for criterion in self.criteria:
            self.fields[f"criterion{criterion.pk}"] = Field(
                attribute=f"scores__{criterion.pk}",
                column_name=f"{criterion.label} ({criterion.scale_min}–{criterion.scale_max})",
            )
        self.fields.update(
            weighted=Field(column_name=_("Note pondérée /100"), widget=score_widget()),
            comment=Field(
                attribute="comment",
                column_name=_("Commentaire"),
                widget=long_text_widget(),
            ),
        )
        # After the overall comment: the columns an import reads keep their place.
        for criterion in self.criteria:
            self.fields[f"criterion_comment{criterion.pk}"] = Field(
                column_name=_("Commentaire — %(label)s") % {"label": criterion.label},
                dehydrate_method=criterion_comment_of(criterion),
                widget=long_text_widget(),
            )
        self.fields.update(
            conflict=Field(
                attribute="conflict_of_interest",
                column_name=_("Conflit d'intérêts"),
                widget=YesNoWidget(),
            ),
            state=Field(column_name=_("État")),
            submitted=Field(
                attribute="submitted_at",
                column_name=_("Rendue le"),
                widget=ParisTimeWidget(),
            ),
            reopened=Field(attribute="reopened_count", column_name=_("Réouvertures")),
            criteria=Field(column_name=_("Critères"), widget=long_text_widget()),
        )

    def dehydrate_member(self, evaluation):
        return evaluation.member.get_full_name() or evaluation.member.get_username()

    def dehydrate_weighted(self, evaluation):
        if evaluation.conflict_of_interest:
            return None
        return weighted_score(evaluation.scores, self.criteria)

    def dehydrate_state(self, evaluation):
        state = _("Rendue") if evaluation.submitted_at else _("Brouillon")
        removed = removal_note(self.removed.get(evaluation.member_id))
        return f"{state} — {removed}" if removed else state

    def dehydrate_criteria(self, evaluation):
        return self.criteria_summary

    def iter_rows(self):
        return (
            Evaluation.objects.filter(round=self.review_round)
            .select_related("candidature", "member")
            .order_by("candidature__reference", "member__last_name", "member__username")
            .iterator(chunk_size=CHUNK)
        )


class RankingResource(RowResource):
    """A round's dossiers, best first: rows are the round's aggregates."""

    sheet_name = _lazy("Classement")

    rank = Field(attribute="rank", column_name=_("Rang"))
    reference = Field(attribute="candidature__reference", column_name=_("Référence"))
    applicant = Field(
        attribute="candidature__applicant_name",
        column_name=_("Candidat ou candidate"),
    )
    administration = Field(
        attribute="candidature__administration", column_name=_("Administration")
    )
    status = Field(
        attribute="candidature__status",
        column_name=_("Statut"),
        widget=StatusWidget(),
    )
    mean = Field(
        attribute="mean", column_name=_("Note pondérée /100"), widget=score_widget()
    )
    count = Field(attribute="count", column_name=_("Évaluations"))
    spread = Field(
        attribute="spread", column_name=_("Écart-type"), widget=score_widget()
    )
    disagreement = Field(
        attribute="disagreement", column_name=_("Désaccord"), widget=YesNoWidget()
    )
    reopened = Field(attribute="reopened", column_name=_("Réouvertures"))
    criteria = Field(column_name=_("Critères"), widget=long_text_widget())

    def __init__(self, review_round, **kwargs):
        super().__init__(**kwargs)
        self.review_round = review_round
        self.criteria_summary = criteria_summary(criteria_of(review_round.call))

    def dehydrate_criteria(self, aggregate):
        return self.criteria_summary

    def iter_rows(self):
        for rank, aggregate in enumerate(round_aggregates(self.review_round), start=1):
            aggregate.rank = rank  # its place, for the « Rang » column
            yield aggregate


class InvestigationResource(RowResource):
    sheet_name = _lazy("Investigations")

    title = Field(attribute="title", column_name=_("Investigation"))
    organisations = Field(column_name=_("Administrations"))
    contact = Field(attribute="contact_name", column_name=_("Porteur ou porteuse"))
    funder = Field(column_name=_("Financeur"))
    phase = Field(column_name=_("Phase en cours"))
    starts_on = Field(
        attribute="starts_on", column_name=_("Début"), widget=day_widget()
    )
    planned_end = Field(
        attribute="planned_end", column_name=_("Fin prévue"), widget=day_widget()
    )
    outcome = Field(attribute="get_outcome_display", column_name=_("Issue"))
    recommendations = Field(
        attribute="recommendations",
        column_name=_("Recommandations"),
        widget=long_text_widget(),
    )
    conditions = Field(
        attribute="conditions_of_success",
        column_name=_("Conditions de réussite"),
        widget=long_text_widget(),
    )
    budget = Field(attribute="means_budget", column_name=_("Budget"))
    skills = Field(attribute="means_skills", column_name=_("Compétences"))
    published = Field(
        attribute="publish_learnings",
        column_name=_("Enseignements publiés"),
        widget=YesNoWidget(),
    )

    def __init__(self, queryset=None, **kwargs):
        super().__init__(**kwargs)
        self.queryset = queryset

    def dehydrate_organisations(self, investigation):
        return ", ".join(o.name for o in investigation.organisations.all())

    def dehydrate_funder(self, investigation):
        return investigation.funder.name if investigation.funder_id else ""

    def dehydrate_phase(self, investigation):
        phase = investigation.current_phase
        return str(phase.get_code_display()) if phase else ""

    def iter_rows(self):
        queryset = self.queryset if self.queryset is not None else Investigation.objects
        return (
            queryset.select_related("funder")
            .prefetch_related("organisations", "phases")
            .order_by("title")
        )
