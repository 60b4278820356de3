"""The guard every result passes through when it is made: a result is right or not returned.

Each result class calls :func:`check` from its ``__attrs_post_init__``, so no calculator can
return a result that skips it. It checks what a caller will act on: every amount finite and
positive, every per-dose and per-day limit respected by the dose as dispensed (after rounding)
and as calculated, and the dispensed figure computed from the calculated one shown beside it.
"""

from __future__ import annotations

import math
from typing import Literal

import attrs

from plexodose._core.errors import DoseRangeError, safe_repr
from plexodose._core.public import public
from plexodose._core.sources import Source

RELATIVE_SLACK = 1e-9  # float noise only: 150.00000000000003 is 150


@public
@attrs.frozen
class Limit:
    """A maximum a dose may never pass, per administration (``per="dose"``) or per dosing
    day (``per="day"``), in the result's unit (mg, or g for IVIg), with its source."""

    label: str
    amount: float
    per: Literal["dose", "day"]
    source: Source

    def per_dose(self, doses_per_day: int) -> float:
        """This limit as a bound on one administration."""
        return self.amount if self.per == "dose" else self.amount / doses_per_day


def per_dose_bound(limits: tuple[Limit, ...], doses_per_day: int) -> float:
    """The most one administration may be under every limit (inf when there is none)."""
    bound = math.inf
    for lim in limits:
        value = lim.amount if lim.per == "dose" else lim.amount / doses_per_day
        if value < bound:
            bound = value
    return bound


def tightest_per_dose(limits: tuple[Limit, ...], doses_per_day: int) -> float | None:
    """The most one administration may hold under every limit, or None without limits."""
    return per_dose_bound(limits, doses_per_day) if limits else None


def tightest_per_day(limits: tuple[Limit, ...], doses_per_day: int) -> float | None:
    """The most one dosing day may hold under every limit, or None without limits."""
    most = tightest_per_dose(limits, doses_per_day)
    return None if most is None else most * doses_per_day


_SLACK_UP = 1 + RELATIVE_SLACK


def fine(per_dose: float, given: float, doses_per_day: int, limits: tuple[Limit, ...]) -> bool:
    """True when the calculated and the dispensed administration are both finite, positive and
    within every limit: the float-only fast path of :func:`amount` and :func:`within`. A result
    for which it is False goes through those (which raise, naming what is wrong)."""
    if not (0.0 < per_dose < math.inf and 0.0 < given < math.inf):  # False for NaN
        return False
    for lim in limits:
        bound = lim.amount * _SLACK_UP
        if lim.per == "dose":
            if per_dose > bound or given > bound:
                return False
        elif per_dose * doses_per_day > bound or given * doses_per_day > bound:
            return False
    return True


def agrees(calculated: float, shown: float) -> bool:
    """The fast path of :func:`same`."""
    return abs(calculated - shown) <= RELATIVE_SLACK * max(1.0, abs(shown))


def amount(value: float, what: str, *, zero_allowed: bool = False) -> None:
    """Refuse a non-finite, negative or (unless allowed) zero amount."""
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_allowed):
        raise DoseRangeError(
            f"refused: {what} came out as {value!r}; plexodose returns no result it cannot "
            "stand behind (please report the inputs)",
            field=what,
            value=value,
        )


def within(
    limits: tuple[Limit, ...], per_dose: float, doses_per_day: int, unit: str, what: str
) -> None:
    """Refuse an administration or a day above any limit."""
    for lim in limits:
        given = per_dose if lim.per == "dose" else per_dose * doses_per_day
        if given > lim.amount * (1 + RELATIVE_SLACK):
            raise DoseRangeError(
                f"refused: {what} {given:,.6g} {unit} per {lim.per} would pass the {lim.label} "
                f"of {lim.amount:,.6g} {unit} per {lim.per} ({lim.source})",
                field=what,
                value=given,
            )


def count(value: object, what: str, low: int, high: int | None) -> None:
    """Refuse a count that is not a whole number from ``low`` to ``high`` (None: no upper end)."""
    if type(value) is not int or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise DoseRangeError(
            f"refused: {what} must be a whole number {span}; got {safe_repr(value)}",
            field=what,
            value=value,
        )


def same(calculated: float, shown: float, what: str) -> None:
    """Refuse a dispensed figure that was not rounded from the calculated one beside it."""
    if abs(calculated - shown) > RELATIVE_SLACK * max(1.0, abs(shown)):
        raise DoseRangeError(
            f"refused: the dispensed {what} was rounded from {calculated!r}, not from the "
            f"calculated {shown!r}",
            field=what,
            value=calculated,
        )
