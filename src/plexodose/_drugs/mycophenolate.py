"""Mycophenolate mofetil: fixed doses twice daily, the eGFR < 25 limit, and salt conversion."""

from __future__ import annotations

import math
from typing import Any

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core.checks import whole_number
from plexodose._core.errors import InputRangeError, safe_repr
from plexodose._dosing.calculation import begin, dispense_oral, egfr_for_dosing
from plexodose._dosing.guard import Limit, per_dose_bound
from plexodose._dosing.results import Conversion, DailyDose
from plexodose._dosing.trace import Trace, hard_cap, positive, protocol_range
from plexodose._patient.patient import Patient

MG_PER_DOSE = (500.0, 1500.0)  # [secondary] eTG: start 500, maximum 1500 twice daily
MAX_MG_PER_DOSE = 1500.0
MAX_MG_PER_DAY = 3000.0  # 1,500 mg twice daily: the most in a day, whatever the number of doses
DOSES_PER_DAY = 2  # [seed] twice daily
LOW_EGFR = 25.0  # [label] GFR < 25: avoid more than 1 g twice daily
LOW_EGFR_MAX_MG_PER_DAY = 2000.0  # [label] GFR < 25: a daily limit of 2 g, whatever the number of doses
SODIUM_PER_MOFETIL = 720.0 / 1000.0  # [secondary]
LIMITS = (
    Limit("protocol maximum", MAX_MG_PER_DOSE, "dose", src.MYCOPHENOLATE_TITRATION),
    Limit("protocol maximum", MAX_MG_PER_DAY, "day", src.MYCOPHENOLATE_TITRATION),
)
LOW_EGFR_MAX_MG_PER_DOSE = LOW_EGFR_MAX_MG_PER_DAY / DOSES_PER_DAY  # "1 g twice daily"
LOW_EGFR_LIMIT = Limit("eGFR < 25 maximum", LOW_EGFR_MAX_MG_PER_DAY, "day", src.MYCOPHENOLATE_RENAL)


def mycophenolate(
    patient: Patient,
    *,
    mg_per_dose: float = 1000.0,
    doses_per_day: int = 2,
    override: str | None = None,
) -> DailyDose:
    """Mycophenolate mofetil: ``mg_per_dose`` ``doses_per_day`` times a day.

    >>> from plexodose import Patient
    >>> mycophenolate(Patient.example()).daily_dose  # 1000 mg x 2 = 2000 mg/day
    <Quantity(2000.0, 'milligram / day')>
    """
    p, override, trace = begin(
        patient, override, src.SEED_MYCOPHENOLATE, src.MYCOPHENOLATE_TITRATION
    )
    dose = positive(u.plain_number(mg_per_dose, "mg_per_dose"), "mg_per_dose")
    per_day = whole_number(doses_per_day, "doses_per_day", 1, 4)
    protocol_range(
        trace, "mg_per_dose", dose, *MG_PER_DOSE, "mg", override, src.MYCOPHENOLATE_TITRATION, below="warn",
    )
    hard_cap("mg_per_dose", dose, MAX_MG_PER_DOSE, "mg", src.MYCOPHENOLATE_TITRATION)
    hard_cap("daily dose", dose * per_day, MAX_MG_PER_DAY, "mg", src.MYCOPHENOLATE_TITRATION)
    protocol_range(
        trace,
        "doses_per_day",
        per_day,
        DOSES_PER_DAY,
        DOSES_PER_DAY,
        "",
        override,
        src.SEED_MYCOPHENOLATE,
    )
    trace.step("{} mg x {} doses a day = {} mg/day", fmt.Amount(dose), per_day,
               fmt.Amount(dose * per_day))
    limits: tuple[Limit, ...] = LIMITS
    egfr = egfr_for_dosing(p, trace, "check of the eGFR < 25 limit")
    if egfr is not None and egfr < LOW_EGFR:
        limits = (*LIMITS, LOW_EGFR_LIMIT)
    bound = per_dose_bound(limits, per_day)
    cap_applied = dose > bound
    if egfr is not None and egfr < LOW_EGFR:
        state = f"limited to {fmt.mass_mg(bound)} per dose" if cap_applied else "respected"
        trace.step(
            "eGFR {:.3g} < 25: at most {:,g} mg a day, whatever the number of doses: {} mg "
            "x {} = {} mg/day ({})",
            egfr,
            LOW_EGFR_MAX_MG_PER_DAY,
            fmt.Amount(min(dose, bound)),
            per_day,
            fmt.Amount(min(dose, bound) * per_day),
            state,
            source=src.MYCOPHENOLATE_RENAL,
        )
        if cap_applied:
            trace.warn(
                f"eGFR {egfr:.3g} < 25: limited to {LOW_EGFR_MAX_MG_PER_DAY:,g} mg a day",
                source=src.MYCOPHENOLATE_RENAL,
                code="mycophenolate.low_egfr.limited", severity="high",
            )
    dose = min(dose, bound)
    dispensed = dispense_oral("mycophenolate", dose, limits, per_day, trace)
    trace.step(
        "response typically in 4-6 weeks; continue at least 3-4 weeks",
        source=src.SEED_MYCOPHENOLATE,
    )
    return DailyDose._of(
        *trace.record(override),
        "mycophenolate mofetil",  # drug
        dose * per_day,  # daily_dose_mg
        per_day,  # doses_per_day
        None,  # dosing_weight_kg
        7,  # days_per_week
        limits,  # limits
        cap_applied,  # cap_applied
        dispensed,  # dispensed
    )


def convert_mycophenolate(dose: Any, *, to: str) -> Conversion:
    """Convert a dose between mycophenolate mofetil and mycophenolate sodium (720 mg ~ 1000 mg).

    >>> convert_mycophenolate("1000 mg", to="sodium").dose  # 1000 x 720 / 1000
    <Quantity(720.0, 'milligram')>
    """
    mg = u.in_range(u.to_float(dose, "dose", u.DOSE_MASS), "dose", 1, math.inf, "mg", dose)
    names = {
        "sodium": ("mycophenolate mofetil", "mycophenolate sodium", SODIUM_PER_MOFETIL),
        "mofetil": ("mycophenolate sodium", "mycophenolate mofetil", 1 / SODIUM_PER_MOFETIL),
    }
    if not isinstance(to, str) or to not in names:
        raise InputRangeError(
            f"to must be 'sodium' or 'mofetil'; got {safe_repr(to)}", field="to", value=to
        )
    source_drug, target_drug, ratio = names[to]
    # the largest amount the protocol gives in a day (1,500 mg twice daily), in the source salt
    most = MAX_MG_PER_DAY * (1 if to == "sodium" else SODIUM_PER_MOFETIL)
    hard_cap("dose", mg, most, f"mg of {source_drug}", src.MYCOPHENOLATE_TITRATION)
    trace = Trace(src.MYCOPHENOLATE_SODIUM, src.MYCOPHENOLATE_LABEL)
    trace.step(
        "{:,g} mg {} x {:,.5g} = {} mg {}", mg, source_drug, ratio, fmt.Amount(mg * ratio),
        target_drug,
    )
    trace.warn("the two salts are not interchangeable without clinical supervision (labels)", code="mycophenolate.conversion.supervision", severity="caution")
    return Conversion._of(*trace.record(None), source_drug, target_drug, mg, mg * ratio)
