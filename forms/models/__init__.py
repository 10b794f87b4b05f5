"""The forms app's models: the candidatures (``candidatures``), the questions
(``form_fields``) and the form page that composes the app (``pages``)."""

from .applicants import Draft, DraftAttachment
from .candidatures import (
    CANDIDATURE_SEARCH_FIELDS,
    Candidature,
    CandidatureAttachment,
    CandidatureQuerySet,
    CandidatureStatusChange,
    CandidatureVersion,
    EligibilityRefusal,
    FormDefinition,
    ReferenceSequence,
    answer_text,
    answers_json,
    private_storage,
)
from .form_fields import CandidatureFormField
from .pages import CandidatureFormPage, CandidatureFormPageForm

__all__ = [
    "Draft",
    "DraftAttachment",
    "CandidatureVersion",
    "CANDIDATURE_SEARCH_FIELDS",
    "Candidature",
    "CandidatureAttachment",
    "CandidatureFormField",
    "CandidatureFormPage",
    "CandidatureFormPageForm",
    "CandidatureQuerySet",
    "CandidatureStatusChange",
    "EligibilityRefusal",
    "FormDefinition",
    "ReferenceSequence",
    "answer_text",
    "answers_json",
    "private_storage",
]
