"""French identifiers an applicant types: a phone number, a SIRET, a SIREN, a département.

Each reader takes what people type (spaces, dots, dashes, « +33 ») and gives
back the stored form, or raises ``ValidationError`` with a French message
that says what is expected.
"""

import bisect
import csv
import functools
import gzip
import io
import re
import unicodedata
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATA = Path(__file__).resolve().parent / "data"
SEPARATORS = re.compile(r"[\s.\-/()]+")

# Overseas departments and regions share the national numbering plan (0262…,
# 0590…, 0694…); these collectivities have their own plan of 6 digits.
OWN_PLANS = {"508", "681", "687", "689"}  # Saint-Pierre-et-Miquelon, Wallis, NC, PF
NATIONAL_CODES = {
    "33",
    "262",
    "590",
    "594",
    "596",
}  # + Réunion and Mayotte, Antilles, Guyane
PHONE_MESSAGE = _(
    "Saisissez un numéro de téléphone français, par exemple 01 23 45 67 89 ou "
    "+33 1 23 45 67 89."
)


def _pairs(digits):
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def french_phone(value):
    """« 01 23 45 67 89 » for a number of the national plan; « +687 12 34 56 » otherwise."""
    raw = SEPARATORS.sub("", value or "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        digits = raw[1:]
        if not digits.isascii() or not digits.isdigit():
            raise ValidationError(PHONE_MESSAGE, code="phone")
        for code in sorted(OWN_PLANS | NATIONAL_CODES, key=len, reverse=True):
            if not digits.startswith(code):
                continue
            rest = digits[len(code) :]
            if rest.startswith("0"):  # « +33 (0)1 … » written with its zero
                rest = rest[1:]
            if code in OWN_PLANS and len(rest) == 6:
                return f"+{code} {_pairs(rest)}"
            if code == "33" and len(rest) == 9 and rest[0] != "0":
                return _pairs("0" + rest)
            if code != "33" and code not in OWN_PLANS and len(rest) == 9:
                return _pairs("0" + rest)
        raise ValidationError(PHONE_MESSAGE, code="phone")
    if (
        len(raw) == 10
        and raw.isascii()
        and raw.isdigit()
        and raw[0] == "0"
        and raw[1] != "0"
    ):
        return _pairs(raw)
    raise ValidationError(PHONE_MESSAGE, code="phone")


def luhn_ok(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    return total % 10 == 0


LA_POSTE_SIREN = "356000000"  # its establishments' SIRETs are not Luhn-checked


def _digits(value, length, message):
    digits = SEPARATORS.sub("", value or "")
    if len(digits) != length or not digits.isascii() or not digits.isdigit():
        raise ValidationError(message, code="format")
    return digits


def siren(value):
    """Nine digits whose Luhn key is right, as typed without spaces."""
    digits = _digits(
        value, 9, _("Un numéro SIREN compte 9 chiffres, par exemple 130 025 265.")
    )
    if not luhn_ok(digits):
        raise ValidationError(
            _(
                "Ce numéro SIREN n'existe pas (sa clé de contrôle est fausse) : vérifiez-le."
            ),
            code="checksum",
        )
    return digits


def siret(value):
    """Fourteen digits: a valid SIREN then the establishment's number, Luhn-checked."""
    digits = _digits(
        value,
        14,
        _("Un numéro SIRET compte 14 chiffres, par exemple 130 025 265 00013."),
    )
    valid = (
        sum(int(char) for char in digits) % 5 == 0
        if digits.startswith(LA_POSTE_SIREN)
        else luhn_ok(digits[:9]) and luhn_ok(digits)
    )
    if not valid:
        raise ValidationError(
            _(
                "Ce numéro SIRET n'existe pas (sa clé de contrôle est fausse) : vérifiez-le."
            ),
            code="checksum",
        )
    return digits


@functools.cache
def departements():
    """(code, name) of every département and overseas collectivity, in the official order.

    From the Code officiel géographique (INSEE) as Etalab publishes it; its
    source and date: ``forms/data/SOURCE.md``.
    """
    with (DATA / "departements.csv").open(encoding="utf-8", newline="") as file:
        return [(row["code"], row["nom"]) for row in csv.DictReader(file)]


def departement_label(code, name):
    """How a département is stored and shown: « Ain (01) »."""
    return f"{name} ({code})"


@functools.cache
def communes():
    """(INSEE code, name, département code) of every current commune (COG, ``SOURCE.md``)."""
    with gzip.open(DATA / "communes.csv.gz", "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        return [(r["code"], r["nom"], r["departement"]) for r in csv.DictReader(text)]


ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def _plain(name):
    """A name as people type it: no accents, case, hyphens or apostrophes; « St » read « Saint »."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.split(r"[\s\-'’.]+", text)
    return " ".join(ABBREVIATIONS.get(w, w) for w in words if w)


@functools.cache
def _communes_by_name():
    index = {}
    for code, name, departement in communes():
        index.setdefault(_plain(name), []).append((code, name, departement))
    return index


COMMUNE_WITH = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[0-9AaBb]{2,5})\)\s*$")


def commune_label(code, name):
    """How a commune is stored and shown: « Saint-Denis (93066) »."""
    return f"{name} ({code})"


def commune(value):
    """The commune named: « Lyon », « Saint-Denis (93) », « Saint-Denis (93066) » or « 93066 »."""
    text = " ".join((value or "").split())
    by_code = {code: (code, name) for code, name, _dep in communes()}
    if text.upper() in by_code:
        return commune_label(*by_code[text.upper()])
    match = COMMUNE_WITH.match(text)
    name, qualifier = (match["name"], match["code"].upper()) if match else (text, "")
    found = _communes_by_name().get(_plain(name), [])
    if qualifier:
        found = [c for c in found if qualifier in (c[0], c[2])]
    if len(found) == 1:
        return commune_label(found[0][0], found[0][1])
    if not found:
        raise ValidationError(
            _(
                "Aucune commune ne porte ce nom : vérifiez l'orthographe, ou donnez son "
                "code INSEE (par exemple 69123 pour Lyon)."
            ),
            code="unknown_commune",
        )
    examples = ", ".join(f"{name} ({dep})" for _code, name, dep in found[:5])
    raise ValidationError(
        _(
            "Plusieurs communes portent ce nom : ajoutez le département entre "
            "parenthèses, par exemple %(examples)s."
        ),
        code="ambiguous_commune",
        params={"examples": examples},
    )


@functools.cache
def _communes_sorted():
    return sorted(
        (_plain(name), name, code, departement)
        for code, name, departement in communes()
    )


def communes_starting(typed, departements=None, limit=20):
    """(INSEE code, name, département) of the communes whose name starts as typed.

    Read as ``commune`` reads names (accents, case, hyphens aside); an INSEE
    code's first digits find it too. For the autocomplete of a commune box.
    """
    text = " ".join((typed or "").split())[:80]
    plain = _plain(text)
    if len(plain) < 2:
        return []
    found = []
    if plain[:2].isdigit() or plain[:2] in ("2a", "2b"):
        found = [
            (code, name, dep)
            for code, name, dep in communes()
            if code.casefold().startswith(plain)
        ]
    else:
        entries = _communes_sorted()
        start = bisect.bisect_left(entries, (plain,))
        for key, name, code, dep in entries[start:]:
            if not key.startswith(plain):
                break
            found.append((code, name, dep))
        found.sort(key=lambda c: (len(c[1]), c[1], c[0]))
    if departements:
        found = [c for c in found if c[2] in departements]
    return found[:limit]
