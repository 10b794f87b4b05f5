"""Conditional questions: a field, or a whole section, shown when another answer says so.

A field's condition names another question of its form (by its clean name),
an operator and one or more values. A section's condition applies to every
field up to the next section. A field is shown when its section is shown, and
when its own condition holds on the answer to a question that is itself
shown: conditions chain, and a hidden question counts as unanswered.

The same rules run on the server (``hidden_names``, on the cleaned answers),
in the form API's schema (each field's ``condition``) and in the page's
script, which mirrors ``holds``. Loops and dangling references are refused
when the form is saved (``condition_errors``).
"""

import datetime as dt
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import FormBuilder

from .choices import FieldType
from .validators import departement_label, departements

# What a condition may depend on: questions with one answer to compare.
NOT_A_SOURCE = {
    FieldType.DATETIME,  # its text differs between the browser and the server
    FieldType.FILE,
    FieldType.SECTION,
    FieldType.EXPLANATION,
    FieldType.HIDDEN,
    FieldType.ADDRESS,  # answers of several parts: no one text to compare
    FieldType.GROUP,
}
CHOICE_TYPES = {
    FieldType.DROPDOWN,
    FieldType.RADIO,
    FieldType.CHECKBOXES,
    FieldType.MULTISELECT,
}
YES, NO = "oui", "non"


class Operator(models.TextChoices):
    EQUALS = "equals", _("vaut")
    CONTAINS = "contains", _("contient")
    ONE_OF = "one_of", _("vaut l'une de ces valeurs")


def _norm(text):
    """Spaces collapsed, lower case: as the page's script does (``toLowerCase``)."""
    return " ".join(str(text).split()).lower()


def comparable(value):
    """An answer as conditions read it: a list of texts, empty when unanswered."""
    if value is None or value == "":
        return []
    if isinstance(value, bool):
        return [YES if value else NO]
    if isinstance(value, list | tuple):
        return [_norm(item) for item in value if item not in (None, "")]
    if isinstance(value, Decimal):
        return [_norm(format(value.normalize(), "f"))]
    if isinstance(value, dt.date):
        return [value.isoformat()]
    return [_norm(value)]


def holds(condition, value):
    """Whether ``condition`` (``field``, ``operator``, ``values``) holds on this answer."""
    answers = comparable(value)
    if not answers:
        return False
    wanted = [_norm(v) for v in condition["values"]]
    operator = condition["operator"]
    if operator == Operator.CONTAINS:
        return any(w in a for a in answers for w in wanted)
    if operator == Operator.ONE_OF:
        return any(a in wanted for a in answers)
    return sorted(answers) == sorted(
        wanted
    )  # equals: the very answer (or set of choices)


def values_of(text):
    """The values a team wrote, one a line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def spec_of(fields):
    """[(name, type, condition or None)] of a form's fields (models), in form order."""
    spec = []
    for field in fields:
        name = name_of(field)
        condition = None
        if field.condition_field:
            condition = {
                "field": field.condition_field,
                "operator": field.condition_operator or Operator.EQUALS,
                "values": values_of(field.condition_values),
            }
        spec.append((name, field.field_type, condition))
    return spec


def sections_of(spec):
    """name -> the section it sits in (None before the first section, and for sections)."""
    current, sections = None, {}
    for name, kind, _condition in spec:
        if kind == FieldType.SECTION:
            sections[name], current = None, name
        else:
            sections[name] = current
    return sections


def dependencies(spec):
    """name -> the names its showing depends on: its section, its condition's question."""
    sections = sections_of(spec)
    edges = {}
    for name, _kind, condition in spec:
        edges[name] = [
            other
            for other in (sections[name], condition and condition["field"])
            if other
        ]
    return edges


def depends_on_errors(spec, errors):
    """The names whose showing depends, even through others, on an answer with an error."""
    edges = dependencies(spec)
    unsure = {}

    def reaches(name, path=()):
        if name in unsure:
            return unsure[name]
        if name in path:
            return False
        result = any(
            other in errors or reaches(other, (*path, name))
            for other in edges.get(name, [])
        )
        unsure[name] = result
        return result

    return {name for name in edges if reaches(name)}


def hidden_names(spec, answers):
    """The names of the fields not shown for these answers (cleaned values by name)."""
    conditions = {name: condition for name, _kind, condition in spec}
    sections = sections_of(spec)
    shown = {}

    def visible(name, path=()):
        if name in shown:
            return shown[name]
        if name not in conditions or name in path:  # unknown, or a loop: hidden
            return False
        path = (*path, name)
        result = True
        if sections[name] is not None:
            result = visible(sections[name], path)
        condition = conditions[name]
        if result and condition:
            source = condition["field"]
            result = visible(source, path) and holds(condition, answers.get(source))
        shown[name] = result
        return result

    return {name for name, _kind, _condition in spec if not visible(name)}


def explained(condition, labels):
    """« Seulement si « Public concerné » vaut « Usagers ». », for the page without script."""
    values = " ; ".join(f"« {value} »" for value in condition["values"])
    return _("Seulement si « %(question)s » %(operator)s %(values)s.") % {
        "question": labels.get(condition["field"], condition["field"]),
        "operator": Operator(condition["operator"]).label,
        "values": values,
    }


def _cycle(edges):
    """The names in a loop of dependencies, if any."""
    state = {}

    def visit(name, path):
        state[name] = "open"
        for other in edges.get(name, []):
            if state.get(other) == "open":
                return path[path.index(other) :] if other in path else [other]
            if other not in state and (found := visit(other, [*path, other])):
                return found
        state[name] = "done"
        return None

    for name in edges:
        if name not in state and (found := visit(name, [name])):
            return found
    return []


def condition_errors(fields):
    """{index: {option: message}} for the fields (models, form order) whose condition fails.

    Resolves a condition's question, typed as its label or its clean name, to
    the clean name (set on the field); refuses a question that is not in the
    form (or deleted), itself, one that cannot be compared, values missing or
    not among its choices, and loops.
    """
    errors = {}
    names = [name_of(f) for f in fields]
    by_key = {}
    for name, field in zip(names, fields, strict=True):
        by_key.setdefault(name.casefold(), (name, field))
        by_key.setdefault(_norm(field.label), (name, field))
    for index, field in enumerate(fields):
        typed = (field.condition_field or "").strip()
        if not typed:
            if values_of(field.condition_values):
                errors[index] = {
                    "condition_field": _(
                        "Des valeurs sans question : dites de quelle question elles dépendent."
                    )
                }
            continue
        found = by_key.get(typed.casefold()) or by_key.get(_norm(typed))
        if found is None:
            errors[index] = {
                "condition_field": _(
                    "Aucune question de ce formulaire ne s'appelle « %(name)s » "
                    "(supprimée ou renommée ?) : donnez le libellé d'une question du formulaire."
                )
                % {"name": typed}
            }
            continue
        source, source_field = found
        if source_field is field:
            errors[index] = {
                "condition_field": _("Une question ne peut pas dépendre d'elle-même.")
            }
            continue
        if source_field.field_type in NOT_A_SOURCE:
            errors[index] = {
                "condition_field": _(
                    "« %(label)s » n'a pas de réponse à comparer (fichier, titre, texte ou champ caché)."
                )
                % {"label": source_field.label}
            }
            continue
        field.condition_field = source
        values = values_of(field.condition_values)
        if not values:
            errors[index] = {
                "condition_values": _(
                    "Donnez la ou les valeurs attendues, une par ligne."
                )
            }
            continue
        if source_field.field_type in CHOICE_TYPES | {FieldType.DEPARTEMENT}:
            choices = {_norm(c) for c in possible_answers(source_field)}
            unknown = [v for v in values if _norm(v) not in choices]
            if unknown and field.condition_operator != Operator.CONTAINS:
                errors[index] = {
                    "condition_values": _(
                        "« %(value)s » n'est pas un choix de « %(label)s » : la condition ne "
                        "serait jamais remplie."
                    )
                    % {"value": unknown[0], "label": source_field.label}
                }
                continue
        if source_field.field_type == FieldType.CHECKBOX and {
            _norm(v) for v in values
        } - {YES, NO}:
            errors[index] = {
                "condition_values": _("Une case à cocher vaut « oui » ou « non ».")
            }
    loop = _cycle(dependencies(spec_of(fields)))
    if loop:
        labels = dict(zip(names, (f.label for f in fields), strict=True))
        message = _(
            "Ces questions dépendent l'une de l'autre en boucle : %(names)s."
        ) % {"names": " → ".join(f"« {labels.get(n, n)} »" for n in loop)}
        for index, name in enumerate(names):
            if name in loop:
                errors.setdefault(index, {})["condition_field"] = message
    return errors


def possible_answers(field):
    """The answers a choice question (model) can take: its choices as Wagtail reads
    them, « oui » and « non » for a checkbox, the départements' labels."""
    if field.field_type == FieldType.CHECKBOX:
        return [YES, NO]
    if field.field_type == FieldType.DEPARTEMENT:
        return [departement_label(code, name) for code, name in departements()]
    return [
        value for value, _label in FormBuilder([]).get_formatted_field_choices(field)
    ]


def name_of(field):
    """A form field's stored name (model): ``clean_name`` is set when it is first saved."""
    return field.clean_name or field.get_field_clean_name()
