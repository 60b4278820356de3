"""iCalendar (RFC 5545): one all-day VEVENT per schedule event, via the icalendar library."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plexodose._schedule import Event, Schedule

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
    """The calendar as text (CRLF line ends, as RFC 5545 requires)."""
    import icalendar  # optional dependency, loaded on use

    when = stamp or dt.datetime.now(dt.UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"plexodose schedule from {schedule.start.isoformat()}")
    if schedule.warnings:  # the schedule's own warnings travel with the calendar
        # DESCRIPTION on the calendar itself is RFC 7986
        cal.add("description", "\n".join(f"WARNING: {w}" for w in schedule.warnings))
    for index, e in enumerate(schedule):
        item = icalendar.Event()
        item.add("uid", uid(e, index))
        item.add("dtstamp", when)
        item.add("dtstart", e.date)
        item.add("dtend", (e.until or e.date) + dt.timedelta(days=1))  # DTEND is exclusive
        item.add("summary", summary(e))
        details = [e.description, *(f"WARNING: {w}" for w in e.warnings)]
        item.add("description", "\n".join(details))
        item.add("categories", [e.kind])
        cal.add_component(item)
    return str(cal.to_ical().decode("utf-8"))
