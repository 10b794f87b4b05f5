"""A small streaming XLSX writer: named sheets, a frozen bold header, text, numbers and dates.

Spreadsheet libraries spend most of an export escaping cells one call at a
time; this writer builds each row's XML in one pass and streams it into the
zip archive, so that 10,000 rows write in about a second in constant memory.
Every text cell is an inline string: never a formula, whatever it starts with.
Dates are numbers in a date format, so that a spreadsheet sorts and filters them.
A row with more or fewer cells than headers is refused (``ValueError``).

A workbook holds one sheet or several (``write_xlsx_sheets``), each with
its header row frozen, an autofilter over its rows, its columns sized from
the header and the first rows (``exports/sheets.py``), long answers wrapped
and scores shown with two decimals. The workbook's part, which names the
sheets and their filter ranges, is written last, once the rows are counted.
"""

import datetime as dt
import re
import zipfile
from numbers import Number
from xml.sax.saxutils import escape, quoteattr

from .sheets import LONG, SCORE, Sheet, named

# Characters XML 1.0 does not allow (spreadsheet programs refuse the file).
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The same, once encoded: control characters are single bytes in UTF-8 (no
# other character's bytes fall below 0x80), U+FFFE and U+FFFF three bytes.
ILLEGAL_BYTES = bytes(code for code in range(32) if code not in (9, 10, 13))
NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")


def xml_bytes(text):
    """``text`` in UTF-8, without the characters XML 1.0 does not allow.

    Deleting bytes is a table lookup per byte, three times quicker than the
    regular expression over the text; the expression still handles the rare
    U+FFFE and U+FFFF.
    """
    data = text.encode().translate(None, ILLEGAL_BYTES)
    # Their first byte is rare in French text, and found by memchr.
    if b"\xef" in data and (NONCHARACTERS[0] in data or NONCHARACTERS[1] in data):
        return ILLEGAL_XML.sub("", data.decode()).encode()
    return data


SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
{sheets}
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets>
<definedNames>{names}</definedNames>
</workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{sheets}
<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
SHEET_REL = (
    '<Relationship Id="rId{number}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet{number}.xml"/>'
)

# Cell styles (cellXfs), by index: 0 plain, 1 header (bold, wrapped, on top),
# 2 moment (dd/mm/yyyy hh:mm), 3 day (dd/mm/yyyy), 4 long text (wrapped, on
# top), 5 score (0.00, built-in format 2).
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/><numFmt numFmtId="165" formatCode="dd/mm/yyyy"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf><xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"{selected}><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
    '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>'
)
SHEET_END = '</sheetData><autoFilter ref="{ref}"/></worksheet>'


def column_letters(count):
    letters = []
    for index in range(count):
        name, number = "", index + 1
        while number:
            number, remainder = divmod(number - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


EPOCH = dt.datetime(1899, 12, 30)  # day 0 of spreadsheets' serial dates
DATETIME_STYLE, DATE_STYLE = ' s="2"', ' s="3"'
HEADER_STYLE, LONG_STYLE, SCORE_STYLE = ' s="1"', ' s="4"', ' s="5"'
COLUMN_STYLES = {LONG: LONG_STYLE, SCORE: SCORE_STYLE}
# Rows joined, encoded and written at once: few writes, a few megabytes held.
ROWS_A_WRITE = 200


def _cell(ref, value, style=""):
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        serial = (value.replace(tzinfo=None) - EPOCH) / dt.timedelta(days=1)
        return f'<c r="{ref}"{DATETIME_STYLE}><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        serial = (value - EPOCH.date()).days
        return f'<c r="{ref}"{DATE_STYLE}><v>{serial}</v></c>'
    if isinstance(value, bool):
        value = "Oui" if value else "Non"
    elif isinstance(value, Number):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _cols(widths):
    columns = "".join(
        f'<col min="{number}" max="{number}" width="{width + 0.7:.1f}" customWidth="1"/>'
        for number, width in enumerate(widths, start=1)
    )
    return f"<cols>{columns}</cols>" if columns else ""


def _write_sheet(stream, sheet, selected):
    """Streams one worksheet; returns the last column and row its autofilter covers."""
    headers = sheet.headers
    letters = column_letters(len(headers))
    styles = [COLUMN_STYLES.get(kind, "") for kind in sheet.kinds]
    widths, rows = sheet.sized()
    stream.write(
        SHEET_START.format(
            selected=' tabSelected="1"' if selected else "", cols=_cols(widths)
        ).encode()
    )
    header = "".join(
        _cell(f"{letter}1", value, HEADER_STYLE)
        for letter, value in zip(letters, headers, strict=True)
    )
    stream.write(xml_bytes(f'<row r="1">{header}</row>'))
    # What follows a text cell's reference, per column: written out in the
    # loop below for plain text (most cells) rather than by ``_cell``; an
    # empty cell (None) is no cell, without a call either.
    columns = [
        (letter, style, f'"{style} t="inlineStr"><is><t xml:space="preserve">')
        for letter, style in zip(letters, styles, strict=True)
    ]
    # One flat list of strings for ROWS_A_WRITE rows, joined once: a row is
    # not copied into a string of its own first.
    buffer = []
    number = 1
    for number, row in enumerate(rows, start=2):  # noqa: B007 - the last one is the range's end
        buffer.append(f'<row r="{number}">')
        buffer += [
            f'<c r="{letter}{number}{opening}'
            f"{value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}"
            "</t></is></c>"
            if value.__class__ is str and value
            else ""
            if value is None
            else _cell(f"{letter}{number}", value, style)
            for (letter, style, opening), value in zip(columns, row, strict=True)
        ]
        buffer.append("</row>")
        if number % ROWS_A_WRITE == 0:
            stream.write(xml_bytes("".join(buffer)))
            buffer = []
    if buffer:
        stream.write(xml_bytes("".join(buffer)))
    last = letters[-1] if letters else "A"
    stream.write(SHEET_END.format(ref=f"A1:{last}{number}").encode())
    return last, number


def write_xlsx_sheets(sheets, output):
    """Writes ``Sheet`` objects, in their order, as one workbook; the first is shown first."""
    sheets = named(list(sheets))
    count = len(sheets)
    with zipfile.ZipFile(
        output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
    ) as archive:
        archive.writestr(
            "[Content_Types].xml",
            CONTENT_TYPES.format(
                sheets="".join(
                    f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{SHEET_TYPE}"/>'
                    for number in range(1, count + 1)
                )
            ),
        )
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            WORKBOOK_RELS.format(
                sheets="".join(
                    SHEET_REL.format(number=number) for number in range(1, count + 1)
                )
            ),
        )
        archive.writestr("xl/styles.xml", STYLES)
        entries, names = [], []
        for number, sheet in enumerate(sheets, start=1):
            with archive.open(
                f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True
            ) as stream:
                last, end = _write_sheet(stream, sheet, selected=number == 1)
            name = ILLEGAL_XML.sub("", sheet.name)
            entries.append(
                f'<sheet name={quoteattr(name)} sheetId="{number}" r:id="rId{number}"/>'
            )
            # The filter's range, as spreadsheet programs name it for themselves.
            quoted = "'" + name.replace("'", "''") + "'"
            names.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{number - 1}" '
                f'hidden="1">{escape(quoted)}!$A$1:${last}${end}</definedName>'
            )
        archive.writestr(
            "xl/workbook.xml",
            WORKBOOK.format(sheets="".join(entries), names="".join(names)),
        )


def write_xlsx(headers, rows, output, sheet_name="Export", kinds=None):
    """One sheet: ``headers`` then ``rows``, columns of ``kinds`` (plain text if none)."""
    write_xlsx_sheets([Sheet(sheet_name, headers, rows, kinds)], output)
