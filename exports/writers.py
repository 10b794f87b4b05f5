"""Writing rows to spreadsheet files, streaming, in constant memory.

Every writer takes the headers and an iterable of rows (lists of cells,
already neutralised by the resource) and writes to a binary file object.
A row with more or fewer cells than there are headers is refused
(``ValueError``): a sheet whose cells slid under the wrong header is worse
than no sheet.
"""

import datetime as dt
import json

from .ods import write_ods, write_ods_sheets
from .xlsx import write_xlsx, write_xlsx_sheets

FORMATS = {
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "pdf": ("application/pdf", "pdf"),
}


def _csv_field(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # What strftime("%d/%m/%Y %H:%M") writes, twice as fast.
        return f"{value.day:02d}/{value.month:02d}/{value.year} {value.hour:02d}:{value.minute:02d}"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return repr(value).replace(".", ",")  # French spreadsheets read a decimal comma
    if not isinstance(value, str):
        value = str(value)
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if ";" in value or "\n" in value or "\r" in value:
        return f'"{value}"'
    return value


def write_csv(headers, rows, output, chunk=100):
    """RFC 4180 with « ; » (what French spreadsheet programs expect), UTF-8 with BOM.

    Written by hand: the csv module is five times slower on long answers.
    Plain text, most cells, is quoted in line rather than by ``_csv_field``:
    on 10,000 rows of 23 cells, a call per cell costs more than the test.
    An empty cell is written in line too; a day (a date answer), once a day.

    A quote is looked for first: a cell without one (nearly all) is only
    wrapped, with no ``replace`` walking it again. Each cell is encoded on
    its own and the lines are joined as bytes: one character beyond Latin-1
    in a row (a dash, a curly apostrophe) would make the whole joined text
    two bytes a character, slower to join and to encode.
    """
    output.write("\ufeff".encode())
    lines = [b";".join([_csv_field(h).encode() for h in headers])]
    width = len(headers)
    days = {}

    def field(value):
        if value.__class__ is not dt.date:
            return _csv_field(value).encode()
        text = days.get(value)
        if text is None:
            text = days[value] = _csv_field(value).encode()
        return text

    for row in rows:
        if len(row) != width:
            raise ValueError(f"{len(row)} cells for {width} columns")
        lines.append(
            b";".join(
                [
                    (
                        '"' + value.replace('"', '""') + '"'
                        if '"' in value
                        else f'"{value}"'
                        if ";" in value or "\n" in value or "\r" in value
                        else value
                    ).encode()
                    if value.__class__ is str
                    else b""
                    if value is None
                    else field(value)
                    for value in row
                ]
            )
        )
        if len(lines) >= chunk:
            lines.append(b"")  # the last line's end, without copying the lines again
            output.write(b"\r\n".join(lines))
            lines = []
    if lines:
        lines.append(b"")
        output.write(b"\r\n".join(lines))


def _json_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_json(headers, rows, output):
    output.write(b"[")
    for index, row in enumerate(rows):
        if index:
            output.write(b",\n")
        output.write(
            json.dumps(
                dict(zip(headers, row, strict=True)),
                ensure_ascii=False,
                default=_json_value,
            ).encode()
        )
    output.write(b"]\n")


WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "json": write_json, "ods": write_ods}
# Formats that hold several named sheets; CSV and JSON hold one table.
WORKBOOK_WRITERS = {"xlsx": write_xlsx_sheets, "ods": write_ods_sheets}


def write(fmt, headers, rows, output):
    WRITERS[fmt](headers, rows, output)


def write_sheets(fmt, sheets, output):
    """Writes ``Sheet`` objects: as a workbook in XLSX and ODS, the only one in CSV and JSON."""
    if fmt in WORKBOOK_WRITERS:
        WORKBOOK_WRITERS[fmt](sheets, output)
        return
    if len(sheets) != 1:
        raise ValueError(f"{fmt} holds one table, not {len(sheets)}")
    WRITERS[fmt](sheets[0].headers, sheets[0].rows, output)
