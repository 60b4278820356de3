"""Collects a calculation's steps, warnings and sources while it runs; frozen into the result."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from plexodose._core.alerts import Severity
from plexodose._core.checks import checked_text
from plexodose._core.errors import DoseRangeError, InputRangeError
from plexodose._core.sources import Source

Step = str | tuple[str, tuple[Any, ...]]
"""A derivation step: text, or a format template and the values it was called with."""


def step_text(step: Step) -> str:
    """The words of a step: templates are formatted only when someone reads them."""
    return step if isinstance(step, str) else step[0].format(*step[1])


class Trace:
    """A scratch pad for one calculation (never shared, never stored).

    Steps are kept as (template, values) and formatted when read. Sources are appended as cited,
    duplicates and all: a Source hashes in Python (about 0.3 us), so they are made unique once,
    by the result, when someone reads them (:func:`unique_sources`)."""

    __slots__ = ("cite", "cited", "kinds", "steps", "used", "warnings")

    def __init__(self, *sources: Source) -> None:
        self.steps: list[Step] = []
        self.warnings: list[str] = []
        self.kinds: list[tuple[str, Severity, Source | None]] = []
        """Each warning's (code, severity, source), in step with ``warnings``."""
        self.used: tuple[Any, ...] = ()
        """The patient values the result rests on, with their dates and origins (ValueUsed)."""
        self.cited: list[Source | None] = list(sources)
        self.cite: Callable[[Source | None], None] = self.cited.append
        """Cite ``source`` (None cites nothing); the list's own ``append``, no Python frame."""

    def step(self, template: str, *values: Any, source: Source | None = None) -> None:
        """Record ``template.format(*values)``; the values are captured now, formatted on read."""
        self.steps.append((template, values) if values else template)
        if source is not None:
            self.cited.append(source)

    def warn(
        self, text: str, source: Source | None = None, *, code: str, severity: Severity
    ) -> None:
        """Record a warning: its words, and the code and severity an app routes it by."""
        self.warnings.append(text)
        self.kinds.append((code, severity, source))
        if source is not None:
            self.cited.append(source)

    def record(self, override: str | None) -> tuple[Any, ...]:
        """The first six values of every result: steps, warnings, citations, override, the
        values used and each warning's (code, severity, source)."""
        return (tuple(self.steps), tuple(self.warnings), tuple(self.cited), override, self.used,
                tuple(self.kinds))


def unique_sources(cited: Iterable[Source | None]) -> tuple[Source, ...]:
    """``cited`` without None and repeats, in the order first cited."""
    return tuple(dict.fromkeys(s for s in cited if s is not None))


def reason(override: Any) -> str | None:
    """A validated override reason, or None."""
    return None if override is None else checked_text(override, "override")


def positive(value: float, field: str) -> float:
    if value <= 0:
        raise InputRangeError(
            f"{field} must be greater than zero; got {value:g}", field=field, value=value
        )
    return value


def protocol_range(
    trace: Trace,
    field: str,
    value: float,
    low: float,
    high: float,
    unit: str,
    override: str | None,
    source: Source,
    *,
    below: Literal["refuse", "warn"] = "refuse",
) -> None:
    """Refuse a value outside the protocol range unless an override reason is given. With
    ``below="warn"`` (a dose, where less is the safe side: clinical rules, "Screening an
    order"), a value below the range is computed with a warning naming the range."""
    if low <= value <= high:
        return
    allowed = _amount(low, unit) if low == high else f"{low:,g}-{_amount(high, unit)}"
    if value < low and below == "warn":
        trace.warn(f"{field} {_amount(value, unit)} is below the protocol range {allowed} "
                   f"({source}): computed as asked", source, code="dose.protocol.below_range", severity="caution")
        return
    where = f"{field} {_amount(value, unit)} is outside the protocol range {allowed} ({source})"
    if override is None:
        raise DoseRangeError(f"{where}; pass override='reason' to use it", field=field, value=value)
    trace.warn(f"{where}; used on override: {override}", source, code="dose.protocol.override", severity="high")


def hard_cap(field: str, value: float, high: float, unit: str, source: Source) -> None:
    """Refuse a value above a hard cap; no override lifts it."""
    if value > high:
        raise DoseRangeError(
            f"{field} {_amount(value, unit)} is above the hard limit of {_amount(high, unit)} "
            f"({source}); an override does not lift it",
            field=field,
            value=value,
        )


def _amount(value: float, unit: str) -> str:
    """A number with thousands separators, and its unit when it has one (ISMP style)."""
    return f"{value:,g} {unit}" if unit else f"{value:,g}"
