"""One function per drug: the scalar calculator's rule on arrays, from the scalar module's numbers.

Each takes the drug's rows (:class:`Rows`) and returns its :class:`Range`: the calculator's dose
at the two ends of the protocol, the hard cap, and the band the audit accepts, which adds what
the calculator dispenses for each end (whole tablets or vials, never past a maximum), with the
order screen's own constants (:mod:`plexodose._screening.screen`) where it has them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from plexodose._core import limits as lim
from plexodose._dosing.calculation import UMOL_PER_L_PER_MG_DL
from plexodose._drugs import azathioprine as aza
from plexodose._drugs import ciclosporin as csa
from plexodose._drugs import cyclophosphamide as cyc
from plexodose._drugs import ivig as ivg
from plexodose._drugs import mycophenolate as mmf
from plexodose._patient import body as _body
from plexodose._screening import screen as _screen
from plexodose.batch import _dispensing as dispensing

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Notes = npt.NDArray[np.uint16]

# What an audit could not check for a row, by key; a row's note joins those that apply.
NOTES = {
    "regimen": "the daily amount only: the number of days, the course total and the interval "
               "between courses are not audited",
    "obesity": "height and sex not both given: the IVIg dosing weight (adjusted above BMI 30) "
               "cannot be chosen; only 1 g/kg/day of actual weight is checked",
    "genotype": "range for normal TPMT/NUDT15 metabolizers (genotype not audited)",
    "renal reduction": "age, sex or serum_creatinine not given: renal reduction not checked",
    "creatinine limit": "serum_creatinine not given: creatinine limit not checked",
    "EULAR": "age or serum_creatinine not given: the EULAR age/creatinine reduction not "
             "checked",
    "eGFR limit": f"age, sex or serum_creatinine not given: eGFR < {mmf.LOW_EGFR:g} limit not "
                  "checked",
    "ciclosporin renal": f"age, sex or serum_creatinine not given: the eGFR < {csa.MIN_EGFR:g} "
                         "contraindication not checked",
    "ideal weight": "the Devine ideal weight at this height is outside the plausible "
                    f"{lim.WEIGHT_KG[0]:g}-{lim.WEIGHT_KG[1]:g} kg: the calculator refuses to dose "
                    "on it, so no range is audited",
    "frequency": "doses_per_day not given: read as the protocol's",
    # warnings within the rules (the screen's findings that warn)
    "ciclosporin label": f"above the label's {csa.LABEL_MAX_MG_PER_KG_DAY:g} mg/kg/day (within "
                         f"the seed's {csa.MG_PER_KG_DAY[1]:g}): a warning",
    "EULAR share": "above the EULAR/CYCLOPS pulse for age and creatinine: consider the reduction "
                   "(a warning)",
}
# The scalar kernels used here are plain arithmetic, so they run elementwise on arrays unchanged.
_kernels: Any = _body
NOTE_BIT = {key: np.uint16(1 << i) for i, key in enumerate(NOTES)}
NOTE_TEXTS = tuple("; ".join(text for bit, text in enumerate(NOTES.values()) if bits >> bit & 1)
                   for bits in range(1 << len(NOTES)))


class Rows:
    """One drug's rows: canonical floats (kg, cm, years, mg/dL; NaN where not given)."""

    __slots__ = ("age", "creatinine", "female", "height", "male", "per_day", "weight")

    def __init__(self, weight: Floats, height: Floats, age: Floats, creatinine: Floats,
                 female: Bools, male: Bools, per_day: Floats) -> None:
        self.weight, self.height, self.age, self.creatinine = weight, height, age, creatinine
        self.female, self.male, self.per_day = female, male, per_day

    def sex_known(self) -> Bools:
        return self.female | self.male

    def renal_known(self) -> Bools:
        return ~np.isnan(self.age) & ~np.isnan(self.creatinine) & self.sex_known()

    def ideal_weight(self) -> Floats:
        """Devine ideal weight (NaN where height or sex is not given)."""
        return self.by_sex(lambda sex: _kernels.ideal_body_weight_value(self.height, sex))

    def by_sex(self, kernel: Callable[[str], Floats]) -> Floats:
        """``kernel(sex)`` for each row's sex, NaN where not given: both on every row, then
        chosen (cheaper than selecting each sex's rows)."""
        return np.where(self.female, kernel("female"),
                        np.where(self.male, kernel("male"), np.nan))


def _implausible(ideal: Floats) -> Bools:
    """Rows whose ideal weight exists but is not a plausible weight (as _body.ideal_weight_kg,
    which refuses them): a formula used outside the heights it was made for."""
    low, high = lim.WEIGHT_KG
    return ~np.isnan(ideal) & ((ideal < low) | (ideal > high))


class Range(NamedTuple):
    """Per row, in mg per day (per pulse for IV cyclophosphamide); NaN where there is none.

    ``contraindicated``: the patient's condition refuses the drug by default; ``dosing_kg``: the
    IVIg dosing weight (NaN for the other drugs); ``warn_above``: above it an order within the
    rules warns (ciclosporin's label, the EULAR share). Mycophenolate's limits a dose (500 and
    1,500 mg) are the same for every row: :data:`MYCOPHENOLATE_PER_DOSE`."""

    low: Floats
    high: Floats
    cap: Floats
    accepted_low: Floats
    accepted_high: Floats
    contraindicated: Bools
    dosing_kg: Floats
    warn_above: Floats
    notes: Notes


MYCOPHENOLATE_PER_DOSE = (mmf.MG_PER_DOSE[0], mmf.MAX_MG_PER_DOSE)  # under: below; over: hard


def add_note(notes: Notes, mask: Bools, key: str) -> None:
    """Add the note ``key`` to the rows of ``mask`` (few rows: set on those only)."""
    notes[np.flatnonzero(mask)] |= NOTE_BIT[key]


def _notes(size: int, **where: Bools | bool) -> Notes:
    notes = np.zeros(size, dtype=np.uint16)
    for key, mask in where.items():
        notes |= np.multiply(mask, NOTE_BIT[key.replace("_", " ")], dtype=np.uint16)  # no selection
    return notes


def _band(low: Floats, high: Floats, dispensed_low: Floats, dispensed_high: Floats
          ) -> tuple[Floats, Floats]:
    return np.minimum(low, dispensed_low), np.maximum(high, dispensed_high)


def _every(size: int, value: float) -> Floats:
    return np.full(size, value)


def _none(size: int) -> Bools:
    return np.zeros(size, dtype=bool)


def _settled(values: Floats) -> Floats:
    """:func:`plexodose._drugs.ivig.settled` on arrays: without unit-conversion noise (9 decimals)."""
    return np.round(values, 9)


# The daily rates (g/kg) the screen takes as a course: the seed's, and 1 g/kg over 1-4 days.
IVIG_RATES = tuple(dict.fromkeys((*ivg.SEED_REGIMENS,
                                  *(1.0 / n for n in _screen.IVIG_MAINTENANCE_DAYS))))


def ivig(r: Rows) -> Range:
    """``ivig()`` at the seed's daily rates on the auto weight basis (BMI over 30). The amounts
    within are those of :func:`ivig_course`: the band's ends are its lowest and highest. As the
    screen: without height and sex no dosing weight is chosen (NaN), and the cap is 1 g/kg/day
    of actual weight (the dosing weight is never above it)."""
    w, h, n = r.weight, r.height, r.weight.size
    known = ~np.isnan(h) & r.sex_known()
    ideal = r.ideal_weight()
    adjusted = _kernels.adjusted_body_weight_value(w, ideal)
    # Transfusion Ontario (2026-12-07): adjusted only at 152.4 cm or over; actual below
    tall = _settled(h) >= ivg.ONTARIO_MIN_HEIGHT_CM
    obese = known & tall & (_settled(_kernels.bmi_value(w, h)) > ivg.OBESE_BMI)
    refused = obese & _implausible(ideal)  # the calculator needs the ideal weight only then
    target = np.where(refused | ~known, np.nan, np.where(obese, adjusted, w))
    dosing = np.where(_settled(w) < _settled(target), w, target)  # never above actual
    low_g, high_g = (rate * dosing for rate in (min(ivg.SEED_REGIMENS), max(ivg.SEED_REGIMENS)))
    cap_g = ivg.MAX_G_PER_KG_DAY * np.where(known, dosing, w)
    lowest = np.full(n, np.inf)
    for rate in IVIG_RATES:  # each course's lowest amount within: 10 % under, or its 5 g
        calculated = rate * dosing
        nearest = _nearest_5_g(calculated)
        lowest = np.minimum(lowest, np.where(nearest > 0, np.minimum(nearest, calculated * 0.9),
                                             calculated * 0.9))
    return Range(low_g * 1000, high_g * 1000, cap_g * 1000, lowest * 1000,
                 ivg.MAX_G_PER_KG_DAY * dosing * 1000, _none(n), dosing, _every(n, np.nan),
                 _notes(n, regimen=True, obesity=~known, ideal_weight=refused))


def _nearest_5_g(grams: Floats) -> Floats:
    return np.round(grams / ivg.ROUND_TO_G) * ivg.ROUND_TO_G  # half to even, as round()


def ivig_course(day_mg: Floats, dosing_kg: Floats) -> Bools:
    """Whether each daily amount counts as a course's (the screen's ``_counts_as``): within
    10 % of a rate's amount (|g - rate x kg| <= 10 % of it, taken as g/kg within 10 % of the
    rate), or that amount's nearest 5 g (looked for on the rows still left)."""
    day_g = day_mg / 1000
    per_kg = day_g / dosing_kg
    found = np.zeros(day_g.size, dtype=bool)
    for rate in IVIG_RATES:
        margin = rate * _screen.IVIG_ROUNDING * (1 + _screen.EDGE)
        found |= (per_kg >= rate - margin) & (per_kg <= rate + margin)
    left = np.flatnonzero(~found)
    grams, weight = day_g[left], dosing_kg[left]
    for rate in IVIG_RATES:
        nearest = _nearest_5_g(rate * weight)
        found[left] |= np.abs(grams - nearest) <= 1e-9 * np.maximum(1.0, nearest)
    return found


def azathioprine(r: Rows) -> Range:
    """``azathioprine()`` at 1 and 2 mg/kg/day: capped, then the renal share (Cockcroft-Gault on
    the lower of actual and ideal weight); normal TPMT/NUDT15."""
    w, n = r.weight, r.weight.size
    known = r.renal_known()
    ideal = r.ideal_weight()
    refused = known & _implausible(ideal)  # Cockcroft-Gault on it: the calculator refuses
    w = np.where(refused, np.nan, w)
    lower = np.where(ideal < w, ideal, w)  # no height (NaN ideal): actual
    crcl = r.by_sex(lambda sex: _kernels.creatinine_clearance_value(r.age, lower, sex,
                                                                     r.creatinine))
    share = np.ones(n)
    decided = ~known
    widest = max(below for below, _ in aza.RENAL_STEPS)
    for below, kept in aza.RENAL_STEPS:  # as _azathioprine._renal: the widest band is closed
        hit = ~decided & ((crcl < below) | ((crcl <= below) & (below == widest)))
        share[hit] = kept
        decided |= hit
    low, high = (np.minimum(rate * w, aza.CAP_MG_PER_DAY) * share for rate in aza.MG_PER_KG_DAY)
    # a renally reduced range's upper end is a limit too (the calculator's): tablets never pass it
    per_dose_max = np.where(share != 1, high, aza.CAP_MG_PER_DAY) / r.per_day
    tablets = (dispensing.oral_daily("azathioprine", end, r.per_day, per_dose_max)
               for end in (low, high))
    return Range(low, high, _every(n, aza.CAP_MG_PER_DAY), *_band(low, high, *tablets),
                 _none(n), _every(n, np.nan), _every(n, np.nan),
                 _notes(n, genotype=True, renal_reduction=~known, ideal_weight=refused))


def cyclophosphamide_oral(r: Rows) -> Range:
    """``cyclophosphamide_oral()`` at 1 and 2 mg/kg/day: the creatinine band, at most 200 mg.
    The band's mg/kg is an absolute limit (the reference), so it is the cap too."""
    w, n = r.weight, r.weight.size
    umol = np.round(r.creatinine * UMOL_PER_L_PER_MG_DL, 6)  # as _common.creatinine_umol_l
    limit = np.full(n, cyc.ORAL_MG_PER_KG_DAY[1])  # as _cyclophosphamide._oral_renal_limit
    from_, over = cyc.ORAL_CREATININE_BANDS_UMOL_L
    limit[umol >= from_] = cyc.ORAL_FROM_250_UMOL_L
    limit[umol > over] = cyc.ORAL_OVER_500_UMOL_L
    low, high = (np.minimum(np.minimum(rate, limit) * w, cyc.ORAL_MAX_MG_PER_DAY)
                 for rate in cyc.ORAL_MG_PER_KG_DAY)
    cap = np.minimum(limit * w, cyc.ORAL_MAX_MG_PER_DAY)
    # 25/50 mg tablets (2026-12-07), never past a daily limit (200 mg, the band's mg/kg)
    tablets = (dispensing.oral_daily("cyclophosphamide", end, r.per_day, cap / r.per_day)
               for end in (low, high))
    return Range(low, high, cap, *_band(low, high, *tablets), _none(n), _every(n, np.nan),
                 _every(n, np.nan),
                 _notes(n, creatinine_limit=np.isnan(umol)))


def cyclophosphamide_iv(r: Rows) -> Range:
    """``cyclophosphamide_iv()`` at 0.3 and 1 g/m2 on the Mosteller BSA, no BSA cap. Above the
    EULAR/CYCLOPS share for age and creatinine a pulse warns (the screen: the calculator applies
    it on request); above the table's 500 umol/L a pulse is refused by default."""
    n = r.weight.size
    bsa = np.sqrt(r.height * r.weight / _body.MOSTELLER_DIVISOR)  # BSA_FORMULAS["mosteller"]
    table, known, beyond = _eular(r)
    share = table / cyc.EULAR_STANDARD_MG_PER_KG  # as the screen's _eular_share
    low, high = (rate * 1000 * bsa for rate in cyc.IV_G_PER_M2)
    warn = np.where(known & (share < 1), cyc.IV_G_PER_M2[1] * share * 1000 * bsa, np.nan)
    return Range(low, high, cyc.IV_HARD_MAX_G_PER_M2 * 1000 * bsa, low, high, beyond,
                 _every(n, np.nan), warn,
                 _notes(n, EULAR=np.isnan(r.age) | np.isnan(r.creatinine)))


def _eular(r: Rows) -> tuple[Floats, Bools, Bools]:
    """(the EULAR/CYCLOPS table's mg/kg for age and creatinine (NaN where it gives none),
    whether it gives one, whether creatinine is beyond the table's 500 umol/L)."""
    umol = np.round(r.creatinine * UMOL_PER_L_PER_MG_DL, 6)  # as _common.creatinine_umol_l
    table = np.array(cyc.EULAR_TABLE)
    older = np.where(r.age < 60, 0, np.where(r.age <= 70, 1, 2))  # as _eular_mg_per_kg
    column = np.where(umol < cyc.EULAR_CREATININE_UMOL_L[0], 0, 1)
    beyond = umol > cyc.EULAR_CREATININE_UMOL_L[1]  # whatever the age (NaN: False)
    known = ~np.isnan(r.age) & ~np.isnan(umol) & ~beyond
    return np.where(known, table[older, column], np.nan), known, beyond


def ciclosporin(r: Rows) -> Range:
    """``cyclosporin()`` at 2.5 and 5 mg/kg/day in two doses; 5 mg/kg/day is also the ceiling,
    so capsules are rounded down where the nearest would pass it. Below eGFR 60 the calculator
    refuses to start it without a reason: contraindicated (the range is still audited)."""
    n, w = r.weight.size, r.weight
    known = r.renal_known()
    refused = known & (egfr(r.age, r.female, r.creatinine) < csa.MIN_EGFR)
    low, high = (rate * w for rate in csa.MG_PER_KG_DAY)
    ceiling = csa.MG_PER_KG_DAY[1] * w
    capsules = (dispensing.oral_daily("ciclosporin", end, r.per_day, ceiling / r.per_day)
                for end in (low, high))
    return Range(low, high, ceiling, *_band(low, high, *capsules), refused, _every(n, np.nan),
                 csa.LABEL_MAX_MG_PER_KG_DAY * w, _notes(n, ciclosporin_renal=~known))


def mycophenolate(r: Rows) -> Range:
    """``mycophenolate()`` from 500 to 1,500 mg a dose and 1,000 to 3,000 mg a day; below eGFR
    25 at most 2,000 mg a day, whatever the number of doses (the label's limit is daily)."""
    n = r.weight.size
    known = r.renal_known()
    low_egfr = known & (egfr(r.age, r.female, r.creatinine) < mmf.LOW_EGFR)
    per_day = np.where(low_egfr, mmf.LOW_EGFR_MAX_MG_PER_DAY, mmf.MAX_MG_PER_DAY)
    low, high = (np.minimum(dose * mmf.DOSES_PER_DAY, per_day) for dose in mmf.MG_PER_DOSE)
    per_dose = np.minimum(mmf.MAX_MG_PER_DOSE, per_day / r.per_day)
    tablets = (dispensing.oral_daily("mycophenolate", end, r.per_day, per_dose)
               for end in (low, high))
    return Range(low, high, per_day, *_band(low, high, *tablets), _none(n), _every(n, np.nan),
                 _every(n, np.nan), _notes(n, eGFR_limit=~known))


def egfr(age: Floats, female: Bools, scr_mg_dl: Floats) -> Floats:
    """:func:`plexodose._patient.body.egfr_value` on arrays: the same constants in the same order."""
    # Each row's own sex constants (male where not female, as egfr_value reads the sex).
    kappa, alpha, factor = (np.where(female, f, m) for f, m in zip(
        _body.CKD_EPI_SEX["female"], _body.CKD_EPI_SEX["male"], strict=True))
    ratio = scr_mg_dl / kappa
    value = (_body.CKD_EPI_SCALE * np.minimum(ratio, 1.0) ** alpha
             * np.maximum(ratio, 1.0) ** _body.CKD_EPI_HIGH_EXPONENT
             * _body.CKD_EPI_AGE_BASE ** age)
    return value * factor


def cyclophosphamide_iv_mg_per_kg(r: Rows) -> Range:
    """``cyclophosphamide_pulse_reduction()`` at 15 mg/kg: the EULAR/CYCLOPS table for age and
    creatinine (NaN without both; above its 500 umol/L a pulse is refused by default), at most
    1.2 g a pulse."""
    n = r.weight.size
    table, _, beyond = _eular(r)
    reduced = cyc.EULAR_STANDARD_MG_PER_KG * table / cyc.EULAR_STANDARD_MG_PER_KG  # as scalar
    pulse = np.minimum(reduced * r.weight, cyc.PULSE_MAX_MG)
    return Range(pulse, pulse.copy(), _every(n, cyc.PULSE_MAX_MG), pulse.copy(), pulse.copy(),
                 beyond, _every(n, np.nan), _every(n, np.nan), _notes(n))


RULES = (ivig, azathioprine, cyclophosphamide_oral, cyclophosphamide_iv, ciclosporin,
         mycophenolate, cyclophosphamide_iv_mg_per_kg)
"""In the order of :data:`plexodose.batch.DRUGS`."""
