"""Working days: Monday to Friday, less France's national public holidays.

The holidays are those of the Labour Code (article L3133-1) observed
nationwide: 1 January, Easter Monday, 1 May, 8 May, Ascension Thursday,
Whit Monday, 14 July, 15 August, 1 November, 11 November, 25 December. The
Alsace-Moselle days (Good Friday, 26 December) and the overseas abolition
days are not counted: an incubator there sees one or two days more at most.
Whit Monday is counted as a holiday although it may be the « journée de
solidarité » of some administrations.
"""

import datetime as dt
from functools import lru_cache

from dateutil.easter import easter


@lru_cache(maxsize=64)
def french_public_holidays(year):
    """The national public holidays of ``year``, as a frozenset of dates."""
    easter_sunday = easter(year)
    return frozenset(
        {
            dt.date(year, 1, 1),
            easter_sunday + dt.timedelta(days=1),  # lundi de Pâques
            dt.date(year, 5, 1),
            dt.date(year, 5, 8),
            easter_sunday + dt.timedelta(days=39),  # Ascension
            easter_sunday + dt.timedelta(days=50),  # lundi de Pentecôte
            dt.date(year, 7, 14),
            dt.date(year, 8, 15),
            dt.date(year, 11, 1),
            dt.date(year, 11, 11),
            dt.date(year, 12, 25),
        }
    )


def is_working_day(day):
    return day.weekday() < 5 and day not in french_public_holidays(day.year)


def _weekdays_after(start, end):
    """Monday–Friday days ``d`` with ``start < d <= end``, by arithmetic."""
    days = (end - start).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    weekday = start.weekday()
    for offset in range(1, rest + 1):
        if (weekday + offset) % 7 < 5:
            count += 1
    return count


def working_days_between(start, end):
    """Working days after ``start`` up to ``end`` included (0 when ``end <= start``).

    Something received on a Friday and answered the next Monday waited one
    working day; answered the same day, none.
    """
    if end <= start:
        return 0
    count = _weekdays_after(start, end)
    for year in range(start.year, end.year + 1):
        count -= sum(
            1
            for holiday in french_public_holidays(year)
            if start < holiday <= end and holiday.weekday() < 5
        )
    return count


def nth_working_day_back(day, n):
    """The ``n``-th working day counting back from ``day`` (``day`` itself first).

    What was received before that date has waited more than ``n - 1``
    working days on ``day``.
    """
    count, n = 0, max(n, 1)
    while True:
        if is_working_day(day):
            count += 1
            if count >= n:
                return day
        day -= dt.timedelta(days=1)
