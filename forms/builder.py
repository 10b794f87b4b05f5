"""Build the applicant's form from the fields the programme team defined.

Wagtail's ``FormBuilder`` is extended with file uploads and non-input blocks
(section headings, explanations), and every form starts with the same
identity block. The form renders with the DSFR's field templates.
"""

import json
import uuid

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

from core.files import check_upload
from core.text import SingleLineFormField, has_bad_text

from . import validators
from .choices import DEFAULT_FILE_KINDS, FieldType
from .compound import (
    AddressField,
    GroupField,
    commune_search_url,
    filled,
    group_limits,
    parse_subfields,
)
from .conditions import (
    depends_on_errors,
    explained,
    hidden_names,
    name_of,
    sections_of,
    spec_of,
)
from .eligibility import excluded, rule_of
from .options import fullmatch

IDENTITY_FIELDS = {
    "identity_name": _("Prénom et nom"),
    "identity_email": _("Adresse électronique professionnelle"),
    "identity_administration": _("Administration"),
    "identity_service": _("Service"),
}
IDENTITY_PREFIX = "identity_"
HONEYPOT_FIELD = "site_web"
TOKEN_FIELD = "jeton"  # noqa: S105 - a form field name, not a secret

CONFIRMATION_SUFFIX = "__confirmation"
# Names the form or the API body use for themselves: a question named so
# would be taken for them (a question « Site web » for the trap).
RESERVED_NAMES = {
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    "answers_section",
    "answers",  # the JSON part of a multipart API body
    "idempotency_key",  # its key, beside the answers
}
# And the form's own inputs (a step's name and its button: ``forms.steps``).
RESERVED_PREFIX = "amorce_"
INELIGIBLE = "ineligible"  # the code of an eligibility question's refusal
DEFAULT_MAX_LENGTH = {FieldType.SINGLELINE: 255, FieldType.MULTILINE: 10_000}
MAX_TOKEN_LENGTH = 200


def _token_signer(page):
    return signing.Signer(salt=f"amorce.forms.jeton.{page.pk}")


def issue_token(page):
    """A one-time token for this form page: a fresh UUID, signed with the page's id.

    Only the UUID is stored (``Candidature.submission_token``); the signature
    ties the token to its form, so that no other form accepts it.
    """
    return token_for(page, uuid.uuid4())


def token_for(page, value):
    """The signed token of ``value``, a UUID: a draft's form is sent with its own."""
    return _token_signer(page).sign(str(value))


def token_uuid(page, value):
    """The UUID of a token issued for ``page``; None for anything else."""
    if not isinstance(value, str) or not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    try:
        return uuid.UUID(_token_signer(page).unsign(value))
    except (signing.BadSignature, ValueError):
        return None


class NothingWidget(forms.Widget):
    """Renders nothing and reads nothing: the field's template shows the text."""

    def render(self, name, value, attrs=None, renderer=None):
        return ""

    def value_from_datadict(self, data, files, name):
        return None


class NonInputField(forms.Field):
    """A heading or an explanation placed among the fields: nothing to enter."""

    widget = NothingWidget

    def __init__(self, *, text="", level="section", **kwargs):
        kwargs.update(required=False, label=kwargs.get("label", ""))
        super().__init__(**kwargs)
        self.text = text
        self.level = level
        self.template_name = f"forms/fields/{level}.html"

    def clean(self, value):
        return None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or several files, each checked by content, size and name."""

    template_name = "forms/fields/file.html"

    @property
    def max_size_display(self):
        megabytes = self.max_size / 1024 / 1024
        return f"{megabytes:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " Mo"

    @property
    def allowed_display(self):
        return ", ".join(kind.upper() for kind in self.allowed_kinds)

    def __init__(self, *, allowed_kinds, max_size, max_files=1, **kwargs):
        self.allowed_kinds = list(allowed_kinds)
        self.max_size = max_size
        self.max_files = max_files
        widget = MultipleFileInput if max_files > 1 else forms.ClearableFileInput
        accept = ",".join(f".{kind}" for kind in self.allowed_kinds)
        kwargs.setdefault(
            "widget", widget(attrs={"accept": accept, "class": "fr-upload"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_files:
            raise ValidationError(
                _("Vous pouvez joindre %(max)s fichier(s) au plus."),
                code="too_many_files",
                params={"max": self.max_files},
            )
        errors = []
        for upload in files:
            try:
                super().clean(upload, initial)
                upload.amorce_kind = check_upload(
                    upload, self.allowed_kinds, self.max_size
                )
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return files


class NumberField(forms.DecimalField):
    """A number of 30 digits at most: a longer one is refused before it is read."""

    max_characters = 40

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 30)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and len(value.strip()) > self.max_characters:
            raise ValidationError(
                _("Saisissez un nombre de %(max)s chiffres au plus."),
                code="max_digits",
                params={"max": self.max_digits},
            )
        return super().to_python(value)


class PatternValidator:
    """The whole answer follows the team's format (``forms.options``), or its message."""

    def __init__(self, pattern, message):
        self.pattern, self.message = pattern, message

    def __call__(self, value):
        if not value:
            return
        matched = fullmatch(self.pattern, value)
        if matched is None:
            raise ValidationError(
                _(
                    "Cette réponse n'a pas pu être vérifiée à temps : raccourcissez-la, "
                    "ou prévenez l'équipe du programme."
                ),
                code="pattern_timeout",
            )
        if not matched:
            raise ValidationError(self.message, code="pattern")


class ReadField(SingleLineFormField):
    """A short text read by a function of ``forms.validators``, which gives what is stored."""

    def __init__(self, *, read, **kwargs):
        self.read = read
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return self.read(value) if value not in self.empty_values else value


class LongTextField(forms.CharField):
    """A long answer whose line breaks count one character, as the page's counter counts
    them (a browser sends each as CR LF)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


class ConfirmationField(forms.EmailField):
    """The address typed a second time; compared with ``confirms``, never stored."""

    def __init__(self, *, confirms, **kwargs):
        self.confirms = confirms
        super().__init__(**kwargs)


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time whose day lies between two days (Paris time), both included."""

    def __init__(self, *, min_day=None, max_day=None, **kwargs):
        self.min_day, self.max_day = min_day, max_day
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        day = timezone.localdate(value) if timezone.is_aware(value) else value.date()
        _check_day(day, self.min_day, self.max_day)


def _day(value):
    return value.strftime("%d/%m/%Y")


def _check_day(day, low, high):
    if low is not None and day < low:
        raise ValidationError(
            _("Saisissez une date à partir du %(day)s."),
            code="min_date",
            params={"day": _day(low)},
        )
    if high is not None and day > high:
        raise ValidationError(
            _("Saisissez une date jusqu'au %(day)s au plus tard."),
            code="max_date",
            params={"day": _day(high)},
        )


class BoundedDateField(forms.DateField):
    def __init__(self, *, min_day=None, max_day=None, **kwargs):
        self.min_day, self.max_day = min_day, max_day
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None:
            _check_day(value, self.min_day, self.max_day)


BAD_TEXT_MESSAGE = _(
    "Cette réponse contient un caractère invalide (caractère nul ou codage "
    "incorrect) : retirez-le, puis envoyez de nouveau."
)


class CandidatureForm(BaseForm, DsfrBaseForm):
    """The base of every candidature form: Wagtail's kwargs, DSFR rendering."""

    template_name = "forms/candidature_form_fields.html"

    def get_context(self):
        context = forms.Form.get_context(self)
        # The DSFR recommends marking the optional fields, not the required ones.
        context["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return context

    def clean_jeton(self):
        """The UUID of this form's token; None when it was issued for no form of this page."""
        return token_uuid(self.page, self.cleaned_data.get(TOKEN_FIELD))

    def clean(self):
        cleaned_data = super().clean()
        for name, value in list(cleaned_data.items()):
            # No database stores a NUL or a lone surrogate: whatever the field,
            # such an answer is refused here rather than failing when stored.
            values = value if isinstance(value, list | tuple) else [value]
            if any(isinstance(item, str) and has_bad_text(item) for item in values):
                self.add_error(name, ValidationError(BAD_TEXT_MESSAGE, code="bad_text"))
        for name, rule in self.eligibility.items():
            if name in cleaned_data and excluded(rule, cleaned_data[name]):
                self.add_error(name, ValidationError(rule[1], code=INELIGIBLE))
        for name, field in self.fields.items():
            if not isinstance(field, ConfirmationField):
                continue
            first, second = cleaned_data.get(field.confirms), cleaned_data.get(name)
            if first and second is not None and first.casefold() != second.casefold():
                self.add_error(
                    name,
                    ValidationError(
                        _("Les deux adresses ne sont pas les mêmes : vérifiez-les."),
                        code="confirmation",
                    ),
                )
        if self.data.get(HONEYPOT_FIELD):
            raise ValidationError(
                _(
                    "Votre envoi a été refusé. Si vous êtes une personne, videz le champ « site web » et réessayez."
                ),
                code="honeypot",
            )
        return cleaned_data

    # (name, type, condition) of the team's fields, in order (``forms.conditions``).
    conditions = ()

    @property
    def has_conditions(self):
        """Whether a question depends on another (the page then loads its script)."""
        return any(condition for _name, _kind, condition in self.conditions)

    # name -> (excluding answers, explanation) of its eligibility questions.
    eligibility = {}

    def ineligible_names(self):
        """The eligibility questions whose answer ends the form (after validation)."""
        return [
            name
            for name, errors in self.errors.as_data().items()
            if any(error.code == INELIGIBLE for error in errors)
        ]

    # The API refuses an answer to a question its other answers hide; a browser
    # without script shows every question, and such an answer is only dropped.
    refuse_hidden_answers = False
    hidden_names = frozenset()

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not any(c for _n, _k, c in self.conditions):
            return
        hidden = hidden_names(self.conditions, self.cleaned_data)
        hidden |= {f"{name}{CONFIRMATION_SUFFIX}" for name in hidden}
        self.hidden_names = frozenset(hidden)
        # A question hanging on an answer refused for itself may not be hidden
        # after all: its answer is not refused for that (the other error says it).
        unsure = depends_on_errors(self.conditions, set(self._errors) - hidden)
        for name in hidden:
            self._errors.pop(name, None)
            self.cleaned_data.pop(name, None)
            if name.removesuffix(CONFIRMATION_SUFFIX) in unsure:
                continue
            if self.refuse_hidden_answers and self._answered(name):
                self._errors[name] = self.error_class(
                    [
                        _(
                            "Cette question ne s'applique pas d'après vos autres réponses : "
                            "ne l'envoyez pas."
                        )
                    ]
                )
        if self._errors:
            self.cleaned_data = {
                k: v for k, v in self.cleaned_data.items() if k not in self._errors
            }

    def _answered(self, name):
        field = self.fields.get(name)
        if field is None:
            return False
        value = field.widget.value_from_datadict(
            self.data, self.files, self.add_prefix(name)
        )
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list | tuple):
            return any(
                filled(item) if isinstance(item, dict) else item not in (None, "")
                for item in value
            )
        return value not in (None, "", False)

    @property
    def answer_fields(self):
        """Names of the fields whose answers are stored, in form order (shown ones only)."""
        return [
            name
            for name, field in self.fields.items()
            if not isinstance(field, NonInputField | ConfirmationField)
            and not name.startswith(IDENTITY_PREFIX)
            and name not in (HONEYPOT_FIELD, TOKEN_FIELD)
            and name not in self.hidden_names
        ]


class CandidatureFormBuilder(FormBuilder):
    term = ""  # the site's word for a candidature, set by the page

    def get_field_options(self, field):
        options = super().get_field_options(field)
        # Wagtail stores an empty default as ""; a date field cannot take it.
        if not options.get("initial"):
            options.pop("initial", None)
        return options

    def create_singleline_field(self, field, options):
        options["max_length"] = (
            field.max_length or DEFAULT_MAX_LENGTH[FieldType.SINGLELINE]
        )
        if field.pattern:
            options["validators"] = [
                PatternValidator(field.pattern, field.pattern_message)
            ]
        return SingleLineFormField(**options)

    def create_multiline_field(self, field, options):
        limit = field.max_length or DEFAULT_MAX_LENGTH[FieldType.MULTILINE]
        options["max_length"] = limit
        if field.max_length:  # said in the help too: the counter needs JavaScript
            said = _("%(limit)s caractères au plus.") % {"limit": limit}
            help_text = options.get("help_text")
            options["help_text"] = f"{help_text} {said}" if help_text else said
        # The counter (a script of the form's page) says how many are left.
        options.setdefault(
            "widget",
            forms.Textarea(attrs={"rows": 6, "data-amorce-counter": limit}),
        )
        return LongTextField(**options)

    def create_email_field(self, field, options):
        return forms.EmailField(max_length=254, **options)

    def create_phone_field(self, field, options):
        options.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        )
        return ReadField(read=validators.french_phone, **options)

    def create_siret_field(self, field, options):
        options.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        return ReadField(read=validators.siret, **options)

    def create_siren_field(self, field, options):
        options.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        return ReadField(read=validators.siren, **options)

    def create_commune_field(self, field, options):
        options.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "address-level2",
                    "data-amorce-commune": commune_search_url(),
                }
            ),
        )
        if not options.get("help_text"):
            options["help_text"] = _(
                "Son nom, avec le département entre parenthèses si plusieurs communes "
                "le portent (Saint-Denis (93)), ou son code INSEE."
            )
        return ReadField(read=validators.commune, max_length=200, **options)

    def create_address_field(self, field, options):
        options.pop("initial", None)
        if not options.get("help_text"):
            options["help_text"] = _("Une adresse en France.")
        return AddressField(**options)

    def create_group_field(self, field, options):
        options.pop("initial", None)
        low, high = group_limits(field.min_entries, field.max_entries)
        # Said in the help too: without script, every entry up to the maximum shows.
        said = (
            _("De %(min)s à %(max)s entrées ; une entrée laissée vide est ignorée.")
            if low > 1
            else _("Jusqu'à %(max)s entrées ; une entrée laissée vide est ignorée.")
        ) % {"min": low, "max": high}
        help_text = options.get("help_text")
        options["help_text"] = f"{help_text} {said}" if help_text else said
        return GroupField(
            subfields=parse_subfields(field.group_fields)[0],
            min_entries=low,
            max_entries=high,
            entry_label=field.entry_label,
            **options,
        )

    def create_departement_field(self, field, options):
        labels = [
            validators.departement_label(code, name)
            for code, name in validators.departements()
        ]
        options["choices"] = [("", _("Sélectionner un département"))] + [
            (label, label) for label in labels
        ]
        return forms.ChoiceField(**options)

    def create_dropdown_field(self, field, options):
        options["choices"] = [
            ("", _("Sélectionner une option"))
        ] + self.get_formatted_field_choices(field)
        return forms.ChoiceField(**options)

    def create_number_field(self, field, options):
        return NumberField(
            min_value=field.min_value, max_value=field.max_value, **options
        )

    def create_date_field(self, field, options):
        attrs = {"type": "date"}
        attrs.update(_date_attrs(field))
        options.setdefault("widget", forms.DateInput(attrs=attrs))
        return BoundedDateField(
            min_day=field.min_date, max_day=field.max_date, **options
        )

    def create_datetime_field(self, field, options):
        attrs = {"type": "datetime-local"}
        attrs.update(
            {
                key: f"{day}T00:00" if key == "min" else f"{day}T23:59"
                for key, day in _date_attrs(field).items()
            }
        )
        options.setdefault("widget", forms.DateTimeInput(attrs=attrs))
        return BoundedDateTimeField(
            min_day=field.min_date, max_day=field.max_date, **options
        )

    def create_file_field(self, field, options):
        options.pop("initial", None)
        return MultipleFileField(
            allowed_kinds=field.allowed_file_kinds or DEFAULT_FILE_KINDS,
            max_size=int((field.max_file_size_mb or 10) * 1024 * 1024),
            max_files=field.max_files or 1,
            **options,
        )

    def create_section_field(self, field, options):
        return NonInputField(label=field.label, text=field.help_text, level="section")

    def create_explanation_field(self, field, options):
        return NonInputField(
            label=field.label, text=field.help_text, level="explanation"
        )

    @property
    def formfields(self):
        identity = {
            "identity_section": NonInputField(label=_("Vous"), level="section"),
            "identity_name": SingleLineFormField(
                label=IDENTITY_FIELDS["identity_name"], max_length=200
            ),
            "identity_email": forms.EmailField(
                label=IDENTITY_FIELDS["identity_email"],
                max_length=254,
                help_text=_(
                    "Nous y enverrons l'accusé de réception. Format attendu : nom@domaine.fr"
                ),
            ),
            "identity_administration": SingleLineFormField(
                label=IDENTITY_FIELDS["identity_administration"],
                max_length=200,
                help_text=_("Ministère, direction, collectivité ou établissement."),
            ),
            "identity_service": SingleLineFormField(
                label=IDENTITY_FIELDS["identity_service"],
                max_length=200,
                required=False,
            ),
            "answers_section": NonInputField(
                label=_("Votre %(term)s") % {"term": self.term or _("candidature")},
                level="section",
            ),
        }
        fields = {**identity}
        for name, form_field in super().formfields.items():
            fields[name] = form_field
            confirmation = self.confirmation_of(name)
            if confirmation is not None:
                fields[f"{name}{CONFIRMATION_SUFFIX}"] = confirmation
        fields[HONEYPOT_FIELD] = forms.CharField(
            required=False,
            label=_("Site web (ne pas remplir)"),
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )
        fields[HONEYPOT_FIELD].template_name = "forms/fields/honeypot.html"
        fields[TOKEN_FIELD] = forms.CharField(
            required=False, max_length=MAX_TOKEN_LENGTH, widget=forms.HiddenInput
        )
        return fields

    def confirmation_of(self, name):
        """The second box of an address to type twice, or None."""
        field = next(
            (f for f in self.fields if name_of(f) == name),
            None,
        )
        if field is None or field.field_type != FieldType.EMAIL:
            return None
        if not field.confirm_email:
            return None
        return ConfirmationField(
            confirms=name,
            label=_("%(label)s (confirmation)") % {"label": field.label},
            help_text=_("Saisissez la même adresse une seconde fois."),
            required=field.required,
            max_length=254,
            widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        )

    def get_form_class(self):
        spec = spec_of(self.fields)
        labels = {name_of(f): f.label for f in self.fields}
        formfields = self.formfields
        sections = sections_of(spec)
        for name, _kind, condition in spec:
            form_field = formfields.get(name)
            if form_field is None:
                continue
            form_field.amorce_section = sections.get(name) or ""
            if condition:
                form_field.amorce_when = json.dumps(condition, ensure_ascii=False)
                said = explained(condition, labels)
                if isinstance(form_field, NonInputField):
                    form_field.condition_text = said
                else:  # Wagtail's help text is escaped already: the labels are not
                    help_text = form_field.help_text
                    form_field.help_text = (
                        format_html("{} {}", help_text, said)
                        if help_text
                        else conditional_escape(said)
                    )
            confirmation = formfields.get(f"{name}{CONFIRMATION_SUFFIX}")
            if confirmation is not None:  # shown with the address it repeats
                confirmation.amorce_section = form_field.amorce_section
                confirmation.amorce_when = getattr(form_field, "amorce_when", "")
        eligibility = {name_of(f): rule for f in self.fields if (rule := rule_of(f))}
        return type(
            "CandidatureForm",
            (CandidatureForm,),
            {**formfields, "conditions": tuple(spec), "eligibility": eligibility},
        )


def _date_attrs(field):
    """The browser's date picker stops at the field's bounds."""
    attrs = {}
    if field.min_date:
        attrs["min"] = field.min_date.isoformat()
    if field.max_date:
        attrs["max"] = field.max_date.isoformat()
    return attrs


def max_request_size():
    return getattr(settings, "AMORCE_MAX_REQUEST_SIZE", 60 * 1024 * 1024)
