"""What a sheet is before a writer streams it: its name, its columns' kinds, their widths.

A workbook is a list of ``Sheet``: a name, the headers, the rows (an
iterable, read once) and one kind a column (``TEXT``, ``LONG`` for long
answers that wrap, ``DATE``, ``DATETIME``, ``SCORE`` for marks shown with two
decimals, ``NUMBER``). Kinds come from the resource's Field widgets
(``exports/resources.py``), never from the header's wording.

Widths are estimated from the header and the first ``SAMPLE`` rows, capped:
the writer reads those rows ahead, sizes the columns, then writes them and
streams the rest, so the memory an export takes still does not grow with its
rows.
"""

import dataclasses
import datetime as dt
import re
from itertools import chain, islice

TEXT, LONG, DATE, DATETIME, SCORE, NUMBER = (
    "text",
    "long",
    "date",
    "datetime",
    "score",
    "number",
)
SAMPLE = 50  # rows read ahead to size the columns
MIN_WIDTH, MAX_WIDTH, MAX_LONG_WIDTH = 8, 40, 60  # in characters
FIXED_WIDTHS = {DATE: 12, DATETIME: 17}

# What a spreadsheet program refuses in a sheet's name; 31 characters at most.
FORBIDDEN_IN_NAMES = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
MAX_NAME = 31


def sheet_name(name, taken=(), fallback="Feuille"):
    """A name a spreadsheet program accepts, unique among ``taken`` (compared caseless)."""
    name = FORBIDDEN_IN_NAMES.sub(" ", str(name)).strip().strip("'").strip()
    name = name[:MAX_NAME] or fallback
    taken = {other.casefold() for other in taken}
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
    return candidate


@dataclasses.dataclass
class Sheet:
    name: str
    headers: list
    rows: object  # an iterable of rows, read once
    kinds: list = None

    def __post_init__(self):
        if self.kinds is None:
            self.kinds = [TEXT] * len(self.headers)
        if len(self.kinds) != len(self.headers):
            raise ValueError(
                f"{len(self.kinds)} column kinds for {len(self.headers)} columns"
            )

    def sized(self):
        """(widths in characters, rows) with the sample read ahead put back in front."""
        rows = iter(self.rows)
        sample = list(islice(rows, SAMPLE))
        return column_widths(self.headers, self.kinds, sample), chain(sample, rows)


def named(sheets):
    """The sheets with names a spreadsheet program accepts, each unique in the workbook."""
    taken = []
    for sheet in sheets:
        sheet.name = sheet_name(sheet.name, taken)
        taken.append(sheet.name)
    return sheets


def _length(value):
    if value is None:
        return 0
    if isinstance(value, str):
        if "\n" in value:
            return max(len(line) for line in value.splitlines())
        return len(value)
    if isinstance(value, float):
        return len(f"{value:.2f}")
    if isinstance(value, dt.date):
        return 16 if isinstance(value, dt.datetime) else 10
    return len(str(value))


def column_widths(headers, kinds, sample):
    """Each column's width in characters: its header's or its longest sampled cell's, capped."""
    widths = []
    for index, (header, kind) in enumerate(zip(headers, kinds, strict=True)):
        # A header wraps at its spaces: its longest word bounds its width, not its length.
        words = max((len(word) for word in str(header).split()), default=0)
        longest = max(
            [_length(row[index]) for row in sample if index < len(row)], default=0
        )
        width = max(words, min(len(str(header)), 24), longest) + 2
        if kind in FIXED_WIDTHS:
            width = max(FIXED_WIDTHS[kind], words + 2)
        cap = MAX_LONG_WIDTH if kind == LONG else MAX_WIDTH
        widths.append(max(MIN_WIDTH, min(width, cap)))
    return widths
