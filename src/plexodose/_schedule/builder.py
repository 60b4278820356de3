"""Building blocks: the event collector and the date arithmetic every part of the schedule uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plexodose._core import units as u
from plexodose._core.alerts import Alert, Severity
from plexodose._core.checks import checked_date
from plexodose._core.errors import InputRangeError
from plexodose._core.sources import Source
from plexodose._schedule.model import Event, Schedule
from plexodose._schedule.rules import EARLIEST_START, LATEST_START


class _Builder:
    """Events, warnings and sources collected while one schedule is built."""

    def __init__(self, *sources: Source) -> None:
        self.events: list[Event] = []
        self.alerts: list[Alert] = []
        self.sources: list[Source] = list(sources)
        self.prior: dict[str, float] = {}

    @property
    def warnings(self) -> list[str]:
        return [a.text for a in self.alerts]

    def add(self, **fields: Any) -> None:
        """An event; its ``alerts`` (if given) set its warnings."""
        if "alerts" in fields:
            fields["warnings"] = tuple(a.text for a in fields["alerts"])
        self.events.append(Event(**fields))

    def warn(
        self, text: str, source: Source | None = None, *, code: str, severity: Severity
    ) -> None:
        """A schedule warning with the code and severity an app routes it by."""
        self.relay(Alert._of(code, severity, text, source))
        self.cite(source)

    def relay(self, alert: Alert) -> None:
        """An alert made elsewhere (a calculator's, a part's), once by its text; its source is
        cited by the caller, in the order it always was."""
        if all(a.text != alert.text for a in self.alerts):
            self.alerts.append(alert)

    def cite(self, source: Source | None) -> None:
        if source is not None and source not in self.sources:
            self.sources.append(source)

    def absorb(self, result: Any, label: str) -> None:
        """A calculator result's warnings (prefixed with ``label``) and sources."""
        for alert in result.alerts:
            self.relay(alert.retold(f"{label}: {alert.text}"))
        for source in result.sources:
            self.cite(source)

    def merge(self, other: _Builder) -> None:
        self.events += other.events
        for alert in other.alerts:
            self.relay(alert)
        for source in other.sources:
            self.cite(source)
        for drug, amount in other.prior.items():
            self.prior[drug] = self.prior.get(drug, 0.0) + amount

    def build(self, start: dt.date) -> Schedule:
        return Schedule(
            start=start,
            events=self.events,
            warnings=tuple(self.warnings),
            alerts=tuple(self.alerts),
            sources=tuple(self.sources),
            prior=tuple(self.prior.items()),
        )




def start_date(value: Any, field: str = "start") -> dt.date:
    """A ``datetime.date`` or an ISO string "2026-12-01"; anything else is refused."""
    return checked_date(value, field, EARLIEST_START, LATEST_START)


def add_months(day: dt.date, months: int) -> dt.date:
    """``months`` calendar months later; a day the month lacks moves to the next month's 1st
    (never early).

    >>> add_months(dt.date(2026, 11, 30), 3), add_months(dt.date(2026, 12, 1), 6)
    (datetime.date(2027, 3, 1), datetime.date(2027, 6, 1))
    """
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    try:
        return dt.date(year, month, day.day)
    except ValueError:  # the month is too short for that day
        return add_months(dt.date(year, month, 1), 1)


def _number(value: Any, field: str, low: float, high: float) -> float:
    number = u.plain_number(value, field)
    if not low <= number <= high:
        raise InputRangeError(
            f"{field} must be from {low:g} to {high:g}; got {number:g}", field=field, value=value
        )
    return number


def _not_for(given: dict[str, Any], what: str) -> None:
    """Refuse options that do not apply to this result, rather than ignore them."""
    for name, value in given.items():
        if value is not None:
            raise InputRangeError(f"{name} does not apply to {what}", field=name, value=value)
