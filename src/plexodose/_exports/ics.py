"""iCalendar (RFC 5545): one all-day VEVENT per schedule event."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from plexodose._errors import InputRangeError

if TYPE_CHECKING:
    from plexodose._schedule.model import Event, Schedule

PRODID = "-//plexodose//treatment schedule//EN"


def summary(e: Event) -> str:
    """The calendar title: drug, kind and dose ("azathioprine dose 75 mg daily")."""
    head = f"{e.drug} {e.kind}"
    if e.dose_text:
        return f"{head} {e.dose_text}"
    return f"{head}: {e.description}"


def uid(e: Event, index: int) -> str:
    # Stable across runs: the same schedule gives the same UIDs, so a re-import updates events.
    digest = hashlib.sha256(f"{index}|{e.date}|{e.drug}|{e.kind}|{e.description}".encode())
    return f"{digest.hexdigest()[:32]}@plexodose"


def to_ics(schedule: Schedule, *, stamp: dt.datetime | None = None) -> str:
    """The calendar as RFC 5545 text (CRLF line ends, lines folded at 75 octets).

    Written directly: the handful of properties used here cost ~0.1 ms per hundred events this
    way, against ~12 ms through a general iCalendar library. The tests parse the output back
    with the icalendar library.
    """
    if stamp is not None and not isinstance(stamp, dt.datetime):
        raise InputRangeError(f"stamp must be a datetime; got {stamp!r:.60}", field="stamp",
                              value=stamp)
    when = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{_text(PRODID)}",
        "VERSION:2.0",
        f"X-WR-CALNAME:{_text(f'plexodose schedule from {schedule.start.isoformat()}')}",
    ]
    if schedule.warnings:  # the schedule's own warnings travel with the calendar (RFC 7986)
        lines.append("DESCRIPTION:" + _text("\n".join(f"WARNING: {w}" for w in schedule.warnings)))
    for index, e in enumerate(schedule):
        end = (e.until or e.date) + dt.timedelta(days=1)  # DTEND is exclusive
        details = "\n".join([e.description, *(f"WARNING: {w}" for w in e.warnings)])
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_text(uid(e, index))}",
            f"DTSTAMP:{when}",
            f"DTSTART;VALUE=DATE:{e.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{end:%Y%m%d}",
            f"SUMMARY:{_text(summary(e))}",
            f"DESCRIPTION:{_text(details)}",
            f"CATEGORIES:{_text(e.kind)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": ""})


def _text(value: str) -> str:
    """A TEXT value escaped per RFC 5545 3.3.11."""
    return value.translate(_ESCAPES)


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    if line.isascii():
        if len(line) <= 75:
            return line
        return "\r\n ".join([line[:75], *(line[i : i + 74] for i in range(75, len(line), 74))])
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)
