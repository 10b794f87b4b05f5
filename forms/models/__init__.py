"""The forms app's models: the candidatures (``candidatures``), and the form page
that composes the app (``pages``)."""

from .candidatures import (
    CANDIDATURE_SEARCH_FIELDS,
    Candidature,
    CandidatureAttachment,
    CandidatureQuerySet,
    CandidatureStatusChange,
    FormDefinition,
    ReferenceSequence,
    answer_text,
    answers_json,
    private_storage,
)
from .pages import CandidatureFormField, CandidatureFormPage, CandidatureFormPageForm

__all__ = [
    "CANDIDATURE_SEARCH_FIELDS",
    "Candidature",
    "CandidatureAttachment",
    "CandidatureFormField",
    "CandidatureFormPage",
    "CandidatureFormPageForm",
    "CandidatureQuerySet",
    "CandidatureStatusChange",
    "FormDefinition",
    "ReferenceSequence",
    "answer_text",
    "answers_json",
    "private_storage",
]
