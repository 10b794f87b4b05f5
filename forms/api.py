"""The headless form API: a form's schema, and submissions (JSON or multipart).

Mounted on Wagtail's API v3 (``/api/v3/forms/``), so it appears in the same
OpenAPI document as the pages.
"""

import datetime as dt
import json
import uuid
from decimal import Decimal

from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
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
)
from .models import Candidature, CandidatureFormPage
from .services import client_key_for, rate_limited

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
            '`{"answers": {...}}`, sans fichier. En multipart/form-data : un champ par '
            "réponse, les fichiers sous le nom de leur champ. L'en-tête `Idempotency-Key` "
            "(UUID) évite les doublons : renvoyée, la même requête rend la même référence."
        ),
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["answers"],
                    "properties": {
                        "answers": {"type": "object", "additionalProperties": True}
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


def parse_submission(request):
    """(data, files) from a JSON or multipart body; HttpError 422 when unreadable."""
    content_type = request.content_type or ""
    if (
        content_type.startswith("multipart/form-data")
        or content_type == "application/x-www-form-urlencoded"
    ):
        try:
            return request.POST, request.FILES
        except MultiPartParserError as error:  # no boundary, a truncated part…
            raise HttpError(
                422, _("Le corps multipart de la requête est illisible.")
            ) from error
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise HttpError(
            422, _("Le corps de la requête n'est pas du JSON valide.")
        ) from error
    answers = body.get("answers") if isinstance(body, dict) else None
    if not isinstance(answers, dict):
        raise HttpError(422, _("Le corps doit contenir un objet « answers »."))
    return answers, {}


def idempotency_token(request, data):
    raw = request.headers.get("Idempotency-Key") or data.get(TOKEN_FIELD)
    if not raw:
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError as error:
        raise HttpError(
            422, _("L'en-tête Idempotency-Key doit être un UUID.")
        ) from error


def earlier_submission(request):
    """The candidature this request's idempotency key already made, if any."""
    try:
        data, _files = parse_submission(request)
        token = idempotency_token(request, data)
    except HttpError:
        return None
    return token and Candidature.objects.filter(submission_token=token).first()


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
    call_status = page.call.status
    if call_status != CallStatus.OPEN and (earlier := earlier_submission(request)):
        # Sent again after the closing time with its key: what was stored before.
        return Status(201, created(earlier))
    if call_status == CallStatus.UPCOMING:
        return Status(409, Problem(detail=_("Cet appel n'est pas encore ouvert.")))
    if call_status == CallStatus.CLOSED:
        return Status(410, Problem(detail=_("Cet appel est clos.")))
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_request_size():
        return Status(413, Problem(detail=_("Envoi trop volumineux.")))

    try:
        data, files = parse_submission(request)
        token = idempotency_token(request, data)
    except HttpError as error:
        return Status(error.status_code, Problem(detail=str(error)))
    if token and (
        existing := Candidature.objects.filter(submission_token=token).first()
    ):
        return Status(201, created(existing))
    client_key = client_key_for(request)
    if rate_limited(client_key):
        return Status(
            429,
            Problem(
                detail=_(
                    "Trop de candidatures envoyées depuis cette adresse ; réessayez plus tard."
                )
            ),
        )

    form = page.get_form(data, files, page=page, user=None)
    if not form.is_valid():
        errors = {
            name: [str(message) for message in messages]
            for name, messages in form.errors.items()
        }
        return Status(
            422, Problem(detail=_("Certaines réponses sont à corriger."), errors=errors)
        )

    from .services import submit_candidature

    candidature, _created = submit_candidature(
        page,
        form.cleaned_data,
        answer_fields=form.answer_fields,
        token=token,
        client_key=client_key,
    )
    return Status(201, created(candidature))
