"""Writing rows to spreadsheet files, streaming, in constant memory.

Every writer takes the headers and an iterable of rows (lists of cells,
already neutralised by the resource) and writes to a binary file object.
"""

import csv
import io
import json

FORMATS = {
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
}


def write_xlsx(headers, rows, output, sheet_name="Export"):
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "in_memory": False,
            # A cell is what it says: never a formula, a number or a link by accident.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, headers, bold)
    sheet.freeze_panes(1, 0)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    workbook.close()


def write_csv(headers, rows, output):
    text = io.TextIOWrapper(
        output, encoding="utf-8-sig", newline="", write_through=True
    )
    writer = csv.writer(text, delimiter=";")
    writer.writerow(headers)
    writer.writerows(rows)
    text.detach()


def write_json(headers, rows, output):
    output.write(b"[")
    for index, row in enumerate(rows):
        if index:
            output.write(b",\n")
        output.write(
            json.dumps(
                dict(zip(headers, row, strict=True)), ensure_ascii=False, default=str
            ).encode()
        )
    output.write(b"]\n")


def write_ods(headers, rows, output):
    import tablib

    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append(row)
    output.write(dataset.export("ods"))


WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "json": write_json, "ods": write_ods}


def write(fmt, headers, rows, output):
    WRITERS[fmt](headers, rows, output)
