"""The headless form API: a form's schema, and submissions (JSON or multipart).

Mounted on Wagtail's API v3 (``/api/v3/forms/``), so it appears in the same
OpenAPI document as the pages.
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from wagtail.api.v3.errors import PROBLEM_JSON, ProblemDetail
from wagtail.models import Site

from . import submission
from .builder import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    MultipleFileField,
    NonInputField,
)
from .models import CandidatureFormPage

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


def created(candidature):
    return SubmissionCreated(
        reference=candidature.reference,
        status=candidature.status,
        submitted_at=candidature.submit_time,
    )


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
    outcome = submission.submit(page, request, submission.ApiBody())
    if outcome.accepted:
        return Status(201, created(outcome.candidature))
    return Status(outcome.status, Problem(detail=outcome.detail, errors=outcome.errors))
