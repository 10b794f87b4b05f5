"""Steps: a form's sections shown one at a time, then a review before sending.

When its page says so (``CandidatureFormPage.use_steps``), a form is cut at
its section headings: the identity block (« Vous ») is the first step, the
questions before the team's first section (if any) the next, then one step
per section. A step whose section, or every question, is hidden by the
answers given so far is skipped, and not counted.

Nothing needs JavaScript: each step is posted to the server, which checks
only that step's questions and keeps every answer so far in the form's
draft (``forms.drafts``, found by the form's one-time token), files included.
The last page reviews the answers; sending it sends the draft's answers
through the one submission pipeline (``StepsForm``), which checks them all
again: a step skipped is an error there, shown at its step.
"""

import json
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import QueryDict
from django.utils.translation import gettext as _

from .builder import (
    HONEYPOT_FIELD,
    IDENTITY_PREFIX,
    TOKEN_FIELD,
    ConfirmationField,
    MultipleFileField,
    NonInputField,
    token_uuid,
)
from .choices import NON_INPUT_TYPES, FieldType
from .compound import GroupField, PartsField
from .models.applicants import Draft
from .models.candidatures import answer_text
from .submission import HtmlForm

REVIEW = "verification"  # the review's name in the address (``?etape=verification``)
STEP_PARAMETER = "etape"
STEP_FIELD = "amorce_etape"  # the step a post comes from
MOVE_FIELD = "amorce_aller"  # the button pressed: NEXT or PREVIOUS
NEXT, PREVIOUS = "suivant", "precedent"


@dataclass
class Step:
    key: str  # the name of its section
    title: str
    text: str = ""  # the section's explanation
    names: list = field(default_factory=list)  # its fields, in form order
    number: int = 0  # among the steps shown, from 1


def steps_of(form):
    """The steps of a form, in order: one per section holding a question."""
    steps, current = [], None
    for name, form_field in form.fields.items():
        if name in (HONEYPOT_FIELD, TOKEN_FIELD):
            continue
        if isinstance(form_field, NonInputField) and form_field.level == "section":
            current = Step(
                key=name, title=str(form_field.label), text=str(form_field.text or "")
            )
            steps.append(current)
        elif current is not None:
            current.names.append(name)
    return [step for step in steps if questions(form, step)]


def questions(form, step, hidden=frozenset()):
    """The names of a step's questions (not headings nor texts) shown."""
    return [
        name
        for name in step.names
        if not isinstance(form.fields[name], NonInputField) and name not in hidden
    ]


def shown_steps(form):
    """The steps the answers so far leave (a bound form's ``hidden_names``), numbered."""
    hidden = form.hidden_names
    shown = [
        step
        for step in steps_of(form)
        if step.key not in hidden and questions(form, step, hidden)
    ]
    for number, step in enumerate(shown, start=1):
        step.number = number
    return shown


def step_named(steps, key):
    return next((step for step in steps if step.key == key), None)


def first_step_with_errors(steps, form):
    errors = set(form.errors)
    if NON_FIELD_ERRORS in errors:
        return steps[0]
    return next(
        (step for step in steps if errors & set(step.names)),
        None,
    )


def keep_step_errors(form, step):
    """Only the errors of ``step`` (and the form's own) stay on a bound form."""
    for name in list(form.errors):
        if name != NON_FIELD_ERRORS and name not in step.names:
            del form.errors[name]


def step_fields(form, step, hidden=frozenset()):
    """The bound fields a step shows, and whether one hangs on another of the step.

    A condition on an answer of another step was settled by the server (from
    the answers so far): its question is shown without it, or not at all. The
    step's heading is the stepper's: its questions no longer point at it.
    """
    inside = set(step.names)
    shown, conditional = [], False
    for name in step.names:
        form_field = form.fields[name]
        when = getattr(form_field, "amorce_when", "")
        source = _source(form_field)
        if when and source not in inside:
            if name in hidden:
                continue
            form_field.amorce_when = ""
        elif when:
            conditional = True
        if getattr(form_field, "amorce_section", "") == step.key:
            form_field.amorce_section = ""
        shown.append(form[name])
    return shown, conditional


def _source(form_field):
    when = getattr(form_field, "amorce_when", "")
    return json.loads(when)["field"] if when else None


def carried_fields(form, step):
    """Answers of other steps given before any draft (the eligibility questions'),
    carried along as hidden inputs."""
    return [
        form[name]
        for name, form_field in form.fields.items()
        if name not in step.names
        and name not in (HONEYPOT_FIELD, TOKEN_FIELD)
        and not isinstance(form_field, NonInputField | MultipleFileField)
        and form.initial.get(name) not in (None, "", [])
    ]


def review_rows(form, steps):
    """(step, [(label, text)]) of every question shown, from a valid bound form."""
    rows = []
    for step in steps:
        answers = []
        for name in questions(form, step, form.hidden_names):
            form_field = form.fields[name]
            if isinstance(form_field, ConfirmationField):
                continue
            if isinstance(form_field, MultipleFileField):
                files = form.cleaned_data.get(name) or []
                names = [f.name for f in files] or [
                    a.original_name for a in getattr(form_field, "kept_files", [])
                ]
                text = ", ".join(names)
            elif isinstance(form_field, GroupField):  # its entries, by their labels
                definition = {
                    "group": {
                        "subfields": form_field.subfields,
                        "entry_label": form_field.entry_label,
                    }
                }
                text = answer_text(form.cleaned_data.get(name), definition)
            else:
                text = answer_text(form.cleaned_data.get(name))
            answers.append((form_field.label, text))
        rows.append((step, answers))
    return rows


def merged_data(form, post, draft, step=None):
    """The answers so far: the draft's, then what this post sends.

    The fields of the step posted take the post's answers, even none (a box
    unticked); the others keep the draft's unless the post carries them.
    """
    data = QueryDict(mutable=True)
    if draft is not None:
        for name, value in draft.answers.items():
            whole = isinstance(form.fields.get(name), PartsField)  # a group's list
            data.setlist(
                name, [value] if whole or not isinstance(value, list) else value
            )
        data[f"{IDENTITY_PREFIX}email"] = draft.email
    names = set(step.names) if step is not None else set()
    for name, form_field in form.fields.items():
        if isinstance(form_field, PartsField):  # an address, a group: its boxes
            parts = [key for key in post if key.startswith(f"{name}__")]
            if parts or name in names:
                data.pop(name, None)  # the draft's whole answer gives way
                for key in [key for key in data if key.startswith(f"{name}__")]:
                    del data[key]
                for key in parts:
                    data.setlist(key, post.getlist(key))
            continue
        values = post.getlist(name)
        if name in names or values:
            data.setlist(name, values)
    data[TOKEN_FIELD] = post.get(TOKEN_FIELD, "")
    return data


def draft_of(page, post):
    """The draft of the form's token, if there is one."""
    token = token_uuid(page, post.get(TOKEN_FIELD))
    if token is None:
        return None
    return Draft.objects.filter(page=page, token=token).first()


class StepsForm(HtmlForm):
    """The review's « Envoyer »: the draft's answers, with whatever the post adds."""

    def __init__(self, page):
        self.page = page

    def read(self, request):
        post, files = super().read(request)
        form = self.page.get_form(page=self.page)
        return merged_data(form, post, draft_of(self.page, post)), files


def empty_step_errors(fields):
    """{index: {"label": message}} for the sections (models, form order) with no question,
    which would be empty steps."""
    errors = {}
    sections = [
        index
        for index, form_field in enumerate(fields)
        if form_field.field_type == FieldType.SECTION
    ]
    for position, index in enumerate(sections):
        end = sections[position + 1] if position + 1 < len(sections) else len(fields)
        if not any(
            f.field_type not in NON_INPUT_TYPES for f in fields[index + 1 : end]
        ):
            errors[index] = {
                "label": _(
                    "La section « %(label)s » serait une étape sans question : "
                    "ajoutez-y une question, ou supprimez-la, ou ne présentez pas "
                    "les sections comme des étapes."
                )
                % {"label": fields[index].label}
            }
    return errors
