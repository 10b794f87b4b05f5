"""Drafts: a candidature saved as it stands, to finish later.

A draft is saved by the form's « Enregistrer le brouillon » button (no
JavaScript needed) or by the page's autosave; it is found again by the form's
one-time token, so that every save of the same form (a retry, a double click,
two tabs opened from the same link) updates one draft. Its files are checked
like a candidature's and kept privately. Sent, it becomes a candidature with
the same token, and is gone.
"""

import logging
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from core.files import store_upload
from core.text import has_bad_text

from .builder import (
    HONEYPOT_FIELD,
    IDENTITY_PREFIX,
    TOKEN_FIELD,
    MultipleFileField,
    NonInputField,
)
from .compound import PartsField, filled
from .models.applicants import Draft, DraftAttachment
from .models.candidatures import Candidature

logger = logging.getLogger("amorce.forms")

# Sent when a draft got an address: its first save, or a new address typed
# (``request``, ``draft``). A receiver that emails the link to take it up again
# answers the address it wrote to (the applicants app), or None.
draft_addressed = Signal()

# A draft answer longer than the longest a field takes is not an answer.
MAX_ANSWER_LENGTH = 100_000


def already_sent():
    return _(
        "Ce formulaire a déjà été envoyé : il n'y a plus de brouillon à enregistrer."
    )


class DraftRefused(Exception):  # noqa: N818 - reads as what happened
    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = str(message)
        self.errors = errors or {}


def draft_fields(form):
    """The fields a draft keeps as typed: not files, headings, the trap or the token."""
    for name, field in form.fields.items():
        if name in (HONEYPOT_FIELD, TOKEN_FIELD) or isinstance(
            field, NonInputField | MultipleFileField
        ):
            continue
        yield name, field


def typed(form, data):
    """What was typed in each field, as text or a list of text; nothing unreadable."""
    answers = {}
    for name, field in draft_fields(form):
        value = field.widget.value_from_datadict(data, {}, name)
        if isinstance(field, PartsField):  # an address, a group: its parts' text
            value = typed_parts(value)
        if value in (None, "", []):
            continue
        if isinstance(field, PartsField):
            answers[name] = value
            continue
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str | bool) for item in values):
            continue
        if any(
            isinstance(item, str)
            and (has_bad_text(item) or len(item) > MAX_ANSWER_LENGTH)
            for item in values
        ):
            continue
        answers[name] = value
    return answers


def _text_ok(item):
    return (
        isinstance(item, str)
        and not has_bad_text(item)
        and len(item) <= MAX_ANSWER_LENGTH
    )


def _as_text(item):
    """A part as a draft keeps it: ``None`` is empty, a number its text (JSON)."""
    if item is None:
        return ""
    if isinstance(item, int | float | Decimal) and not isinstance(item, bool):
        return str(item)
    return item


def typed_parts(value):
    """An address's parts or a group's filled entries as typed; None if unreadable."""
    if isinstance(value, dict):
        value = {key: _as_text(item) for key, item in value.items()}
        if not all(_text_ok(item) for item in value.values()):
            return None
        return value if any(item.strip() for item in value.values()) else None
    if isinstance(value, list):
        if not all(isinstance(entry, dict) for entry in value):
            return None
        value = [{key: _as_text(item) for key, item in e.items()} for e in value]
        entries = [entry for entry in value if filled(entry)]
        if not all(_text_ok(item) for entry in entries for item in entry.values()):
            return None
        return entries
    return None


def draft_email(data):
    raw = data.get(f"{IDENTITY_PREFIX}email")
    try:
        return forms.EmailField(max_length=254).clean(raw)
    except ValidationError:
        raise DraftRefused(
            _(
                "Indiquez votre adresse électronique professionnelle pour enregistrer "
                "un brouillon : le lien pour le reprendre y sera envoyé."
            ),
            errors={
                f"{IDENTITY_PREFIX}email": [
                    _("Saisissez une adresse électronique valide.")
                ]
            },
        ) from None


def checked_uploads(form, files):
    """The files sent with a draft, checked by their fields; errors per field."""
    kept, errors = {}, {}
    for name, field in form.fields.items():
        if not isinstance(field, MultipleFileField):
            continue
        uploads = [f for f in files.getlist(name) if f] if files else []
        if not uploads:
            continue
        try:
            kept[name] = field.clean(uploads)
        except ValidationError as error:
            errors[name] = [str(m) for m in error.messages]
    return kept, errors


def save_draft(page, data, files=None, *, token, client_key=""):
    """Save what the form holds now under ``token``: ``(draft, created, file_errors)``.

    ``DraftRefused`` when there is no address to send the link to, or when the
    form was already sent (its candidature exists).
    """
    if Candidature.objects.filter(page=page, submission_token=token).exists():
        raise DraftRefused(already_sent())
    form = page.get_form(page=page)
    email = draft_email(data)
    answers = typed(form, data)
    uploads, file_errors = checked_uploads(form, files)
    draft, created = _draft_for(page, token, email, answers, client_key)
    for name, field_files in uploads.items():
        replace_draft_files(draft, name, field_files)
    return draft, created, file_errors


def _draft_for(page, token, email, answers, client_key):
    """Update the draft of ``token``, or create it: one draft per token, however many saves.

    ``draft.new_address``: created, or its address changed.

    Sent at the same moment (its candidature stored meanwhile), it is refused
    rather than made again beside its candidature.
    """
    for _attempt in range(3):
        try:
            with transaction.atomic():
                before = (
                    Draft.objects.select_for_update()
                    .filter(page=page, token=token)
                    .values_list("email", flat=True)
                    .first()
                )
                if before is not None:  # found, and locked: updated
                    Draft.objects.filter(page=page, token=token).update(
                        email=email, answers=answers, updated_at=timezone.now()
                    )
                    draft, created = Draft.objects.get(page=page, token=token), False
                else:  # a draft made at the same moment fails this, and is found next
                    draft, created = (
                        Draft.objects.create(
                            page=page,
                            call=page.call,
                            token=token,
                            email=email,
                            answers=answers,
                            client_key=client_key,
                        ),
                        True,
                    )
                if Candidature.objects.filter(
                    page=page, submission_token=token
                ).exists():
                    raise DraftRefused(already_sent())
            # A new address (the first, or another typed since) gets the link.
            draft.new_address = created or before.casefold() != email.casefold()
            return draft, created
        except IntegrityError:
            # Created at the same moment by another request (a double click, two
            # tabs): the update finds it next time. A token of another form is
            # refused rather than written over.
            if Draft.objects.filter(token=token).exclude(page=page).exists():
                break
    raise DraftRefused(
        _("Ce brouillon n'a pas pu être enregistré : rechargez la page et réessayez.")
    )


def replace_draft_files(draft, field_name, uploads):
    """The draft's files for ``field_name`` become ``uploads`` (checked already).

    The draft is locked meanwhile (its submission takes the same lock before
    taking its files), and the replaced files leave the storage once committed.
    """
    storage = DraftAttachment.file.field.storage
    stored = []
    try:
        with transaction.atomic():
            if not Draft.objects.select_for_update().filter(pk=draft.pk).exists():
                return  # sent meanwhile: its files went with it
            old = list(draft.attachments.filter(field_name=field_name))
            for upload in uploads:
                attachment = store_upload(
                    DraftAttachment(draft=draft, field_name=field_name), upload
                )
                stored.append(attachment.file.name)
            for attachment in old:
                attachment.delete()
                transaction.on_commit(
                    lambda name=attachment.file.name: storage.delete(name)
                )
    except Exception:
        for name in stored:
            storage.delete(name)
        raise


def draft_files(draft):
    """The draft's files, by field name; those the antivirus refused are as if never sent."""
    files = {}
    if draft is None:
        return files
    for attachment in draft.attachments.all():
        if not attachment.is_quarantined:
            files.setdefault(attachment.field_name, []).append(attachment)
    return files


def keep_files(form, files_by_field):
    """Files already joined (to a draft, a candidature): shown by their field,
    which no longer requires one; kept unless another is chosen."""
    for name, attachments in files_by_field.items():
        if name in form.fields and attachments:
            form.fields[name].required = False
            form.fields[name].kept_files = attachments


def keep_draft_files(form, draft):
    keep_files(form, draft_files(draft))
    if draft is None:
        return
    for attachment in draft.attachments.all():
        if attachment.is_quarantined and attachment.field_name in form.fields:
            field = form.fields[attachment.field_name]
            field.refused_files = [*getattr(field, "refused_files", []), attachment]


def delete_draft(draft):
    """Remove a draft and its files (sent, or past its retention)."""
    names = [a.file.name for a in draft.attachments.all() if a.file.name]
    draft.delete()
    storage = DraftAttachment.file.field.storage
    for name in names:
        transaction.on_commit(lambda name=name: storage.delete(name))
