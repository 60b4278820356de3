"""Ciclosporin: the seed's 5 mg/kg/day start and 2.5-3 mg/kg/day maintenance, in two doses."""

from __future__ import annotations

import functools

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core.checks import fraction
from plexodose._core.errors import ContraindicationError
from plexodose._dosing.calculation import begin, dispense_oral, egfr_for_dosing
from plexodose._dosing.guard import Limit
from plexodose._dosing.results import DailyDose
from plexodose._dosing.trace import Trace, hard_cap, positive, protocol_range
from plexodose._patient.patient import Patient

MG_PER_KG_DAY = (2.5, 5.0)  # [seed] 5 initially, then 2.5-3
MAINTENANCE_MG_PER_KG_DAY = (2.5, 3.0)
LABEL_MAX_MG_PER_KG_DAY = 4.0  # [label] US RA/psoriasis
DOSES_PER_DAY = 2  # [label] always two doses a day
RISE_THRESHOLD = (0.25, 0.30)  # [label] psoriasis 25 %, RA 30 %
RISE_REDUCTION = (0.25, 0.50)  # [label] reduce 25-50 %; default: the larger reduction
MIN_EGFR = 60.0  # [gap] the label's "abnormal renal function", as an eGFR
CEILING_LABEL = f"seed ceiling of {MG_PER_KG_DAY[1]:g} mg/kg/day"


def cyclosporin(
    patient: Patient,
    *,
    mg_per_kg_day: float = 5.0,
    creatinine_rise_threshold: float = 0.25,
    creatinine_rise_reduction: float = 0.5,
    override: str | None = None,
) -> DailyDose:
    """Ciclosporin daily dose in two doses; reduced when creatinine has risen from baseline.

    >>> from plexodose import Patient
    >>> r = cyclosporin(Patient.example())  # 5 mg/kg x 72 kg = 360 mg/day
    >>> r.daily_dose, r.per_dose
    (<Quantity(360.0, 'milligram / day')>, <Quantity(180.0, 'milligram')>)
    """
    p, override, trace = begin(patient, override, src.SEED_CICLOSPORIN)
    rate = positive(u.plain_number(mg_per_kg_day, "mg_per_kg_day"), "mg_per_kg_day")
    threshold = fraction(creatinine_rise_threshold, "creatinine_rise_threshold")
    cut = fraction(creatinine_rise_reduction, "creatinine_rise_reduction")
    protocol_range(
        trace, "mg_per_kg_day", rate, *MG_PER_KG_DAY, "mg/kg/day", override,
        src.SEED_CICLOSPORIN, below="warn",
    )
    hard_cap("mg_per_kg_day", rate, MG_PER_KG_DAY[1], "mg/kg/day", src.SEED_CEILING_GAP)
    protocol_range(
        trace,
        "creatinine_rise_threshold",
        threshold,
        *RISE_THRESHOLD,
        "",
        override,
        src.CICLOSPORIN_LABEL,
    )
    protocol_range(
        trace,
        "creatinine_rise_reduction",
        cut,
        *RISE_REDUCTION,
        "",
        override,
        src.CICLOSPORIN_LABEL,
    )
    _renal_contraindication(p, override, trace)
    _phase(rate, trace)
    weight = p.weight_kg
    dose = rate * weight
    trace.step(
        "{:,g} mg/kg/day x {} kg (actual weight) = {} mg/day, in two doses",
        rate,
        fmt.Amount(weight),
        fmt.Amount(dose),
    )
    factor = _creatinine_rise(p, threshold, cut, trace)
    if factor != 1:
        trace.step(
            "reduced: {} mg/day x {:.3g} = {} mg/day", fmt.Amount(dose), factor,
            fmt.Amount(dose * factor),
        )
        dose *= factor
    limits = (
        Limit(
            CEILING_LABEL,
            MG_PER_KG_DAY[1] * weight,
            "day",
            src.SEED_CEILING_GAP,
        ),
    )
    dispensed = dispense_oral("ciclosporin", dose / DOSES_PER_DAY, limits, DOSES_PER_DAY, trace)
    trace.step(
        # the one ciclosporin calendar (monitoring rules, corrected 2026-12-07): no weekly blood
        # pressure; every value at each visit
        "monitor creatinine every 2 weeks for the first 3 months, then monthly (label); blood "
        "pressure, FBC, LFTs, albumin and glucose with it: the calendar of plan() and schedule()",
        source=src.CICLOSPORIN_LABEL,
    )
    return DailyDose._of(
        *trace.record(override),
        "ciclosporin",  # drug
        dose,  # daily_dose_mg
        DOSES_PER_DAY,  # doses_per_day
        weight,  # dosing_weight_kg
        7,  # days_per_week
        limits,  # limits
        False,  # cap_applied
        dispensed,  # dispensed
    )


def _renal_contraindication(p: Patient, override: str | None, trace: Trace) -> None:
    """The label contraindicates ciclosporin in abnormal renal function: below eGFR 60 (a gap
    for the figure) it is not given without a stated reason."""
    egfr = egfr_for_dosing(p, trace, "check of renal function before ciclosporin")
    if egfr is None or egfr >= MIN_EGFR:
        return
    text = (
        f"eGFR {egfr:.3g} mL/min/1.73 m2 is below {MIN_EGFR:g}: ciclosporin is contraindicated "
        "in abnormal renal function"
    )
    if override is None:
        raise ContraindicationError(
            f"{text}; pass override='reason' to give it anyway",
            field="serum_creatinine",
            value=p.creatinine_mg_dl,
        )
    trace.warn(f"{text}; given on override: {override}", source=src.CICLOSPORIN_CONTRAINDICATIONS, code="ciclosporin.contraindication.override", severity="high")
    trace.cite(src.CICLOSPORIN_EGFR_GAP)


def _phase(rate: float, trace: Trace) -> None:
    low, high = MAINTENANCE_MG_PER_KG_DAY
    if low <= rate <= high:
        trace.step(
            "{:,g} mg/kg/day: maintenance (2.5-3 mg/kg/day)", rate, source=src.SEED_CICLOSPORIN
        )
    elif rate == MG_PER_KG_DAY[1]:
        trace.step("5 mg/kg/day: the seed's starting dose", source=src.SEED_CICLOSPORIN)
    else:
        trace.step("{:,g} mg/kg/day: between the seed's start and maintenance doses", rate)
    if rate > LABEL_MAX_MG_PER_KG_DAY:
        trace.warn(_above_label(rate), source=src.CICLOSPORIN_LABEL, code="ciclosporin.dose.above_label", severity="high")


@functools.lru_cache(maxsize=64)  # a protocol rate, not a patient's figure: few distinct values
def _above_label(rate: float) -> str:
    return (
        f"{rate:,g} mg/kg/day is above the US label's 4 mg/kg/day maximum (the label starts at "
        "2.5 mg/kg/day); the seed's start is higher"
    )


def _creatinine_rise(p: Patient, threshold: float, cut: float, trace: Trace) -> float:
    now, base = p.creatinine_mg_dl, p.baseline_creatinine_mg_dl
    if now is None or base is None:
        trace.warn(
            "baseline and current creatinine are both needed to apply the creatinine-rise rule",
            source=src.CICLOSPORIN_LABEL,
            code="ciclosporin.creatinine_rise.not_checked", severity="high",
        )
        return 1.0
    rise = now / base - 1
    trace.step(
        "creatinine {:.3g} mg/dL vs baseline {:.3g} mg/dL: {}", now, base, fmt.signed_percent(rise)
    )
    if rise >= threshold - 1e-12:
        trace.warn(
            f"creatinine has risen {fmt.percent(rise)} (at least {fmt.percent(threshold)}) above "
            f"baseline: dose reduced by {fmt.percent(cut)}",
            source=src.CICLOSPORIN_LABEL,
            code="ciclosporin.creatinine_rise.reduced", severity="high",
        )
        trace.cite(src.RANGE_LOW_END_GAP)
        return 1 - cut
    return 1.0


ciclosporin = cyclosporin
"""The INN spelling; the same function."""
