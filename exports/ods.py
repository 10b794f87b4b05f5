"""A small streaming ODS writer: named sheets, a bold header row, text, numbers and dates.

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

A workbook holds one table or several (``write_ods_sheets``), each named
after its content, its columns sized from the header and the first rows
(one column style per width, all declared before the body so that nothing
waits for the last row), long answers wrapped, scores with two decimals, an
autofilter over each table (``table:database-range``, written after the
tables, once their rows are counted) and the header row frozen
(``settings.xml``, which LibreOffice reads).
"""

import datetime as dt
import re
import zipfile
from numbers import Number
from xml.sax.saxutils import escape, quoteattr

# No entities, no DTD: an uploaded file is untrusted.
from defusedxml import ElementTree
from django.utils.translation import gettext_lazy as _lazy

from .sheets import LONG, MAX_LONG_WIDTH, MIN_WIDTH, SCORE, Sheet, named
from .xlsx import ILLEGAL_XML, ROWS_A_WRITE, column_letters, xml_bytes

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{MIMETYPE}"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="settings.xml" manifest:media-type="text/xml"/>
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

# A column style per width, in characters (about 0.2 cm each at the default size).
COLUMN_STYLES = "".join(
    f'<style:style style:name="w{width}" style:family="table-column">'
    f'<style:table-column-properties style:column-width="{width * 0.2 + 0.2:.1f}cm"/>'
    "</style:style>"
    for width in range(MIN_WIDTH, MAX_LONG_WIDTH + 1)
)

# The cell styles: bold for the header, dd/mm/yyyy and dd/mm/yyyy hh:mm for dates,
# wrapped long text, scores with two decimals.
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
    '<number:number-style style:name="N3"><number:number number:decimal-places="2" '
    'number:min-decimal-places="2" number:min-integer-digits="1"/></number:number-style>'
    '<style:style style:name="head" style:family="table-cell">'
    '<style:table-cell-properties fo:wrap-option="wrap" style:vertical-align="top"/>'
    '<style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="day" style:family="table-cell" style:data-style-name="N1"/>'
    '<style:style style:name="moment" style:family="table-cell" style:data-style-name="N2"/>'
    '<style:style style:name="wrap" style:family="table-cell">'
    '<style:table-cell-properties fo:wrap-option="wrap" style:vertical-align="top"/></style:style>'
    '<style:style style:name="score" style:family="table-cell" style:data-style-name="N3"/>'
    f"{COLUMN_STYLES}"
    "</office:automatic-styles>"
)

CONTENT_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f"<office:document-content {NAMESPACES}>{AUTOMATIC_STYLES}"
    "<office:body><office:spreadsheet>"
)
CONTENT_END = "</office:spreadsheet></office:body></office:document-content>"

CONFIG = "urn:oasis:names:tc:opendocument:xmlns:config:1.0"
SETTINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<office:document-settings {NAMESPACES} xmlns:config="{CONFIG}"><office:settings>'
    '<config:config-item-set config:name="ooo:view-settings">'
    '<config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>'
    '<config:config-item config:name="ViewId" config:type="string">view1</config:config-item>'
    '<config:config-item-map-named config:name="Tables">{tables}</config:config-item-map-named>'
    '<config:config-item config:name="ActiveTable" config:type="string">{active}</config:config-item>'
    "</config:config-item-map-entry></config:config-item-map-indexed>"
    "</config:config-item-set></office:settings></office:document-settings>"
)
# The first row frozen: split below row 1, scrolling in the lower pane.
FROZEN_HEADER = "".join(
    f'<config:config-item config:name="{name}" config:type="{kind}">{value}</config:config-item>'
    for name, kind, value in (
        ("HorizontalSplitMode", "short", 0),
        ("VerticalSplitMode", "short", 2),
        ("HorizontalSplitPosition", "int", 0),
        ("VerticalSplitPosition", "int", 1),
        ("ActiveSplitRange", "short", 2),
        ("PositionLeft", "int", 0),
        ("PositionRight", "int", 0),
        ("PositionTop", "int", 0),
        ("PositionBottom", "int", 1),
    )
)

EMPTY = "<table:table-cell/>"
# A space that a reader would drop: after another space, or at a line's start.
_SPACES = re.compile(r"(?<= ) +|^ +", re.MULTILINE)


def _spaces(match):
    return f'<text:s text:c="{len(match.group())}"/>'


def _text(value, style=""):
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
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


WRAP, SCORE_STYLE = ' table:style-name="wrap"', ' table:style-name="score"'


def _cell(value, text_style="", number_style=""):
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str):
        return _text(value, text_style)
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
        return f'<table:table-cell{number_style} office:value-type="float" office:value="{value}"/>'
    return _text(str(value), text_style)


def _write_table(content, sheet):
    """Streams one table; returns its number of rows, header included."""
    headers, width = sheet.headers, len(sheet.headers)
    styles = [
        (WRAP if kind == LONG else "", SCORE_STYLE if kind == SCORE else "")
        for kind in sheet.kinds
    ]
    widths, rows = sheet.sized()
    # The header is a plain first row, not in table:table-header-rows:
    # tablib and other simple readers only see the table's own rows.
    header = "".join(_text(str(value), ' table:style-name="head"') for value in headers)
    columns = (
        "".join(
            f'<table:table-column table:style-name="w{width}"/>' for width in widths
        )
        or "<table:table-column/>"
    )
    content.write(
        xml_bytes(
            f"<table:table table:name={quoteattr(sheet.name)}>{columns}"
            f"<table:table-row>{header}</table:table-row>"
        )
    )
    buffer, count = [], 1
    for row in rows:
        if len(row) != width:
            raise ValueError(f"{len(row)} cells for {width} columns")
        # One flat list for ROWS_A_WRITE rows, joined once (as in the XLSX writer).
        buffer.append("<table:table-row>")
        buffer += [
            _cell(value, t, n) for value, (t, n) in zip(row, styles, strict=True)
        ]
        buffer.append("</table:table-row>")
        count += 1
        if count % ROWS_A_WRITE == 0:
            content.write(xml_bytes("".join(buffer)))
            buffer = []
    if buffer:
        content.write(xml_bytes("".join(buffer)))
    content.write(b"</table:table>")
    return count


def _range(name, last_column, last_row):
    quoted = "'" + name.replace("'", "''") + "'"
    return f"{quoted}.A1:{quoted}.{last_column}{last_row}"


def write_ods_sheets(sheets, output):
    """Writes ``Sheet`` objects, in their order, as one ODS workbook."""
    sheets = named(list(sheets))
    with zipfile.ZipFile(
        output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
    ) as archive:
        # First and stored: a program recognises the file by these bytes.
        archive.writestr("mimetype", MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        archive.writestr("styles.xml", STYLES)
        ranges = []
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(CONTENT_START.encode())
            for sheet in sheets:
                count = _write_table(content, sheet)
                last = (column_letters(len(sheet.headers)) or ["A"])[-1]
                ranges.append(_range(ILLEGAL_XML.sub("", sheet.name), last, count))
            # Each table's autofilter: the unnamed range a spreadsheet program
            # keeps for a sheet's own filter.
            databases = "".join(
                f'<table:database-range table:name="__Anonymous_Sheet_DB__{index}" '
                f"table:target-range-address={quoteattr(address)} "
                'table:display-filter-buttons="true"/>'
                for index, address in enumerate(ranges)
            )
            content.write(
                f"<table:database-ranges>{databases}</table:database-ranges>"
                f"{CONTENT_END}".encode()
            )
        names = [ILLEGAL_XML.sub("", sheet.name) for sheet in sheets]
        archive.writestr(
            "settings.xml",
            SETTINGS.format(
                tables="".join(
                    f"<config:config-item-map-entry config:name={quoteattr(name)}>"
                    f"{FROZEN_HEADER}</config:config-item-map-entry>"
                    for name in names
                ),
                active=escape(names[0]) if names else "",
            ),
        )


def write_ods(headers, rows, output, sheet_name="Export", kinds=None):
    """One table: ``headers`` then ``rows``, columns of ``kinds`` (plain text if none)."""
    write_ods_sheets([Sheet(sheet_name, headers, rows, kinds)], output)


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
