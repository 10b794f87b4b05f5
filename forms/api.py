"""The headless form API: a form's schema, and submissions (JSON or multipart).

Mounted on Wagtail's API v3 (``/api/v3/forms/``), so it appears in the same
OpenAPI document as the pages.
"""

import copy
import datetime as dt
import json
import uuid
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from wagtail.api.v3.errors import PROBLEM_JSON, ProblemDetail
from wagtail.models import Site

from cms_pages.models import CallStatus
from core.throttle import client_key_for

from . import submission, validators
from .builder import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    ConfirmationField,
    MultipleFileField,
    NonInputField,
    token_for,
    token_uuid,
)
from .choices import OPTION_TYPES, FieldType
from .choices import Status as CandidatureStatus
from .compound import (
    ADDRESS_PARTS,
    PART_MAX_LENGTH,
    AddressField,
    GroupField,
    postal_departements,
)
from .conditions import Operator
from .drafts import DraftRefused, draft_addressed, save_draft
from .eligibility import rule_of
from .models import CandidatureFormPage, Draft
from .services import rate_limited, record_refusal
from .steps import steps_of

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
    closes_at: dt.datetime | None
    rolling: bool
    extended: bool
    initial_closes_at: dt.datetime | None
    status: CallStatus = Field(
        description="`upcoming` : pas encore ouvert ; `open` : ouvert ; `closed` : clos."
    )
    criteria: list[CriterionOut]


class FileRulesOut(Schema):
    allowed_types: list[str]
    max_size: int
    max_files: int


class ConditionOut(Schema):
    field: str = Field(description="Nom de la question dont dépend celle-ci.")
    operator: Operator = Field(
        description="`equals` : la réponse est exactement ces valeurs ; `contains` : "
        "elle contient l'une d'elles ; `one_of` : elle est l'une d'elles. "
        "Comparaison sans casse ni espaces en trop ; une case à cocher vaut « oui » ou « non »."
    )
    values: list[str]


class EligibilityOut(Schema):
    excluded: list[str] = Field(
        description="Les réponses qui rendent inéligible (comparées sans casse)."
    )
    message: str = Field(description="L'explication à donner alors.")


class PartOut(Schema):
    name: str
    label: str
    type: str = Field(
        "singleline",
        description="`singleline`, `email`, `phone`, `date` (AAAA-MM-JJ), `number`, "
        "ou, pour une adresse, `postal_code` (5 chiffres) et `commune`.",
    )
    required: bool
    autocomplete: str | None = None


class CommuneOut(Schema):
    code: str = Field(description="Code INSEE (COG).")
    name: str
    departement: str
    value: str = Field(
        description="Ce qu'il faut envoyer comme réponse : « Nom (code INSEE) »."
    )


class FieldOut(Schema):
    name: str
    type: FieldType = Field(
        description="`section` et `explanation` sont des textes sans saisie ; les autres "
        "types attendent une réponse (voir le corps d'un envoi)."
    )
    label: str
    help_text: str = ""
    required: bool
    choices: list[str] = []
    max_length: int | None = None
    file: FileRulesOut | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    min_date: dt.date | None = None
    max_date: dt.date | None = None
    pattern: str | None = Field(
        None, description="Expression régulière que la réponse entière doit suivre."
    )
    pattern_message: str | None = None
    confirms: str | None = Field(
        None,
        description="Nom du champ d'adresse que celui-ci répète (« confirmation »).",
    )
    condition: ConditionOut | None = Field(
        None,
        description="Montrée seulement si cette condition tient (et, pour une question "
        "sous une section conditionnelle, si la section est montrée). Une réponse à une "
        "question qui ne s'applique pas est refusée (422).",
    )
    section: str | None = Field(
        None, description="Nom de la section où elle se trouve."
    )
    step: int | None = Field(
        None,
        description="Le rang (depuis 0) de son étape dans `steps`, quand le "
        "formulaire se remplit en étapes.",
    )
    eligibility: EligibilityOut | None = Field(
        None,
        description="Question d'éligibilité, à poser avant les autres : une réponse "
        "exclue met fin au formulaire (l'envoi est refusé, 422, avec l'explication).",
    )
    parts: list[PartOut] = Field(
        [],
        description="Les parties d'une adresse (`address`) ou les sous-champs de "
        "chaque entrée d'un groupe (`group`). Pour une entrée de groupe, `required` : "
        "obligatoire dans chaque entrée remplie.",
    )
    min_items: int | None = Field(
        None,
        description="Groupe : nombre minimal d'entrées (si la question est posée).",
    )
    max_items: int | None = Field(
        None, description="Groupe : nombre maximal d'entrées."
    )
    entry_label: str | None = Field(
        None, description="Groupe : le nom d'une entrée (« une personne »)."
    )
    answer_schema: dict | None = Field(
        None,
        description="Le schéma JSON de la réponse attendue, quand elle n'est pas une "
        "simple valeur : un objet (adresse) ou une liste d'objets (groupe).",
    )


class StepOut(Schema):
    section: str = Field(description="Nom de la section qui ouvre l'étape.")
    title: str


class FormOut(Schema):
    id: int
    title: str
    introduction: str
    url: str | None
    state: CallStatus = Field(description="L'état de l'appel (comme `call.status`).")
    call: CallOut
    fields: list[FieldOut]
    steps: list[StepOut] = Field(
        [],
        description="Les étapes, dans l'ordre, quand le formulaire se remplit en "
        "étapes (vide sinon) : chaque champ donne son `step`. Une étape dont la "
        "section ou toutes les questions ne s'appliquent pas est sautée. Un envoi "
        "par l'API reste d'un seul tenant.",
    )


class FormSummaryOut(Schema):
    id: int
    title: str
    url: str | None
    state: CallStatus = Field(description="L'état de l'appel.")
    call_id: int
    call_title: str
    closes_at: dt.datetime | None
    rolling: bool
    extended: bool


class SubmissionCreated(Schema):
    reference: str
    status: CandidatureStatus
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
    when = getattr(field, "amorce_when", "")
    context = {
        "condition": json.loads(when) if when else None,
        "section": getattr(field, "amorce_section", "") or None,
    }
    if isinstance(field, NonInputField):
        return FieldOut(
            name=name,
            type=field.level,
            label=str(field.label or ""),
            help_text=str(field.text or ""),
            required=False,
            **context,
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
        **context,
    )
    if form_field is not None and (rule := rule_of(form_field)):
        out.eligibility = EligibilityOut(excluded=rule[0], message=rule[1])
    if form_field is not None:
        for option, types in OPTION_TYPES.items():
            value = getattr(form_field, option)
            if (
                form_field.field_type in types
                and option not in OPTIONS_NOT_SHOWN
                and value not in (None, "")
            ):
                setattr(out, option, value)
    if isinstance(field, AddressField):
        out.parts, out.answer_schema = address_schema(field.required)
    if isinstance(field, GroupField):
        out.parts, out.answer_schema = group_schema(field)
        out.min_items, out.max_items = field.min_entries, field.max_entries
        out.entry_label = str(field.entry_label)
    if isinstance(field, ConfirmationField):
        out.type, out.confirms = "email", field.confirms
    if isinstance(field, MultipleFileField):
        out.file = FileRulesOut(
            allowed_types=field.allowed_kinds,
            max_size=field.max_size,
            max_files=field.max_files,
        )
    return out


# Options the schema says otherwise (a second field, ``parts``, ``min_items``…).
OPTIONS_NOT_SHOWN = {
    "confirm_email",
    "group_fields",
    "min_entries",
    "max_entries",
    "entry_label",
}
PART_TYPES = {"code_postal": "postal_code", "commune": "commune"}


def address_schema(required):
    parts = [
        PartOut(
            name=key,
            label=str(label),
            type=PART_TYPES.get(key, "singleline"),
            required=needed,
            autocomplete=token,
        )
        for key, label, token, needed in ADDRESS_PARTS
    ]
    properties = {
        key: {"type": "string", "title": str(label), "maxLength": PART_MAX_LENGTH}
        for key, label, _token, _needed in ADDRESS_PARTS
    }
    properties["code_postal"]["pattern"] = "^[0-9]{5}$"
    schema = {
        "type": "object",
        "properties": properties,
        "required": [key for key, *_rest, needed in ADDRESS_PARTS if needed],
        "additionalProperties": False,
    }
    return parts, schema if required else {"anyOf": [schema, {"type": "null"}]}


SUBFIELD_SCHEMAS = {
    "singleline": {"type": "string", "maxLength": PART_MAX_LENGTH},
    "email": {"type": "string", "format": "email"},
    "phone": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "number": {"type": ["string", "number"]},
}


def group_schema(field):
    parts = [
        PartOut(
            name=sub["name"],
            label=sub["label"],
            type=sub["type"],
            required=sub["required"],
        )
        for sub in field.subfields
    ]
    schema = {
        "type": "array",
        "minItems": max(field.min_entries, 1 if field.required else 0),
        "maxItems": field.max_entries,
        "items": {
            "type": "object",
            "properties": {
                sub["name"]: {"title": sub["label"], **SUBFIELD_SCHEMAS[sub["type"]]}
                for sub in field.subfields
            },
            "required": [sub["name"] for sub in field.subfields if sub["required"]],
            "additionalProperties": False,
        },
    }
    if field.required:
        return parts, schema
    # Optional: no entry at all, or at least the minimum.
    return parts, {
        "anyOf": [schema, {"type": "array", "maxItems": 0}, {"type": "null"}]
    }


def describe_form(page, request):
    form = page.get_form(page=page)
    by_name = {f.clean_name: f for f in page.get_form_fields()}
    call = page.call
    fields = [
        describe_field(name, field, by_name.get(name))
        for name, field in form.fields.items()
        if name not in (HONEYPOT_FIELD, TOKEN_FIELD)
    ]
    steps = steps_of(form) if page.use_steps else []
    for index, step in enumerate(steps):
        for out in fields:
            if out.name == step.key or out.name in step.names:
                out.step = index
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
            rolling=call.rolling,
            extended=call.extended,
            initial_closes_at=call.initial_closes_at if call.extended else None,
            status=call.status,
            criteria=list(call.criteria.all()),
        ),
        fields=fields,
        steps=[StepOut(section=step.key, title=step.title) for step in steps],
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
            rolling=page.call.rolling,
            extended=page.call.extended,
        )
        for page in pages
    ]


@router.get(
    "/communes/",
    response=list[CommuneOut],
    summary="Communes dont le nom commence ainsi",
    url_name="communes",
    openapi_extra={
        "responses": {
            400: {
                "description": "Adresse illisible (un caractère nul, par exemple)",
                "content": REQUEST_PROBLEM_CONTENT,
            },
            **REQUEST_PROBLEM["responses"],
        }
    },
)
def list_communes(request, q: str = "", code_postal: str = ""):
    """Twenty communes at most whose name (accents, case and hyphens aside) or INSEE
    code starts with ``q``; with a ``code_postal``, those of its département only.
    For the autocomplete of a commune box (the answer is checked when sent)."""
    code = code_postal.strip()
    departements = (
        postal_departements(code) if len(code) == 5 and code.isdigit() else None
    )
    return [
        CommuneOut(
            code=code,
            name=name,
            departement=departement,
            value=validators.commune_label(code, name),
        )
        for code, name, departement in validators.communes_starting(q, departements)
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


ANSWERS_SCHEMA = {
    "type": "object",
    "description": "Les réponses, par nom de champ.",
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
            {"type": "array", "items": {"type": "object"}},
            {"type": "null"},
        ]
    },
}
UUID_PATTERN = (
    "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
IDEMPOTENCY_KEY_SCHEMA = {
    "type": "string",
    "format": "uuid",
    "description": "Comme l'en-tête Idempotency-Key, pour les clients qui ne "
    "savent pas l'envoyer.",
}

SUBMISSION_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "Les réponses, par nom de champ (voir le schéma du formulaire). En JSON : "
            '`{"answers": {...}}`, sans fichier, 2,5 Mo au plus. En multipart/form-data : '
            "soit une partie `answers` qui contient le même objet JSON (ce qu'envoient "
            "les clients générés), soit un champ par réponse (comme un navigateur) ; "
            "les fichiers sous le nom de leur champ, plusieurs fichiers d'un même champ "
            "sous son nom répété ou sous `<nom>.2`, `<nom>.3`…\n\n"
            "Types JSON acceptés, selon le type du champ : `singleline`, `multiline`, "
            "`email`, `url`, `dropdown`, `radio`, `hidden`, `phone`, `siret`, `siren`, "
            "`departement`, `commune` : une chaîne (une adresse à confirmer a un second "
            "champ, `confirms` dans le schéma) ; `address` : un objet `{voie, complement, "
            "code_postal, commune}` ; `group` : une liste d'objets, un par entrée, clés "
            "des sous-champs (`parts`, `answer_schema` dans le schéma) ; les erreurs d'une "
            "partie sont aussi données sous `<champ>.<partie>` (`equipe.2.courriel`) ; "
            "`number` : "
            "un nombre ou une chaîne qui en est un (30 chiffres au plus) ; `checkbox` : "
            "`true` ou `false` (ou la chaîne `on`, comme l'envoie un navigateur) ; "
            "`checkboxes`, `multiselect` : une liste de chaînes ; "
            "`date` : une chaîne `AAAA-MM-JJ` ; `datetime` : une chaîne "
            "`AAAA-MM-JJTHH:MM` ; `file` : en multipart seulement. `null` vaut absence "
            "de réponse. Une réponse d'un autre type, un nom qui n'est pas celui d'un "
            "champ du formulaire, un caractère nul ou une demi-paire UTF-16 isolée "
            "(`\\ud800`) sont refusés (422, erreur par champ) ; un corps illisible (JSON "
            "invalide, `NaN`, trop imbriqué, pas en UTF-8) aussi (422).\n\n"
            "L'en-tête `Idempotency-Key` (UUID), ou `idempotency_key` à côté des "
            "réponses, évite les doublons : renvoyée au même "
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
                        "answers": ANSWERS_SCHEMA,
                        "idempotency_key": IDEMPOTENCY_KEY_SCHEMA,
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "answers": ANSWERS_SCHEMA,
                        "idempotency_key": IDEMPOTENCY_KEY_SCHEMA,
                    },
                    # The files, each under the name of its field.
                    "additionalProperties": {"type": "string", "format": "binary"},
                },
                "encoding": {"answers": {"contentType": "application/json"}},
            },
        },
    },
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            # A UUID, written as text: openapi-python-client 0.29 puts a
            # ``format: uuid`` header into the request as a UUID object, which
            # httpx refuses. A generated client gives a UUID object as
            # ``idempotency_key`` in the body instead (docs/api.md).
            "schema": {"type": "string", "pattern": UUID_PATTERN},
            "description": "Un UUID (texte), par exemple "
            "`0b9f5c1e-3f7a-4d2b-9c4e-1a2b3c4d5e6f`.",
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


# Drafts ---------------------------------------------------------------------------


class DraftFileOut(Schema):
    question: str
    name: str
    size: int
    # pending, clean, infected, unscannable, off, legacy (docs/antivirus.md)
    scan: str = Field(description="Analyse antivirus du fichier (docs/antivirus.md).")


class DraftOut(Schema):
    jeton: str
    saved_at: dt.datetime
    answers: dict
    files: list[DraftFileOut]
    link_sent_to: str | None = None


DRAFT_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "Les réponses telles qu'elles sont, même incomplètes : mêmes noms et mêmes "
            "types que pour un dépôt. L'adresse `identity_email` est requise : le lien "
            "pour reprendre le brouillon y est envoyé à sa création. Les fichiers "
            "s'envoient en multipart/form-data et remplacent ceux de leur champ.\n\n"
            "Pour envoyer le brouillon, déposez la candidature (`submissions/`) avec "
            "le `jeton` du brouillon parmi les réponses : ses fichiers la suivent "
            "pour les champs envoyés sans fichier, et le brouillon disparaît."
        ),
        "content": copy.deepcopy(SUBMISSION_BODY["requestBody"]["content"]),
    }
}
for _body in DRAFT_BODY["requestBody"]["content"].values():
    del _body["schema"]["properties"]["idempotency_key"]
DRAFT_RESPONSES = {
    404: Problem,
    409: Problem,
    410: Problem,
    413: Problem,
    422: Problem,
    429: Problem,
}


def draft_out(page, draft, link_sent_to=None):
    return DraftOut(
        jeton=token_for(page, draft.token),
        saved_at=draft.updated_at,
        answers={"identity_email": draft.email, **draft.answers},
        files=[
            DraftFileOut(
                question=a.field_name,
                name=a.original_name,
                size=a.size,
                scan=a.scan_state,
            )
            for a in draft.attachments.all()
        ],
        link_sent_to=link_sent_to,
    )


def save_api_draft(request, page, token):
    """The one way the API saves a draft: the call's dates, the body, then the draft."""
    if page.call.status != CallStatus.OPEN:
        status = 409 if page.call.status == CallStatus.UPCOMING else 410
        return Status(
            status,
            Problem(
                detail=_(
                    "Cet appel n'est pas ouvert : le brouillon n'a pas été enregistré."
                )
            ),
        )
    client_key = client_key_for(request)
    if rate_limited(client_key):
        return Status(
            429,
            Problem(
                detail=_(
                    "Trop d'envois depuis cette adresse : réessayez dans une heure."
                )
            ),
        )
    channel = submission.ApiBody()
    try:
        data, files = channel.read(request)
    except submission.Refused as refusal:
        record_refusal(client_key)
        return Status(refusal.outcome.status, Problem(detail=refusal.outcome.detail))
    data, errors = channel.prepare(page, data, files)
    if errors:
        record_refusal(client_key)
        return Status(
            422,
            Problem(detail=_("Certaines réponses sont à corriger."), errors=errors),
        )
    try:
        draft, created, file_errors = save_draft(
            page, data, files, token=token, client_key=client_key
        )
    except DraftRefused as refusal:
        return Status(422, Problem(detail=refusal.message, errors=refusal.errors))
    if file_errors:
        record_refusal(client_key)
        return Status(
            422,
            Problem(
                detail=_("Le brouillon est enregistré, sauf ces fichiers refusés."),
                errors=file_errors,
            ),
        )
    sent_to = None
    if draft.new_address:
        answers = draft_addressed.send(sender=Draft, request=request, draft=draft)
        sent_to = next((answer for _receiver, answer in answers if answer), None)
    return Status(201 if created else 200, draft_out(page, draft, sent_to))


@router.post(
    "/{page_id}/drafts/",
    response={201: DraftOut, **DRAFT_RESPONSES},
    summary="Commencer un brouillon",
    openapi_extra={
        **DRAFT_BODY,
        "responses": {422: {"content": REQUEST_PROBLEM_CONTENT}},
    },
)
def create_draft(request, page_id: int):
    """Save answers as a new draft (no reference, not a candidature): 201 with its `jeton`."""
    page = live_form_pages(request).filter(pk=page_id).first()
    if page is None:
        return not_found()
    return save_api_draft(request, page, uuid.uuid4())


def no_draft(request, forged):
    """404; a token this form did not issue is counted like a forged page."""
    if forged:
        record_refusal(client_key_for(request))
    return Status(
        404, Problem(detail=_("Aucun brouillon de ce formulaire ne porte ce jeton."))
    )


@router.put(
    "/{page_id}/drafts/{jeton}/",
    response={200: DraftOut, 201: DraftOut, **DRAFT_RESPONSES},
    summary="Enregistrer un brouillon",
    openapi_extra={
        **DRAFT_BODY,
        "responses": {422: {"content": REQUEST_PROBLEM_CONTENT}},
    },
)
def update_draft(request, page_id: int, jeton: str):
    """Replace a draft's answers (and the files sent): 200, or 201 the first time."""
    page = live_form_pages(request).filter(pk=page_id).first()
    if page is None:
        return not_found()
    token = token_uuid(page, jeton)
    if token is None:
        return no_draft(request, forged=True)
    return save_api_draft(request, page, token)


@router.get(
    "/{page_id}/drafts/{jeton}/",
    response={200: DraftOut, 404: Problem},
    summary="Lire un brouillon",
    openapi_extra=REQUEST_PROBLEM,
)
def read_draft(request, page_id: int, jeton: str):
    """A draft's answers and files, to whoever holds its `jeton` (given at its creation)."""
    page = live_form_pages(request).filter(pk=page_id).first()
    token = token_uuid(page, jeton) if page is not None else None
    draft = (
        Draft.objects.filter(page=page, token=token)
        .prefetch_related("attachments")
        .first()
        if token
        else None
    )
    if draft is None:
        return no_draft(request, forged=page is not None and token is None)
    return draft_out(page, draft)
