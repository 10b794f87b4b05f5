"""The files of a call's or a round's dossiers in one ZIP, written as it is sent.

One folder per candidature, named by its reference (``AAC-2026-0042/``), holds
the dossier's PDF and the files the applicant joined (their current version);
``index.csv`` at the root says which folder is whose and what is in it.

The archive is never whole in memory, nor on disk for a download: ``zipfile``
writes to a sink that cannot seek (it then puts each entry's sizes and CRC
after its data), and each file goes in by chunks of 64 KiB, handed to the
response as soon as they are compressed. Memory holds one dossier's PDF and a
chunk, whatever the number of dossiers. The same stream, written to a
temporary file, is what a background job stores (``run_attachments_job``).

Names inside the archive are safe to extract anywhere: NFC, no folder part,
no control character nor one Windows refuses, no leading dot, no reserved
Windows name; two files of the same name (letter case aside) in a folder
become ``nom.pdf``, ``nom-2.pdf``, ``nom-3.pdf``. In a blind round, a member's
archive is the blind one: the blind PDF, file names with the applicant's
identity masked (``selection.blind``), no name nor administration in the
index. The files' contents are the applicant's own and may name them, as the
jury's screens say. A file the antivirus has not cleared (in quarantine, or
still being scanned) is never put in: the index names it, with its state.

Who may have which archive is the views' business (``exports.zip_views``);
every archive built leaves an entry in the history of its call or round.
"""

import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.files import File
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from cms_pages.models import CallPage
from forms.choices import FieldType
from forms.models import Candidature, CandidatureAttachment
from forms.permissions import candidatures_for
from selection.blind import blind_file_name, blind_file_terms
from selection.models import ReviewRound
from selection.permissions import juror_candidatures, rounds_for

from .models import ExportJob
from .pdf import render_candidature_pdf
from .resources import neutralise
from .writers import write_csv

ARCHIVE_TYPE = "application/zip"
CHUNK = 64 * 1024
INDEX_NAME = "index.csv"
MAX_NAME = 150
ACTION_DOWNLOADED = "amorce.exports.attachments"

# Control characters, separators, what Windows refuses in a file name, and the
# invisible marks that turn text around (« facture\u202efdp.exe » shows as
# « facture exe.pdf »).
_UNSAFE = re.compile(
    r'[\x00-\x1f\x7f/\\:*?"<>|\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]'
)
# Names Windows keeps for devices, whatever follows their first dot (« con.tar.gz »).
_RESERVED = re.compile(
    r"^(con|prn|aux|nul|com[1-9¹²³]|lpt[1-9¹²³])\s*(\.|$)", re.IGNORECASE
)


def safe_name(name, fallback="fichier"):
    """A name that extracts as a file of the folder it is in, and nowhere else."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").rstrip(". ")
    if not name:
        return fallback
    if _RESERVED.match(name):
        name = f"_{name}"
    stem, extension = os.path.splitext(name)
    if len(extension) > 16:  # not an extension: a long name with a dot in it
        stem, extension = stem + extension, ""
    return stem[: MAX_NAME - len(extension)] + extension


class Folder:
    """The names already given in one folder; a name given twice gets -2, -3…"""

    def __init__(self):
        self.used = set()

    def take(self, name):
        stem, extension = os.path.splitext(name)
        candidate, number = name, 2
        while candidate.casefold() in self.used:
            candidate, number = f"{stem}-{number}{extension}", number + 1
        self.used.add(candidate.casefold())
        return candidate


@dataclass
class Dossier:
    """One candidature in an archive, and how its reader sees it."""

    candidature: Candidature
    blind: bool = False
    with_thread: bool = False

    def files(self):
        """(attachment, the name its reader sees), in the form's order."""
        return self._current(servable=True)

    def withheld(self):
        """The current files the antivirus has not cleared (in quarantine, or
        still being scanned), as ``files``: never in the archive, named in the index."""
        return self._current(servable=False)

    def _current(self, servable):
        attachments = {}
        for attachment in self.candidature.attachments.all():
            # Not a file replaced since; cleared by the antivirus, or not.
            if attachment.version_id is None and attachment.is_servable == servable:
                attachments.setdefault(attachment.field_name, []).append(attachment)
        ordered = [
            attachment
            for field in self.candidature.definition.fields
            if field["type"] == FieldType.FILE
            for attachment in attachments.pop(field["name"], [])
        ]
        ordered += [a for rest in attachments.values() for a in rest]
        if not self.blind:
            return [(a, a.original_name) for a in ordered]
        # The names the member reads on the dossier's screen (``selection.blind``).
        file_terms = blind_file_terms(self.candidature)
        return [(a, blind_file_name(a.original_name, file_terms)) for a in ordered]


class _Sink:
    """A file ``zipfile`` writes to and cannot seek: the bytes wait here to be sent."""

    def __init__(self):
        self.parts = []
        self.size = 0

    def write(self, data):
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def _entry(name, size=0):
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # readable once extracted, never executable
    info.file_size = size  # known beforehand: zipfile chooses ZIP64 if it must
    return info


def stream_zip(dossiers, progress=None):
    """Yield the archive of ``dossiers`` (an iterable of ``Dossier``) chunk by chunk."""
    sink = _Sink()
    rows = []
    blind = False
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        root = Folder()
        root.take(INDEX_NAME)
        for number, dossier in enumerate(dossiers, start=1):
            candidature = dossier.candidature
            blind = blind or dossier.blind
            folder = root.take(safe_name(candidature.reference, "dossier"))
            names = Folder()
            pdf_name = names.take(safe_name(f"dossier-{candidature.reference}.pdf"))
            pdf = render_candidature_pdf(
                candidature, with_thread=dossier.with_thread, blind=dossier.blind
            )
            archive.writestr(_entry(f"{folder}/{pdf_name}", len(pdf)), pdf)
            yield sink.take()
            stored, missing = [pdf_name], []
            for attachment, shown in dossier.files():
                name = names.take(safe_name(shown))
                try:
                    source = attachment.file.open("rb")
                except (FileNotFoundError, OSError, ValueError):
                    missing.append(shown)
                    continue
                with (
                    source,
                    archive.open(
                        _entry(f"{folder}/{name}", attachment.size), "w"
                    ) as target,
                ):
                    for chunk in iter(lambda source=source: source.read(CHUNK), b""):
                        target.write(chunk)
                        if sink.size >= CHUNK:
                            yield sink.take()
                stored.append(name)
                yield sink.take()
            withheld = [
                f"{shown} ({attachment.get_scan_state_display()})"
                for attachment, shown in dossier.withheld()
            ]
            rows.append((dossier, folder, stored, missing, withheld))
            if progress is not None:
                progress(number)
        archive.writestr(_entry(INDEX_NAME), index_csv(rows, blind))
    yield sink.take()  # the central directory, written as the archive closes


def index_csv(rows, blind):
    """Which folder is whose, and what it holds, as our other CSV (``write_csv``)."""
    headers = [_("Référence"), _("Statut")]
    if not blind:
        headers += [_("Candidat ou candidate"), _("Administration")]
    headers += [
        _("Dossier"),
        _("Fichiers"),
        _("Fichiers absents du stockage"),
        _("Fichiers non joints (antivirus)"),
    ]
    lines = []
    for dossier, folder, stored, missing, withheld in rows:
        candidature = dossier.candidature
        cells = [candidature.reference, candidature.get_status_display()]
        if not blind:
            cells += [candidature.applicant_name, candidature.administration]
        cells += [
            f"{folder}/",
            " | ".join(stored),
            " | ".join(missing),
            " | ".join(withheld),
        ]
        lines.append([neutralise(str(cell)) for cell in cells])
    output = io.BytesIO()
    write_csv([neutralise(str(header)) for header in headers], lines, output)
    return output.getvalue()


# --- What goes in an archive ---------------------------------------------------


def call_dossiers(candidatures):
    """The programme team's archive of a list of candidatures: identity, thread."""
    return (
        Dossier(candidature, with_thread=True) for candidature in _loaded(candidatures)
    )


def round_dossiers(review_round, member=None):
    """A round's archive: the team's (``member`` None), or a member's own (only the
    dossiers they read, blind if the round is)."""
    if member is None:
        return (
            Dossier(candidature, with_thread=True)
            for candidature in _loaded(review_round.candidatures.all())
        )
    readable = juror_candidatures(member, review_round)
    return (
        Dossier(candidature, blind=review_round.blind)
        for candidature in _loaded(readable)
    )


def _loaded(candidatures):
    return (
        candidatures.select_related("call", "definition")
        .prefetch_related("attachments")
        .order_by("reference")
        .iterator(chunk_size=100)
    )


def weight(candidatures):
    """(dossiers, bytes of their current files): what decides between now and later."""
    attachments = CandidatureAttachment.objects.filter(
        candidature__in=candidatures, version__isnull=True
    )
    size = attachments.aggregate(total=Sum("size"))["total"] or 0
    return candidatures.count(), size


def zip_filename(label):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = "-".join(part for part in ("pieces-jointes", slugify(label)[:40]) if part)
    return f"{name.strip('-')}-{stamp}.zip"


def leave_trace(target, user, dossiers, member=None, background=False):
    """An entry in the history of the call (a page) or the round: who took whose files."""
    log(
        target,
        ACTION_DOWNLOADED,
        user=user,
        data={
            "dossiers": dossiers,
            "member": member is not None,
            "background": background,
        },
    )


def dossiers_of_job(job):
    """What a background job's params say to put in the archive, read again now:
    the rights of the moment decide (a dossier left the user's reach, it is left out)."""
    params = job.params
    if "round" in params:
        review_round = ReviewRound.objects.select_related("call").get(
            pk=params["round"]
        )
        member = job.user if params.get("member") else None
        if (
            member is None
            and not rounds_for(job.user).filter(pk=review_round.pk).exists()
        ):
            return review_round, iter(())  # no longer of the team that runs it
        return review_round, round_dossiers(review_round, member=member)
    call = CallPage.objects.get(pk=params["call"])
    candidatures = candidatures_for(job.user).filter(
        pk__in=params["ids"], call_id=call.pk
    )
    return call, call_dossiers(candidatures)


def run_attachments_job(job):
    """Write the archive of ``job`` to private storage, counting the dossiers done."""
    target, dossiers = dossiers_of_job(job)

    def progress(done):
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    with tempfile.TemporaryFile() as output:
        for chunk in stream_zip(dossiers, progress=progress):
            output.write(chunk)
        output.seek(0)
        job.file.save(zip_filename(job.label), File(output), save=False)
    ExportJob.objects.filter(pk=job.pk).update(
        file=job.file.name,
        state=ExportJob.State.DONE,
        done=job.total,
        finished_at=timezone.now(),
    )
    leave_trace(
        target, job.user, job.total, member=job.params.get("member"), background=True
    )
