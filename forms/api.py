"""The headless form API: a form's schema, and submissions (JSON or multipart).

Mounted on Wagtail's API v3 (``/api/v3/forms/``), so it appears in the same
OpenAPI document as the pages.
"""

import datetime as dt
import json
import uuid
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from wagtail.api.v3.errors import PROBLEM_JSON, ProblemDetail
from wagtail.models import Site

from cms_pages.models import CallStatus

from .builder import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    MultipleFileField,
    NonInputField,
    max_request_size,
    token_uuid,
)
from .models import CandidatureFormPage
from .services import (
    TokenUsedElsewhere,
    client_key_for,
    earlier_candidature,
    rate_limited,
    record_refusal,
    submit_candidature,
)

router = Router(tags=["candidatures"])


class CriterionOut(Schema):
    label: str
    description: str
    weight: Decimal
    scale_min: int
    scale_max: int


class CallOut(Schema):
    id: int
    title: str
    url: str | None
    opens_at: dt.datetime
    closes_at: dt.datetime
    status: str
    criteria: list[CriterionOut]


class FileRulesOut(Schema):
    allowed_types: list[str]
    max_size: int
    max_files: int


class FieldOut(Schema):
    name: str
    type: str
    label: str
    help_text: str = ""
    required: bool
    choices: list[str] = []
    max_length: int | None = None
    file: FileRulesOut | None = None


class FormOut(Schema):
    id: int
    title: str
    introduction: str
    url: str | None
    state: str
    call: CallOut
    fields: list[FieldOut]


class FormSummaryOut(Schema):
    id: int
    title: str
    url: str | None
    state: str
    call_id: int
    call_title: str
    closes_at: dt.datetime


class SubmissionCreated(Schema):
    reference: str
    status: str
    submitted_at: dt.datetime


class Problem(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


# A request the API cannot even read (a path parameter that is not a number) is
# answered by Wagtail's API as an RFC 7807 problem, in its own content type.
# (Ninja keys responses by int: the same key merges into a documented 422.)
REQUEST_PROBLEM_CONTENT = {
    PROBLEM_JSON: {"schema": ProblemDetail.model_json_schema()},
}
REQUEST_PROBLEM = {
    "responses": {
        422: {
            "description": "Requête illisible (paramètre invalide)",
            "content": REQUEST_PROBLEM_CONTENT,
        }
    }
}


def not_found():
    return Status(404, Problem(detail=_("Aucun formulaire publié ne porte ce numéro.")))


def live_form_pages(request):
    """The published forms of the site the request is addressed to (by its host name)."""
    pages = CandidatureFormPage.objects.live().public()
    site = Site.find_for_request(request)
    if site is None:
        return pages.none()
    return pages.descendant_of(site.root_page)


def describe_field(name, field, form_field=None):
    if isinstance(field, NonInputField):
        return FieldOut(
            name=name,
            type=field.level,
            label=str(field.label or ""),
            help_text=str(field.text or ""),
            required=False,
        )
    type_name = (
        form_field.field_type
        if form_field is not None
        else ("email" if name == "identity_email" else "singleline")
    )
    out = FieldOut(
        name=name,
        type=type_name,
        label=str(field.label),
        help_text=form_field.help_text
        if form_field is not None
        else str(field.help_text or ""),
        required=field.required,
        choices=[
            str(value) for value, _label in getattr(field, "choices", []) if value != ""
        ],
        max_length=getattr(field, "max_length", None),
    )
    if isinstance(field, MultipleFileField):
        out.file = FileRulesOut(
            allowed_types=field.allowed_kinds,
            max_size=field.max_size,
            max_files=field.max_files,
        )
    return out


def describe_form(page, request):
    form = page.get_form(page=page)
    by_name = {f.clean_name: f for f in page.get_form_fields()}
    call = page.call
    fields = [
        describe_field(name, field, by_name.get(name))
        for name, field in form.fields.items()
        if name not in (HONEYPOT_FIELD, TOKEN_FIELD)
    ]
    return FormOut(
        id=page.pk,
        title=page.title,
        introduction=page.introduction,
        url=page.get_full_url(request),
        state=call.status,
        call=CallOut(
            id=call.pk,
            title=call.title,
            url=call.get_full_url(request),
            opens_at=call.opens_at,
            closes_at=call.closes_at,
            status=call.status,
            criteria=list(call.criteria.all()),
        ),
        fields=fields,
    )


@router.get(
    "/", response=list[FormSummaryOut], summary="Formulaires de candidature publiés"
)
def list_forms(request):
    pages = live_form_pages(request).order_by("-pk")
    return [
        FormSummaryOut(
            id=page.pk,
            title=page.title,
            url=page.get_full_url(request),
            state=page.call.status,
            call_id=page.call.pk,
            call_title=page.call.title,
            closes_at=page.call.closes_at,
        )
        for page in pages
    ]


@router.get(
    "/{page_id}/",
    response={200: FormOut, 404: Problem},
    summary="Schéma d'un formulaire",
    openapi_extra=REQUEST_PROBLEM,
)
def form_schema(request, page_id: int):
    """The fields to render (type, label, help, required, choices, limits), the call's dates and criteria."""
    page = live_form_pages(request).filter(pk=page_id).first()
    if page is None:
        return not_found()
    return describe_form(page, request)


SUBMISSION_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "Les réponses, par nom de champ (voir le schéma du formulaire). En JSON : "
            '`{"answers": {...}}`, sans fichier, 2,5 Mo au plus. En multipart/form-data : '
            "un champ par réponse, les fichiers sous le nom de leur champ.\n\n"
            "Types JSON acceptés, selon le type du champ : `singleline`, `multiline`, "
            "`email`, `url`, `dropdown`, `radio`, `hidden` : une chaîne ; `number` : "
            "un nombre ou une chaîne qui en est un (30 chiffres au plus) ; `checkbox` : "
            "`true` ou `false` (ou la chaîne `on`, comme l'envoie un navigateur) ; "
            "`checkboxes`, `multiselect` : une liste de chaînes ; "
            "`date` : une chaîne `AAAA-MM-JJ` ; `datetime` : une chaîne "
            "`AAAA-MM-JJTHH:MM` ; `file` : en multipart seulement. `null` vaut absence "
            "de réponse. Une réponse d'un autre type, un nom qui n'est pas celui d'un "
            "champ du formulaire, un caractère nul ou une demi-paire UTF-16 isolée "
            "(`\\ud800`) sont refusés (422, erreur par champ) ; un corps illisible (JSON "
            "invalide, `NaN`, trop imbriqué, pas en UTF-8) aussi (422).\n\n"
            "L'en-tête `Idempotency-Key` (UUID) évite les doublons : renvoyée au même "
            "formulaire, la même clé rend la même référence ; une clé qui a déjà servi "
            "pour un autre formulaire est refusée (422). Les envois refusés comptent, "
            "comme les candidatures, dans la limite par adresse (429)."
        ),
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["answers"],
                    "properties": {
                        "answers": {
                            "type": "object",
                            "additionalProperties": {
                                "anyOf": [
                                    {"type": "string"},
                                    {"type": "number"},
                                    {"type": "boolean"},
                                    {"type": "array", "items": {"type": "string"}},
                                    {"type": "null"},
                                ]
                            },
                        }
                    },
                }
            },
            "multipart/form-data": {
                "schema": {"type": "object", "additionalProperties": True}
            },
        },
    },
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "format": "uuid"},
        }
    ],
}

# A valid body needs a few lists and objects: past this many, it is refused
# before it is parsed (2.5 Mo of ``[]`` would be some 60 Mo of Python lists).
MAX_JSON_CONTAINERS = 10_000


def megabytes(size):
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_submission(request):
    """(data, files) from a JSON or multipart body; HttpError 413 or 422 when unreadable."""
    content_type = request.content_type or ""
    if (
        content_type.startswith("multipart/form-data")
        or content_type == "application/x-www-form-urlencoded"
    ):
        try:
            return request.POST, request.FILES
        except RequestDataTooBig as error:
            raise HttpError(413, _("Envoi trop volumineux.")) from error
        # No boundary, a truncated part, too many fields or files…
        except (MultiPartParserError, SuspiciousOperation) as error:
            raise HttpError(
                422, _("Le corps multipart de la requête est illisible.")
            ) from error
    try:
        raw = request.body
    except RequestDataTooBig as error:
        raise HttpError(
            413,
            _(
                "Envoi trop volumineux : %(max)s Mo au plus en JSON ; les fichiers "
                "s'envoient en multipart/form-data."
            )
            % {"max": megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
        ) from error
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_CONTAINERS:
        raise HttpError(
            422, _("Le corps de la requête contient trop de listes ou d'objets.")
        )
    try:
        body = json.loads(
            raw or b"{}", parse_float=Decimal, parse_constant=_refuse_constant
        )
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise HttpError(
            422, _("Le corps de la requête n'est pas du JSON valide.")
        ) from error
    answers = body.get("answers") if isinstance(body, dict) else None
    if not isinstance(answers, dict):
        raise HttpError(422, _("Le corps doit contenir un objet « answers »."))
    return answers, {}


def _json_kind(field):
    """What JSON a field takes: text, number, boolean, list (of text), file; None: nothing."""
    if isinstance(field, NonInputField):
        return None
    if isinstance(field, MultipleFileField):
        return "file"
    if isinstance(field, forms.BooleanField):
        return "boolean"
    if isinstance(field, forms.MultipleChoiceField):
        return "list"
    if isinstance(field, forms.DecimalField | forms.FloatField | forms.IntegerField):
        return "number"
    return "text"


JSON_TYPE_ERRORS = {
    "text": gettext_lazy("Réponse attendue : un texte (une chaîne JSON)."),
    "number": gettext_lazy("Réponse attendue : un nombre."),
    "boolean": gettext_lazy("Réponse attendue : true ou false."),
    "list": gettext_lazy("Réponse attendue : une liste de textes."),
    "file": gettext_lazy(
        "Les fichiers s'envoient en multipart/form-data, pas dans un corps JSON."
    ),
}
MAX_UNKNOWN_NAMES = 20
# A checkbox as a browser sends it (« on ») or as text: read as a boolean.
CHECKBOX_WORDS = {"on": True, "true": True, "false": False, "": False}


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
    return kind == "file" and value == []


def unknown_names(form, data, files):
    """Per-name errors for what is not a field of this form (the first few)."""
    names = [name for name in [*data.keys(), *files.keys()] if name not in form.fields]
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


def idempotency_token(page, request, data):
    """The UUID this request is known by: its Idempotency-Key, or the form's token."""
    raw = request.headers.get("Idempotency-Key")
    if raw:
        try:
            return uuid.UUID(raw)
        except ValueError as error:
            raise HttpError(
                422, _("L'en-tête Idempotency-Key doit être un UUID.")
            ) from error
    raw = data.get(TOKEN_FIELD)
    if not raw:
        return None
    if token := token_uuid(page, raw):
        return token
    try:
        return uuid.UUID(raw)
    except (TypeError, ValueError, AttributeError) as error:
        raise HttpError(
            422, _("Le jeton doit être un UUID, ou le jeton donné par ce formulaire.")
        ) from error


def earlier_submission(page, request):
    """The candidature this request's idempotency key already made to this form, if any."""
    try:
        data, _files = parse_submission(request)
        token = idempotency_token(page, request, data)
    except HttpError:
        return None
    return earlier_candidature(page, token)


def created(candidature):
    return SubmissionCreated(
        reference=candidature.reference,
        status=candidature.status,
        submitted_at=candidature.submit_time,
    )


def refused(client_key, status, detail, errors=None):
    """A refused attempt: counted against the client's address, answered as a Problem."""
    record_refusal(client_key)
    return Status(status, Problem(detail=str(detail), errors=errors or {}))


@router.post(
    "/{page_id}/submissions/",
    response={
        201: SubmissionCreated,
        404: Problem,
        409: Problem,
        410: Problem,
        413: Problem,
        422: Problem,
        429: Problem,
    },
    summary="Déposer une candidature",
    openapi_extra={
        **SUBMISSION_BODY,
        "responses": {422: {"content": REQUEST_PROBLEM_CONTENT}},
    },
)
def submit(request, page_id: int):
    """Store a candidature: 201 with its reference, 422 with per-field errors, 409/410 outside the call's dates."""
    page = live_form_pages(request).filter(pk=page_id).first()
    if page is None:
        return not_found()
    call_status = page.call.status
    if call_status != CallStatus.OPEN and (
        earlier := earlier_submission(page, request)
    ):
        # Sent again after the closing time with its key: what was stored before.
        return Status(201, created(earlier))
    if call_status == CallStatus.UPCOMING:
        return Status(409, Problem(detail=_("Cet appel n'est pas encore ouvert.")))
    if call_status == CallStatus.CLOSED:
        return Status(410, Problem(detail=_("Cet appel est clos.")))

    client_key = client_key_for(request)
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_request_size():
        return refused(client_key, 413, _("Envoi trop volumineux."))
    try:
        # A resent request is answered before anything else, a blocked
        # address before its body is read.
        if existing := earlier_candidature(page, idempotency_token(page, request, {})):
            return Status(201, created(existing))
        if rate_limited(client_key):
            return Status(
                429,
                Problem(
                    detail=_(
                        "Trop de candidatures envoyées depuis cette adresse ; réessayez plus tard."
                    )
                ),
            )
        data, files = parse_submission(request)
        token = idempotency_token(page, request, data)
    except HttpError as error:
        return refused(client_key, error.status_code, error)
    if existing := earlier_candidature(page, token):
        return Status(201, created(existing))

    blank = page.get_form(page=page)
    errors = unknown_names(blank, data, files)
    if not isinstance(data, QueryDict):  # JSON: each answer of the type its field takes
        data, type_errors = json_answers(blank, data)
        errors.update(type_errors)
    form = page.get_form(data, files, page=page, user=None)
    if not form.is_valid() or errors:
        errors = {
            **{
                name: [str(message) for message in messages]
                for name, messages in form.errors.items()
            },
            **errors,
        }
        return refused(
            client_key, 422, _("Certaines réponses sont à corriger."), errors
        )

    try:
        candidature, _created = submit_candidature(
            page,
            form.cleaned_data,
            answer_fields=form.answer_fields,
            token=token,
            client_key=client_key,
        )
    except TokenUsedElsewhere:
        return refused(
            client_key,
            422,
            _(
                "Cette clé Idempotency-Key a déjà servi pour un autre formulaire : "
                "donnez à chaque candidature une clé nouvelle."
            ),
        )
    return Status(201, created(candidature))
