"""Tapers: a phase built only from the prescriber's step and interval, to a stated floor or stop.

No source gives a taper schedule for these agents in this indication (a gap), so plexodose never
supplies one: ``step``, ``every`` and ``until`` are required. The seed warns that stopping
abruptly after improvement may cause relapse; the plan's warning points here.

>>> from plexodose import Patient, azathioprine
>>> t = taper(azathioprine(Patient.example()), start="2027-06-01", step="50 mg", every="4 weeks",
...           until="stop")  # 150 -> 100 -> 50 mg/day, 4 weeks each, then stop
>>> [(str(e.date), e.dose_text) for e in t.filter(kind="dose")][::28]
[('2027-06-01', '100 mg daily'), ('2027-06-29', '50 mg daily')]
>>> [e.description for e in t.filter(kind="decision")]
['azathioprine: end of the taper: stop (last dose 2027-07-26)']
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core.errors import InputRangeError, UnitError, safe_repr
from plexodose._dosing.guard import tightest_per_dose
from plexodose._dosing.results import DailyDose, frequency_text
from plexodose._monitoring.thresholds import TAPER_GAP
from plexodose._schedule.builder import _Builder, start_date
from plexodose._schedule.model import Schedule, drug_name
from plexodose._schedule.rules import ORAL

MAX_STEPS = 100
_STEP = u.Dimension("mass", "mg", '"25 mg"')
_DAILY = u.Dimension("mass per day", "mg/day", '"25 mg/day"')
_INTERVAL = u.Dimension("time", "day", '"4 weeks"')
TAPER_SEED = src.Source(
    "seed",
    src.SEED,
    "abrupt discontinuation after improvement may cause relapse",
)


def _mg(value: Any, field: str) -> float:
    """A dose given as "25 mg" or "25 mg/day" (both: mg a day)."""
    try:
        found = u.to_float(value, field, _STEP)
    except UnitError:
        found = u.to_float(value, field, _DAILY)  # raises, naming "25 mg/day", if not that either
    if not found > 0:
        raise InputRangeError(f"{field} must be above 0 mg; got {safe_repr(value)}", field=field, value=value)
    return found


def taper(
    result: DailyDose,
    *,
    start: Any,
    step: Any,
    every: Any,
    until: Any,
) -> Schedule:
    """Taper the daily dose of ``result`` by ``step`` (a day's dose, "25 mg") every ``every``
    ("4 weeks") from ``start``, down to ``until``: a floor dose ("50 mg") or "stop".

    Nothing has a default: the reference gives no taper schedule. The doses are the
    prescriber's: check that each step can be dispensed in the drug's strengths.
    """
    if not isinstance(result, DailyDose) or result.drug not in ORAL:
        raise InputRangeError(
            "result must be the DailyDose of an oral drug (azathioprine, mycophenolate, "
            "ciclosporin, oral cyclophosphamide) being tapered",
            field="result",
            value=result,
        )
    first = start_date(start)
    for name, value in (("step", step), ("every", every), ("until", until)):
        if value is None:
            raise InputRangeError(
                f"{name} is required: plexodose has no default taper (no source gives one); "
                'give step="25 mg", every="4 weeks" and until="stop" or a floor dose',
                field=name,
            )
    per_step = _mg(step, "step")
    days = u.to_float(every, "every", _INTERVAL)
    if not (1 <= days <= 365) or days != math.floor(days):
        raise InputRangeError(
            f"every must be whole days from 1 day to 52 weeks; got {safe_repr(every)}",
            field="every",
            value=every,
        )
    per_dose = result.per_dose_mg if result.dispensed is None else result.dispensed.amount
    current = per_dose * result.doses_per_day * result.days_per_week / 7
    floor = 0.0 if isinstance(until, str) and until.strip().lower() == "stop" else _mg(until, "until")
    if floor >= current:
        raise InputRangeError(
            f"until ({fmt.mass_mg(floor)}/day) must be below the current {fmt.mass_mg(current)}/day",
            field="until",
            value=until,
        )
    if per_step >= current:
        raise InputRangeError(
            f"a step of {fmt.mass_mg(per_step)} from {fmt.mass_mg(current)}/day stops at once: that "
            "is not a taper; give a smaller step",
            field="step",
            value=step,
        )
    levels = _levels(current, per_step, floor)
    return _build(result, first, int(days), levels, floor, current, per_step)


def _levels(current: float, per_step: float, floor: float) -> list[float]:
    """The daily doses after each step, ending at the floor (0 for stop)."""
    levels: list[float] = []
    level = current
    while True:
        level = max(round(level - per_step, 6), floor)
        if level <= floor:
            break
        levels.append(level)
        if len(levels) > MAX_STEPS:
            raise InputRangeError(
                f"the taper would take more than {MAX_STEPS} steps; give a larger step",
                field="step",
                value=per_step,
            )
    return levels


def _build(
    result: DailyDose,
    first: dt.date,
    days: int,
    levels: list[float],
    floor: float,
    current: float,
    per_step: float,
) -> Schedule:
    drug, route = ORAL[result.drug]
    b = _Builder(TAPER_GAP, TAPER_SEED)
    b.warn(
        f"{drug} taper from {fmt.mass_mg(current)}/day by {fmt.mass_mg(per_step)} every "
        f"{fmt.number(days)} days to {'stop' if floor == 0 else fmt.mass_mg(floor) + '/day'}: the "
        "prescriber's schedule (the reference gives none); check each step can be dispensed",
        TAPER_GAP,
    )
    n = result.doses_per_day
    day = first
    for k, level in enumerate(levels):
        text = (
            f"{drug} taper step {k + 1} of {len(levels)}: {fmt.mass_mg(level / n)} "
            f"{frequency_text(n)}" + (f" ({fmt.mass_mg(level)}/day)" if n > 1 else "")
        )
        for offset in range(days):
            b.add(
                date=day + dt.timedelta(days=offset),
                drug=drug,
                kind="dose",
                description=text,
                dose_amount=level,
                dose_unit="mg",
                doses_per_day=n,
                route=route,
                phase="taper",
                max_per_dose=tightest_per_dose(result.limits, n),
                max_per_day=result.cap_mg_per_day,
            )
        day += dt.timedelta(days=days)
    last = day - dt.timedelta(days=1)
    end = (
        f"end of the taper: stop (last dose {last.isoformat()})"
        if floor == 0
        else f"end of the taper: {fmt.mass_mg(floor)}/day from here; review"
    )
    b.add(date=day, drug=drug_name(drug), kind="decision", description=f"{drug}: {end}")
    return b.build(first)

