"""IVIg pump rates: a product's label rates (mg/kg/min) for one dosing weight, in mL/h, and
how long a day's volume takes. The one implementation: ``ivig()``'s block and the plan's
infusion rows both read it (clinical rules, IVIg rates; clinical rules (monitoring), IVIg safety).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from plexodose._core import format as fmt
from plexodose._core.errors import InputRangeError
from plexodose._core.record import Record


class Pump(Record):
    """One day's infusion: the rates in order (mg/kg/min and mL/h), the hours it takes
    (shortest, longest) and, for an at-risk patient, why the rate stops where it does."""

    __slots__ = ()
    volume_ml: float
    mg_per_kg_min: tuple[float, ...]
    ml_per_h: tuple[float, ...]
    hours: tuple[float, float]
    minutes_per_step: float | None
    """The label's minutes per step; None: start and maximum only (increase as tolerated)."""
    at_risk_why: str = ""
    """Empty unless the patient is at risk (boxed warning): then why the rate stops there."""


def at_risk_rate(product: Any) -> tuple[float, float, str]:
    """(lowest, highest) rate in mg/kg/min for an at-risk patient and why: from the product's
    initial rate up to its own at-risk figure (never past its maximum), or its initial rate held
    for the whole infusion where the label gives no figure (clinical rules (monitoring), IVIg safety)."""
    first = product.initial_rate_mg_per_kg_min
    assert first is not None
    figure = product.at_risk_max_rate_mg_per_kg_min
    top = product.max_rate_mg_per_kg_min
    if figure is not None and figure > first:
        highest = figure if top is None else min(figure, top)
        return first, highest, f"the label's at-risk figure of {fmt.number(figure)} mg/kg/min"
    return first, first, "its initial rate held: the label says only 'minimum rate practicable'"


def pump(product: Any, weight_kg: float, volume_ml: float, at_risk: bool) -> Pump | None:
    """The pump for ``volume_ml`` of ``product`` given to ``weight_kg`` (the course's dosing
    weight: in obesity the adjusted weight gives slower, safer rates); None when the catalogue
    has no start or maximum rate for the product."""
    first, top = product.initial_rate_mg_per_kg_min, product.max_rate_mg_per_kg_min
    if first is None or top is None:
        return None
    mg_per_ml = product.concentration_g_per_ml * 1000
    why = ""
    minutes: float | None = None
    if at_risk:
        low, high, why = at_risk_rate(product)
        mg_rates: tuple[float, ...] = tuple(dict.fromkeys((low, high)))
    else:
        increments, minutes = _increments(product, first, top)
        mg_rates = (first, *increments, top) if minutes else (first, top)
    steps = tuple(r * weight_kg * 60 / mg_per_ml for r in mg_rates)
    if minutes:
        hours = _stepped_hours(steps, minutes, volume_ml)
        span = (hours, hours)
    else:  # all at the last rate at the quickest, all at the first at the slowest
        span = (volume_ml / steps[-1], volume_ml / steps[0])
    return Pump._of(volume_ml, mg_rates, steps, span, minutes, why)


def duration(hours: float) -> str:
    """Hours as "13 h 53 min" (to the minute; "52 min" under an hour).

    >>> duration(13.889), duration(0.868), duration(2.0)
    ('13 h 53 min', '52 min', '2 h 0 min')
    """
    minutes = round(hours * 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def _increments(product: Any, first: float, top: float) -> tuple[tuple[float, ...], float | None]:
    """A product's optional label increments (mg/kg/min, rising between start and maximum)
    and minutes per step; both or neither."""
    raw = getattr(product, "rate_increments_mg_per_kg_min", ()) or ()
    minutes = getattr(product, "minutes_per_rate_step", None)
    if minutes is None:
        return (), None
    field = "rate_increments_mg_per_kg_min"
    try:
        rates = tuple(float(r) for r in raw)
        per_step = float(minutes)
    except (TypeError, ValueError) as exc:
        raise InputRangeError(
            f"{product.name}: {field} must be numbers and minutes_per_rate_step a number",
            field=field,
            value=raw,
        ) from exc
    chain = (first, *rates, top)
    if not (0 < per_step < math.inf) or any(a >= b for a, b in itertools.pairwise(chain)):
        raise InputRangeError(
            f"{product.name}: rate increments must rise strictly from the initial "
            f"{first:g} to the maximum {top:g} mg/kg/min, with a positive minutes_per_rate_step; "
            f"got {rates} every {minutes!r}",
            field=field,
            value=raw,
        )
    return rates, per_step


def _stepped_hours(steps: tuple[float, ...], minutes: float, volume_ml: float) -> float:
    """Each step runs ``minutes``, the last until the volume is given."""
    left, hours = volume_ml, 0.0
    for rate in steps[:-1]:
        part = rate * minutes / 60
        if left <= part:
            return hours + left / rate
        left, hours = left - part, hours + minutes / 60
    return hours + left / steps[-1]
