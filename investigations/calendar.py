"""The dates of the investigations: checkpoints and committees, for the calendar and its feed.

``events`` reads them for any set of investigations in three queries,
whatever their number; ``to_ics`` writes them as an iCalendar file
(RFC 5545), which agendas (Thunderbird, Outlook, a phone) subscribe to from
each user's private address. Only the investigation's title and the kind of
event go out: no person's name, no address.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Checkpoint, CommitteeEvent


@dataclass(frozen=True)
class Event:
    uid: str
    date: dt.date
    kind: str
    investigation_id: int
    title: str

    @property
    def summary(self):
        return f"{self.kind} — {self.title}"


def events(investigations, since=None, until=None):
    """The checkpoints, final and investment committees of ``investigations``, by date.

    Planned and held alike: a final committee, the next investment committee
    planned, each investment committee held, each checkpoint.
    """

    def within(field):
        """``field`` set and in the window, as a filter."""
        bounds = {f"{field}__isnull": False}
        if since is not None:
            bounds[f"{field}__gte"] = since
        if until is not None:
            bounds[f"{field}__lt"] = until
        return Q(**bounds)

    # Only the investigations with a committee in the window are read.
    rows = (
        investigations.filter(
            within("final_committee_on") | within("next_committee_on")
        )
        .order_by()
        .values_list(
            "pk", "title", "final_committee_on", "next_committee_on", "outcome"
        )
    )
    found = []

    def keep(day):
        return (
            day is not None
            and (since is None or day >= since)
            and (until is None or day < until)
        )

    for pk, title, final_on, next_on, _outcome in rows:
        if keep(final_on):
            found.append(Event(f"final-{pk}", final_on, _("Comité final"), pk, title))
        if keep(next_on):
            found.append(
                Event(
                    f"committee-{pk}-{next_on:%Y%m%d}",
                    next_on,
                    _("Comité d'investissement (prévu)"),
                    pk,
                    title,
                )
            )
    for pk, day, investigation_id, title in Checkpoint.objects.filter(
        within("date"), investigation__in=investigations
    ).values_list("pk", "date", "investigation_id", "investigation__title"):
        found.append(
            Event(f"checkpoint-{pk}", day, _("Point d'étape"), investigation_id, title)
        )
    for pk, day, investigation_id, title in CommitteeEvent.objects.filter(
        within("date"), investigation__in=investigations
    ).values_list("pk", "date", "investigation_id", "investigation__title"):
        found.append(
            Event(
                f"committee-event-{pk}",
                day,
                _("Comité d'investissement"),
                investigation_id,
                title,
            )
        )
    return sorted(found, key=lambda event: (event.date, event.title, event.uid))


# iCalendar ------------------------------------------------------------------

CRLF = "\r\n"
LINE_OCTETS = 75


def escape_text(value):
    """TEXT as RFC 5545 (3.3.11) writes it: backslash, semicolon, comma, newline."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line):
    """Lines of at most 75 octets, the next ones starting with a space (RFC 5545, 3.1).

    A character is never cut in the middle of its UTF-8 bytes.
    """
    parts, current, size, limit = [], [], 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the space counts
        current.append(char)
        size += octets
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def to_ics(found, name, domain="amorce"):
    """An iCalendar (RFC 5545) of all-day events, as text with CRLF line endings."""
    stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Amorce//Investigations//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in found:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}@{domain}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.date + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(event.summary)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
