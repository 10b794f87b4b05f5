"""Answers made of parts: a French postal address, and a group of entries repeated.

Both are one question of the form and one answer of the candidature: a
dictionary with stable keys for an address (``ADDRESS_PARTS``), a list of
dictionaries for a group (one per entry filled, keyed by its sub-fields'
names). A browser sends each part under its own name (``<field>__<part>``,
``<field>__<n>__<sub-field>``); the JSON API sends the object or the list as
it is stored. Each part is checked with a French message that names it, kept
by the field (``part_errors``) so that the page shows it beside its input and
the API under ``<field>.<part>``.
"""

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core.text import has_bad_text

from . import validators

BAD_TEXT = _("Caractère invalide (caractère nul ou codage incorrect) : retirez-le.")
PART_MAX_LENGTH = 200

# (key, label, autocomplete token, required when the address is given)
ADDRESS_PARTS = (
    ("voie", _("Numéro et voie"), "address-line1", True),
    ("complement", _("Complément d'adresse"), "address-line2", False),
    ("code_postal", _("Code postal"), "postal-code", True),
    ("commune", _("Commune"), "address-level2", True),
)
ADDRESS_KEYS = tuple(key for key, *_rest in ADDRESS_PARTS)
ADDRESS_HINTS = {
    "voie": _("Par exemple : 20 avenue de Ségur"),
    "complement": _("Bâtiment, étage, boîte postale…"),
    "code_postal": _("5 chiffres, par exemple 75007"),
}

# The kinds a group's sub-field may take: the word the team writes -> its type.
SUBFIELD_KINDS = {
    "texte": "singleline",
    "courriel": "email",
    "téléphone": "phone",
    "telephone": "phone",
    "date": "date",
    "nombre": "number",
}
SUBFIELD_KIND_LABELS = {
    "singleline": _("texte court"),
    "email": _("courriel"),
    "phone": _("téléphone"),
    "date": _("date"),
    "number": _("nombre"),
}
MAX_ENTRIES = 20
DEFAULT_MAX_ENTRIES = 5
MAX_SUBFIELDS = 10


# The postal code and the département ---------------------------------------------

POSTAL_CODE = re.compile(r"^[0-9]{5}$")
# Codes of overseas collectivities that do not follow their département's number.
POSTAL_EXCEPTIONS = {"97133": "977", "97150": "978"}  # Saint-Barthélemy, Saint-Martin


def postal_departements(code):
    """The départements a postal code may belong to, by its first digits (Corsica: both)."""
    known = {dep for dep, _name in validators.departements()}
    if code in POSTAL_EXCEPTIONS:
        return {POSTAL_EXCEPTIONS[code]}
    if code.startswith("20"):
        return {"2A", "2B"}
    prefix = code[:3] if code[:2] in ("97", "98") else code[:2]
    return {prefix} & known


def _commune_departement(label):
    """The département of a stored commune (« Lyon (69123) » -> « 69 »)."""
    match = validators.COMMUNE_WITH.match(label)
    code = match["code"] if match else ""
    return next((dep for c, _n, dep in validators.communes() if c == code), None)


def read_address(parts):
    """``(address, errors)``: the address as stored, or per-part French messages."""
    errors = {}
    text = {}
    for key in ADDRESS_KEYS:
        value = parts.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[key] = _("Réponse attendue : un texte.")
            value = ""
        value = " ".join(value.split())
        if has_bad_text(value):
            errors[key] = BAD_TEXT
        elif len(value) > PART_MAX_LENGTH:
            errors[key] = _("%(max)s caractères au plus.") % {"max": PART_MAX_LENGTH}
        text[key] = value
    for key, _label, _token, required in ADDRESS_PARTS:
        if required and not text[key] and key not in errors:
            errors[key] = _("Ce champ est obligatoire.")
    code = text["code_postal"].replace(" ", "")
    departements = set()
    if code and "code_postal" not in errors:
        if not POSTAL_CODE.match(code):
            errors["code_postal"] = _(
                "Un code postal compte 5 chiffres, par exemple 75007."
            )
        elif not (departements := postal_departements(code)):
            errors["code_postal"] = _(
                "Ce code postal ne correspond à aucun département français."
            )
        text["code_postal"] = code
    if text["commune"] and "commune" not in errors:
        try:
            text["commune"] = _read_commune(text["commune"], departements)
        except ValidationError as error:
            errors["commune"] = error.messages[0]
    if departements and "commune" not in errors and text["commune"]:
        departement = _commune_departement(text["commune"])
        if departement not in departements:
            errors["code_postal"] = _(
                "Ce code postal n'est pas celui d'une commune du département %(dep)s, "
                "où se trouve %(commune)s : vérifiez le code postal ou la commune."
            ) % {"dep": departement, "commune": text["commune"]}
    return text, errors


def _read_commune(typed, departements):
    """The commune named; one name several communes bear is settled by the postal code."""
    try:
        return validators.commune(typed)
    except ValidationError as error:
        if error.code != "ambiguous_commune" or len(departements) == 0:
            raise
        found = []
        for departement in sorted(departements):
            try:
                found.append(validators.commune(f"{typed} ({departement})"))
            except ValidationError:
                continue
        if len(found) == 1:
            return found[0]
        raise


def address_lines(value):
    """An address as it is written on an envelope, a line each."""
    if not isinstance(value, dict):
        return [] if value in (None, "") else [str(value)]
    commune = value.get("commune") or ""
    match = validators.COMMUNE_WITH.match(commune)
    town = match["name"] if match else commune
    lines = [value.get("voie"), value.get("complement")]
    lines.append(" ".join(filter(None, [value.get("code_postal"), town])))
    return [line for line in lines if line]


# Widgets -----------------------------------------------------------------------


def commune_search_url():
    """Where the page's script finds communes as they are typed (``forms.api``)."""
    try:
        return reverse("wagtailapi_v3:communes")
    except NoReverseMatch:
        return ""


class PartsWidget(forms.Widget):
    """Several inputs under one question; their own errors shown beside each."""

    part_errors = {}

    def id_for_label(self, id_):
        return f"{id_}__{self.first_part}" if id_ else id_

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(k.startswith(f"{name}__") for k in data)


class AddressWidget(PartsWidget):
    template_name = "forms/widgets/address.html"
    first_part = "voie"

    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        if isinstance(raw, dict):  # JSON: the object as stored
            return raw
        return {key: data.get(f"{name}__{key}", "") for key in ADDRESS_KEYS}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = value if isinstance(value, dict) else {}
        base = context["widget"]["attrs"].get("id") or f"id_{name}"
        required = context["widget"]["required"]
        context["parts"] = [
            {
                "key": key,
                "label": label,
                "hint": ADDRESS_HINTS.get(key, ""),
                "id": f"{base}__{key}",
                "name": f"{name}__{key}",
                "value": value.get(key) or "",
                "autocomplete": token,
                "required": needed and required,
                "optional": not needed,
                "error": self.part_errors.get(key),
                "disabled": context["widget"]["attrs"].get("disabled"),
                "commune": commune_search_url() if key == "commune" else "",
                "numeric": key == "code_postal",
            }
            for key, label, token, needed in ADDRESS_PARTS
        ]
        return context


class GroupWidget(PartsWidget):
    template_name = "forms/widgets/group.html"

    def __init__(self, *, subfields, min_entries, max_entries, entry_label, **kwargs):
        super().__init__(**kwargs)
        self.subfields, self.entry_label = subfields, entry_label
        self.min_entries, self.max_entries = min_entries, max_entries

    @property
    def first_part(self):
        return f"1__{self.subfields[0]['name']}"

    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        if isinstance(raw, list):  # JSON: the list as stored
            return raw
        return [
            {
                sub["name"]: data.get(f"{name}__{number}__{sub['name']}", "")
                for sub in self.subfields
            }
            for number in range(1, self.max_entries + 1)
        ]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        entries = value if isinstance(value, list) else []
        base = context["widget"]["attrs"].get("id") or f"id_{name}"
        label = entry_title(self.entry_label)
        context["group"] = {
            "min": self.min_entries,
            "max": self.max_entries,
            "add": _("Ajouter %(entry)s") % {"entry": self.entry_label},
            "remove": _("Retirer « %(entry)s »"),
            "added": _("Ajouté : « %(entry)s »."),
            "removed": _("Retiré : « %(entry)s » ; les suivants remontent d'un rang."),
        }
        context["entries"] = [
            {
                "number": number,
                "id": f"{base}__{number}",
                "title": f"{label} {number}",
                "optional": number > max(self.min_entries, 1),
                "parts": [
                    {
                        "key": sub["name"],
                        "label": sub["label"],
                        "id": f"{base}__{number}__{sub['name']}",
                        "name": f"{name}__{number}__{sub['name']}",
                        "value": _entry_value(entries, number, sub["name"]),
                        "input_type": INPUT_TYPES.get(sub["type"], "text"),
                        "numeric": sub["type"] == "number",
                        "required": False,  # a blank entry is sent too
                        "optional": not sub["required"],
                        "error": self.part_errors.get((number, sub["name"])),
                        "disabled": context["widget"]["attrs"].get("disabled"),
                    }
                    for sub in self.subfields
                ],
            }
            for number in range(1, self.max_entries + 1)
        ]
        return context


INPUT_TYPES = {"email": "email", "phone": "tel", "date": "date"}


def _entry_value(entries, number, key):
    if number > len(entries) or not isinstance(entries[number - 1], dict):
        return ""
    value = entries[number - 1].get(key)
    return "" if value is None else str(value)


ARTICLE = re.compile(r"^(?:une?|l['’]|le|la)\s*", re.IGNORECASE)


def entry_title(entry_label):
    """« une personne » -> « Personne », the word before each entry's number."""
    text = ARTICLE.sub("", str(entry_label or _("une entrée")).strip()) or str(
        _("entrée")
    )
    return text[:1].upper() + text[1:]


# Fields ------------------------------------------------------------------------


class PartsField(forms.Field):
    """A question of several inputs: a fieldset, its parts' errors beside each."""

    template_name = "forms/fields/parts.html"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.whole_errors = []

    def refuse(self, part_errors, whole=()):
        """Raise the errors: each names its part, for the summary and the API."""
        self.widget.part_errors = part_errors
        self.whole_errors = list(whole)
        messages = [*whole, *(self.part_message(p, m) for p, m in part_errors.items())]
        raise ValidationError(messages, code="parts")

    def api_errors(self, name):
        """``{"<field>.<part>": [message]}`` of the last check."""
        return {
            f"{name}.{self.part_path(part)}": [str(message)]
            for part, message in self.widget.part_errors.items()
        }


class AddressField(PartsField):
    """A postal address in France: voie, complément, code postal, commune."""

    widget = AddressWidget

    def part_message(self, part, message):
        label = {k: lbl for k, lbl, *_r in ADDRESS_PARTS}[part]
        return f"{label} : {message}"

    def part_path(self, part):
        return part

    def clean(self, value):
        if value in (None, ""):
            value = {}
        if not isinstance(value, dict):
            raise ValidationError(
                _("Réponse attendue : un objet (voie, code_postal, commune)."),
                code="type",
            )
        unknown = sorted(set(value) - set(ADDRESS_KEYS))
        if unknown:
            raise ValidationError(
                _("Parties inconnues : %(names)s (attendues : %(keys)s).")
                % {"names": ", ".join(unknown)[:200], "keys": ", ".join(ADDRESS_KEYS)},
                code="type",
            )
        if not any(isinstance(v, str) and v.strip() for v in value.values()):
            if self.required:
                self.refuse({}, [self.error_messages["required"]])
            return None
        address, errors = read_address(value)
        if errors:
            self.refuse(errors)
        return address


def parse_subfields(text):
    """``(sub-fields, errors)`` from the team's lines « Libellé [*] [: type] »."""
    subfields, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, _sep, kind = line.partition(":")
        label, kind = label.strip(), kind.strip().casefold() or "texte"
        required = label.endswith("*")
        label = label.rstrip("*").strip()
        name = slugify(label).replace("-", "_")
        if not label or not name:
            errors.append(_("Ligne %(n)s : donnez un libellé.") % {"n": number})
            continue
        if kind not in SUBFIELD_KINDS:
            errors.append(
                _("Ligne %(n)s : type « %(kind)s » inconnu ; au choix : %(kinds)s.")
                % {
                    "n": number,
                    "kind": kind[:40],
                    "kinds": "texte, courriel, téléphone, date, nombre",
                }
            )
            continue
        if any(sub["name"] == name for sub in subfields):
            errors.append(
                _("Ligne %(n)s : deux sous-champs ne peuvent porter le même libellé.")
                % {"n": number}
            )
            continue
        subfields.append(
            {
                "name": name,
                "label": label,
                "type": SUBFIELD_KINDS[kind],
                "required": required,
            }
        )
    if not subfields and not errors:
        errors.append(_("Donnez au moins un sous-champ, un par ligne."))
    if len(subfields) > MAX_SUBFIELDS:
        errors.append(
            _("%(max)s sous-champs au plus.") % {"max": MAX_SUBFIELDS},
        )
    return subfields, errors


def group_limits(min_entries, max_entries):
    """(min, max) of a group: the team's, or 0 and 5 entries."""
    low = int(min_entries or 0)
    high = int(max_entries or 0) or max(DEFAULT_MAX_ENTRIES, low)
    return low, high


def clean_subvalue(kind, value):
    """A sub-field's answer as stored (text), or ``ValidationError``."""
    number = isinstance(value, int | Decimal) and not isinstance(value, bool)
    if kind == "number" and number:
        value = str(value)
    if not isinstance(value, str):
        raise ValidationError(_("Réponse attendue : un texte."), code="type")
    value = value.strip()
    if has_bad_text(value):
        raise ValidationError(BAD_TEXT, code="bad_text")
    if kind == "email":
        return forms.EmailField(max_length=254).clean(value)
    if kind == "phone":
        return validators.french_phone(value)
    if kind == "date":
        day = forms.DateField().clean(value)
        return day.isoformat() if isinstance(day, dt.date) else day
    if kind == "number":
        typed = value[:40].replace(" ", "").replace(",", ".")  # « 2,5 » as written
        number = forms.DecimalField(max_digits=30).clean(typed)
        return format(number.normalize(), "f")
    if len(value) > PART_MAX_LENGTH:
        raise ValidationError(
            _("%(max)s caractères au plus.") % {"max": PART_MAX_LENGTH},
            code="max_length",
        )
    return value


class GroupField(PartsField):
    """Entries repeated (the team members…), each of the same sub-fields."""

    def __init__(self, *, subfields, min_entries, max_entries, entry_label, **kwargs):
        self.subfields = subfields
        self.min_entries, self.max_entries = min_entries, max_entries
        self.entry_label = entry_label or _("une entrée")
        kwargs["widget"] = GroupWidget(
            subfields=subfields,
            min_entries=min_entries,
            max_entries=max_entries,
            entry_label=self.entry_label,
        )
        super().__init__(**kwargs)

    def part_message(self, part, message):
        number, key = part
        label = next(sub["label"] for sub in self.subfields if sub["name"] == key)
        title = entry_title(self.entry_label)
        return f"{title} {number} – {label} : {message}"

    def part_path(self, part):
        number, key = part
        return f"{number}.{key}"

    def clean(self, value):
        if value in (None, ""):
            value = []
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise ValidationError(
                _("Réponse attendue : une liste d'objets, un par entrée."), code="type"
            )
        title = entry_title(self.entry_label)
        if len(value) > self.max_entries and any(
            map(filled, value[self.max_entries :])
        ):
            raise ValidationError(
                _("%(max)s entrées au plus."),
                code="max_entries",
                params={"max": self.max_entries},
            )
        names = {sub["name"] for sub in self.subfields}
        kept, errors = [], {}
        for number, entry in enumerate(value[: self.max_entries], start=1):
            if set(entry) - names:
                raise ValidationError(
                    _("Entrée %(n)s : sous-champs inconnus (attendus : %(keys)s).")
                    % {"n": number, "keys": ", ".join(sorted(names))},
                    code="type",
                )
            if not filled(entry):
                continue  # an entry left blank is no entry
            stored = {}
            for sub in self.subfields:
                raw = entry.get(sub["name"])
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    if sub["required"]:
                        errors[(number, sub["name"])] = _(
                            "Ce champ est obligatoire dans chaque entrée remplie."
                        )
                    stored[sub["name"]] = ""
                    continue
                try:
                    stored[sub["name"]] = clean_subvalue(sub["type"], raw)
                except ValidationError as error:
                    errors[(number, sub["name"])] = error.messages[0]
            kept.append(stored)
        whole = []
        least = max(self.min_entries, 1 if self.required else 0)
        if kept and len(kept) < least or (not kept and self.required):
            whole.append(
                _("Remplissez au moins %(min)s entrée(s) « %(entry)s ».")
                % {"min": least, "entry": title}
                if least > 1 or not self.required
                else self.error_messages["required"]
            )
        if errors or whole:
            self.refuse(errors, whole)
        return kept


def filled(entry):
    return isinstance(entry, dict) and any(
        v not in (None, "") and not (isinstance(v, str) and not v.strip())
        for v in entry.values()
    )


def group_lines(value, subfields=None, entry_label=""):
    """A group's answer as a person reads it: an entry a line."""
    if not isinstance(value, list):
        return [] if value in (None, "") else [str(value)]
    labels = {sub["name"]: sub["label"] for sub in subfields or ()}
    title = entry_title(entry_label)
    lines = []
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            lines.append(str(entry))
            continue
        parts = [
            f"{labels.get(key, key)} : {item}"
            for key, item in entry.items()
            if item not in (None, "")
        ]
        lines.append(f"{title} {number} – " + " ; ".join(parts))
    return lines
