"""Uploaded files: checked by their content, not by what their name claims; kept
privately, and served as downloads only."""

import hashlib
import os
import re
import struct
import unicodedata
import uuid
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .antivirus import ScannedFile, ScanState, enabled, initial_state, schedule


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word (.docx)"
    ODT = "odt", "OpenDocument texte (.odt)"
    XLSX = "xlsx", "Excel (.xlsx)"
    ODS = "ods", "OpenDocument tableur (.ods)"
    PPTX = "pptx", "PowerPoint (.pptx)"
    ODP = "odp", "OpenDocument présentation (.odp)"
    PNG = "png", "PNG"
    JPEG = "jpg", "JPEG"
    TXT = "txt", gettext_lazy("Texte brut (.txt)")
    CSV = "csv", "CSV"


DEFAULT_FILE_KINDS = ["pdf", "docx", "odt", "png", "jpg"]

EXTENSIONS = {
    FileKind.PDF: {".pdf"},
    FileKind.DOCX: {".docx"},
    FileKind.ODT: {".odt"},
    FileKind.XLSX: {".xlsx"},
    FileKind.ODS: {".ods"},
    FileKind.PPTX: {".pptx"},
    FileKind.ODP: {".odp"},
    FileKind.PNG: {".png"},
    FileKind.JPEG: {".jpg", ".jpeg"},
    FileKind.TXT: {".txt"},
    FileKind.CSV: {".csv"},
}

CONTENT_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.ODT: "application/vnd.oasis.opendocument.text",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.ODS: "application/vnd.oasis.opendocument.spreadsheet",
    FileKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    FileKind.ODP: "application/vnd.oasis.opendocument.presentation",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.TXT: "text/plain",
    FileKind.CSV: "text/csv",
}

# Inside an Office Open XML archive, the part that says what it is.
OOXML_MAIN_PART = {
    FileKind.DOCX: "word/document.xml",
    FileKind.XLSX: "xl/workbook.xml",
    FileKind.PPTX: "ppt/presentation.xml",
}
ODF_MIMETYPES = {
    FileKind.ODT: b"application/vnd.oasis.opendocument.text",
    FileKind.ODS: b"application/vnd.oasis.opendocument.spreadsheet",
    FileKind.ODP: b"application/vnd.oasis.opendocument.presentation",
}

MAX_NAME_LENGTH = 150
# Control characters, separators, and the invisible marks that turn text around.
_UNSAFE_NAME = re.compile(
    r"[\x00-\x1f\x7f/\\\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
HEAD_SIZE = 2048  # the first bytes, read to tell a file's kind


def kind_for_extension(name):
    extension = os.path.splitext(name)[1].lower()
    for kind, extensions in EXTENSIONS.items():
        if extension in extensions:
            return kind
    return None


def check_file_name(name):
    """Refuse names that try to climb folders or hide control characters."""
    name = unicodedata.normalize("NFC", name or "")
    if (
        not name.strip()
        or _UNSAFE_NAME.search(name)
        or ".." in name
        or name.startswith(".")
    ):
        raise ValidationError(
            _(
                "Le nom du fichier « %(name)s » n'est pas accepté : renommez-le sans « / », « \\ », « .. » "
                "ni caractère invisible."
            ),
            code="unsafe_name",
            params={"name": name[:80]},
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("Le nom du fichier est trop long (%(max)s caractères au plus)."),
            code="name_too_long",
            params={"max": MAX_NAME_LENGTH},
        )
    return name


def sniff(upload):
    """The kind of file its first bytes (or its archive's directory) reveal, or None.

    Whatever the file holds, this reads a bounded number of bytes: nothing is
    inflated but a few bytes of an OpenDocument's ``mimetype``.
    """
    upload.seek(0)
    head = upload.read(HEAD_SIZE)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            return _sniff_zip(upload)
        finally:
            upload.seek(0)
    if _looks_like_text(head):
        return FileKind.TXT
    return None


# --- Zip-based documents (Office Open XML, OpenDocument) ---------------------
#
# ``zipfile`` reads the whole central directory into memory, one object per
# entry, and its ``read()`` inflates a whole member: a small file can claim
# millions of entries, or hold a gigabyte of zeros deflated under the name
# ``mimetype``. The few structures needed are read here, each bounded.

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # a central directory entry
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL = struct.Struct("<4s5H3L2H")  # a local file header
_LOCAL_SIGNATURE = b"PK\x03\x04"
_MAX_COMMENT = 0xFFFF
# Far more than any office document has; a directory past these is refused.
MAX_ZIP_ENTRIES = 5_000
MAX_CENTRAL_DIRECTORY = 1024 * 1024
# An OpenDocument's ``mimetype`` is a few dozen bytes, stored uncompressed.
_MAX_MIMETYPE = 200

_WANTED = {b"mimetype", *(part.encode() for part in OOXML_MAIN_PART.values())}


def _read_at(upload, offset, size):
    upload.seek(offset)
    return upload.read(size)


def _central_directory_span(upload, size):
    """``(offset, length, entries)`` of the archive's central directory, or None."""
    tail_size = min(size, _EOCD.size + _MAX_COMMENT)
    tail_start = size - tail_size
    tail = _read_at(upload, tail_start, tail_size)
    position = tail.rfind(_EOCD_SIGNATURE)
    if position < 0 or len(tail) - position < _EOCD.size:
        return None
    fields = _EOCD.unpack_from(tail, position)
    entries, length, offset = fields[4], fields[5], fields[6]
    eocd_offset = tail_start + position
    if entries == 0xFFFF or 0xFFFFFFFF in (length, offset):
        locator_offset = eocd_offset - _ZIP64_LOCATOR.size
        if locator_offset < 0:
            return None
        locator = _ZIP64_LOCATOR.unpack(
            _read_at(upload, locator_offset, _ZIP64_LOCATOR.size)
        )
        if locator[0] != _ZIP64_LOCATOR_SIGNATURE or locator[2] > locator_offset:
            return None
        record = _read_at(upload, locator[2], _ZIP64_EOCD.size)
        if len(record) < _ZIP64_EOCD.size:
            return None
        fields = _ZIP64_EOCD.unpack(record)
        if fields[0] != _ZIP64_EOCD_SIGNATURE:
            return None
        entries, length, offset = fields[7], fields[8], fields[9]
        eocd_offset = locator[2]
    if offset + length > eocd_offset:
        return None
    return offset, length, entries


def _zip_members(upload):
    """``{name: (method, compressed size, local header offset)}`` of the wanted members.

    None when the archive is unreadable or its directory is past the limits.
    """
    span = _central_directory_span(upload, upload.size)
    if span is None:
        return None
    offset, length, entries = span
    if entries > MAX_ZIP_ENTRIES or length > MAX_CENTRAL_DIRECTORY:
        return None
    directory = _read_at(upload, offset, length)
    if len(directory) != length:
        return None
    members, position = {}, 0
    for _entry in range(entries):
        if position + _CENTRAL.size > length:
            return None
        fields = _CENTRAL.unpack_from(directory, position)
        if fields[0] != _CENTRAL_SIGNATURE:
            return None
        method, compressed = fields[4], fields[8]
        name_length, extra_length, comment_length = fields[10], fields[11], fields[12]
        local_offset = fields[16]
        name_start = position + _CENTRAL.size
        name = directory[name_start : name_start + name_length]
        if name in _WANTED and name.decode() not in members:
            members[name.decode()] = (method, compressed, local_offset)
        position = name_start + name_length + extra_length + comment_length
    return members


def _member_head(upload, member, limit):
    """The first ``limit`` bytes of a stored or deflated member, or None."""
    method, compressed, local_offset = member
    header = _read_at(upload, local_offset, _LOCAL.size)
    if len(header) < _LOCAL.size:
        return None
    fields = _LOCAL.unpack(header)
    if fields[0] != _LOCAL_SIGNATURE:
        return None
    start = local_offset + _LOCAL.size + fields[9] + fields[10]
    data = _read_at(upload, start, min(compressed, limit))
    if method == zipfile.ZIP_STORED:
        return data[:limit]
    if method == zipfile.ZIP_DEFLATED:
        try:
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, limit)
        except zlib.error:
            return None
    return None


def _sniff_zip(upload):
    members = _zip_members(upload)
    if members is None:
        return None
    if "mimetype" in members:
        head = _member_head(upload, members["mimetype"], _MAX_MIMETYPE + 1)
        mimetype = (head or b"").strip()
        for kind, expected in ODF_MIMETYPES.items():
            if mimetype == expected:
                return kind
    for kind, part in OOXML_MAIN_PART.items():
        if part in members:
            return kind
    return None


def _looks_like_text(head):
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def _megabytes(size):
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def check_upload(upload, allowed_kinds, max_size):
    """Validate one uploaded file; return its kind. Raise a French ValidationError.

    With scanning on, a file longer than clamd takes (``AMORCE_CLAMD_STREAM_MAX_LENGTH``)
    is refused here, whatever the question allows: accepted, it could only
    end in quarantine, unscannable, with a dossier that looks complete.
    """
    name = check_file_name(upload.name)
    if upload.size > max_size:
        raise ValidationError(
            _("« %(name)s » dépasse la taille maximale de %(max)s Mo."),
            code="too_big",
            params={"name": name, "max": _megabytes(max_size)},
        )
    scannable = settings.AMORCE_CLAMD_STREAM_MAX_LENGTH
    if enabled() and upload.size > scannable:
        raise ValidationError(
            _(
                "« %(name)s » dépasse %(max)s Mo, la plus grande taille que "
                "l'antivirus peut analyser : réduisez le fichier ou "
                "découpez-le en plusieurs parties."
            ),
            code="too_big_to_scan",
            params={"name": name, "max": _megabytes(scannable)},
        )
    claimed = kind_for_extension(name)
    allowed_labels = ", ".join(str(FileKind(kind).label) for kind in allowed_kinds)
    if claimed is None or claimed not in allowed_kinds:
        raise ValidationError(
            _(
                "« %(name)s » n'est pas d'un type accepté. Types acceptés : %(allowed)s."
            ),
            code="type_not_allowed",
            params={"name": name, "allowed": allowed_labels},
        )
    actual = sniff(upload)
    # CSV is text; its content cannot tell more.
    if actual == FileKind.TXT and claimed == FileKind.CSV:
        actual = FileKind.CSV
    if actual != claimed:
        raise ValidationError(
            _(
                "Le contenu de « %(name)s » ne correspond pas à son extension : "
                "le fichier est peut-être endommagé ou déguisé."
            ),
            code="content_mismatch",
            params={"name": name},
        )
    return claimed


def private_storage():
    """Where applicants' files go: never under a public URL (``STORAGES["private"]``)."""
    return storages["private"]


class PrivateFile(ScannedFile):
    """A file someone sent (to a candidature, a draft, a message), kept privately.

    Its stored name is random; the name it was sent with, its type as its
    content says, its size and its digest are kept beside it, and the
    antivirus's verdict (``core.antivirus``). Each kind of file declares its
    own ``file`` field (its folder).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    original_name = models.CharField(gettext_lazy("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(gettext_lazy("taille"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


def store_upload(attachment, upload):
    """Fill ``attachment`` (a ``PrivateFile``) from a checked upload, and save it."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original_name = upload.name
    kind = getattr(upload, "amorce_kind", None)
    attachment.original_name = original_name
    attachment.content_type = CONTENT_TYPES.get(kind, "application/octet-stream")
    attachment.size = upload.size
    attachment.sha256 = digest.hexdigest()
    # The stored name is random: nothing of the sender's file name reaches the disk.
    extension = (
        original_name.rsplit(".", 1)[-1].lower() if "." in original_name else "bin"
    )
    attachment.file.save(f"{attachment.pk}.{extension}", upload, save=False)
    attachment.scan_state = initial_state()
    attachment.save()
    if attachment.scan_state == ScanState.PENDING:
        schedule(attachment)  # once the row is committed
    return attachment


def private_download(attachment, request=None, name=None):
    """A private file (a candidature's, a draft's, a message's) as a download.

    Never rendered by the browser (``nosniff``, a sandbox), never kept by a
    shared cache; a file missing from storage is a 404. A file the antivirus
    has not cleared is not served, to anyone: 423 while it is scanned, 409
    once quarantined, with a page that says so. Who may download it is the
    caller's check; so is ``name``, the name its reader sees (by default the
    name it was sent with; masked for a member of a blind round).
    """
    name = attachment.original_name if name is None else name
    if not attachment.is_servable:
        return refused_download(attachment, request, name)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def refused_download(attachment, request, name=None):
    """The page said instead of a file the antivirus has not cleared."""
    status = 423 if attachment.is_pending else 409
    name = attachment.original_name if name is None else name
    context = {"attachment": attachment, "name": name, "status": status}
    if request is None:
        response = render(None, "amorce/file_unavailable.txt", context, status=status)
        response["Content-Type"] = "text/plain; charset=utf-8"
    else:
        response = render(
            request, "amorce/file_unavailable.html", context, status=status
        )
    if attachment.is_pending:
        response["Retry-After"] = "60"
    response["Cache-Control"] = "private, no-store"
    return response
