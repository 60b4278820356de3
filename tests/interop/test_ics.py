"""iCalendar export: round trip through icalendar, windows, warnings, RFC escaping and
folding, and the stamp's checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plexodose import InputRangeError, Schedule

START = dt.date(2026, 12, 1)
STAMP = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _summary(e: Any) -> str:
    from plexodose._interop.ics import summary

    return summary(e)


def test_ics_round_trips(full_plan: Schedule) -> None:
    import icalendar

    text = full_plan.to_ics(stamp=STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    cal = icalendar.Calendar.from_ical(text)
    items = list(cal.walk("VEVENT"))
    assert len(items) == len(full_plan)
    got = [
        (i.decoded("dtstart"), str(i.get("summary")), str(i.get("description")).split("\n")[0])
        for i in items
    ]
    want = [(e.date, _summary(e), e.description) for e in full_plan]
    assert got == want
    assert len({str(i.get("uid")) for i in items}) == len(items)
    assert all(i.decoded("dtstamp") == STAMP for i in items)


def test_ics_window_and_warnings(pulses: Schedule) -> None:
    import icalendar

    cal = icalendar.Calendar.from_ical(pulses.to_ics(stamp=STAMP))
    nadir = next(i for i in cal.walk("VEVENT") if "nadir" in str(i.get("summary")))
    # day 10-14 after the first pulse: DTEND is exclusive, so 15 December
    assert (nadir.decoded("dtstart"), nadir.decoded("dtend")) == (
        dt.date(2026, 12, 11),
        dt.date(2026, 12, 16),
    )
    warned = [i for i in cal.walk("VEVENT") if "WARNING" in str(i.get("description"))]
    assert [i.decoded("dtstart") for i in warned] == [START + dt.timedelta(days=280)]


def test_ics_carries_the_schedule_warnings(full_plan: Schedule) -> None:
    import icalendar

    cal = icalendar.Calendar.from_ical(full_plan.to_ics(stamp=STAMP))
    description = str(cal.get("description"))  # RFC 7986 calendar DESCRIPTION
    assert all(f"WARNING: {w}" in description for w in full_plan.warnings)


def test_ics_writer_escapes_and_folds_like_the_rfc() -> None:
    import icalendar

    from plexodose._interop.ics import _fold, _text

    value = "µg, mcg; a\\b\n" + "é" * 60  # commas, semicolons, backslash, newline, 2-byte chars
    line = _fold("DESCRIPTION:" + _text(value))
    assert all(len(part.encode()) <= 75 for part in line.split("\r\n"))
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n{line}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]) == value


@pytest.mark.parametrize(
    "stamp",
    [
        dt.datetime(2026, 11, 24, 12, 0),  # naive: which instant?
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(999, 12, 31, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),  # overflows in UTC
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-14))),
        dt.datetime(1969, 12, 31, tzinfo=dt.UTC),
        dt.datetime(2200, 1, 1, tzinfo=dt.UTC),
        dt.date(2026, 11, 24),
        "2026-11-24T12:00:00Z",
        1764000000,
        True,
    ],
)
def test_ics_stamp_refused_unless_aware_and_plausible(pulses: Schedule, stamp: Any) -> None:
    with pytest.raises(InputRangeError) as err:
        pulses.to_ics(stamp=stamp)
    assert err.value.field == "stamp"


def test_ics_stamp_refused_naive_says_tzinfo(pulses: Schedule) -> None:
    with pytest.raises(InputRangeError, match="tzinfo"):
        pulses.to_ics(stamp=dt.datetime(2026, 11, 24, 12, 0))


def test_ics_stamp_pandas_timestamps(pulses: Schedule) -> None:
    import icalendar
    import pandas as pd

    for bad in (pd.Timestamp("2026-11-24 12:00"), pd.NaT, pd.Timestamp("1677-09-22", tz="UTC")):
        with pytest.raises(InputRangeError):
            pulses.to_ics(stamp=bad)
    aware = pd.Timestamp("2026-11-24 13:00:00.123456789", tz="Europe/Paris")  # UTC+1 in November
    cal = icalendar.Calendar.from_ical(pulses.to_ics(stamp=aware))
    assert {e.decoded("dtstamp") for e in cal.walk("VEVENT")} == {STAMP}  # 12:00 UTC
    plus_five = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert "DTSTAMP:20261124T120000Z\r\n" in pulses.to_ics(stamp=plus_five)
