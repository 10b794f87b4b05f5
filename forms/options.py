"""The options of a form field (bounds, format, confirmation), checked when the form is saved.

A format is a regular expression the team writes; the whole answer must
match it. It runs with the ``regex`` module's time limit, so that no pattern
can hold a worker: one that takes too long on a probe answer is refused when
the form is saved, and an answer that still takes too long is refused with a
message rather than waited for.
"""

import regex
from django.utils.translation import gettext_lazy as _

from .choices import OPTION_TYPES, FieldType
from .compound import parse_subfields

TIMEOUT = 0.05  # seconds per answer
# Answers a costly pattern chokes on: long runs of one character, then a misfit.
PROBES = [
    "a" * 40 + "!",
    "0" * 40 + "!",
    "A1" * 30 + " ",
    "é " * 30 + "\n",
]
TOO_COSTLY = _(
    "Ce format est trop coûteux à vérifier (il peut bloquer le serveur) : "
    "simplifiez-le, par exemple sans alternatives qui se recouvrent sous une répétition, comme (a|aa)+."
)


def compiled(pattern):
    return regex.compile(pattern, flags=regex.VERSION0)


def fullmatch(pattern, value):
    """True, False, or None when the check took too long."""
    try:
        return compiled(pattern).fullmatch(value, timeout=TIMEOUT) is not None
    except TimeoutError:
        return None


def _pattern_error(pattern):
    try:
        compiled(pattern)
    except (regex.error, RecursionError, OverflowError) as error:
        return _("Ce format n'est pas une expression régulière valide (%(error)s).") % {
            "error": error
        }
    if any(fullmatch(pattern, probe) is None for probe in PROBES):
        return TOO_COSTLY
    return None


def option_errors(field):
    """Per-option messages for a ``CandidatureFormField`` whose options do not hold."""
    errors = {}
    labels = dict(FieldType.choices)
    for name, allowed in OPTION_TYPES.items():
        value = getattr(field, name)
        unset = value is None or value == "" or value is False
        if unset or field.field_type in allowed:
            continue
        errors[name] = _("Ne s'applique qu'aux champs de type : %(types)s.") % {
            "types": ", ".join(str(labels[t]) for t in sorted(allowed))
        }
    if errors:
        return errors
    if field.field_type == FieldType.GROUP:
        if messages := parse_subfields(field.group_fields)[1]:
            errors["group_fields"] = " ".join(str(m) for m in messages)
        low, high = field.min_entries, field.max_entries
        if low is not None and high is not None and low > high:
            errors["max_entries"] = _(
                "Le nombre maximal d'entrées est plus petit que le minimal."
            )
    low, high = field.min_value, field.max_value
    if low is not None and high is not None and low > high:
        errors["max_value"] = _("La valeur maximale est plus petite que la minimale.")
    low, high = field.min_date, field.max_date
    if low is not None and high is not None and low > high:
        errors["max_date"] = _("La date au plus tard précède la date au plus tôt.")
    if field.pattern:
        if message := _pattern_error(field.pattern):
            errors["pattern"] = message
        elif not field.pattern_message.strip():
            errors["pattern_message"] = _(
                "Dites à l'agent ce qui est attendu quand sa réponse ne suit pas le format."
            )
    elif field.pattern_message:
        errors["pattern"] = _("Un message sans format : donnez le format attendu.")
    return errors
