"""Text that must hold on one line: names, administrations, email subjects.

A line break or a control character in a name or a subject is never what a
person meant: pasted from a table, it is harmless; forged, it makes a header
of an email (``Bcc:``) or a decision email that fails to send at every
attempt. Such fields are cleaned at the door:

- in a form, line breaks and tabs become one space, so that a pasted value is
  accepted as the person meant it;
- any other control character (the C0 and C1 ranges, the bidirectional
  overrides that turn text around, lone surrogates) is refused, with a French
  message;
- at the model, ``full_clean`` refuses both, so that no admin form, import or
  API can store them.

Old data, an import or the shell may still have stored a lone surrogate
escaped in JSON (« \\ud800 »): no file, page or response can encode it.
``SurrogateSafeDecoder`` reads such JSON with U+FFFD in its place.

``comparable`` gives the form under which two ways of writing the same name
meet (case, accents, punctuation, spaces), to find likely duplicates.
"""

import json
import re
import unicodedata

import msgspec
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Line breaks in all their forms, and tabs: read as a space in a one-line field.
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
_SPACES = re.compile(r"[ \t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
# Anything but letters and digits: apostrophes (' and ’), hyphens, dots, spaces.
_NOT_WORD = re.compile(r"[\W_]+")
# A NUL, or a lone surrogate (Unicode category Cs: U+D800 to U+DFFF).
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# Ligatures that Unicode does not decompose, written both ways in French.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
# Bidirectional embeddings, overrides and isolates: they reorder what is shown.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(value):
    """``value`` with every line break and tab turned into a single space, trimmed."""
    if not value or not isinstance(value, str):
        return value
    if _BREAKS.search(value):
        value = _SPACES.sub(" ", value)
    return value.strip()


def comparable(value):
    """``value`` as two people would both write it: « Préfecture de l’Exemple »
    and « prefecture de l'exemple » give the same text.

    Case, accents and ligatures are dropped; any run of punctuation or spaces
    becomes one space; the ends are trimmed.
    """
    folded = unicodedata.normalize("NFKD", (value or "").casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", bare.translate(_LIGATURES)).split())


def _is_control(character):
    return (
        unicodedata.category(character) in ("Cc", "Cs") or character in _BIDI_CONTROLS
    )


def control_characters(value):
    """The characters of ``value`` that have no place in a line of text."""
    return [character for character in value if _is_control(character)]


def has_bad_text(value):
    """True when a string holds a lone surrogate or a NUL: no database stores them."""
    return _BAD_TEXT.search(value) is not None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MSGSPEC_DECODE = msgspec.json.Decoder().decode


def without_lone_surrogates(value):
    """``value`` (decoded JSON: dicts, lists, strings…) with each lone surrogate
    replaced by U+FFFD, the character that says « something unreadable was here »."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {
            without_lone_surrogates(k): without_lone_surrogates(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    return value


class SurrogateSafeDecoder(json.JSONDecoder):
    """Decodes JSON as ``json`` does, with a lone surrogate escaped in the text
    read as U+FFFD. msgspec reads the text first (it refuses a lone surrogate,
    NaN, 1e400, and is quicker than ``json``); what it refuses goes to ``json``,
    then is walked for lone surrogates: that rare path alone pays for them."""

    def decode(self, s, *args, **kwargs):
        try:
            return _MSGSPEC_DECODE(s)
        except ValueError:  # msgspec's DecodeError, or a text it cannot encode
            return without_lone_surrogates(super().decode(s, *args, **kwargs))


def email_subject(text, max_length=None):
    """A subject as an email header takes it: one line, no control character, cut to fit.

    A placeholder filled with a long name or a reason written on several lines
    must neither fail the email (a header cannot break its line) nor overflow
    the column it is kept in.
    """
    text = one_line(text or "")
    text = "".join(character for character in text if not _is_control(character))
    if max_length and len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


@deconstructible
class SingleLineValidator:
    """Refuses line breaks and control characters in a one-line field."""

    message = _(
        "Ce champ tient sur une ligne : retirez les retours à la ligne et les "
        "caractères de contrôle (invisibles) qu'il contient."
    )
    code = "not_single_line"

    def __call__(self, value):
        if isinstance(value, str) and control_characters(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, SingleLineValidator)

    def __hash__(self):
        return hash(self.code)


single_line = SingleLineValidator()


class SingleLineFormField(forms.CharField):
    """A form's one-line text: breaks become spaces, other control characters refused."""

    default_validators = [single_line]

    def to_python(self, value):
        return super().to_python(one_line(value) if isinstance(value, str) else value)


class SingleLineCharField(models.CharField):
    """A model's one-line text (a name, an administration, a subject)."""

    default_validators = [single_line]

    def formfield(self, **kwargs):
        if not self.choices:
            kwargs.setdefault("form_class", SingleLineFormField)
        return super().formfield(**kwargs)
