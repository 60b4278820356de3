"""Per-drug layouts: IVIg infusions, daily oral regimens and cyclophosphamide pulses."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from typing import Any

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core.alerts import Alert
from plexodose._core.checks import whole_number
from plexodose._core.errors import InputRangeError
from plexodose._core.sources import Source
from plexodose._dosing.guard import tightest_per_day, tightest_per_dose
from plexodose._dosing.pump import pump
from plexodose._dosing.results import CyclophosphamidePulse, DailyDose, IVIgCourse, given_day_mg
from plexodose._drugs.cyclophosphamide import CUMULATIVE_THRESHOLD_G
from plexodose._monitoring.thresholds import (
    FRENCH_POSTPONE,
    IVIG_BOXED_WARNING,
    PRE_PULSE_CREATININE_GAP,
)
from plexodose._schedule.builder import _Builder, _not_for, _number, add_months
from plexodose._schedule.model import (
    AZATHIOPRINE,
    CICLOSPORIN,
    CYCLOPHOSPHAMIDE,
    IVIG,
    MYCOPHENOLATE,
    with_alerts,
)
from plexodose._schedule.monitoring import _assessments, _monitoring
from plexodose._schedule.rules import (
    ASSESS_MONTHS,
    AZATHIOPRINE_FIRST_STEP_WEEK,
    AZATHIOPRINE_STEP_GAP,
    AZATHIOPRINE_STEP_WEEKS,
    AZATHIOPRINE_TITRATION,
    CICLOSPORIN_MAINTENANCE_WEEK,
    CICLOSPORIN_STEP_GAP,
    IVIG_ASSESS_AFTER_DAYS,
    IVIG_ASSESSMENT_GAP,
    IVIG_MAINTENANCE_G_PER_KG,
    IVIG_MAINTENANCE_INTERVAL_WEEKS,
    IVIG_RATE_GAP,
    MYCOPHENOLATE_STEP_GAP,
    MYCOPHENOLATE_STEP_WEEKS,
    NADIR_DAYS,
    NIH_REGIMEN,
    ORAL,
    PULSE_COUNT,
    SEED_IVIG_RESPONSE,
    THRESHOLDS_G,
)
from plexodose._screening.table import CUMULATIVE_UNKNOWN

# ---------------------------------------------------------------------------------------------
# IVIg


def _rates(
    product: Any, weight_kg: float, volume_ml: float, b: _Builder, risks: tuple[str, ...] = ()
) -> tuple[tuple[float, ...], tuple[float, float] | None]:
    """Pump rates (mL/h) and infusion hours (shortest, longest) for one infusion: the
    calculator's own (``_dosing.pump``), with the plan's warnings about them."""
    rates = pump(product, weight_kg, volume_ml, bool(risks))
    if rates is None:
        b.warn(
            f"{product.name} has no label infusion rates in the catalogue: set the pump "
            "rate from the label",
            code="ivig.pump.no_label_rates", severity="caution",
        )
        return (), None
    b.cite(product.source)
    if risks:
        shown = " then ".join(fmt.rate_ml_h(r) for r in rates.ml_per_h)
        why, high = rates.at_risk_why, rates.mg_per_kg_min[-1]
        b.warn(
            f"IVIg at risk ({'; '.join(risks)}): the pump runs at {shown} "
            f"({why}), never escalated past {fmt.number(high)} mg/kg/min; hydrate before the "
            "infusion",
            src.IVIG_AT_RISK_RATE,
            code="ivig.pump.at_risk", severity="high",
        )
        b.cite(IVIG_BOXED_WARNING)
    elif rates.minutes_per_step is None:
        b.warn(
            "IVIg pump: start and maximum rate only; increase as tolerated per the label "
            "(the label's increments are not in the reference)",
            IVIG_RATE_GAP,
            code="ivig.pump.increments_not_given", severity="caution",
        )
    return rates.ml_per_h, rates.hours


def _infusions(b: _Builder, course: IVIgCourse, first: dt.date, phase: str, title: str) -> None:
    per_day = course.daily_dose_g if course.dispensed is None else course.dispensed.amount
    # With a product the volume follows from its concentration, even when no vials rounded it.
    volume = None if course.product is None else per_day / course.product.concentration_g_per_ml
    steps: tuple[float, ...] = ()
    hours = None
    if volume is not None:
        risks = tuple(getattr(course, "risk_factors", ()) or ())
        steps, hours = _rates(course.product, course.dosing_weight_kg, volume, b, risks)
    for n in range(course.days):
        text = f"IVIg infusion, {title} day {n + 1} of {course.days}: {fmt.mass_g(per_day)}"
        if volume is not None and course.product is not None:
            text += f" ({fmt.volume_ml(volume)} of {course.product.name})"
        if len(steps) == 1:
            text += f"; pump {fmt.rate_ml_h(steps[0])}, not escalated (at risk)"
        elif steps:
            text += (
                f"; pump {fmt.rate_ml_h(steps[0])} rising to at most "
                f"{fmt.rate_ml_h(steps[-1])}"
            )
        b.add(
            date=first + dt.timedelta(days=n),
            drug=IVIG,
            kind="dose",
            description=text,
            dose_amount=per_day,
            dose_unit="g",
            route="IV",
            phase=phase,
            volume_ml=volume,
            rate_steps_ml_per_h=steps,
            infusion_hours=hours,
            max_per_dose=tightest_per_dose(course.limits, 1),
            max_per_day=tightest_per_day(course.limits, 1),
        )


def _ivig(
    course: IVIgCourse,
    start: dt.date,
    maintenance: Any,
    count: Any,
    interval: Any,
    assess_after_days: Any,
) -> _Builder:
    b = _Builder(SEED_IVIG_RESPONSE)
    b.absorb(course, IVIG)
    _infusions(b, course, start, "loading", "loading")
    last = start + dt.timedelta(days=course.days - 1)
    wait = int(
        _number(
            IVIG_ASSESS_AFTER_DAYS if assess_after_days is None else assess_after_days,
            "assess_after_days",
            1,
            90,
        )
    )
    b.add(
        date=last + dt.timedelta(days=wait),
        drug=IVIG,
        kind="assessment",
        description=f"IVIg response assessment ({wait} days after the last infusion; the seed "
        "expects a response within days)",
    )
    b.cite(IVIG_ASSESSMENT_GAP)
    if maintenance is None:
        _not_for(
            {"maintenance_count": count, "maintenance_interval_weeks": interval},
            "IVIg without maintenance=",
        )
        return b
    _maintenance(b, course, maintenance, start, count, interval)
    return b


def _maintenance(
    b: _Builder, course: IVIgCourse, maintenance: Any, start: dt.date, count: Any, interval: Any
) -> None:
    if not isinstance(maintenance, IVIgCourse):
        raise InputRangeError(
            "maintenance must be an IVIgCourse, such as ivig(patient, g_per_kg_day=1, days=1)",
            field="maintenance",
            value=maintenance,
        )
    _same_patient(maintenance, course, "maintenance")
    n = whole_number(1 if count is None else count, "maintenance_count", 1, 52)
    weeks = _number(
        IVIG_MAINTENANCE_INTERVAL_WEEKS if interval is None else interval,
        "maintenance_interval_weeks",
        1,
        12,
    )
    b.absorb(maintenance, "IVIg maintenance")
    b.cite(src.IVIG_MAINTENANCE)
    per_cycle = maintenance.g_per_kg_day * maintenance.days
    if abs(per_cycle - IVIG_MAINTENANCE_G_PER_KG) > 1e-9:
        b.warn(
            f"IVIg maintenance of {fmt.number(per_cycle)} g/kg per cycle differs from the "
            "label's 1 g/kg",
            src.IVIG_MAINTENANCE,
            code="ivig.maintenance.dose_differs", severity="caution",
        )
    if weeks != IVIG_MAINTENANCE_INTERVAL_WEEKS:
        b.warn(
            f"IVIg maintenance every {fmt.number(weeks)} weeks differs from the label's 3 weeks",
            src.IVIG_MAINTENANCE,
            code="ivig.maintenance.interval_differs", severity="caution",
        )
    if maintenance.days + 0.0 > weeks * 7:
        raise InputRangeError(
            "maintenance cycles would overlap", field="maintenance_interval_weeks", value=interval
        )
    for k in range(1, n + 1):
        # Whole days: a fractional interval is rounded up, never early.
        first = start + dt.timedelta(days=math.ceil(k * weeks * 7 - 1e-9))
        _infusions(b, maintenance, first, "maintenance", f"maintenance {k} of {n}")


# ---------------------------------------------------------------------------------------------
# Daily oral regimens


def _daily_amount(result: DailyDose) -> float:
    """One dosing day's amount as dispensed (mg): per dose x doses a day."""
    return given_day_mg(result)


def _dosing_days(first: dt.date, end: dt.date, days_per_week: int) -> Iterator[dt.date]:
    offsets = {i * 7 // days_per_week for i in range(days_per_week)}
    day = first
    while day < end:
        if (day - first).days % 7 in offsets:
            yield day
        day += dt.timedelta(days=1)


def _phases(
    result: DailyDose,
    first: dt.date,
    titration: Sequence[Any] | None,
    first_week: Any,
    step_weeks: Any,
    maintenance: Any,
    maintenance_week: Any,
    b: _Builder,
) -> list[tuple[dt.date, DailyDose, str]]:
    """(first day, regimen, label) of each phase of a daily course."""
    drug, _ = ORAL[result.drug]
    if drug == CICLOSPORIN:
        _not_for(
            {"titration": titration, "first_step_week": first_week, "step_weeks": step_weeks},
            "ciclosporin (it steps down: use maintenance=)",
        )
        return _ciclosporin_phases(result, first, maintenance, maintenance_week, b)
    _not_for(
        {"maintenance": maintenance, "maintenance_week": maintenance_week},
        f"{drug} (only ciclosporin has a maintenance step)",
    )
    steps = _checked_steps(result, () if titration is None else titration)
    if not steps:
        _not_for(
            {"first_step_week": first_week, "step_weeks": step_weeks}, "a course without titration="
        )
        if drug == AZATHIOPRINE:
            b.warn(
                "azathioprine starts at the target dose: the label starts at about 1 mg/kg/day "
                "and increases from week 6-8 (pass titration=, or use plan())",
                AZATHIOPRINE_TITRATION,
                code="azathioprine.titration.none", severity="caution",
            )
        return [(first, result, "")]
    defaults = {
        AZATHIOPRINE: (AZATHIOPRINE_FIRST_STEP_WEEK, AZATHIOPRINE_STEP_WEEKS),
        MYCOPHENOLATE: (MYCOPHENOLATE_STEP_WEEKS, MYCOPHENOLATE_STEP_WEEKS),
    }
    if drug not in defaults and (first_week is None or step_weeks is None):
        raise InputRangeError(
            f"{drug} has no titration timing in the reference: give first_step_week and step_weeks",
            field="first_step_week",
        )
    default_first, default_step = defaults.get(drug, (0, 0))
    week1 = _number(default_first if first_week is None else first_week, "first_step_week", 1, 26)
    every = _number(default_step if step_weeks is None else step_weeks, "step_weeks", 1, 12)
    _cite_titration(drug, week1, every, b)
    out = []
    for n, step in enumerate((*steps, result)):
        day = (
            first if n == 0 else first + dt.timedelta(days=math.ceil(7 * (week1 + every * (n - 1))))
        )
        label = f"titration step {n + 1} of {len(steps) + 1}" if n < len(steps) else "target dose"
        out.append((day, step, label))
    return out


def _cite_titration(drug: str, first_week: float, every: float, b: _Builder) -> None:
    if drug == AZATHIOPRINE:
        b.cite(AZATHIOPRINE_TITRATION)
        b.cite(AZATHIOPRINE_STEP_GAP)
        if not (6 <= first_week <= 8 and every == AZATHIOPRINE_STEP_WEEKS):
            b.warn(
                f"azathioprine titration (first increase at week {fmt.number(first_week)}, then "
                f"every {fmt.number(every)} weeks) differs from the label's week 6-8, then "
                "every 4 weeks",
                AZATHIOPRINE_TITRATION,
                code="azathioprine.titration.differs", severity="caution",
            )
    elif drug == MYCOPHENOLATE:
        b.cite(src.MYCOPHENOLATE_TITRATION)
        b.cite(MYCOPHENOLATE_STEP_GAP)


def _checked_steps(result: DailyDose, titration: Sequence[Any]) -> tuple[DailyDose, ...]:
    if isinstance(titration, (str, DailyDose)) or not isinstance(titration, Sequence):
        raise InputRangeError(
            "titration must be a list of the calculator's earlier doses, such "
            "as [azathioprine(p, mg_per_kg_day=1)]",
            field="titration",
            value=titration,
        )
    previous, target = 0.0, _daily_amount(result)
    for step in titration:
        if not isinstance(step, DailyDose) or step.drug != result.drug:
            raise InputRangeError(
                f"each titration step must be a {result.drug} DailyDose",
                field="titration",
                value=step,
            )
        _same_patient(step, result, "titration")
        amount = _daily_amount(step)
        if step.days_per_week != result.days_per_week or not previous < amount < target:
            raise InputRangeError(
                f"titration steps must rise and stay below the target of {fmt.mass_mg(target)} "
                f"a dosing day (as dispensed); got {fmt.mass_mg(amount)}",
                field="titration",
                value=step,
            )
        previous = amount
    return tuple(titration)


def _same_patient(part: Any, result: Any, field: str) -> None:
    """Refuse a step or maintenance dose computed for another patient (another dosing weight)."""
    if part.dosing_weight_kg != result.dosing_weight_kg:
        raise InputRangeError(
            f"{field} was calculated for a dosing weight of {fmt.number(part.dosing_weight_kg, 6)} "
            f"kg, the course for {fmt.number(result.dosing_weight_kg, 6)} kg: use the same patient",
            field=field,
            value=part,
        )


def _ciclosporin_phases(
    result: DailyDose, first: dt.date, maintenance: Any, week: Any, b: _Builder
) -> list[tuple[dt.date, DailyDose, str]]:
    if maintenance is None:
        _not_for({"maintenance_week": week}, "ciclosporin without maintenance=")
        if (result.mg_per_kg_day or 0) > 3 + 1e-9:
            b.warn(
                "ciclosporin stays at the starting dose: the seed steps down to 2.5-3 "
                "mg/kg/day (pass maintenance=ciclosporin(p, mg_per_kg_day=2.5))",
                src.SEED_CICLOSPORIN,
                code="ciclosporin.maintenance.not_stepped_down", severity="caution",
            )
        return [(first, result, "")]
    if not isinstance(maintenance, DailyDose) or maintenance.drug != result.drug:
        raise InputRangeError(
            "maintenance must be a ciclosporin DailyDose, such as "
            "ciclosporin(p, mg_per_kg_day=2.5)",
            field="maintenance",
            value=maintenance,
        )
    _same_patient(maintenance, result, "maintenance")
    if maintenance.daily_dose_mg > result.daily_dose_mg:
        raise InputRangeError(
            "ciclosporin maintenance must not be above the starting dose",
            field="maintenance",
            value=maintenance,
        )
    weeks = _number(
        CICLOSPORIN_MAINTENANCE_WEEK if week is None else week, "maintenance_week", 1, 26
    )
    b.cite(CICLOSPORIN_STEP_GAP)
    later = first + dt.timedelta(days=math.ceil(7 * weeks))
    return [(first, result, "starting dose"), (later, maintenance, "maintenance")]


def _oral(
    result: DailyDose,
    first: dt.date,
    end: dt.date,
    titration: Sequence[Any] | None,
    first_week: Any,
    step_weeks: Any,
    maintenance: Any,
    maintenance_week: Any,
    thresholds: tuple[float, ...],
    prior_mg: float | None,
) -> _Builder:
    drug, route = ORAL[result.drug]
    b = _Builder()
    phases = _phases(
        result, first, titration, first_week, step_weeks, maintenance, maintenance_week, b
    )
    for n, (day, step, label) in enumerate(phases):
        stop = phases[n + 1][0] if n + 1 < len(phases) else end
        amount = _daily_amount(step)
        text = _oral_text(step, label)
        # Each phase's calculator warnings: once, under that phase's name, on its first dose.
        phase_alerts = tuple(a.retold(f"{drug}, {label}: {a.text}" if label else f"{drug}: {a.text}")
                             for a in step.alerts)
        for alert in phase_alerts:
            b.relay(alert)
        for source in step.sources:
            b.cite(source)
        for k, when in enumerate(_dosing_days(day, min(stop, end), step.days_per_week)):
            b.add(
                alerts=phase_alerts if k == 0 else (),
                date=when,
                drug=drug,
                kind="dose",
                description=text,
                dose_amount=amount,
                dose_unit="mg",
                doses_per_day=step.doses_per_day,
                days_per_week=step.days_per_week,
                route=route,
                phase=label,
                max_per_dose=tightest_per_dose(step.limits, step.doses_per_day),
                max_per_day=step.cap_mg_per_day,
            )
    if drug == CYCLOPHOSPHAMIDE:
        _cumulative(b, thresholds, prior_mg)
    _monitoring(b, drug, first, end)
    _assessments(b, drug, first, end)
    return b


def _oral_text(step: DailyDose, label: str) -> str:
    per_dose = step.per_dose_mg if step.dispensed is None else step.dispensed.amount
    text = f"{step.drug} {fmt.mass_mg(per_dose)} {step.frequency}"
    if step.dispensed is not None:
        units = " + ".join(f"{n} x {fmt.mass_mg(s)}" for s, n in step.dispensed.units)
        text += f" ({units} {step.dispensed.form})"
    if step.mg_per_kg_day is not None and step.dispensed_mg_per_kg_day is not None:
        # as dispensed, as the result's block says it (150 mg at 72 kg: 2.08, calculated 2)
        given, calculated = fmt.number(step.dispensed_mg_per_kg_day), fmt.number(step.mg_per_kg_day)
        text += f", {given} mg/kg/day" + ("" if given == calculated else f" (calculated {calculated})")
    return f"{text}; {label}" if label else text



# ---------------------------------------------------------------------------------------------
# Cyclophosphamide IV and cumulative dose


def _thresholds(values: Any) -> tuple[float, ...]:
    if values is None:
        return THRESHOLDS_G
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InputRangeError(
            "cumulative_thresholds_g must be a list of numbers of grams, such as (20, 36, 50)",
            field="cumulative_thresholds_g",
            value=values,
        )
    return tuple(sorted({_number(v, "cumulative_thresholds_g", 1e-3, 1e3) for v in values}))


def _threshold_source(grams: float) -> Source | None:
    return {
        CUMULATIVE_THRESHOLD_G: src.FAURSCHOU_2008,
        20.0: src.TRAVIS_1995,
        50.0: src.TRAVIS_1995,
    }.get(grams)


def _cumulative(b: _Builder, thresholds: tuple[float, ...], prior_mg: float | None) -> None:
    """Running cyclophosphamide total on each dose; a warning on any dose that crosses a
    threshold (reaching it counts: conservative). ``prior_mg`` None: not known, never zero."""
    b.cite(src.FAURSCHOU_2008)
    if prior_mg is None:
        b.warn(
            "cyclophosphamide: cumulative dose not known: prior exposure not checked; the "
            "running totals count this schedule only (give prior_cyclophosphamide_g= or "
            "cyclophosphamide_history=)",
            CUMULATIVE_UNKNOWN,
            code="cyclophosphamide.cumulative.prior_unknown", severity="high",
        )
        prior_mg = 0.0
    elif prior_mg > 0:
        b.prior[CYCLOPHOSPHAMIDE] = prior_mg
        passed = [t for t in thresholds if prior_mg >= t * 1000]
        if passed:
            b.warn(
                f"prior cyclophosphamide ({fmt.number(prior_mg / 1000)} g) is already at or above "
                f"the {fmt.number(max(passed))} g threshold: every dose here adds to that risk",
                _threshold_source(max(passed)),
                code="cyclophosphamide.cumulative.prior_above_threshold", severity="high",
            )
    running = prior_mg
    for i, event in enumerate(b.events):
        if event.drug != CYCLOPHOSPHAMIDE or event.kind != "dose" or event.dose_amount is None:
            continue
        before, running = running, running + event.dose_amount
        crossed = [t for t in thresholds if before < t * 1000 <= running]
        reached = tuple(
            Alert(
                code="cyclophosphamide.cumulative.threshold_reached", severity="high",
                text=f"this dose takes the cumulative cyclophosphamide from "
                f"{fmt.number(before / 1000)} g to {fmt.number(running / 1000)} g, reaching the "
                f"{fmt.number(t)} g threshold"
                + (f" ({source.citation}: {source.rule})" if source else ""),
                source=source,
            )
            for t in crossed
            for source in (_threshold_source(t),)
        )
        for alert in reached:  # the schedule's own list says the date
            b.relay(alert.retold(f"{event.date.isoformat()}: {alert.text}"))
            b.cite(alert.source)
        b.events[i] = with_alerts(event, event.alerts + reached, cumulative_amount=running)


def _pulses(
    pulse: CyclophosphamidePulse,
    first: dt.date,
    count: Any,
    end: dt.date | None,
    thresholds: tuple[float, ...],
    prior_mg: float | None,
) -> _Builder:
    if pulse.held:
        raise InputRangeError(
            "a held pulse (0 mg) cannot be scheduled", field="result", value=pulse
        )
    n = whole_number(PULSE_COUNT if count is None else count, "count", 1, 52)
    b = _Builder(NIH_REGIMEN)
    b.absorb(pulse, "cyclophosphamide IV")
    b.cite(src.CYCLOPHOSPHAMIDE_NADIR)
    b.cite(PRE_PULSE_CREATININE_GAP)
    b.cite(FRENCH_POSTPONE)
    every = pulse.interval_weeks * 7
    for k in range(n):
        day = first + dt.timedelta(days=math.ceil(k * every - 1e-9))
        if end is not None and day >= end:
            break
        b.add(
            date=day,
            drug=CYCLOPHOSPHAMIDE,
            kind="monitoring",
            description=f"pre-pulse WBC before pulse {k + 1} (2,000-3,000/uL: give 50 %; below "
            "2,000/uL: hold)",
        )
        # the rest of the pre-pulse work-up, within the 7 days before it (clinical rules (monitoring))
        b.add(
            date=day,
            drug=CYCLOPHOSPHAMIDE,
            kind="monitoring",
            description=f"serum creatinine before pulse {k + 1}, within the 7 days before it "
            "(above 500 umol/L: hold the pulse and discuss)",
        )
        b.add(
            date=day,
            drug=CYCLOPHOSPHAMIDE,
            kind="monitoring",
            description=f"neutrophils, platelets and urine for blood before pulse {k + 1}, within "
            "the 7 days before it (neutrophils below 1.5 x10^9/L: postpone the pulse)",
        )
        b.add(
            date=day,
            drug=CYCLOPHOSPHAMIDE,
            kind="dose",
            route="IV",
            phase="pulses",
            description=f"cyclophosphamide IV pulse {k + 1} of {n}: "
            f"{fmt.mass_mg(pulse.prepared_mg)} "
            f"({fmt.number(pulse.g_per_m2, 3)} g/m2); adjust by nadir WBC "
            "(cyclophosphamide_next_pulse)",
            dose_amount=pulse.prepared_mg,
            dose_unit="mg",
            max_per_dose=tightest_per_dose(pulse.limits, 1),
        )
        low, high = NADIR_DAYS
        b.add(
            date=day + dt.timedelta(days=low),
            until=day + dt.timedelta(days=high),
            drug=CYCLOPHOSPHAMIDE,
            kind="monitoring",
            description=f"nadir WBC after pulse {k + 1} (10-14 days after the pulse; target about 2,000/uL)",
        )
    _cumulative(b, thresholds, prior_mg)
    last = max(e.date for e in b.events)
    _assessments(
        b,
        CYCLOPHOSPHAMIDE,
        first,
        max(last, add_months(first, ASSESS_MONTHS[-1])) if end is None else end,
    )
    return b

