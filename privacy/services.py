"""Personal data: anonymising candidatures once their call's retention has passed,
exporting or erasing everything about one applicant's address.

Anonymising keeps the row, its reference, its status, its place in review
rounds and its evaluation scores, so counts, rankings and statistics stay true;
it removes what names or describes a person: identity, free-text answers,
attached files, reasons, juror comments, email texts, and the same words where
Wagtail's history repeated them.

Files are deleted from storage only after the database changes are committed:
a failure leaves the files (and the rows pointing to them) in place, never a
row pointing to a missing file.
"""

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from applicants.links import link_max_age
from applicants.models import (
    ApplicantLink,
    CorrectionRequest,
    Message,
    MessageAttachment,
)
from cms_pages.models import CallPage
from core.antivirus import ScanState
from core.pdf import forget_reused_pdfs
from forms.choices import FieldType, Status
from forms.models import (
    Candidature,
    CandidatureAttachment,
    CandidatureStatusChange,
    CandidatureVersion,
    Draft,
    DraftAttachment,
    private_storage,
)
from investigations.models import Investigation
from selection.models import (
    DiscussionComment,
    Evaluation,
    EvaluationReopening,
    Notification,
)

# Stored values, not interface text: the same whatever language the command runs in.
ANONYMISED_NAME = "Anonymisé"
# No unique constraint on the address: one placeholder for all, under a
# reserved top-level domain (RFC 2606) that no mail server delivers to.
ANONYMISED_EMAIL = "anonyme@anonymise.invalid"

# Answers picked among the form's own options say nothing about a person and
# feed statistics (« Combien de personnes sont concernées ? »): they are kept.
KEPT_ANSWER_TYPES = {
    FieldType.CHECKBOX,
    FieldType.CHECKBOXES,
    FieldType.DROPDOWN,
    FieldType.MULTISELECT,
    FieldType.RADIO,
}
# Kept whole after the retention: laureates, and any candidature an
# investigation was opened from (the investigation goes on, years sometimes).
KEPT_STATUSES = {Status.SELECTED}

ACTION_ANONYMISED = "amorce.candidature.anonymised"
ACTION_EXPORTED = "amorce.personal_data.exported"
ACTION_ERASED = "amorce.personal_data.erased"

# Keys of earlier log entries that may carry words about a person: a status's
# reason, an email's subject, a quarantined file's name and what the antivirus
# said of it (applicants.quarantine).
SCRUBBED_LOG_KEYS = ("reason", "subject", "name", "detail")

BATCH = 500


# Retention ----------------------------------------------------------------


def add_months(moment, months):
    """``moment`` plus calendar months, the day clamped to the month's last."""
    return moment + relativedelta(months=months)


def retention_end(call):
    """When the call's unselected candidatures are to be anonymised (Paris calendar)."""
    closed = timezone.localtime(call.closing_limit)
    naive = add_months(closed.replace(tzinfo=None), call.retention_months)
    return timezone.make_aware(naive, closed.tzinfo)


def calls_past_retention(now):
    """Calls whose retention has run out at ``now``, oldest closing first."""
    # The shortest retention is one month: older than four weeks, no sooner.
    calls = CallPage.objects.filter(closes_at__lte=now - dt.timedelta(days=28))
    return [call for call in calls.order_by("closes_at") if retention_end(call) <= now]


def expired_candidatures(call):
    """The call's candidatures to anonymise: not kept, not anonymised yet."""
    return (
        Candidature.objects.filter(call=call, anonymised_at=None)
        .exclude(status__in=KEPT_STATUSES)
        .filter(investigation__isnull=True)
    )


def remove_drafts(drafts):
    """Delete drafts (never sent: nothing to keep); the storage names of their files.

    Call it inside a transaction, and delete the files once committed.
    """
    ids = list(drafts.values_list("pk", flat=True))
    files = [
        name
        for name in DraftAttachment.objects.filter(draft_id__in=ids).values_list(
            "file", flat=True
        )
        if name
    ]
    Draft.objects.filter(pk__in=ids).delete()  # their files' rows and links with them
    return len(ids), files


def purge_links(now):
    """Links that can open nothing any more (past their age): their rows and addresses go."""
    from_before = now - dt.timedelta(seconds=link_max_age())
    count, _deleted = ApplicantLink.objects.filter(created_at__lt=from_before).delete()
    return count


def kept_candidatures(call):
    return Candidature.objects.filter(call=call, anonymised_at=None).exclude(
        pk__in=expired_candidatures(call).values("pk")
    )


# Anonymising --------------------------------------------------------------


def anonymous_answers(candidature):
    """The answers with every value that could describe a person emptied.

    Keys stay (the exports keep their columns, the dossier its questions);
    choices stay; files become an empty list; everything else ``None``.
    """
    types = {field["name"]: field["type"] for field in candidature.definition.fields}
    answers = {}
    for name, value in (candidature.form_data or {}).items():
        kind = types.get(name)
        if kind in KEPT_ANSWER_TYPES:
            answers[name] = value
        elif kind == FieldType.FILE:
            answers[name] = []
        else:
            answers[name] = None
    return answers


def anonymise(candidatures, *, now=None, log_data=None):
    """Anonymise these candidatures; returns (how many, storage names of their files).

    Call it inside a transaction and delete the returned files once it is
    committed (``delete_files``). Already anonymised candidatures are skipped.
    """
    now = now or timezone.now()
    ids = list(
        candidatures.filter(anonymised_at=None)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    files = []
    for start in range(0, len(ids), BATCH):
        files += _anonymise_batch(ids[start : start + BATCH], now, log_data or {})
    if ids:  # a jury book kept for reuse holds their answers: never served again
        transaction.on_commit(forget_reused_pdfs)
    return len(ids), files


def _anonymise_batch(ids, now, log_data):
    rows = list(
        Candidature.objects.select_for_update(of=("self",))
        .select_related("definition")
        .filter(pk__in=ids, anonymised_at=None)
    )
    for candidature in rows:
        candidature.applicant_name = ANONYMISED_NAME
        candidature.applicant_email = ANONYMISED_EMAIL
        candidature.administration = ""
        candidature.service = ""
        candidature.form_data = anonymous_answers(candidature)
        candidature.client_key = ""
        candidature.content_digest = ""
        candidature.email_key = candidature.identity_key = ""  # nobody's duplicate
        candidature.email_error = ""
        candidature.anonymised_at = now
        # The time of the write, not ``now`` (the logical date, read once for a
        # whole run): a sync must not see rows stamped before it read later ones.
        candidature.updated_at = timezone.now()
    Candidature.objects.bulk_update(
        rows,
        [
            "applicant_name",
            "applicant_email",
            "administration",
            "service",
            "form_data",
            "client_key",
            "content_digest",
            "email_key",
            "identity_key",
            "email_error",
            "anonymised_at",
            "updated_at",
        ],
    )
    ids = [candidature.pk for candidature in rows]

    attachments = CandidatureAttachment.objects.filter(candidature_id__in=ids)
    files = [name for name in attachments.values_list("file", flat=True) if name]
    attachments.delete()

    # Previous versions said the same things: emptied the same way (their files
    # are among the attachments above).
    CandidatureVersion.objects.filter(candidature_id__in=ids).update(
        applicant_name=ANONYMISED_NAME, administration="", service="", form_data={}
    )
    ApplicantLink.objects.filter(candidature_id__in=ids).delete()
    # The thread: its words and files go; that there was a message stays.
    message_files = MessageAttachment.objects.filter(message__candidature_id__in=ids)
    files += [name for name in message_files.values_list("file", flat=True) if name]
    message_files.delete()
    Message.objects.filter(candidature_id__in=ids).update(body="")
    CorrectionRequest.objects.filter(candidature_id__in=ids).update(changes=[])
    CandidatureStatusChange.objects.filter(candidature_id__in=ids).update(reason="")
    Evaluation.objects.filter(candidature_id__in=ids).update(
        comment="",
        criterion_comments={},
        conflict_note="",
        updated_at=timezone.now(),  # the time of the write (see above)
    )
    EvaluationReopening.objects.filter(evaluation__candidature_id__in=ids).update(
        previous_comment="", previous_criterion_comments={}
    )
    # The discussion: that there was a message stays, its words go.
    DiscussionComment.objects.filter(candidature_id__in=ids).update(body="")
    notifications = Notification.objects.filter(candidature_id__in=ids)
    # An email not sent yet would go to nobody: withdrawn. Sent ones stay, emptied.
    notifications.exclude(state=Notification.State.SENT).delete()
    notifications.update(subject="", body="", error="")

    _scrub_history(rows)
    for candidature in rows:
        log(candidature, ACTION_ANONYMISED, data=log_data)
    return files


def _scrub_history(candidatures):
    """Earlier log entries: the label named the applicant, the data repeated reasons."""
    by_id = {str(candidature.pk): candidature for candidature in candidatures}
    entries = list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Candidature),
            object_id__in=list(by_id),
        )
    )
    for entry in entries:
        entry.label = str(by_id[entry.object_id])
        entry.data = {
            key: value
            for key, value in (entry.data or {}).items()
            if key not in SCRUBBED_LOG_KEYS
        }
    ModelLogEntry.objects.bulk_update(entries, ["label", "data"], batch_size=BATCH)


def delete_files(names):
    """Delete files from private storage; returns the names that could not be."""
    storage = private_storage()
    failed = []
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # noqa: BLE001 - reported to the operator, next file
            failed.append(name)
    return failed


# One applicant ------------------------------------------------------------


def normalise_email(address):
    return address.strip().casefold()


def email_digest(address):
    """How logs name an address: its SHA-256, never the address itself."""
    return hashlib.sha256(normalise_email(address).encode()).hexdigest()


def applicant_candidatures(address):
    return Candidature.objects.filter(applicant_email__iexact=address.strip())


def applicant_investigations(address):
    return Investigation.objects.filter(contact_email__iexact=address.strip())


def _iso(moment):
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return timezone.localtime(moment).isoformat()
    return moment.isoformat()


def _archive_name(used, reference, original_name):
    base = os.path.basename(original_name.replace("\\", "/")) or "fichier"
    name, counter = f"pieces-jointes/{reference}/{base}", 2
    while name in used:
        stem, ext = os.path.splitext(base)
        name, counter = f"pieces-jointes/{reference}/{stem}-{counter}{ext}", counter + 1
    used.add(name)
    return name


def _withheld_reason(attachment):
    if attachment.is_pending:
        return _(
            "Fichier non joint : l'analyse antivirus n'était pas terminée lors "
            "de l'export."
        )
    if attachment.scan_state == ScanState.INFECTED:
        return _(
            "Fichier non joint : l'antivirus y a détecté un virus, il est en "
            "quarantaine."
        )
    return _(
        "Fichier non joint : l'antivirus n'a pas pu l'analyser, il est en quarantaine."
    )


def export_applicant(address, path):
    """Write a ZIP of everything about ``address``: ``donnees.json`` and the files.

    Returns (candidatures, investigations, files missing from storage). The
    archive appears whole or not at all (written aside, then renamed).
    """
    candidatures = list(
        applicant_candidatures(address)
        .select_related("call", "definition")
        .prefetch_related(
            "attachments",
            "status_changes",
            "notifications",
            "versions",
            "messages__attachments",
        )
        .order_by("submit_time", "pk")
    )
    investigations = list(
        applicant_investigations(address).select_related("call", "candidature")
    )
    linked = {
        candidature.pk: getattr(candidature, "investigation", None)
        for candidature in candidatures
    }
    storage = private_storage()
    used, missing, entries = set(), [], []

    def archive_file(folder, attachment):
        """The file in the archive under ``folder``, and what is said of it.

        A file the antivirus has not let through (in quarantine, or still
        being scanned) is never handed out, here neither: it is named, with why.
        """
        said = {
            "question": getattr(attachment, "field_name", None),  # none for a message
            "nom": attachment.original_name,
            "type": attachment.content_type,
            "taille": attachment.size,
            "sha256": attachment.sha256,
            "analyse": str(ScanState(attachment.scan_state).label),
            "fichier": None,
        }
        if not attachment.is_servable:
            said["non_joint"] = _withheld_reason(attachment)
            return said
        archived = _archive_name(used, folder, attachment.original_name)
        if attachment.file and storage.exists(attachment.file.name):
            entries.append((archived, attachment.file.name))
            said["fichier"] = archived
        else:
            missing.append(attachment.file.name or attachment.original_name)
        return said

    data = {
        "adresse": address.strip(),
        "exporte_le": _iso(timezone.now()),
        "candidatures": [],
        "brouillons": [],
        "investigations": [],
    }
    for candidature in candidatures:
        attachments = [
            archive_file(candidature.reference, attachment)
            for attachment in candidature.attachments.all()
        ]
        investigation = linked[candidature.pk]
        data["candidatures"].append(
            {
                "reference": candidature.reference,
                "appel": candidature.call.title,
                "recue_le": _iso(candidature.submit_time),
                "statut": str(Status(candidature.status).label),
                "identite": {
                    "nom": candidature.applicant_name,
                    "adresse": candidature.applicant_email,
                    "administration": candidature.administration,
                    "service": candidature.service,
                },
                "reponses": [
                    {
                        "question": row["label"],
                        "reponse": row["display"]
                        if row["type"] == FieldType.FILE
                        else row["value"],
                    }
                    for row in candidature.answers()
                ],
                "pieces_jointes": attachments,
                "historique_des_statuts": [
                    {
                        "date": _iso(change.created_at),
                        "ancien_statut": str(Status(change.from_status).label),
                        "nouveau_statut": str(Status(change.to_status).label),
                        "motif": change.reason,
                    }
                    for change in candidature.status_changes.all()
                ],
                "accuse_de_reception_envoye_le": _iso(candidature.confirmation_sent_at),
                "courriels": [
                    {
                        "statut": str(Status(notification.status).label),
                        "objet": notification.subject,
                        "texte": notification.body,
                        "envoye_le": _iso(notification.sent_at),
                    }
                    for notification in sorted(
                        candidature.notifications.all(), key=lambda n: n.created_at
                    )
                    if notification.state == Notification.State.SENT
                ],
                "versions_precedentes": [
                    {
                        "version": version.number,
                        "envoyee_le": _iso(version.submitted_at),
                        "remplacee_le": _iso(version.replaced_at),
                        "identite": {
                            "nom": version.applicant_name,
                            "administration": version.administration,
                            "service": version.service,
                        },
                        "reponses": version.form_data,
                        "questions_modifiees": version.changed_fields,
                    }
                    for version in candidature.versions.all()
                ],
                "messages": [
                    {
                        "date": _iso(message.created_at),
                        "auteur": str(message.get_author_display()),
                        "texte": message.body,
                        "pieces_jointes": [
                            archive_file(
                                f"{candidature.reference}/messages", attachment
                            )
                            for attachment in message.attachments.all()
                        ],
                    }
                    for message in candidature.messages.all()
                ],
                "investigation": investigation.title if investigation else None,
            }
        )
    drafts = (
        Draft.objects.filter(email__iexact=address.strip())
        .select_related("call")
        .prefetch_related("attachments")
        .order_by("created_at")
    )
    for number, draft in enumerate(drafts, start=1):
        files = [
            archive_file(f"brouillon-{number}", attachment)
            for attachment in draft.attachments.all()
        ]
        data["brouillons"].append(
            {
                "appel": draft.call.title,
                "commence_le": _iso(draft.created_at),
                "enregistre_le": _iso(draft.updated_at),
                "reponses": draft.answers,
                "pieces_jointes": files,
            }
        )
    for investigation in investigations:
        data["investigations"].append(
            {
                "intitule": investigation.title,
                "appel": investigation.call.title if investigation.call else None,
                "candidature": investigation.candidature.reference
                if investigation.candidature
                else None,
                "porteur": investigation.contact_name,
                "adresse_du_porteur": investigation.contact_email,
            }
        )

    directory = os.path.dirname(os.path.abspath(path))
    handle, partial = tempfile.mkstemp(suffix=".zip.partiel", dir=directory)
    try:
        with (
            os.fdopen(handle, "wb") as output,
            zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            archive.writestr(
                "donnees.json",
                json.dumps(data, ensure_ascii=False, indent=2, default=str),
            )
            for archived, name in entries:
                with (
                    storage.open(name, "rb") as source,
                    archive.open(archived, "w") as target,
                ):
                    for chunk in iter(lambda source=source: source.read(1 << 20), b""):
                        target.write(chunk)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise

    digest = email_digest(address)
    for candidature in candidatures:
        log(
            candidature,
            ACTION_EXPORTED,
            title=candidature.reference,
            data={"email_sha256": digest},
        )
    for investigation in investigations:
        log(investigation, ACTION_EXPORTED, data={"email_sha256": digest})
    return candidatures, investigations, missing


def erase_applicant(address, *, now=None):
    """Anonymise every candidature and clear every investigation contact of ``address``.

    Call it inside a transaction; returns (candidatures, investigations, files
    to delete once committed).
    """
    digest = email_digest(address)
    count, files = anonymise(
        applicant_candidatures(address),
        now=now,
        log_data={"cause": "erasure", "email_sha256": digest},
    )
    _drafts, draft_files = remove_drafts(Draft.objects.filter(email__iexact=address))
    files += draft_files
    investigations = list(applicant_investigations(address))
    if investigations:  # their syntheses, if ever kept for reuse
        transaction.on_commit(forget_reused_pdfs)
    for investigation in investigations:
        investigation.contact_name = ""
        investigation.contact_email = ""
        investigation.save(update_fields=["contact_name", "contact_email"])
        log(investigation, ACTION_ERASED, data={"email_sha256": digest})
    return count, len(investigations), files
