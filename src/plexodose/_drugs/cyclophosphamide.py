"""Cyclophosphamide: oral daily dosing, BSA-based IV pulses, nadir titration and reductions."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core.checks import checked_date, flag, fraction
from plexodose._core.errors import ContraindicationError, DoseRangeError, InputRangeError
from plexodose._core.limits import wbc_per_ul
from plexodose._core.vocab import BsaFormula
from plexodose._dosing.calculation import begin, creatinine_umol_l, dispense_oral
from plexodose._dosing.guard import Limit
from plexodose._dosing.results import CyclophosphamidePulse, DailyDose, PulseReduction
from plexodose._dosing.trace import Trace, hard_cap, positive, protocol_range, reason
from plexodose._patient import body as _body
from plexodose._patient import provenance as _prov
from plexodose._patient.patient import Patient

ORAL_MG_PER_KG_DAY = (1.0, 2.0)  # [seed]
ORAL_OVER_500_UMOL_L = 1.5  # [secondary] creatinine > 500 umol/L: 1.5 mg/kg/day
ORAL_FROM_250_UMOL_L = 1.75  # [secondary] 251-500 umol/L: 1.75 (250 itself: the lower dose)
ORAL_CREATININE_BANDS_UMOL_L = (250.0, 500.0)
ORAL_MAX_MG_PER_DAY = 200.0  # [secondary] EULAR 2009 / EUVAS summaries: oral maximum 200 mg/day
ORAL_CEILING_LABEL = f"seed ceiling of {ORAL_MG_PER_KG_DAY[1]:g} mg/kg/day"
IV_G_PER_M2 = (0.3, 1.0)  # [seed]
IV_HARD_MAX_G_PER_M2 = 1.6  # [guideline] Michigan protocol's absolute ceiling
MICHIGAN_STEP_FROM_G_PER_M2 = 1.4  # [guideline] Michigan: from 1,400 mg/m2 ...
MICHIGAN_STEP_G_PER_M2 = 0.1  # ... the increase is limited to 100 mg/m2 each month
BSA_CHANGE_RECALCULATE = 0.05  # clinical rules, "A change in weight": 5 % or more recalculates
INTERVAL_WEEKS = (2.0, 4.0)  # [seed]
INTERVAL_PLAUSIBLE_WEEKS = 52.0  # plausibility of an interval (a year), a typing guard
BSA_CAP_M2 = (1.0, 3.0)  # plausibility of a stated cap
CUMULATIVE_THRESHOLD_G = 36.0  # [guideline] Faurschou 2008
NADIR_TARGET_PER_UL = 2000.0  # [guideline] Michigan
NADIR_RAISE = 0.25
NADIR_CUT = (0.1, 0.2)  # default: the larger cut
PRE_PULSE_HOLD_BELOW = 2000.0
PRE_PULSE_HALF_UP_TO = 3000.0  # 2,000-3,000 inclusive
NEUTROPHILS_CUT_BELOW = 1500.0  # 1.5 x10^9/L [guideline] French protocol
NEUTROPHILS_CUT = 0.25
EULAR_STANDARD_MG_PER_KG = 15.0
PULSE_MAX_MG = 1200.0  # [guideline] CYCLOPS (Edinburgh renal handbook): at most 1.2 g per mg/kg pulse
PULSE_MAX_SECONDARY_MG = 1500.0  # [secondary] summaries: 1.5 g; the most an override may allow
# [guideline] EULAR 2009 / CYCLOPS, mg/kg at creatinine < 300 and 300-500 umol/L, for age
# under 60, 60-70 and over 70
EULAR_TABLE = ((15.0, 12.5), (12.5, 10.0), (10.0, 7.5))
EULAR_CREATININE_UMOL_L = (300.0, 500.0)


def cyclophosphamide_oral(
    patient: Patient, *, mg_per_kg_day: float = 2, override: str | None = None
) -> DailyDose:
    """Oral cyclophosphamide daily dose, limited by creatinine.

    >>> from plexodose import Patient
    >>> cyclophosphamide_oral(Patient.example()).daily_dose  # 2 mg/kg x 72 kg
    <Quantity(144.0, 'milligram / day')>
    """
    p, override, trace = begin(patient, override, src.SEED_CYCLOPHOSPHAMIDE)
    rate = positive(u.plain_number(mg_per_kg_day, "mg_per_kg_day"), "mg_per_kg_day")
    protocol_range(
        trace,
        "mg_per_kg_day",
        rate,
        *ORAL_MG_PER_KG_DAY,
        "mg/kg/day",
        override,
        src.SEED_CYCLOPHOSPHAMIDE, below="warn",
    )
    hard_cap("mg_per_kg_day", rate, ORAL_MG_PER_KG_DAY[1], "mg/kg/day", src.SEED_CEILING_GAP)
    rate = _oral_renal_limit(p, rate, trace)
    weight = p.weight_kg
    dose = rate * weight
    trace.step("{:,g} mg/kg/day x {} kg (actual weight) = {} mg/day", rate, fmt.Amount(weight),
               fmt.Amount(dose))
    cap_applied = dose > ORAL_MAX_MG_PER_DAY
    if cap_applied:
        trace.step(
            "capped at {:,g} mg/day (from {} mg)",
            ORAL_MAX_MG_PER_DAY,
            fmt.Amount(dose),
            source=src.ORAL_CYCLOPHOSPHAMIDE_MAX,
        )
        dose = ORAL_MAX_MG_PER_DAY
    trace.cite(src.ORAL_CYCLOPHOSPHAMIDE_MAX)
    limits: tuple[Limit, ...] = (
        Limit("maximum", ORAL_MAX_MG_PER_DAY, "day", src.ORAL_CYCLOPHOSPHAMIDE_MAX),
        Limit(
            ORAL_CEILING_LABEL,
            ORAL_MG_PER_KG_DAY[1] * weight,
            "day",
            src.SEED_CEILING_GAP,
        ),
    )
    band = _oral_band_mg_per_kg(p)
    if band is not None:  # the band is a limit too: tablets never round past it
        limits += (Limit(f"creatinine band of {band:g} mg/kg/day", band * weight, "day",
                         src.CYCLOPHOSPHAMIDE_ORAL_RENAL),)
    days = CUMULATIVE_THRESHOLD_G * 1000 / dose
    trace.warn(
        f"at {fmt.number(dose)} mg/day the cumulative dose reaches {CUMULATIVE_THRESHOLD_G:,g} g after {math.floor(days)} days",
        source=src.FAURSCHOU_2008,
        code="cyclophosphamide.cumulative.threshold_projected", severity="caution",
    )
    trace.cite(src.TRAVIS_1995)
    dispensed = dispense_oral("cyclophosphamide", dose, limits, 1, trace)
    trace.step("full effect takes 3-6 months", source=src.SEED_DURATION)
    return DailyDose._of(
        *trace.record(override),
        "cyclophosphamide (oral)",  # drug
        dose,  # daily_dose_mg
        1,  # doses_per_day
        weight,  # dosing_weight_kg
        7,  # days_per_week
        limits,  # limits
        cap_applied,  # cap_applied
        dispensed,  # dispensed
    )


def _oral_band_mg_per_kg(p: Patient) -> float | None:
    """The creatinine band's mg/kg/day (None below 250 umol/L or when creatinine is unknown)."""
    creatinine = creatinine_umol_l(p)
    if creatinine is None or creatinine < ORAL_CREATININE_BANDS_UMOL_L[0]:
        return None
    return ORAL_OVER_500_UMOL_L if creatinine > ORAL_CREATININE_BANDS_UMOL_L[1] else ORAL_FROM_250_UMOL_L


def _oral_renal_limit(p: Patient, rate: float, trace: Trace) -> float:
    creatinine = creatinine_umol_l(p)
    if creatinine is None:
        trace.warn("serum creatinine not given: the creatinine limit on oral dosing is not checked", code="cyclophosphamide.oral.creatinine_not_checked", severity="high")
        return rate
    from_, over = ORAL_CREATININE_BANDS_UMOL_L
    if creatinine > over:
        limit, band = ORAL_OVER_500_UMOL_L, "> 500"
    elif creatinine >= from_:
        limit, band = ORAL_FROM_250_UMOL_L, "250-500"
    else:
        return rate
    if rate > limit:
        trace.step(
            "creatinine {:.0f} umol/L ({}): at most {:,g} mg/kg/day",
            creatinine,
            band,
            limit,
            source=src.CYCLOPHOSPHAMIDE_ORAL_RENAL,
        )
        return limit
    return rate


def cyclophosphamide_iv(
    patient: Patient,
    *,
    g_per_m2: float = 0.75,
    interval_weeks: float = 4.0,
    bsa_formula: BsaFormula = "mosteller",
    bsa_cap: Any = None,
    age_renal_reduction: bool = False,
    override: str | None = None,
) -> CyclophosphamidePulse:
    """An IV cyclophosphamide pulse: g/m^2 x BSA (optionally capped), every 2-4 weeks.

    >>> from plexodose import Patient
    >>> round(cyclophosphamide_iv(Patient.example()).dose)  # 0.75 g/m2 x 1.8708 m2 = 1,403 mg
    <Quantity(1403, 'milligram')>
    """
    p, override, trace = begin(patient, override, src.SEED_CYCLOPHOSPHAMIDE, pulse=True)
    dose_rate = positive(u.plain_number(g_per_m2, "g_per_m2"), "g_per_m2")
    interval = positive(u.plain_number(interval_weeks, "interval_weeks"), "interval_weeks")
    kernel = _body.bsa_formula(bsa_formula)
    cap = (
        None
        if bsa_cap is None
        else u.in_range(
            u.to_float(bsa_cap, "bsa_cap", u.AREA), "bsa_cap", *BSA_CAP_M2, "m**2", bsa_cap
        )
    )
    protocol_range(
        trace, "g_per_m2", dose_rate, *IV_G_PER_M2, "g/m2", override, src.SEED_CYCLOPHOSPHAMIDE, below="warn",
    )
    hard_cap("g_per_m2", dose_rate, IV_HARD_MAX_G_PER_M2, "g/m2", src.CYCLOPHOSPHAMIDE_NADIR)
    if interval < INTERVAL_WEEKS[0]:  # a shorter interval is a higher dose rate: never
        raise DoseRangeError(
            f"interval_weeks {interval:,g} is shorter than the seed's {INTERVAL_WEEKS[0]:,g} weeks "
            f"({src.SEED_CEILING_GAP}); an override does not lift it",
            field="interval_weeks",
            value=interval,
        )
    if interval > INTERVAL_PLAUSIBLE_WEEKS:  # a typing guard, not a clinical limit
        raise DoseRangeError(
            f"interval_weeks {interval:,g} is beyond {INTERVAL_PLAUSIBLE_WEEKS:g} weeks: not a "
            "pulse interval (a typing error?)",
            field="interval_weeks",
            value=interval,
        )
    if interval > INTERVAL_WEEKS[1]:  # a longer interval is a lower dose rate: a warning
        trace.warn(
            f"interval_weeks {interval:,g} is longer than the seed's {INTERVAL_WEEKS[1]:,g} weeks "
            f"({src.SEED_CYCLOPHOSPHAMIDE}): below the protocol, computed as asked",
            src.BELOW_RANGE,
            code="cyclophosphamide.interval.below_range", severity="caution",
        )
    height = p.height_cm
    if height is None:
        raise p.missing("height", "BSA for IV cyclophosphamide")
    bsa = _body.bsa_m2(kernel, height, p.weight_kg)
    trace.step(
        "BSA ({}, {:,.5g} cm, {} kg) = {} m2",
        bsa_formula,
        height,
        fmt.Amount(p.weight_kg),
        fmt.Bsa(bsa),
        source=src.BSA,
    )
    dosing_bsa = bsa
    if cap is not None:
        trace.cite(src.BSA_CAP)
        if bsa > cap:
            dosing_bsa = cap
            trace.step("BSA capped at {:,g} m2 (explicit cap)", cap)
    dose = dose_rate * 1000 * dosing_bsa
    trace.step(
        "pulse = {:,g} g/m2 x {} m2 = {} mg, every {:,g} weeks",
        dose_rate,
        fmt.Bsa(dosing_bsa),
        fmt.Amount(dose),  # as the results and reviews write the calculated pulse
        interval,
    )
    share = _age_renal(p, flag(age_renal_reduction, "age_renal_reduction"), override, trace)
    if share != 1:
        dose *= share
        trace.step("reduced pulse: {} mg", fmt.Amount(dose))
    trace.step(
        "check WBC at the nadir (day 10-14); the cumulative dose reaches {:,g} g after {} such pulses",
        CUMULATIVE_THRESHOLD_G,
        math.ceil(CUMULATIVE_THRESHOLD_G * 1000 / dose),
        source=src.FAURSCHOU_2008,
    )
    _mesna(trace)
    return CyclophosphamidePulse._of(
        *trace.record(override),
        dose_rate,  # g_per_m2
        bsa,  # bsa_m2
        bsa_formula,  # bsa_formula
        cap,  # bsa_cap_m2
        dose,  # dose_mg
        interval,  # interval_weeks
        share,  # reduction
        False,  # held
        _pulse_limits(dosing_bsa, override),  # limits
    )


def _pulse_limits(dosing_bsa_m2: float, override: str | None) -> tuple[Limit, ...]:
    """The per-pulse maximum: the seed's 1 g/m2 without an override; the Michigan protocol's
    absolute 1.6 g/m2 only on an override (clinical rules, Cyclophosphamide, Ceilings)."""
    if override is None:
        ceiling = IV_G_PER_M2[1] * 1000 * dosing_bsa_m2
        return (Limit("seed ceiling of 1 g/m2", ceiling, "dose", src.SEED_CYCLOPHOSPHAMIDE),)
    ceiling = IV_HARD_MAX_G_PER_M2 * 1000 * dosing_bsa_m2
    return (Limit("ceiling of 1.6 g/m2", ceiling, "dose", src.CYCLOPHOSPHAMIDE_NADIR),)


def _mesna(trace: Trace) -> None:
    trace.warn(
        "give mesna (80-100 % of the cyclophosphamide dose in divided doses, per the local "
        "protocol) and hydration with each pulse: plexodose does not dose mesna",
        source=src.MESNA_HYDRATION,
        code="cyclophosphamide.mesna_hydration", severity="caution",
    )


def _age_renal(p: Patient, apply: bool, override: str | None, trace: Trace) -> float:
    """The EULAR/CYCLOPS share of a full pulse: applied when asked for, else a warning."""
    creatinine = creatinine_umol_l(p)
    if creatinine is not None and p.age is None:  # above the table: refused whatever the age
        _eular_mg_per_kg(0.0, creatinine, override)
    if p.age is None or creatinine is None:
        trace.warn("age or creatinine not given: the EULAR age/creatinine reduction is not checked", code="cyclophosphamide.eular_reduction.not_checked", severity="high")
        return 1.0
    try:
        reduced = _eular_mg_per_kg(p.age, creatinine, override)
    except ContraindicationError:
        # above the table (500 umol/L): no pulse by default, reduced or not (clinical rules,
        # "above it plexodose refuses a pulse by default"); an override gives one
        raise
    share = reduced / EULAR_STANDARD_MG_PER_KG
    umol = _umol(creatinine)  # as written beside the table's columns
    if apply and creatinine > EULAR_CREATININE_UMOL_L[1]:
        trace.warn(
            f"creatinine {umol} umol/L is above the EULAR table; its 300-500 column is "
            f"used on override: {override}",
            source=src.EULAR_CYCLOPS,
            code="cyclophosphamide.eular_reduction.override", severity="high",
        )
    if share == 1:
        return 1.0
    if apply:
        trace.step(
            "EULAR/CYCLOPS reduction for age {:,g} and creatinine {} umol/L: {} of the pulse "
            "(the table's mg/kg shares, applied to a g/m2 pulse)",
            p.age,
            umol,
            fmt.percent(share),
            source=src.EULAR_CYCLOPS,
        )
        return share
    trace.warn(
        f"EULAR/CYCLOPS reduces pulses to {fmt.percent(share)} for age {p.age:,g} and creatinine {umol} umol/L; pass age_renal_reduction=True to apply it",
        source=src.EULAR_CYCLOPS,
        code="cyclophosphamide.eular_reduction.not_applied", severity="high",
    )
    return 1.0


def _umol(creatinine: float) -> str:
    """A creatinine beside the EULAR table's columns (300, 500 umol/L): never reads as one."""
    return fmt.against(creatinine, *EULAR_CREATININE_UMOL_L, decimals=0)


def _eular_mg_per_kg(age: float, creatinine: float, override: str | None) -> float:
    low, high = EULAR_CREATININE_UMOL_L
    if creatinine > high and override is None:
        raise ContraindicationError(
            f"creatinine {_umol(creatinine)} umol/L is above {high:,g}: the EULAR table has no "
            "pulse dose there; dose individually (override='reason' uses the 300-500 column)",
            field="serum_creatinine",
            value=creatinine,
        )
    younger, middle, older = EULAR_TABLE
    row = younger if age < 60 else middle if age <= 70 else older
    return row[0] if creatinine < low else row[1]


def cyclophosphamide_pulse_reduction(
    patient: Patient,
    *,
    mg_per_kg: float = 15.0,
    max_pulse_mg: float = PULSE_MAX_MG,
    override: str | None = None,
) -> PulseReduction:
    """The EULAR 2009 / CYCLOPS pulse for age and creatinine, scaled to ``mg_per_kg``, never
    above ``max_pulse_mg`` (1.2 g, the CYCLOPS handbook; up to the 1.5 g of secondary
    summaries with an override).

    >>> from plexodose import Patient
    >>> cyclophosphamide_pulse_reduction(Patient.example()).reduced_mg_per_kg  # age 60-70
    12.5
    """
    p, override, trace = begin(
        patient, override, src.EULAR_CYCLOPS, src.CYCLOPS_PULSE_MAX, pulse=True
    )
    standard = positive(u.plain_number(mg_per_kg, "mg_per_kg"), "mg_per_kg")
    most = positive(u.plain_number(max_pulse_mg, "max_pulse_mg"), "max_pulse_mg")
    protocol_range(
        trace, "max_pulse_mg", most, 1, PULSE_MAX_MG, "mg", override, src.CYCLOPS_PULSE_MAX
    )
    hard_cap("max_pulse_mg", most, PULSE_MAX_SECONDARY_MG, "mg", src.CYCLOPS_PULSE_MAX)
    protocol_range(
        trace,
        "mg_per_kg",
        standard,
        EULAR_STANDARD_MG_PER_KG,
        EULAR_STANDARD_MG_PER_KG,
        "mg/kg",
        override,
        src.EULAR_CYCLOPS,
    )
    age = p.need("age", "the EULAR pulse reduction")
    p.need("serum_creatinine", "the EULAR pulse reduction")
    creatinine = creatinine_umol_l(p)
    assert creatinine is not None
    table = _eular_mg_per_kg(age, creatinine, override)
    umol = _umol(creatinine)  # as written beside the table's columns
    if creatinine > EULAR_CREATININE_UMOL_L[1]:
        trace.warn(
            f"creatinine {umol} umol/L is above the table; 300-500 column used on "
            f"override: {override}",
            code="cyclophosphamide.pulse_reduction.override", severity="high",
        )
    reduced = standard * table / EULAR_STANDARD_MG_PER_KG
    dose = reduced * p.weight_kg
    trace.step(
        "age {:,g}, creatinine {} umol/L: {:,g} of 15 mg/kg -> {:,.5g} mg/kg x {} kg = {} mg",
        age,
        umol,
        table,
        reduced,
        fmt.Amount(p.weight_kg),
        fmt.Amount(dose),
    )
    cap_applied = dose > most
    if cap_applied:
        trace.step("capped at {:,g} mg per pulse (from {} mg)", most, fmt.Amount(dose))
        trace.warn(
            f"{fmt.mass_mg(dose)} is above the {most:,g} mg per-pulse maximum: {most:,g} mg given",
            source=src.CYCLOPS_PULSE_MAX,
            code="cyclophosphamide.pulse.capped", severity="high",
        )
        dose = most
    _mesna(trace)
    return PulseReduction._of(
        *trace.record(override),
        standard,  # standard_mg_per_kg
        reduced,  # reduced_mg_per_kg
        p.weight_kg,  # weight_kg
        dose,  # dose_mg
        (Limit("per-pulse maximum", most, "dose", src.CYCLOPS_PULSE_MAX),),  # limits
        cap_applied,  # cap_applied
    )


def cyclophosphamide_next_pulse(
    previous: CyclophosphamidePulse,
    *,
    nadir_wbc: Any = None,
    pre_pulse_wbc: Any = None,
    pre_pulse_neutrophils: Any = None,
    cut_fraction: float = 0.2,
    override: str | None = None,
    patient: Patient | None = None,
    on: Any = None,
    last_raised: Any = None,
) -> CyclophosphamidePulse:
    """The next pulse after ``previous``, titrated on the nadir and pre-pulse counts.

    Nadir WBC below 2,000/uL cuts the next pulse by ``cut_fraction`` (10-20 %, default 20 %);
    at or above it the pulse rises 25 %, never past 1 g/m2 (1.6 g/m2 with an override).
    Pre-pulse WBC 2,000-3,000/uL gives half; below 2,000/uL holds the pulse.

    ``patient``: the patient now, checked as every calculator checks it (a weight or height
    older than 7 days on the decision date is refused unless confirmed) and listed on the
    result's ``values_used`` with dates and origins; its BSA must be within 5 % of the one
    behind ``previous`` (5 % or more asks for a recalculation: ``cyclophosphamide_iv``, or
    ``review(previous, ..., patient=)`` with the new pulse beside the last). Without it the
    result lists the values behind ``previous``, whose BSA it reuses, as they were.
    ``on`` (the date of this pulse) and ``last_raised`` (the date of the last raise): on an
    override from 1.4 g/m2, a second raise in one calendar month is refused (Michigan step
    rule, an absolute limit); without both dates the result says it was not checked.

    >>> from plexodose import Patient
    >>> first = cyclophosphamide_iv(Patient.example(), g_per_m2=0.5)
    >>> cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL").g_per_m2  # 0.5 x 1.25
    0.625
    """
    if not isinstance(previous, CyclophosphamidePulse):
        raise InputRangeError(
            "previous must be the CyclophosphamidePulse of the last pulse",
            field="previous",
            value=previous,
        )
    day = None if on is None else checked_date(on, "on", _prov.EARLIEST, _prov.LATEST)
    raised_on = None if last_raised is None else checked_date(
        last_raised, "last_raised", _prov.EARLIEST, _prov.LATEST)
    if day is not None and raised_on is not None and raised_on > day:
        raise InputRangeError(
            f"last_raised {raised_on.isoformat()} is after this pulse ({day.isoformat()}): the "
            "last raise is one already given",
            field="last_raised",
            value=raised_on,
        )
    if patient is None:
        override = reason(override)
        trace = Trace(src.CYCLOPHOSPHAMIDE_NADIR)
        trace.used = previous.values_used  # the values behind the BSA this pulse reuses
    else:
        _, override, trace = begin(_on_pulse_date(patient, day), override,
                                   src.CYCLOPHOSPHAMIDE_NADIR, pulse=True)
        _same_bsa(patient, previous, trace)
    cut = fraction(cut_fraction, "cut_fraction")
    protocol_range(trace, "cut_fraction", cut, *NADIR_CUT, "", override, src.CYCLOPHOSPHAMIDE_NADIR)
    if nadir_wbc is None and pre_pulse_wbc is None and pre_pulse_neutrophils is None:
        raise InputRangeError(
            'give nadir_wbc, pre_pulse_wbc or pre_pulse_neutrophils, such as "2500 /uL"',
            field="nadir_wbc",
        )
    rate = previous.g_per_m2
    ceiling = IV_HARD_MAX_G_PER_M2 if override is not None else IV_G_PER_M2[1]
    limits = _pulse_limits(previous.dosing_bsa_m2, override)
    if nadir_wbc is not None:
        rate = _after_nadir(rate, wbc_per_ul(nadir_wbc, "nadir_wbc"), cut, ceiling, trace)
        if rate > previous.g_per_m2 and override is not None:
            raised, rate = rate, _michigan_step(previous.g_per_m2, rate, trace, day, raised_on)
            if rate < raised:  # the step is this pulse's limit: prepared never past it
                limits += (Limit("Michigan step", rate * 1000 * previous.dosing_bsa_m2
                                 * previous.reduction, "dose", src.MICHIGAN_STEP),)
    dose = rate * 1000 * previous.dosing_bsa_m2 * previous.reduction
    trace.step(
        "next pulse = {:,.5g} g/m2 x {} m2{} = {} mg",
        rate,
        fmt.Bsa(previous.dosing_bsa_m2),
        "" if previous.reduction == 1 else f" x {previous.reduction:.4g} (EULAR reduction kept)",
        fmt.Amount(dose),
    )
    held = False
    if pre_pulse_wbc is not None:
        wbc = wbc_per_ul(pre_pulse_wbc, "pre_pulse_wbc")
        if wbc < PRE_PULSE_HOLD_BELOW:
            held, dose = True, 0.0
            trace.warn(f"pre-pulse WBC {wbc:,.0f}/uL is below 2,000: hold the pulse", code="cyclophosphamide.wbc.hold", severity="high")
        elif wbc <= PRE_PULSE_HALF_UP_TO:
            dose /= 2
            trace.warn(f"pre-pulse WBC {wbc:,.0f}/uL is 2,000-3,000: give 50 % ({fmt.mass_mg(dose)})", code="cyclophosphamide.wbc.reduced", severity="high")
    if pre_pulse_neutrophils is not None and not held:
        neutrophils = wbc_per_ul(pre_pulse_neutrophils, "pre_pulse_neutrophils")
        if neutrophils < NEUTROPHILS_CUT_BELOW:
            dose *= 1 - NEUTROPHILS_CUT
            trace.warn(
                f"neutrophils {neutrophils:,.0f}/uL below 1.5 x10^9/L: cut 25 % ({fmt.mass_mg(dose)}), or postpone",
                source=src.FRENCH_NEUTROPHILS,
                code="cyclophosphamide.neutrophils.reduced", severity="high",
            )
    protocol_range(
        trace,
        "next pulse g_per_m2",
        rate,
        0,
        IV_G_PER_M2[1],
        "g/m2",
        override,
        src.SEED_CYCLOPHOSPHAMIDE,
    )
    hard_cap("next pulse g_per_m2", rate, IV_HARD_MAX_G_PER_M2, "g/m2", src.CYCLOPHOSPHAMIDE_NADIR)
    if not held:
        _mesna(trace)
    return CyclophosphamidePulse._of(
        *trace.record(override),
        rate,  # g_per_m2
        previous.bsa_m2,  # bsa_m2
        previous.bsa_formula,  # bsa_formula
        previous.bsa_cap_m2,  # bsa_cap_m2
        dose,  # dose_mg
        previous.interval_weeks,  # interval_weeks
        previous.reduction,  # reduction
        held,  # held
        limits,  # limits
    )


def _on_pulse_date(patient: Patient, day: dt.date | None) -> Any:
    """The patient, its values judged on the date of this pulse when ``on`` gives it."""
    if day is None or not isinstance(patient, Patient) or patient.on == day:
        return patient  # begin() refuses what is not a Patient
    if patient.on is not None:
        raise InputRangeError(
            f"on {day.isoformat()} differs from the patient's decision date "
            f"{patient.on.isoformat()}: the pulse date is the date its values are judged on",
            field="on",
            value=day,
        )
    return attrs.evolve(patient, on=day)


def _same_bsa(patient: Patient, previous: CyclophosphamidePulse, trace: Trace) -> None:
    """The patient's BSA now (the last pulse's formula) within 5 % of the one behind the last
    pulse, whose BSA the next pulse reuses; 5 % or more is refused: recalculate (clinical rules,
    "A change in weight": never applied silently)."""
    height = patient.height_cm
    if height is None:
        raise patient.missing("height", "the BSA check of the next pulse")
    now = _body.bsa_m2(_body.bsa_formula(previous.bsa_formula), height, patient.weight_kg)
    moved = abs(now - previous.bsa_m2) / previous.bsa_m2
    if round(moved, 9) >= BSA_CHANGE_RECALCULATE:
        raise InputRangeError(
            f"patient: BSA {fmt.bsa_m2(now)} ({fmt.number(height)} cm, "
            f"{fmt.weight_kg(patient.weight_kg)}) differs by {fmt.percent(moved)} from the "
            f"{fmt.bsa_m2(previous.bsa_m2)} behind the last pulse; 5 % or more asks for a "
            "recalculation (clinical rules, 'A change in weight'): calculate the pulse on the new "
            "BSA with cyclophosphamide_iv, or review the last pulse with patient= to see it "
            "beside the last",
            field="patient",
            value=now,
        )
    trace.step(
        "BSA now {} m2 ({}, {:,.5g} cm, {} kg), within 5 % of the {} m2 behind the "
        "last pulse: the last pulse's BSA is kept",
        fmt.Bsa(now),
        previous.bsa_formula,
        height,
        fmt.Amount(patient.weight_kg),
        fmt.Bsa(previous.bsa_m2),
        source=src.BSA,
    )


def _michigan_step(
    before: float, raised: float, trace: Trace, day: dt.date | None, last_raised: dt.date | None
) -> float:
    """The Michigan step rule on an override: a 25 % raise from below 1.4 g/m2 stops at 1.4
    [gap: "reaches 1400" read conservatively]; from 1.4 g/m2 each raise is at most 0.1 g/m2,
    never past 1.6 g/m2, and a second raise in a calendar month is refused (an absolute limit,
    checked when ``day`` and ``last_raised`` are both known)."""
    step_from, step = MICHIGAN_STEP_FROM_G_PER_M2, MICHIGAN_STEP_G_PER_M2
    if before < step_from - 1e-12:
        if raised <= step_from:
            return raised
        trace.step(
            "a 25 % raise would pass 1.4 g/m2: it stops at 1.4 g/m2 (Michigan step rule)",
            source=src.MICHIGAN_STEP,
        )
        return step_from
    limited = min(raised, before + step, IV_HARD_MAX_G_PER_M2)
    trace.step(
        "from 1.4 g/m2 a raise is at most 0.1 g/m2 a calendar month, never past 1.6 g/m2: "
        "{:,.5g} g/m2",
        limited,
        source=src.MICHIGAN_STEP,
    )
    if limited <= before:
        return limited  # no raise: the month's limit has nothing to count
    if day is None or last_raised is None:
        missing = " and ".join(name for name, value in (
            ("on= (the date of this pulse)", day), ("last_raised= (the date of the last raise)",
                                                   last_raised)) if value is None)
        trace.warn(
            "Michigan step rule, at most one raise a calendar month from 1.4 g/m2: not checked: "
            f"no dates (give {missing}); do not give this raise if the last pulse was already "
            "raised this calendar month",
            src.MICHIGAN_STEP,
            code="cyclophosphamide.michigan_step.not_checked", severity="high",
        )
        return limited
    if (day.year, day.month) == (last_raised.year, last_raised.month):
        raise DoseRangeError(
            f"a raise from {fmt.number(before, 3)} to {fmt.number(limited, 3)} g/m2 on "
            f"{day.isoformat()} would be a second raise in the calendar month of the last raise "
            f"(last_raised {last_raised.isoformat()}): from 1.4 g/m2 at most one raise a calendar "
            "month "
            f"({src.MICHIGAN_STEP}); an override does not lift it: give this pulse at the last "
            f"pulse's {fmt.number(before, 3)} g/m2, or raise it from "
            f"{_next_month(last_raised).isoformat()}",
            field="last_raised",
            value=last_raised,
        )
    trace.step(
        "the last raise was on {}, in an earlier calendar month than this pulse ({}): one raise "
        "this month (Michigan step rule)",
        last_raised.isoformat(),
        day.isoformat(),
        source=src.MICHIGAN_STEP,
    )
    return limited


def _next_month(day: dt.date) -> dt.date:
    """The first day of the calendar month after ``day``'s."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _after_nadir(rate: float, nadir: float, cut: float, ceiling: float, trace: Trace) -> float:
    if nadir < NADIR_TARGET_PER_UL:
        trace.step(
            "nadir WBC {:,.0f}/uL is below 2,000: cut {} -> {:,.5g} g/m2",
            nadir,
            fmt.percent(cut),
            rate * (1 - cut),
            source=src.RANGE_LOW_END_GAP,
        )
        return rate * (1 - cut)
    if nadir == NADIR_TARGET_PER_UL:
        trace.step("nadir WBC {:,.0f}/uL is at the 2,000 target: keep {:,.5g} g/m2", nadir, rate)
        return rate
    raised = rate * (1 + NADIR_RAISE)
    if raised <= ceiling:
        trace.step(
            "nadir WBC {:,.0f}/uL is above the 2,000 target: raise 25 % -> {:,.5g} g/m2", nadir, raised
        )
        return raised
    kept = max(rate, ceiling)  # never lower a pulse because the count was good
    trace.step(
        "nadir WBC {:,.0f}/uL: a 25 % rise would pass {:,g} g/m2; {:,.5g} g/m2",
        nadir,
        ceiling,
        kept,
    )
    return kept
