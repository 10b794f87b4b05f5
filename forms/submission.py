"""One submission pipeline for the HTML form and the API.

``submit(page, request, channel)`` applies every check, in one order, and
answers an ``Outcome``: a candidature (stored now, or stored before under the
same token), or a refusal with its French message, its HTTP status and, for
answers to correct, the errors per field. The views only translate an outcome
to HTML or to JSON.

The order, for both:

1. the call's dates: outside them, a resent submission finds what it stored
   before (409 not open yet, 410 closed, otherwise);
2. the size announced (413);
3. a token sent in a header (the API's ``Idempotency-Key``): what it stored;
4. the address's limit (429), before the body is read;
5. the body (unreadable: 400 or 422; too big once read: 413);
6. the token: the HTML form requires its own (« page expired » otherwise),
   the API takes an optional UUID;
7. what this token stored before;
8. the answers (errors per field), then storage.

A refusal that cost the server its checks for nothing (a refused file, an
unreadable or oversized body, a stale or forged page, from 2 on) counts
against the address (``record_refusal``); answers to correct do not.

What differs between the two is the *channel*: how the body is read, where
the token comes from, and what a JSON body must also respect (types, known
names).
"""

import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms_pages.models import CallStatus
from core import pagecache
from core.throttle import client_key_for

from .builder import (
    TOKEN_FIELD,
    MultipleFileField,
    NonInputField,
    max_request_size,
    token_uuid,
)
from .compound import ADDRESS_KEYS, AddressField, GroupField, PartsField
from .drafts import keep_draft_files
from .models.candidatures import EligibilityRefusal
from .services import (
    TOO_MANY_CANDIDATURES,
    TOO_MANY_REFUSALS,
    CallNotOpen,
    TokenUsedElsewhere,
    earlier_candidature,
    made_by_token,
    rate_limited,
    record_refusal,
    submit_candidature,
)

# What Django raises when it cannot read a body: too many fields or files
# (SuspiciousOperation), a broken multipart.
UNREADABLE_BODY = (SuspiciousOperation, MultiPartParserError)


@dataclass
class Outcome:
    """What became of a submission: a candidature, or a refusal."""

    candidature: object = None
    created: bool = False  # stored by this request (not found under its token)
    refusal: str = ""  # « upcoming », « closed », « too_big », « rate_limited »…
    status: int = 201
    detail: str = ""
    errors: dict = field(default_factory=dict)
    form: object = None  # the bound form, when answers are to correct

    @property
    def accepted(self):
        return self.candidature is not None


class Refused(Exception):  # noqa: N818 - reads as what happened
    def __init__(self, refusal, status, detail, errors=None, form=None, count=True):
        super().__init__(detail)
        self.outcome = Outcome(
            refusal=refusal,
            status=status,
            detail=str(detail),
            errors=errors or {},
            form=form,
        )
        self.count = count


LIMIT_MESSAGES = {
    TOO_MANY_CANDIDATURES: lambda: _(
        "Trop de candidatures ont été envoyées depuis cette adresse en peu de "
        "temps : réessayez dans une heure."
    ),
    TOO_MANY_REFUSALS: lambda: _(
        "Trop d'envois refusés (fichiers refusés, pages expirées ou illisibles) "
        "depuis cette adresse : réessayez dans une heure."
    ),
}


def megabytes(size):
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def too_big():
    return Refused(
        "too_big",
        413,
        _(
            "Votre envoi est trop volumineux (%(max)s Mo au plus en tout) : "
            "réduisez la taille des fichiers joints."
        )
        % {"max": max_request_size() // (1024 * 1024)},
    )


def submit(page, request, channel):
    """Check and store a submission to ``page``; an ``Outcome`` either way.

    The call's dates are read as the request was routed (a copy kept per
    process, ``cms_pages.routing``) to refuse early, and read again from the
    database when the reference is taken: a candidature is stored only if the
    dates stored say the call was open when the request came.
    """
    received_at = timezone.now()
    call_status = page.call.status_at(received_at)
    if call_status != CallStatus.OPEN:
        return _not_open(page, request, channel, call_status)
    client_key = client_key_for(request)
    try:
        return _submit_open(page, request, channel, client_key, received_at)
    except Refused as refusal:
        if refusal.count:
            record_refusal(client_key)
        return refusal.outcome
    except CallNotOpen as refusal:
        # The copy routed with was behind the database (dates changed without
        # a save's signals): the site's kept copies are made again.
        pagecache.page_changed(page.call)
        return _not_open(page, request, channel, refusal.status)


def _not_open(page, request, channel, call_status):
    # Sent again after the closing time (a lost answer, a reload): what was
    # stored before it is shown again, never « not stored ».
    if earlier := earlier_candidature(page, channel.any_token(page, request)):
        return Outcome(candidature=earlier)
    if call_status == CallStatus.UPCOMING:
        return Outcome(
            refusal="upcoming",
            status=409,
            detail=_(
                "Cet appel n'est pas encore ouvert : votre candidature n'a pas "
                "été enregistrée."
            ),
        )
    return Outcome(
        refusal="closed",
        status=410,
        detail=_("Cet appel est clos : votre candidature n'a pas été enregistrée."),
    )


def flood_refusal(request, client_key):
    """What refuses a request before its body is read: its size, the address's limits.

    For the other writes of an applicant (a draft, an edit, a message); None
    when it may be read.
    """
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_request_size():
        record_refusal(client_key)
        return too_big().outcome
    if limit := rate_limited(client_key):
        return Refused(
            "rate_limited", 429, LIMIT_MESSAGES[limit](), count=False
        ).outcome
    return None


def _submit_open(page, request, channel, client_key, received_at):
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_request_size():
        raise too_big()
    if earlier := earlier_candidature(page, channel.header_token(request)):
        return Outcome(candidature=earlier)
    if limit := rate_limited(client_key):
        raise Refused("rate_limited", 429, LIMIT_MESSAGES[limit](), count=False)
    data, files = channel.read(request)
    token = channel.token(page, request, data)
    earlier, draft = made_by_token(page, token)
    if earlier:
        return Outcome(candidature=earlier)

    data, errors = channel.prepare(page, data, files)
    form = page.get_form(data, files, page=page, user=None)
    form.refuse_hidden_answers = channel.refuses_hidden_answers
    # A draft's files answer its file fields when none is sent again.
    keep_draft_files(form, draft)
    if not form.is_valid() or errors:
        if ineligible := form.ineligible_names():
            EligibilityRefusal.record(page, ineligible)
        # Answers to correct are not held against the address; a refused file,
        # a filled trap, unknown names or wrong JSON types are.
        counted = bool(errors) or any(
            name == "__all__" or isinstance(form.fields.get(name), MultipleFileField)
            for name in form.errors
        )
        errors = {
            **{
                name: [str(m) for m in messages]
                for name, messages in form.errors.items()
            },
            **part_errors(form),
            **errors,
        }
        raise Refused(
            "invalid",
            422,
            _("Certaines réponses sont à corriger."),
            errors=errors,
            form=form,
            count=counted,
        )
    try:
        candidature, created = submit_candidature(
            page,
            form.cleaned_data,
            answer_fields=form.answer_fields,
            token=token,
            client_key=client_key,
            draft=draft,
            token_checked=True,
            received_at=received_at,
        )
    except TokenUsedElsewhere:
        raise channel.token_elsewhere() from None
    return Outcome(candidature=candidature, created=created)


# The HTML form -------------------------------------------------------------------


class HtmlForm:
    """A browser's post: the form's fields, its files, and its own one-time token."""

    refuses_hidden_answers = False  # without script, every question was shown

    def any_token(self, page, request):
        try:
            return token_uuid(page, request.POST.get(TOKEN_FIELD))
        except UNREADABLE_BODY + (RequestDataTooBig,):
            return None

    def header_token(self, request):
        return None

    def read(self, request):
        try:
            return request.POST, request.FILES
        except RequestDataTooBig:
            raise too_big() from None
        except UNREADABLE_BODY:
            raise Refused(
                "unreadable",
                400,
                _(
                    "Votre envoi n'a pas pu être lu : votre candidature n'a pas été "
                    "enregistrée. Remplissez de nouveau le formulaire ci-dessous."
                ),
            ) from None

    def token(self, page, request, data):
        token = token_uuid(page, data.get(TOKEN_FIELD))
        if token is None:
            # No token, or one this form did not issue (another form's, a forged one).
            raise self.token_elsewhere()
        return token

    def prepare(self, page, data, files):
        return data, {}

    def token_elsewhere(self):
        return Refused(
            "stale",
            400,
            _(
                "Cette page a expiré : votre candidature n'a pas été enregistrée. "
                "Vos réponses sont conservées ci-dessous ; si vous aviez joint des "
                "fichiers, choisissez-les de nouveau, puis envoyez le formulaire."
            ),
        )


# The API ---------------------------------------------------------------------------

# A valid body needs a few lists and objects: past this many, it is refused
# before it is parsed (2.5 Mo of ``[]`` would be some 60 Mo of Python lists).
MAX_JSON_CONTAINERS = 10_000
MAX_UNKNOWN_NAMES = 20
# A checkbox as a browser sends it (« on ») or as text: read as a boolean.
CHECKBOX_WORDS = {"on": True, "true": True, "false": False, "": False}
JSON_TYPE_ERRORS = {
    "text": gettext_lazy("Réponse attendue : un texte (une chaîne JSON)."),
    "number": gettext_lazy("Réponse attendue : un nombre."),
    "boolean": gettext_lazy("Réponse attendue : true ou false."),
    "list": gettext_lazy("Réponse attendue : une liste de textes."),
    "address": gettext_lazy(
        "Réponse attendue : un objet {voie, complement, code_postal, commune}."
    ),
    "group": gettext_lazy("Réponse attendue : une liste d'objets, un par entrée."),
    "file": gettext_lazy(
        "Les fichiers s'envoient en multipart/form-data, pas dans un corps JSON."
    ),
}


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _json_kind(field):
    """What JSON a field takes: text, number, boolean, list (of text), file; None: nothing."""
    if isinstance(field, NonInputField):
        return None
    if isinstance(field, MultipleFileField):
        return "file"
    if isinstance(field, AddressField):
        return "address"
    if isinstance(field, GroupField):
        return "group"
    if isinstance(field, forms.BooleanField):
        return "boolean"
    if isinstance(field, forms.MultipleChoiceField):
        return "list"
    if isinstance(field, forms.DecimalField | forms.FloatField | forms.IntegerField):
        return "number"
    return "text"


def _accepts(kind, value):
    if kind == "text":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, str | int | Decimal) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool) or (
            isinstance(value, str) and value.lower() in CHECKBOX_WORDS
        )
    if kind == "list":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if kind == "address":
        return isinstance(value, dict)
    if kind == "group":
        return isinstance(value, list) and all(isinstance(item, dict) for item in value)
    return kind == "file" and value == []


def part_errors(form):
    """The errors of an address's or a group's parts, under ``<field>.<part>``."""
    errors = {}
    for name in form.errors:
        field = form.fields.get(name)
        if isinstance(field, PartsField):
            errors.update(field.api_errors(name))
    return errors


def _is_part(form, name):
    """``adresse__code_postal``, ``equipe__2__courriel``: a part sent in multipart,
    of a part the field has (a misspelt part is an unknown name, not a lost answer)."""
    base, _sep, part = name.partition("__")
    field = form.fields.get(base)
    if isinstance(field, AddressField):
        return part in ADDRESS_KEYS
    if isinstance(field, GroupField):
        number, _sep, key = part.partition("__")
        return (
            number.isdigit()
            and 1 <= int(number) <= field.max_entries
            and key in {sub["name"] for sub in field.subfields}
        )
    return False


def unknown_names(form, data, files):
    """Per-name errors for what is not a field of this form (the first few)."""
    names = [
        name
        for name in [*data.keys(), *files.keys()]
        if name not in form.fields and not _is_part(form, name)
    ]
    message = _("Ce formulaire n'a pas de champ de ce nom.")
    return {name[:100]: [message] for name in names[:MAX_UNKNOWN_NAMES]}


def json_answers(form, answers):
    """The JSON answers as the form reads them, and per-field errors for the wrong types.

    Only what a form would receive from a browser passes: text where text is
    expected (never an object's Python ``repr``), lists of text for multiple
    choices, booleans for a checkbox, numbers as their text.
    """
    data, errors = {}, {}
    for name, value in answers.items():
        field = form.fields.get(name)
        kind = _json_kind(field) if field is not None else None
        if field is None or kind is None or value is None:
            continue
        if not _accepts(kind, value):
            errors[name] = [str(JSON_TYPE_ERRORS[kind])]
        elif kind == "number":
            data[name] = str(value)
        elif kind == "boolean" and isinstance(value, str):
            data[name] = CHECKBOX_WORDS[value.lower()]
        elif kind != "file":
            data[name] = value
    return data, errors


def numbered_files(files):
    """The files by field: ``<name>.2``, ``<name>.3``… join the files sent as ``<name>``."""
    if not any("." in name for name in files):
        return files
    joined = MultiValueDict()
    for name, uploads in files.lists():
        base, _dot, number = name.rpartition(".")
        key = base if base and number.isdigit() else name
        for upload in uploads:
            joined.appendlist(key, upload)
    return joined


class ApiBody:
    """A JSON body (``{"answers": {…}}``) or a multipart one, and an optional key."""

    refuses_hidden_answers = True  # the schema says which questions apply

    def any_token(self, page, request):
        try:
            data, _files = self.read(request)
            return self.token(page, request, data)
        except Refused:
            return None

    def header_token(self, request):
        raw = request.headers.get("Idempotency-Key")
        if not raw:
            return None
        try:
            return uuid.UUID(raw)
        except ValueError:
            raise Refused(
                "bad_token", 422, _("L'en-tête Idempotency-Key doit être un UUID.")
            ) from None

    # The names a body gives beside the answers (forms refuse them as questions).
    ANSWERS_PART = "answers"
    KEY_FIELD = "idempotency_key"

    def read(self, request):
        """The answers and files of the body, and the key it gives beside them.

        In multipart, the answers are either one field each (as a browser
        sends them) or one ``answers`` part holding their JSON, as generated
        clients send them; a field taking several files takes them under its
        name repeated, or under ``<name>.2``, ``<name>.3``…
        """
        content_type = request.content_type or ""
        if (
            content_type.startswith("multipart/form-data")
            or content_type == "application/x-www-form-urlencoded"
        ):
            try:
                data, files = request.POST, request.FILES
            except RequestDataTooBig:
                raise Refused("too_big", 413, _("Envoi trop volumineux.")) from None
            except UNREADABLE_BODY:  # no boundary, a truncated part, too many fields…
                raise Refused(
                    "unreadable",
                    422,
                    _("Le corps multipart de la requête est illisible."),
                ) from None
            self.body_key = data.get(self.KEY_FIELD)
            if self.ANSWERS_PART in data:
                answers = self.json_object(data[self.ANSWERS_PART].encode())
            elif self.ANSWERS_PART in files:
                # A browser's ``FormData`` sends a ``Blob`` as a file (named
                # « blob »): the answers' JSON all the same, as the document's
                # ``encoding`` (application/json) describes that part.
                files = files.copy()
                part = files.pop(self.ANSWERS_PART)[-1]
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                raw = part.read(limit + 1) if limit else part.read()
                if limit and len(raw) > limit:
                    raise Refused("too_big", 413, _("Envoi trop volumineux."))
                answers = self.json_object(raw)
            else:
                answers = data.copy()
                answers.pop(self.KEY_FIELD, None)
            return answers, numbered_files(files)
        try:
            raw = request.body
        except RequestDataTooBig:
            raise Refused(
                "too_big",
                413,
                _(
                    "Envoi trop volumineux : %(max)s Mo au plus en JSON ; les fichiers "
                    "s'envoient en multipart/form-data."
                )
                % {"max": megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
            ) from None
        body = self.json_object(raw or b"{}", whole_body=True)
        self.body_key = body.get(self.KEY_FIELD)
        return body["answers"], {}

    def json_object(self, raw, whole_body=False):
        """The answers (or, for ``whole_body``, the body holding them) read from JSON."""
        if raw.count(b"[") + raw.count(b"{") > MAX_JSON_CONTAINERS:
            raise Refused(
                "unreadable",
                422,
                _("Le corps de la requête contient trop de listes ou d'objets."),
            )
        try:
            body = json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise Refused(
                "unreadable", 422, _("Le corps de la requête n'est pas du JSON valide.")
            ) from None
        answers = body.get("answers") if whole_body and isinstance(body, dict) else body
        if not isinstance(answers, dict):
            raise Refused(
                "unreadable", 422, _("Le corps doit contenir un objet « answers ».")
            )
        return body

    def token(self, page, request, data):
        """The UUID this request is known by: its Idempotency-Key, or the form's token."""
        if token := self.header_token(request):
            return token
        if (key := getattr(self, "body_key", None)) is not None:
            try:
                return uuid.UUID(str(key))
            except ValueError:
                raise Refused(
                    "bad_token", 422, _("La clé idempotency_key doit être un UUID.")
                ) from None
        raw = data.get(TOKEN_FIELD)
        if not raw:
            return None
        if token := token_uuid(page, raw):
            return token
        try:
            return uuid.UUID(raw)
        except (TypeError, ValueError, AttributeError):
            raise Refused(
                "bad_token",
                422,
                _("Le jeton doit être un UUID, ou le jeton donné par ce formulaire."),
            ) from None

    def prepare(self, page, data, files):
        blank = page.get_form(page=page)
        errors = unknown_names(blank, data, files)
        if not isinstance(
            data, QueryDict
        ):  # JSON: each answer of the type its field takes
            data, type_errors = json_answers(blank, data)
            errors.update(type_errors)
        return data, errors

    def token_elsewhere(self):
        return Refused(
            "bad_token",
            422,
            _(
                "Cette clé Idempotency-Key a déjà servi pour un autre formulaire : "
                "donnez à chaque candidature une clé nouvelle."
            ),
        )
