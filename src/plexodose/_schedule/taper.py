"""Tapers: a phase stepping a regimen down, to a stated floor or stop.

Azathioprine has a labelled step: 25 mg/day every 4 weeks (US prescribing information,
maintenance therapy), the default when no ``step`` and ``every`` are given. The other drugs, and
an azathioprine regimen given three days a week, have no sourced step: theirs is the
prescriber's (clinical rules (monitoring), "Stopping and tapering"). A taper keeps the regimen's days per
week, doses a day and form (whole tablets or capsules of the drug's strengths); a step that
would leave less than the smallest tablet or capsule a dose joins the stop. The seed warns that
stopping abruptly after improvement may cause relapse; the plan's warning points here.

>>> from plexodose import Patient, azathioprine
>>> t = taper(azathioprine(Patient.example()), start="2027-06-01", step="50 mg", every="4 weeks",
...           until="stop")  # 150 -> 100 -> 50 mg/day, 4 weeks each, then stop
>>> [(str(e.date), e.dose_text) for e in t.filter(kind="dose")][::28]
[('2027-06-01', '100 mg daily'), ('2027-06-29', '50 mg daily')]
>>> [e.description for e in t.filter(kind="decision")]
['azathioprine: end of the taper: stop (last dose 2027-07-26)']
>>> labelled = taper(azathioprine(Patient.example()), start="2027-06-01", until="stop")
>>> sorted({e.dose_amount for e in labelled.filter(kind="dose")}, reverse=True)  # -25 mg/4 wk
[125.0, 100.0, 75.0, 50.0, 25.0]
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core.errors import InputRangeError, UnitError, safe_repr
from plexodose._dosing.dispense import _quantum, round_to_step
from plexodose._dosing.guard import tightest_per_dose
from plexodose._dosing.products import CATALOGUE
from plexodose._dosing.results import DailyDose, frequency_text
from plexodose._monitoring.thresholds import TAPER_GAP
from plexodose._schedule.builder import _Builder, start_date
from plexodose._schedule.courses import _dosing_days
from plexodose._schedule.model import AZATHIOPRINE, Schedule, drug_name
from plexodose._schedule.rules import ORAL

MAX_STEPS = 100
LABEL_STEP_MG = 25.0  # [label] azathioprine: "approximately 25 mg daily every 4 weeks"
LABEL_EVERY_DAYS = 28.0
LABEL_STEP, LABEL_EVERY = "25 mg", "4 weeks"
_STEP = u.Dimension("mass", "mg", '"25 mg"')
_DAILY = u.Dimension("mass per day", "mg/day", '"25 mg/day"')
_INTERVAL = u.Dimension("time", "day", '"4 weeks"')
TAPER_SEED = src.Source(
    "seed",
    src.SEED,
    "abrupt discontinuation after improvement may cause relapse",
    id="taper.seed.relapse",
)


def _per_dosing_day(value: Any, field: str, days_per_week: int) -> float:
    """An amount per dosing day: "25 mg" is one dosing day's amount; "25 mg/day" or
    "50 mg/week" is an amount per time, spread over the regimen's dosing days."""
    try:
        found = u.to_float(value, field, _STEP)
    except UnitError:
        per_day = u.to_float(value, field, _DAILY)  # raises, naming "25 mg/day", if not that either
        found = per_day * 7 / days_per_week
    if not found > 0:
        raise InputRangeError(f"{field} must be above 0 mg; got {safe_repr(value)}", field=field, value=value)
    return found


def taper(
    result: DailyDose,
    *,
    start: Any,
    step: Any = None,
    every: Any = None,
    until: Any,
) -> Schedule:
    """Taper ``result`` by ``step`` every ``every`` ("4 weeks") from ``start``, down to
    ``until``: a floor ("50 mg") or "stop".

    ``step`` and a floor are amounts per dosing day ("25 mg"), or per time ("25 mg/day",
    "50 mg/week"), spread over the regimen's dosing days. Without ``step`` and ``every``, an
    azathioprine regimen given daily tapers by the label's 25 mg/day every 4 weeks; every other
    regimen needs the prescriber's. The regimen's days per week, doses a day and form are kept.
    """
    if not isinstance(result, DailyDose) or result.drug not in ORAL:
        raise InputRangeError(
            "result must be the DailyDose of an oral drug (azathioprine, mycophenolate, "
            "ciclosporin, oral cyclophosphamide) being tapered",
            field="result",
            value=result,
        )
    first = start_date(start)
    drug, _ = ORAL[result.drug]
    labelled = drug == AZATHIOPRINE and result.days_per_week == 7
    if labelled and step is None and every is None:
        step, every = LABEL_STEP, LABEL_EVERY
    for name, value in (("step", step), ("every", every), ("until", until)):
        if value is None:
            why = (
                "a regimen given on fewer than 7 days a week has no labelled step"
                if drug == AZATHIOPRINE
                else f"no source gives a taper step for {drug}"
            )
            raise InputRangeError(
                f"{name} is required: {why}; give step=\"25 mg\", every=\"4 weeks\" and "
                'until="stop" or a floor dose',
                field=name,
            )
    dpw, n = result.days_per_week, result.doses_per_day
    per_step = _per_dosing_day(step, "step", dpw)
    days = u.to_float(every, "every", _INTERVAL)
    if not (1 <= days <= 365) or days != math.floor(days):
        raise InputRangeError(
            f"every must be whole days from 1 day to 52 weeks; got {safe_repr(every)}",
            field="every",
            value=every,
        )
    per_dose = result.per_dose_mg if result.dispensed is None else result.dispensed.amount
    current = per_dose * n
    stop = isinstance(until, str) and until.strip().lower() == "stop"
    floor = 0.0 if stop else _per_dosing_day(until, "until", dpw)
    if floor >= current:
        raise InputRangeError(
            f"until ({fmt.mass_mg(floor)} a dosing day) must be below the current "
            f"{fmt.mass_mg(current)}",
            field="until",
            value=until,
        )
    if per_step >= current:
        raise InputRangeError(
            f"a step of {fmt.mass_mg(per_step)} from {fmt.mass_mg(current)} a dosing day stops at "
            "once: that is not a taper; give a smaller step",
            field="step",
            value=step,
        )
    sizes = () if result.dispensed is None else _sizes(drug)
    levels, notes = _levels(current, per_step, floor, n, sizes)
    return _build(result, first, int(days), levels, floor, current, per_step, labelled, notes)


def _sizes(drug: str) -> tuple[float, ...]:
    """The strengths the calculator dispenses ``drug`` in ("mycophenolate mofetil" is
    catalogued as "mycophenolate")."""
    product = CATALOGUE.oral(drug) or CATALOGUE.oral(drug.split()[0])
    return () if product is None else product.strengths_mg


def _levels(
    current: float, per_step: float, floor: float, n: int, sizes: tuple[float, ...]
) -> tuple[list[float], list[str]]:
    """The amounts per dosing day after each step, ending at the floor (0 for stop); with the
    regimen's strengths, each dose is whole units (rounded to the nearest, never above the
    level before it) and a dose below the smallest unit joins the stop."""
    levels: list[float] = []
    notes: list[str] = []
    noise = 1e-9 * current  # float residue (0.000003 mg) is not a step
    level = current
    for k in range(1, MAX_STEPS + 2):
        if k > MAX_STEPS:
            raise InputRangeError(
                f"the taper would take more than {MAX_STEPS} steps; give a larger step",
                field="step",
                value=per_step,
            )
        level = max(current - k * per_step, floor)
        if level <= floor + noise:
            break
        given = level
        if sizes:
            smallest = min(sizes)
            if level / n < smallest - noise:
                notes.append(
                    f"{fmt.mass_mg(level / n)} a dose is less than one {fmt.mass_mg(smallest)} "
                    "unit: that step joins the " + ("stop" if floor == 0 else "floor")
                )
                break
            before = levels[-1] / n if levels else current / n
            given = round_to_step(level / n, _quantum(sizes), before)[0] * n
            if abs(given - level) > noise:
                notes.append(
                    f"{fmt.mass_mg(level / n)} a dose made of whole units: {fmt.mass_mg(given / n)}"
                )
            if given <= floor + noise:
                break
        levels.append(given)
    return levels, notes


def _build(
    result: DailyDose,
    first: dt.date,
    days: int,
    levels: list[float],
    floor: float,
    current: float,
    per_step: float,
    labelled: bool,
    notes: list[str],
) -> Schedule:
    drug, route = ORAL[result.drug]
    b = _Builder(TAPER_GAP, TAPER_SEED)
    target = "stop" if floor == 0 else fmt.mass_mg(floor) + " a dosing day"
    plan = (
        f"{drug} taper from {fmt.mass_mg(current)} by {fmt.mass_mg(per_step)} every "
        f"{fmt.number(days)} days to {target}"
    )
    if labelled and per_step == LABEL_STEP_MG and days == LABEL_EVERY_DAYS:
        b.warn(f"{plan}: the label's step (25 mg daily every 4 weeks)", src.AZATHIOPRINE_TAPER, code="taper.label_step", severity="info")
    else:
        b.warn(
            f"{plan}: the prescriber's schedule (the reference gives none for this regimen); "
            "check each step can be dispensed",
            TAPER_GAP,
            code="taper.prescriber_schedule", severity="caution",
        )
    for note in notes:
        b.warn(f"{drug} taper: {note}", TAPER_GAP, code="taper.note", severity="caution")
    n, dpw = result.doses_per_day, result.days_per_week
    day = first
    for k, level in enumerate(levels):
        text = (
            f"{drug} taper step {k + 1} of {len(levels)}: {fmt.mass_mg(level / n)} "
            f"{frequency_text(n, dpw)}" + (f" ({fmt.mass_mg(level)} a dosing day)" if n > 1 else "")
        )
        for when in _dosing_days(day, day + dt.timedelta(days=days), dpw):
            b.add(
                date=when,
                drug=drug,
                kind="dose",
                description=text,
                dose_amount=level,
                dose_unit="mg",
                doses_per_day=n,
                days_per_week=dpw,
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
        else f"end of the taper: {fmt.mass_mg(floor)} a dosing day from here; review"
    )
    if not levels:
        end = "end of the taper: " + ("stop" if floor == 0 else f"{fmt.mass_mg(floor)} a dosing day")
    b.add(date=day, drug=drug_name(drug), kind="decision", description=f"{drug}: {end}")
    return b.build(first)
