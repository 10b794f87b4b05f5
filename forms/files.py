"""Checks on uploaded files: by their content, not by what their name claims."""

import os
import re
import unicodedata
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import FileKind

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
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


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
                "Le nom du fichier « %(name)s » n'est pas accepté : renommez-le sans « / », « \\ » ni « .. »."
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
    """The kind of file its first bytes (or its archive's content) reveal, or None."""
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(upload)
    if _looks_like_text(head):
        return FileKind.TXT
    return None


def _sniff_zip(upload):
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").strip()
                for kind, expected in ODF_MIMETYPES.items():
                    if mimetype == expected:
                        return kind
            for kind, part in OOXML_MAIN_PART.items():
                if part in names:
                    return kind
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    finally:
        upload.seek(0)
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


def check_upload(upload, allowed_kinds, max_size):
    """Validate one uploaded file; return its kind. Raise a French ValidationError."""
    name = check_file_name(upload.name)
    if upload.size > max_size:
        raise ValidationError(
            _("« %(name)s » dépasse la taille maximale de %(max)s Mo."),
            code="too_big",
            params={
                "name": name,
                "max": f"{max_size / 1024 / 1024:.1f}".rstrip("0")
                .rstrip(".")
                .replace(".", ","),
            },
        )
    claimed = kind_for_extension(name)
    allowed_labels = ", ".join(FileKind(kind).label for kind in allowed_kinds)
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
