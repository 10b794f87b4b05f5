"""A small streaming ODS writer: one sheet, a bold header row, text, numbers and dates.

An ODS file is a zip: an uncompressed ``mimetype`` entry first, then
``META-INF/manifest.xml``, ``styles.xml`` and ``content.xml``. Like the XLSX
writer, this one builds each row's XML in one pass and streams
``content.xml`` into the archive as the rows come, in constant memory
(tablib, used before, built the whole document as objects: 18 s and 800 MB
for 10,000 candidatures; figures in docs/exports.md).

Cells are typed as the XLSX writer types them: text is ``string`` (never a
formula, whatever it starts with), numbers ``float``, dates and moments
``date`` with a French display format, so that a spreadsheet sorts and
filters them; an empty cell is a bare ``<table:table-cell/>``, with no type.
Text keeps its line breaks (one paragraph a line) and its runs of spaces
(``<text:s/>``), which a spreadsheet program would otherwise collapse.
"""

import datetime as dt
import re
import zipfile
from numbers import Number
from xml.sax.saxutils import escape, quoteattr

# No entities, no DTD: an uploaded file is untrusted.
from defusedxml import ElementTree
from django.utils.translation import gettext_lazy as _lazy

from .xlsx import ILLEGAL_XML

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{MIMETYPE}"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'office:version="1.2"'
)

STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {NAMESPACES}><office:styles/></office:document-styles>"""

# The cell styles: bold for the header, dd/mm/yyyy and dd/mm/yyyy hh:mm for dates.
AUTOMATIC_STYLES = (
    "<office:automatic-styles>"
    '<number:date-style style:name="N1"><number:day number:style="long"/>'
    '<number:text>/</number:text><number:month number:style="long"/>'
    '<number:text>/</number:text><number:year number:style="long"/></number:date-style>'
    '<number:date-style style:name="N2"><number:day number:style="long"/>'
    '<number:text>/</number:text><number:month number:style="long"/>'
    '<number:text>/</number:text><number:year number:style="long"/>'
    '<number:text> </number:text><number:hours number:style="long"/>'
    '<number:text>:</number:text><number:minutes number:style="long"/></number:date-style>'
    '<style:style style:name="head" style:family="table-cell">'
    '<style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="day" style:family="table-cell" style:data-style-name="N1"/>'
    '<style:style style:name="moment" style:family="table-cell" style:data-style-name="N2"/>'
    "</office:automatic-styles>"
)

CONTENT_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f"<office:document-content {NAMESPACES}>{AUTOMATIC_STYLES}"
    "<office:body><office:spreadsheet>"
)
CONTENT_END = (
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)

EMPTY = "<table:table-cell/>"
# A space that a reader would drop: after another space, or at a line's start.
_SPACES = re.compile(r"(?<= ) +|^ +", re.MULTILINE)


def _spaces(match):
    return f'<text:s text:c="{len(match.group())}"/>'


def _text(value, style=""):
    text = escape(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "  " in text or text[:1] == " " or "\n " in text:
        text = _SPACES.sub(_spaces, text)
    if "\t" in text:
        text = text.replace("\t", "<text:tab/>")
    if "\n" in text:
        text = text.replace("\n", "</text:p><text:p>")
    return (
        f'<table:table-cell{style} office:value-type="string">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def _cell(value):
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=None, microsecond=0).isoformat()
        return (
            '<table:table-cell table:style-name="moment" office:value-type="date" '
            f'office:date-value="{moment}"/>'
        )
    if isinstance(value, dt.date):
        return (
            '<table:table-cell table:style-name="day" office:value-type="date" '
            f'office:date-value="{value.isoformat()}"/>'
        )
    if isinstance(value, bool):
        return _text("Oui" if value else "Non")
    if isinstance(value, Number):
        return f'<table:table-cell office:value-type="float" office:value="{value}"/>'
    return _text(str(value))


def write_ods(headers, rows, output, sheet_name="Export"):
    width = len(headers)
    with zipfile.ZipFile(
        output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
    ) as archive:
        # First and stored: a program recognises the file by these bytes.
        archive.writestr("mimetype", MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        archive.writestr("styles.xml", STYLES)
        with archive.open("content.xml", "w", force_zip64=True) as content:
            # The header is a plain first row, not in table:table-header-rows:
            # tablib and other simple readers only see the table's own rows.
            header = "".join(
                _text(str(value), ' table:style-name="head"') for value in headers
            )
            content.write(
                ILLEGAL_XML.sub(
                    "",
                    f"{CONTENT_START}<table:table table:name={quoteattr(sheet_name[:31])}>"
                    f'<table:table-column table:number-columns-repeated="{max(width, 1)}"/>'
                    f"<table:table-row>{header}</table:table-row>",
                ).encode()
            )
            buffer = []
            for row in rows:
                if len(row) != width:
                    raise ValueError(f"{len(row)} cells for {width} columns")
                buffer.append(
                    f"<table:table-row>{''.join([_cell(value) for value in row])}</table:table-row>"
                )
                if len(buffer) == 500:
                    content.write(ILLEGAL_XML.sub("", "".join(buffer)).encode())
                    buffer = []
            if buffer:
                content.write(ILLEGAL_XML.sub("", "".join(buffer)).encode())
            content.write(CONTENT_END.encode())


OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
CELLS = {f"{TABLE}table-cell", f"{TABLE}covered-table-cell"}
PARAGRAPHS = {f"{TEXT}p", f"{TEXT}h"}
MAX_COLUMNS, MAX_ROWS = 16384, 1048576  # a spreadsheet program's own limits


# Bounds of what an imported ODS file may ask for (a round's evaluations or
# decisions are a few thousand cells).
MAX_CELLS = 1_000_000
MAX_SPACES = 1_000
TOO_LARGE = _lazy(
    "Le tableur est trop grand pour être importé (plus d'un million de cellules "
    "remplies) : gardez seulement les lignes et colonnes à importer."
)


def read_ods(stream):
    """The rows of an ODS file's first sheet: lists of text, floats, dates, booleans.

    For spreadsheets filled offline and imported back. tablib's reader keeps
    only a cell's first line (or the text before a run of spaces) and drops
    repeated cells, which LibreOffice writes for empty or equal neighbours;
    this one reads the whole text, expands repeats, and drops the empty rows
    and trailing empty cells a spreadsheet program leaves. An empty cell is
    ``""``. Streamed: one row in memory besides those returned.
    """
    rows, cells = [], 0
    with zipfile.ZipFile(stream) as archive, archive.open("content.xml") as content:
        for _event, element in ElementTree.iterparse(content):
            if element.tag == f"{TABLE}table":
                break  # the first sheet only
            if element.tag != f"{TABLE}table-row":
                continue
            row, empty = [], 0
            for cell in element:
                if cell.tag not in CELLS:
                    continue
                value = _read_cell(cell)
                repeat = min(
                    int(cell.get(f"{TABLE}number-columns-repeated", 1)), MAX_COLUMNS
                )
                if value == "":
                    empty += repeat
                else:
                    if len(row) + empty + repeat > MAX_COLUMNS:
                        raise ValueError(TOO_LARGE)
                    row.extend([""] * empty + [value] * repeat)
                    empty = 0
            if row:
                repeat = min(
                    int(element.get(f"{TABLE}number-rows-repeated", 1)), MAX_ROWS
                )
                # A few bytes may ask for billions of cells: what a team fills
                # offline is far smaller, and reading stops well before memory does.
                cells += len(row) * repeat
                if cells > MAX_CELLS:
                    raise ValueError(TOO_LARGE)
                rows.extend(list(row) for _ in range(repeat))
            element.clear()
    return rows


def _read_cell(cell):
    kind = cell.get(f"{OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        return float(cell.get(f"{OFFICE}value"))
    if kind == "date":
        value = cell.get(f"{OFFICE}date-value")
        if "T" in value:
            return dt.datetime.fromisoformat(value)
        return dt.date.fromisoformat(value)
    if kind == "boolean":
        return cell.get(f"{OFFICE}boolean-value") == "true"
    return "\n".join(_inline(p) for p in cell if p.tag in PARAGRAPHS)


def _inline(element):
    """A paragraph's text, with its spaces, tabs and line breaks (comments left out)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{TEXT}s":
            parts.append(" " * min(int(child.get(f"{TEXT}c", 1)), MAX_SPACES))
        elif child.tag == f"{TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{TEXT}line-break":
            parts.append("\n")
        elif child.tag != f"{OFFICE}annotation":
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)
