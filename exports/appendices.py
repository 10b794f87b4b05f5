"""The PDF files joined to the dossiers, put in the jury book after each dossier.

On request only (« avec les pièces jointes PDF »): the plain book is unchanged.
Each PDF attachment is first read whole by pypdf and written to nowhere; one
that pypdf cannot read (damaged, not a PDF after all), that is encrypted, or
that is missing from storage is not added, and the book says so under its
dossier. Nothing an applicant sent can stop the book from being made.

The book comes from WeasyPrint with a named destination per dossier
(``d<pk>``, the contents' links): a dossier runs from its destination to the
next one's, so its attachments go in just before the next dossier starts.
The pages added keep their own look and carry neither the book's running
header nor its page numbers, nor any script or action of theirs but links,
nor what a page carries without showing it, in every book: the metadata of
the page and of what it draws (the XMP of a scanned image names who scanned
it), the files joined to it, the author and text of its notes (``_inert``): a
name that a blind round's member must not read. The book itself stays tagged
(PDF/UA) up to the pages added, which carry whatever tags their authors gave
them.
"""

import io
import logging

from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

from forms.choices import FieldType
from forms.models import CandidatureAttachment

logger = logging.getLogger("amorce.exports")

PDF_TYPE = "application/pdf"
# The only actions an added page keeps on its links: go to a web address, to a page.
KEPT_ACTIONS = {"/URI", "/GoTo"}


class _Nowhere(io.RawIOBase):
    """A file that forgets what it is given: a PDF written here was fully read."""

    def __init__(self):
        self.position = 0

    def writable(self):
        return True

    def write(self, data):
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position


class Unusable(Exception):
    """A PDF attachment that is not added; its message says why, in French."""


def _read(attachment):
    """The attachment's pages as pypdf reads them, or ``Unusable``."""
    try:
        with attachment.file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError, ValueError) as error:
        raise Unusable(_("fichier absent du stockage, non annexé")) from error
    try:
        reader = PdfReader(io.BytesIO(content))
        encrypted = reader.is_encrypted
        if not encrypted:
            pages = list(reader.pages)
            trial = PdfWriter()
            for page in pages:
                trial.add_page(page)
            trial.write(_Nowhere())
    except Exception as error:  # noqa: BLE001 - whatever a damaged file makes pypdf raise
        logger.info("PDF attachment %s not appended: %r", attachment.pk, error)
        raise Unusable(_("PDF illisible, non annexé")) from error
    if encrypted:
        raise Unusable(_("PDF chiffré, non annexé"))
    if not pages:
        raise Unusable(_("PDF sans page, non annexé"))
    return pages


# What a page's resources or an annotation's appearance may hold and pypdf copies
# with the page: their own metadata (the XMP of a scan names its author, an
# editor's private data), not shown on the page.
HIDDEN_DATA = ("/Metadata", "/PieceInfo")
# The resources that hold further objects, each with its own resources maybe.
NESTING_RESOURCES = ("/XObject", "/Pattern", "/Font", "/Shading")
# A note's author, text, rich text, its pop-up and the note it answers.
NOTE_DATA = ("/T", "/Contents", "/RC", "/Popup", "/IRT", "/Subj")
# Kept as they are: a link (its /Contents describes it), a form field (its /T
# names the field).
PLAIN_ANNOTATIONS = {"/Link", "/Widget"}
# Not kept at all: a file joined to the page (its name, description and content),
# the pop-up that shows a note's text.
DROPPED_ANNOTATIONS = {"/FileAttachment", "/Popup"}


def _without_hidden_data(value, seen):
    """Strip ``HIDDEN_DATA`` from ``value`` and whatever it draws (forms, images,
    patterns, Type 3 fonts, masks), nested at any depth; ``seen`` (ids of the
    objects done) ends the walk where a form draws itself, directly or not."""
    value = value.get_object() if value is not None else None
    if not isinstance(value, DictionaryObject) or id(value) in seen:
        return
    seen.add(id(value))
    for key in HIDDEN_DATA:
        value.pop(key, None)
    for key in ("/SMask", "/Mask", "/Group"):
        _without_hidden_data(value.get(key), seen)
    resources = value.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject) or id(resources) in seen:
        return
    seen.add(id(resources))
    for kind in NESTING_RESOURCES:
        group = resources.get(kind)
        group = group.get_object() if group is not None else None
        if isinstance(group, DictionaryObject):
            for item in group.values():
                _without_hidden_data(item, seen)


def _appearances(annotation):
    """The streams that draw an annotation (``/AP``: normal, rollover, down, and
    each of their states)."""
    appearance = annotation.get("/AP")
    appearance = appearance.get_object() if appearance is not None else None
    if not isinstance(appearance, DictionaryObject):
        return
    for entry in appearance.values():
        entry = entry.get_object()
        if isinstance(entry, StreamObject):
            yield entry
        elif isinstance(entry, DictionaryObject):
            yield from (state.get_object() for state in entry.values())


def _inert(page):
    """``page`` without what would run in the reader: the page's own actions
    (``/AA``, on opening or closing it) and its annotations' scripts, launches
    and form submissions; a link to a web address or a page still works. Nor
    what the page carries and does not show, which may name the applicant (a
    blind round) or whoever scanned or annotated it: the metadata (XMP, an
    editor's data) of the page and of everything it draws, at any depth; the
    files joined to it; the author, text and pop-up of its notes. A link and a
    form field are kept as they are."""
    seen = set()
    page.pop("/AA", None)
    _without_hidden_data(page, seen)
    annotations = page.get("/Annots")
    if annotations is None:
        return page
    kept = ArrayObject()
    for reference in annotations.get_object():
        annotation = reference.get_object()
        if not isinstance(annotation, DictionaryObject):
            continue
        subtype = annotation.get("/Subtype")
        if subtype in DROPPED_ANNOTATIONS:
            continue
        kept.append(reference)
        annotation.pop("/AA", None)
        for key in HIDDEN_DATA:
            annotation.pop(key, None)
        for stream in _appearances(annotation):
            _without_hidden_data(stream, seen)
        if subtype not in PLAIN_ANNOTATIONS:
            for key in NOTE_DATA:
                annotation.pop(key, None)
        action = annotation.get("/A")
        if action is None:
            continue
        action = action.get_object()
        if action.get("/S") in KEPT_ACTIONS:
            action.pop("/Next", None)  # a chained action could be a script
        else:
            del annotation["/A"]
    page[NameObject("/Annots")] = kept
    return page


def plan(answers):
    """What each PDF attachment of a dossier becomes, from its (possibly blind) answers:
    ``{"shown", "name", "pages"}`` or ``{"shown", "name", "skipped"}``."""
    items = []
    for answer in answers:
        if answer["type"] != FieldType.FILE:
            continue
        for shown in answer["value"]:
            if shown.content_type != PDF_TYPE:
                continue
            if not shown.is_servable:  # not cleared by the antivirus: never bound in
                skipped = (
                    _("analyse antivirus en cours")
                    if shown.is_pending
                    else _("en quarantaine (antivirus)")
                )
                items.append(
                    {"shown": shown, "name": shown.original_name, "skipped": skipped}
                )
                continue
            item = {"shown": shown, "name": shown.original_name}
            try:
                item["pages"] = len(_read(_stored(shown)))
            except Unusable as error:
                item["skipped"] = str(error)
            items.append(item)
    return items


def _stored(shown):
    """The stored attachment behind what an answer shows (a blind answer shows a copy)."""
    if isinstance(shown, CandidatureAttachment):
        return shown
    return CandidatureAttachment.objects.get(pk=shown.pk)


def append_after_dossiers(book, dossiers):
    """``book`` (bytes) with each dossier's readable PDF attachments after it."""
    reader = PdfReader(io.BytesIO(book))
    starts = {
        name: reader.get_destination_page_number(destination)
        for name, destination in reader.named_destinations.items()
    }
    writer = PdfWriter(clone_from=reader)
    ends = [starts.get(f"d{item['candidature'].pk}") for item in dossiers]
    # From the last dossier up: inserting pages moves only the dossiers after.
    for position in range(len(dossiers) - 1, -1, -1):
        item = dossiers[position]
        if ends[position] is None:
            continue
        following = [e for e in ends[position + 1 :] if e is not None]
        at = following[0] if following else len(reader.pages)
        for appendix in item.get("appendices") or []:
            if "pages" not in appendix:
                continue
            try:
                pages = _read(_stored(appendix["shown"]))
            except Unusable:
                logger.warning(
                    "attachment %s unreadable on append", appendix["shown"].pk
                )
                continue
            for page in pages:
                writer.insert_page(_inert(page), at)
                at += 1
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
