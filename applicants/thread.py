"""A dossier's thread: messages between the programme team and the applicant, and
the team's correction requests (« Demander un complément »).

Every message, request and answer is in the candidature's history (Wagtail's
log); the other side is told by email, the applicant with a new link to the
dossier.
"""

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from dsfr.forms import DsfrBaseForm
from wagtail.log_actions import log

from core.files import DEFAULT_FILE_KINDS, store_upload
from forms.builder import IDENTITY_FIELDS, MultipleFileField
from forms.choices import CLOSING_STATUSES
from forms.models import answer_text
from forms.services import revise_candidature

from .models import CorrectionRequest, Message, MessageAttachment
from .tasks import notify_message

MAX_MESSAGE_LENGTH = 10_000
MESSAGE_FILE_KINDS = [*DEFAULT_FILE_KINDS, "xlsx", "ods"]


def message_files():
    """The files a message may carry: checked like the form's, five of 10 Mo at most."""
    return MultipleFileField(
        label=gettext_lazy("Pièces jointes"),
        required=False,
        allowed_kinds=MESSAGE_FILE_KINDS,
        max_size=10 * 1024 * 1024,
        max_files=5,
    )


class MessageForm(DsfrBaseForm):
    body = forms.CharField(
        label=gettext_lazy("Votre message"),
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Écrivez votre message.")},
    )
    files = message_files()


def post_message(candidature, *, author, body, files=(), user=None, correction=None):
    """Add a message to the thread, its files, its history line; tell the other side."""
    stored = []
    try:
        with transaction.atomic():
            message = Message.objects.create(
                candidature=candidature,
                author=author,
                user=user,
                body=body,
                correction=correction,
            )
            for upload in files:
                attachment = store_upload(MessageAttachment(message=message), upload)
                stored.append(attachment.file.name)
            log(
                candidature,
                "amorce.candidature.message",
                user=user,
                data={"author": author, "message": message.pk},
            )
            transaction.on_commit(lambda: notify_message.enqueue(message.pk))
    except Exception:
        for name in stored:
            MessageAttachment.file.field.storage.delete(name)
        raise
    return message


def thread(candidature):
    return list(
        candidature.messages.select_related("user", "correction").prefetch_related(
            "attachments"
        )
    )


# Correction requests ----------------------------------------------------------------


def correctable_fields(candidature):
    """(name, label) of what a correction may reopen: the identity, then the answers."""
    fields = [
        (name, str(label))
        for name, label in IDENTITY_FIELDS.items()
        if name != "identity_email"
    ]
    fields += [
        (field["name"], field["label"]) for field in candidature.definition.fields
    ]
    return fields


def open_corrections(candidature):
    if candidature.status in CLOSING_STATUSES or candidature.anonymised_at:
        return []
    now = timezone.now()
    return list(
        candidature.correction_requests.filter(
            answered_at=None, cancelled_at=None, deadline__gt=now
        )
    )


def request_correction(candidature, *, fields, deadline, body, user, files=()):
    """Reopen ``fields`` for the applicant until ``deadline``, with a message saying why."""
    with transaction.atomic():
        correction = CorrectionRequest.objects.create(
            candidature=candidature,
            fields=list(fields),
            deadline=deadline,
            requested_by=user,
        )
        log(
            candidature,
            "amorce.candidature.correction_requested",
            user=user,
            data={"fields": list(fields), "deadline": deadline.isoformat()},
        )
        post_message(
            candidature,
            author=Message.Author.TEAM,
            body=body,
            files=files,
            user=user,
            correction=correction,
        )
    return correction


def values_of(candidature_or_version, name):
    if name == "identity_name":
        return candidature_or_version.applicant_name
    if name == "identity_administration":
        return candidature_or_version.administration
    if name == "identity_service":
        return candidature_or_version.service
    return candidature_or_version.form_data.get(name)


def answer_correction(correction, form):
    """Store the applicant's corrections: a new version, what changed, the team told.

    Returns the version replaced (None: nothing changed, the request stays open).
    """
    candidature = correction.candidature

    def still_open(current):
        fresh = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        return (
            fresh.is_open()
            and current.anonymised_at is None
            and current.status not in CLOSING_STATUSES
        )

    with transaction.atomic():
        version = revise_candidature(
            candidature, form, only=set(correction.fields), allowed=still_open
        )
        if version is None:
            return None
        labels = dict(correctable_fields(candidature))
        attachments = {}
        for attachment in candidature.attachments.all():
            key = (attachment.field_name, attachment.version_id)
            attachments.setdefault(key, []).append(attachment.original_name)
        definitions = {field["name"]: field for field in candidature.definition.fields}
        changes = []
        for name in version.changed_fields:
            before, after = values_of(version, name), values_of(candidature, name)
            if isinstance(after, list) and name in {key[0] for key in attachments}:
                before = attachments.get((name, version.pk), before)
                after = attachments.get((name, None), after)
            changes.append(
                {
                    "name": name,
                    "label": labels.get(name, name),
                    "before": answer_text(before, definitions.get(name)),
                    "after": answer_text(after, definitions.get(name)),
                }
            )
        correction.answered_at = timezone.now()
        correction.changes = changes
        correction.version = version
        correction.save(update_fields=["answered_at", "changes", "version"])
        log(
            candidature,
            "amorce.candidature.correction_answered",
            data={"fields": [change["name"] for change in changes]},
        )
        post_message(
            candidature,
            author=Message.Author.APPLICANT,
            body=_("Complément apporté : %(fields)s.")
            % {"fields": ", ".join(change["label"] for change in changes)},
            correction=correction,
        )
    return version
