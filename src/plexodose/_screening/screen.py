"""Screen one order for one patient on one date (dosing-rules.md, "Screening an order someone
else wrote").

Each drug's function judges the order's dimensions (per dose, per day, frequency, interval,
course, cumulative, condition) on plain floats and returns its findings. The patient's own range
comes from the calculators themselves, run at the range's two ends: a calculator's dose, as
dispensed, screens within by construction, and a change to a calculator moves the screen with it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core.checks import checked_date
from plexodose._core.errors import ContraindicationError, InputRangeError, PlexodoseError, safe_repr
from plexodose._core.sources import Source
from plexodose._dosing.calculation import creatinine_umol_l, values_used
from plexodose._dosing.results import DailyDose
from plexodose._dosing.trace import Trace
from plexodose._drugs import azathioprine as aza
from plexodose._drugs import ciclosporin as csa
from plexodose._drugs import cyclophosphamide as cyc
from plexodose._drugs import ivig as ivg
from plexodose._drugs import mycophenolate as mmf
from plexodose._patient import body as _body
from plexodose._patient.patient import Patient
from plexodose._patient.provenance import EARLIEST
from plexodose._screening import table
from plexodose._screening.exposure import Exposure, exposure_of
from plexodose._screening.order import Order, safe_order
from plexodose._screening.verdict import Category, Dimension, OrderFinding, Screening, overall

_MOSTELLER = _body.bsa_formula("mosteller")
EDGE = 1e-9  # relative: a float at a range's edge is at the edge (67.5 kg in lb is not above)
PROTOCOL_TIMES = {"ivig": 1, "azathioprine": 1, "cyclophosphamide_oral": 1,
                  "cyclophosphamide_iv": 1, "ciclosporin": 2, "mycophenolate": 2}
ALLOWED_TIMES = {"ivig": (1,), "azathioprine": (1, 2), "cyclophosphamide_oral": (1,),
                 "cyclophosphamide_iv": (1,), "ciclosporin": (2,), "mycophenolate": (2,)}
CUMULATIVE_WARN_G = (20.0, 36.0, 50.0)  # [guideline] Travis 1995 (20, 50), Faurschou 2008 (36)
IVIG_MAINTENANCE_DAYS = (1, 2, 3, 4)  # [label] 1 g/kg in total over 1-4 days
IVIG_MIN_INTERVAL_DAYS = 21.0  # [gap] maintenance every 3 weeks
IVIG_ROUNDING = 0.10  # [secondary] within 10 % of the calculated amount counts as it
DURATION_WARN_DAYS = 90  # [seed] judging failure before 3-6 months


def above(value: float, limit: float) -> bool:
    return value > limit * (1 + EDGE)


def below(value: float, limit: float) -> bool:
    return value < limit * (1 - EDGE)


@attrs.define
class _Work:
    """What one screen collects as it goes (mutable inside the screen only)."""

    order: Order
    patient: Patient
    on: dt.date
    findings: list[OrderFinding] = attrs.Factory(list)
    not_checked: list[str] = attrs.Factory(list)
    basis: str = ""
    range_text: str = ""
    calculated_text: str = ""
    suggested_mg: float | None = None
    suggested_text: str = ""
    notes: list[str] = attrs.Factory(list)

    def add(self, dimension: Dimension, category: Category, text: str, source: Source,
            warning: bool = False) -> None:
        self.findings.append(OrderFinding(dimension=dimension, category=category, text=text,
                                     source=source, warning=warning))

    def missing(self, text: str) -> None:
        self.not_checked.append(text)


def screen(
    order: Any,
    patient: Any,
    *,
    on: Any = None,
    prior_cyclophosphamide: Any = None,
    history: Any = None,
    allopurinol: bool = False,
    last_pulse: Any = None,
    last_raised: Any = None,
    labs: Any = None,
) -> Screening:
    """Screen ``order`` for ``patient`` on ``on`` (the patient's ``on``, else today).

    ``prior_cyclophosphamide`` (a mass such as ``"12 g"``) or ``history`` (past administrations:
    see :func:`plexodose.cyclophosphamide_exposure`) give the cumulative cyclophosphamide before
    this order; without either it is "not known: not checked", never zero. ``allopurinol``: the
    patient takes it (azathioprine). ``last_pulse``: the last IV cyclophosphamide pulse (``"1.2
    g/m**2"`` or ``"1,400 mg"``), for the raise rules; ``last_raised``: the date of the last raise
    (the Michigan rule allows one raise a calendar month from 1.4 g/m2). ``labs``: the pre-pulse results (a
    :class:`plexodose.Labs`), for an IV pulse.

    >>> from plexodose import Order, Patient, screen
    >>> order = Order(drug="azathioprine", dose="100 mg", times_per_day=2)  # 200 mg a day
    >>> screen(order, Patient.example()).verdict  # above the seed's 150 mg/day
    'above_hard'
    """
    o = safe_order(order)
    if not isinstance(patient, Patient):
        raise InputRangeError(
            f"patient must be a plexodose.Patient; got {type(patient).__name__}",
            field="patient", value=patient)
    if on is not None:
        patient = attrs.evolve(patient, on=on)  # the patient's own date check
    day = patient.on if patient.on is not None else dt.date.today()
    exposure = exposure_of(prior_cyclophosphamide, history, day)
    allopurinol_taken = _flag(allopurinol, "allopurinol")
    w = _Work(order=o, patient=patient, on=day)
    used: tuple[Any, ...] = ()
    try:
        trace = Trace()
        used = values_used(patient, trace, pulse=o.drug in ("ivig", "cyclophosphamide_iv"))
        w.notes += trace.warnings  # a confirmed stale value, a changed window: said, not dropped
        _RULES[o.drug](w, exposure=exposure, allopurinol=allopurinol_taken,
                       last_pulse=last_pulse, labs=labs,
                       last_raised=None if last_raised is None else checked_date(
                           last_raised, "last_raised", EARLIEST, day))
    except _NotScreened as why:
        w.add(why.dimension, "not_screened", why.text, table.SCREENING)
    except PlexodoseError as exc:
        if exc.field in ("last_pulse", "last_raised", "labs", "allopurinol"):
            raise
        w.add("per_day", "not_screened", f"the patient's values could not be used: {exc}",
              table.SCREENING)
    findings = tuple(w.findings)
    return Screening(
        order=o, on=day, verdict=overall(findings), findings=findings, basis=w.basis,
        range_text=w.range_text, patient=patient, allopurinol=allopurinol_taken,
        suggested_mg=w.suggested_mg, suggested_text=w.suggested_text,
        not_checked=tuple(w.not_checked), notes=tuple(w.notes), values_used=used,
        reason=o.reason)


class _NotScreened(Exception):
    def __init__(self, dimension: Dimension, text: str) -> None:
        super().__init__(text)
        self.dimension, self.text = dimension, text


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InputRangeError(f"{field} must be True or False; got {safe_repr(value)}",
                              field=field, value=value)
    return value


def _times(w: _Work) -> int:
    """The administrations on a dosing day; the protocol's when the order does not say."""
    o = w.order
    if o.times_per_day is not None:
        return o.times_per_day
    default = PROTOCOL_TIMES[o.drug]
    w.missing(f"frequency not stated: read as the protocol's {_times_text(default)}")
    return default


def _times_text(n: int) -> str:
    return {1: "once daily", 2: "twice daily"}.get(n, f"{n} times daily")


def _amounts(w: _Work, times: int, weight: float | None, bsa: float | None) -> tuple[float, float]:
    """(per dose, per dosing day) in mg."""
    o = w.order
    scale = 1.0
    if o.basis == "mg/kg":
        if weight is None:
            raise _NotScreened("per_dose", "the order is per kg and no weight could be used")
        scale = weight
    elif o.basis == "mg/m2":
        if bsa is None:
            raise _NotScreened("per_dose", "the order is per m2 and no BSA could be worked "
                               "out (height and weight are needed)")
        scale = bsa
    amount = o.amount * scale
    if o.per == "day":
        return amount / times, amount
    return amount, amount * times


def _frequency(w: _Work, times: int) -> None:
    o = w.order
    allowed = ALLOWED_TIMES[o.drug]
    shown = " or ".join(_times_text(n) for n in allowed)
    if times in allowed and o.days_per_week == 7:
        w.add("frequency", "within", f"{_times_text(times)}: the protocol's ({shown})",
              table.FREQUENCY)
    elif o.days_per_week != 7:
        w.add("frequency", "above_soft", f"{o.days_per_week} days a week: not the protocol's "
              "daily regimen: needs a stated reason", table.FREQUENCY)
    else:
        w.add("frequency", "above_soft",
              f"{_times_text(times)} is not the protocol's {shown}: needs a stated reason",
              table.FREQUENCY)


def calculated_text(order: Order, patient: Patient, allopurinol: bool) -> str:
    """What plexodose would give this patient for the order's drug, in words (built when read:
    the screen itself needs only the range)."""
    w = _Work(order=order, patient=patient, on=patient.on or dt.date.today())
    make, text = _CALCULATED[order.drug](order, patient, allopurinol)
    _calculated(w, make, text)
    return w.calculated_text


def _daily_text(r: DailyDose) -> str:
    return f"{fmt.mass_mg(r.given_per_dose_mg)} {r.frequency}"


_CALCULATED: dict[str, Callable[[Order, Patient, bool], tuple[Callable[[], Any],
                                                               Callable[[Any], str]]]] = {
    "ivig": lambda o, p, a: (lambda: ivg.ivig(p, product=o.product), lambda r:
                             f"{fmt.mass_g(r.given_daily_dose_g)} daily x {r.days} days"),
    "azathioprine": lambda o, p, a: (lambda: aza.azathioprine(p, allopurinol=a), _daily_text),
    "mycophenolate": lambda o, p, a: (lambda: mmf.mycophenolate(p), _daily_text),
    "ciclosporin": lambda o, p, a: (lambda: csa.cyclosporin(p), _daily_text),
    "cyclophosphamide_oral": lambda o, p, a: (lambda: cyc.cyclophosphamide_oral(p), _daily_text),
    "cyclophosphamide_iv": lambda o, p, a: (
        (lambda: cyc.cyclophosphamide_pulse_reduction(p), lambda r: f"{fmt.mass_mg(r.dose_mg, 0)} "
         f"({fmt.number(r.reduced_mg_per_kg)} mg/kg)") if o.basis == "mg/kg" else
        (lambda: cyc.cyclophosphamide_iv(p), lambda r: f"{fmt.mass_mg(r.dose_mg, 0)} every "
         f"{fmt.number(r.interval_weeks)} weeks")),
}


def _calculated(w: _Work, make: Callable[[], Any], text: Callable[[Any], str]) -> Any:
    try:
        result = make()
    except ContraindicationError as exc:
        w.calculated_text = f"none: {exc}"
        return None
    except PlexodoseError as exc:
        w.calculated_text = f"not computed: {exc}"
        return None
    w.calculated_text = text(result)
    return result


def _suggest(w: _Work, mg: float, text: str) -> None:
    w.suggested_mg, w.suggested_text = mg, text


def _dispensed_day(result: DailyDose) -> float:
    return result.given_per_dose_mg * result.doses_per_day


# ---------------------------------------------------------------------------------------------
# IVIg


def _ivig(w: _Work, **rest: Any) -> None:
    o, p = w.order, w.patient
    product = o.product
    try:  # the calculator's own dosing weight (the rule in force), without the whole course
        weighed = Trace()
        weight, basis, why = ivg.dosing_weight(p, "auto", "bmi_over_30", weighed)
    except PlexodoseError as exc:
        raise _NotScreened("per_day", f"no IVIg dosing weight: {exc}") from None
    w.notes += weighed.warnings  # height or sex not given: obesity not checked, and so on
    w.basis = f"IVIg dosing weight {fmt.number(weight)} kg ({basis} body weight: {why})"
    times = _times(w)
    _frequency(w, times)
    _, day_mg = _amounts(w, times, weight, None)
    day_g = day_mg / 1000
    hard = ivg.MAX_G_PER_KG_DAY * weight
    w.range_text = (f"0.4 g/kg/day x 5 ({fmt.mass_g(0.4 * weight)}), 1 g/kg/day x 1-2 "
                    f"({fmt.mass_g(weight)}), 1 g/kg over 1-4 days; at most "
                    f"{fmt.mass_g(hard)}/day")
    shown = f"{fmt.mass_g(day_g)}/day ({fmt.number(day_g / weight, 3)} g/kg/day)"
    if above(day_g, hard):
        w.add("per_day", "above_hard", f"{shown} is above 1 g/kg/day ({fmt.mass_g(hard)}): "
              "an absolute limit", src.IVIG_MAX_DAILY_GAP)
        _suggest_course(w, product)
        return
    days = o.days
    regimens = _ivig_regimens(days)
    matched = [rate for rate in regimens if _counts_as(day_g, rate * weight, product)]
    if matched:
        rate = matched[0]
        w.add("per_day", "within", f"{shown} counts as {fmt.number(rate, 3)} g/kg/day "
              f"({fmt.mass_g(rate * weight)}, after rounding)", src.SEED_IVIG)
    else:
        w.add("per_day", "above_soft", f"{shown} is not a seed or labelled course "
              "(0.4 g/kg/day x 5, 1 g/kg/day x 1-2, 1 g/kg over 1-4 days): needs a stated reason",
              src.SEED_IVIG)
        _suggest_course(w, product)
    if days is None:
        w.missing("course length not stated: the days and the course total are not checked")
    elif days > 5:
        w.add("course", "above_soft", f"{days} days: more than the seed's 1-5 days a course",
              table.IVIG_COURSE)
    else:
        total = (matched[0] * weight if matched else day_g) * days
        top = ivg.USUAL_TOTAL_G_PER_KG * weight
        if above(total, top):
            w.add("course", "above_soft", f"course total {fmt.mass_g(total)} is above the usual "
                  f"2 g/kg ({fmt.mass_g(top)})", table.IVIG_COURSE)
        else:
            w.add("course", "within", f"{days} day{'s' if days > 1 else ''}, total "
                  f"{fmt.mass_g(total)} (at most 2 g/kg, {fmt.mass_g(top)})", table.IVIG_COURSE)
    if o.interval_days is not None:
        if o.interval_days < IVIG_MIN_INTERVAL_DAYS:
            w.add("interval", "above_soft", f"a new course every {fmt.number(o.interval_days)} "
                  "days: less than 3 weeks after the last one started", table.IVIG_INTERVAL_GAP)
        else:
            w.add("interval", "within", f"every {fmt.number(o.interval_days)} days (3 weeks or "
                  "more)", table.IVIG_INTERVAL_GAP)
    w.missing("infusion rate: not part of the order (see the product's rates in ivig())")


def _suggest_course(w: _Work, product: str | None) -> None:
    """The calculator's course as the suggestion (none when it refuses)."""
    try:
        course = ivg.ivig(w.patient, product=product)
    except PlexodoseError:
        return
    _suggest(w, course.given_daily_dose_g * 1000,
             f"{fmt.mass_g(course.given_daily_dose_g)} daily x {course.days} days")


def _ivig_regimens(days: int | None) -> tuple[float, ...]:
    """The daily rates (g/kg) within for a course of ``days`` (any when not stated)."""
    rates: list[float] = []
    for rate, allowed in ivg.SEED_REGIMENS.items():
        if days is None or days in allowed:
            rates.append(rate)
    for n in IVIG_MAINTENANCE_DAYS:  # 1 g/kg in total over 1-4 days
        if days is None or days == n:
            rates.append(1.0 / n)
    return tuple(dict.fromkeys(rates))


def _counts_as(day_g: float, calculated_g: float, product: str | None) -> bool:
    """The order counts as the calculated amount: equal, its nearest 5 g, or within 10 %."""
    if abs(day_g - calculated_g) <= calculated_g * IVIG_ROUNDING * (1 + EDGE):
        return True
    nearest = round(calculated_g / ivg.ROUND_TO_G) * ivg.ROUND_TO_G
    return abs(day_g - nearest) <= 1e-9 * max(1.0, nearest)


# ---------------------------------------------------------------------------------------------
# Oral daily drugs


def _azathioprine(w: _Work, *, allopurinol: bool, **rest: Any) -> None:
    o, p = w.order, w.patient
    w.basis = f"actual weight {fmt.number(p.weight_kg)} kg"
    times = _times(w)
    poor = "poor" in (p.tpmt, p.nudt15)
    if poor and o.days_per_week != 7:
        w.add("frequency", "above_soft", f"{o.days_per_week} days a week: CPIC's regimen for "
              "malignant conditions, for a poor metabolizer only on a stated reason",
              src.CPIC_POOR_MALIGNANCY)
    else:
        _frequency(w, times)
    _, day_mg = _amounts(w, times, p.weight_kg, None)
    shown = f"{fmt.mass_mg(day_mg)} a dosing day"
    if above(day_mg, aza.CAP_MG_PER_DAY):
        w.add("per_day", "above_hard", f"{shown} is above the seed's maximum of 150 mg/day",
              src.SEED_AZATHIOPRINE)
    elif poor:
        w.add("per_day", "above_soft", f"{shown}: TPMT/NUDT15 poor metabolizer, no protocol "
              "range (CPIC: consider an alternative; its reduced regimen is for malignant "
              "conditions): needs a stated reason", src.CPIC_THIOPURINES)
        w.range_text = "none: poor metabolizer"
    else:
        low, high, text, sources = azathioprine_range(p, allopurinol)
        w.range_text = text
        if above(day_mg, high):
            w.add("per_day", "above_soft", f"{shown} is above this patient's range "
                  f"(up to {fmt.mass_mg(high)}/day): needs a stated reason", sources)
        elif below(day_mg, low):
            w.add("per_day", "below", f"{shown} is below this patient's range "
                  f"(from {fmt.mass_mg(low)}/day)", sources)
        else:
            w.add("per_day", "within", f"{shown} is within {fmt.mass_mg(low)}-"
                  f"{fmt.mass_mg(high)}/day", sources)
    _course_warning(w)


@functools.lru_cache(maxsize=1024)  # bounded: an order-entry session screens one patient often
def azathioprine_range(p: Patient, allopurinol: bool) -> tuple[float, float, str, Source]:
    """The patient's own daily range: CPIC's share of the normal dose N for a reduced
    metabolizer (applied once), else 1-2 mg/kg/day; the renal and allopurinol shares on both
    ends; the upper end as the calculator dispenses it (whole tablets, never past a limit)."""
    genes = (p.tpmt, p.nudt15)
    reduced = [g for g in genes if g in aza.REDUCED or g == "indeterminate"]
    if reduced:
        span = aza.BOTH_GENES_REDUCED if len(reduced) == 2 else aza.ONE_GENE_REDUCED
        normal = aza.azathioprine(attrs.evolve(p, tpmt="normal", nudt15="normal"),
                                  allopurinol=allopurinol)
        low, high = (share * normal.daily_dose_mg for share in span)
        given = aza.azathioprine(p, allopurinol=allopurinol)
        high = min(max(high, _dispensed_day(given)), aza.CAP_MG_PER_DAY)
        text = (f"reduced metabolizer: CPIC's {fmt.percent(span[0])}-{fmt.percent(span[1])} of "
                f"the normal dose, {fmt.mass_mg(low)}-{fmt.mass_mg(high)}/day")
        return low, high, text, src.CPIC_THIOPURINES
    ends = [aza.azathioprine(p, mg_per_kg_day=rate, allopurinol=allopurinol)
            for rate in aza.MG_PER_KG_DAY]
    low = min(ends[0].daily_dose_mg, _dispensed_day(ends[0]))
    high = min(max(ends[1].daily_dose_mg, _dispensed_day(ends[1])), aza.CAP_MG_PER_DAY)
    text = (f"1-2 mg/kg/day at {fmt.number(p.weight_kg)} kg with this patient's renal share, "
            f"{fmt.mass_mg(low)}-{fmt.mass_mg(high)}/day")
    if allopurinol:
        text += "; with allopurinol (one quarter to one third)"
    if None in genes:
        text += "; TPMT/NUDT15 not known"
    return low, high, text, src.SEED_AZATHIOPRINE


def _course_warning(w: _Work) -> None:
    days = w.order.days
    if days is None:
        return
    if days < DURATION_WARN_DAYS:
        w.add("course", "within", f"a course of {days} days: full effect takes 3-6 months; "
              "judging failure or stopping earlier is a pitfall", src.SEED_DURATION, warning=True)
    else:
        w.add("course", "within", f"a course of {days} days", src.SEED_DURATION)


def _mycophenolate(w: _Work, **rest: Any) -> None:
    p = w.patient
    times = _times(w)
    _frequency(w, times)
    dose_mg, day_mg = _amounts(w, times, p.weight_kg, None)
    low_dose, high_dose = mmf.MG_PER_DOSE
    if above(dose_mg, high_dose):
        w.add("per_dose", "above_hard", f"{fmt.mass_mg(dose_mg)} a dose is above 1,500 mg",
              src.MYCOPHENOLATE_TITRATION)
    elif below(dose_mg, low_dose):
        w.add("per_dose", "below", f"{fmt.mass_mg(dose_mg)} a dose is below 500 mg",
              src.MYCOPHENOLATE_TITRATION)
    else:
        w.add("per_dose", "within", f"{fmt.mass_mg(dose_mg)} a dose (500-1,500 mg)",
              src.MYCOPHENOLATE_TITRATION)
    egfr = _egfr(p)
    low_egfr = egfr is not None and egfr < mmf.LOW_EGFR
    top = mmf.LOW_EGFR_MAX_MG_PER_DAY if low_egfr else mmf.MAX_MG_PER_DAY
    w.basis = "fixed dose" + ("" if egfr is None else f"; eGFR {fmt.number(egfr, 1)}")
    w.range_text = f"500-1,500 mg a dose, 1,000-{fmt.number(top)} mg/day" + (
        " (eGFR below 25)" if low_egfr else "")
    shown = f"{fmt.mass_mg(day_mg)}/day"
    if above(day_mg, mmf.MAX_MG_PER_DAY):
        w.add("per_day", "above_hard", f"{shown} is above 3,000 mg/day",
              src.MYCOPHENOLATE_TITRATION)
    elif low_egfr and above(day_mg, top):
        w.add("per_day", "above_hard", f"{shown} is above 2,000 mg/day at eGFR "
              f"{fmt.number(egfr or 0, 1)} (below 25)", src.MYCOPHENOLATE_RENAL)
    elif below(day_mg, 2 * low_dose):
        w.add("per_day", "below", f"{shown} is below 1,000 mg/day", src.MYCOPHENOLATE_TITRATION)
    else:
        w.add("per_day", "within", f"{shown} (1,000-{fmt.number(top)} mg/day)",
              src.MYCOPHENOLATE_TITRATION)
    if egfr is None and above(day_mg, mmf.LOW_EGFR_MAX_MG_PER_DAY):
        w.missing("eGFR < 25 limit of 2,000 mg/day: renal function not known")
    if w.findings[-1].category.startswith("above"):
        _suggest(w, 2000.0, "1,000 mg twice daily")


def _ciclosporin(w: _Work, **rest: Any) -> None:
    p = w.patient
    weight = p.weight_kg
    w.basis = f"actual weight {fmt.number(weight)} kg"
    times = _times(w)
    _frequency(w, times)
    _, day_mg = _amounts(w, times, weight, None)
    rate = day_mg / weight
    low, high = csa.MG_PER_KG_DAY
    w.range_text = (f"2.5-5 mg/kg/day at {fmt.number(weight)} kg, {fmt.mass_mg(low * weight)}-"
                    f"{fmt.mass_mg(high * weight)}/day")
    shown = f"{fmt.mass_mg(day_mg)}/day ({fmt.number(rate, 3)} mg/kg/day)"
    if above(rate, high):
        w.add("per_day", "above_hard", f"{shown} is above the seed's ceiling of 5 mg/kg/day",
              src.SEED_CICLOSPORIN)
        result = _ciclosporin_result(p)
        if result is not None:
            _suggest(w, _dispensed_day(result), _daily_text(result))
    elif below(rate, low):
        w.add("per_day", "below", f"{shown} is below 2.5 mg/kg/day", src.SEED_CICLOSPORIN)
    else:
        w.add("per_day", "within", shown, src.SEED_CICLOSPORIN,
              warning=above(rate, csa.LABEL_MAX_MG_PER_KG_DAY))
        if above(rate, csa.LABEL_MAX_MG_PER_KG_DAY):
            w.findings[-1] = attrs.evolve(w.findings[-1], text=shown + ": above the label's "
                                          "4 mg/kg/day (within the seed's 5)",
                                          source=src.CICLOSPORIN_LABEL)
    egfr = _egfr(p)
    if egfr is None:
        w.missing("renal function: the eGFR < 60 contraindication is not checked (give age, "
                  "sex and serum creatinine)")
    elif egfr < csa.MIN_EGFR:
        w.add("condition", "above_soft", f"eGFR {fmt.number(egfr, 1)} is below 60: ciclosporin "
              "is contraindicated in abnormal renal function; refused without a stated reason",
              src.CICLOSPORIN_CONTRAINDICATIONS)
    else:
        w.add("condition", "within", f"eGFR {fmt.number(egfr, 1)} (60 or more)",
              src.CICLOSPORIN_CONTRAINDICATIONS)
    base, now = p.baseline_creatinine_mg_dl, p.creatinine_mg_dl
    if base is not None and now is not None and now >= base * (1 + csa.RISE_THRESHOLD[0]) * (1 - EDGE):
        # the label: reduce by 25-50 %; the calculator's reduced dose is the most accepted
        rise = (f"creatinine {fmt.number(now, 3)} mg/dL is 25 % or more above the baseline "
                f"{fmt.number(base, 3)}")
        result = _ciclosporin_result(p)
        reduced = None if result is None else max(result.daily_dose_mg, _dispensed_day(result))
        if reduced is not None and not above(day_mg, reduced):
            w.add("condition", "within", f"{rise}: at or below the reduced dose "
                  f"({fmt.mass_mg(reduced)}/day)", src.CICLOSPORIN_LABEL, warning=True)
        else:
            w.add("condition", "above_soft", f"{rise}: above the reduced dose"
                  + ("" if reduced is None else f" ({fmt.mass_mg(reduced)}/day)")
                  + ": needs a stated reason", src.CICLOSPORIN_LABEL)
    w.missing("blood pressure: uncontrolled hypertension is not part of the order")


def _ciclosporin_result(p: Patient) -> DailyDose | None:
    try:
        return csa.cyclosporin(p)
    except PlexodoseError:
        return None


def _cyclophosphamide_oral(w: _Work, *, exposure: Exposure, **rest: Any) -> None:
    p = w.patient
    weight = p.weight_kg
    w.basis = f"actual weight {fmt.number(weight)} kg"
    times = _times(w)
    _frequency(w, times)
    _, day_mg = _amounts(w, times, weight, None)
    rate = day_mg / weight
    umol = creatinine_umol_l(p)
    band, band_text = _oral_band(umol)
    if umol is None:
        w.missing("serum creatinine not given: the creatinine band (1.75 or 1.5 mg/kg/day) is "
                  "not checked")
    top = min(band * weight, cyc.ORAL_MAX_MG_PER_DAY)
    low = cyc.ORAL_MG_PER_KG_DAY[0] * weight
    w.range_text = (f"1-{fmt.number(band)} mg/kg/day at {fmt.number(weight)} kg ({band_text}), "
                    f"at most 200 mg/day: {fmt.mass_mg(min(low, top))}-{fmt.mass_mg(top)}/day")
    shown = f"{fmt.mass_mg(day_mg)}/day ({fmt.number(rate, 3)} mg/kg/day)"
    if above(day_mg, cyc.ORAL_MAX_MG_PER_DAY):
        w.add("per_day", "above_hard", f"{shown} is above 200 mg/day",
              src.ORAL_CYCLOPHOSPHAMIDE_MAX)
    elif above(rate, cyc.ORAL_MG_PER_KG_DAY[1]):
        w.add("per_day", "above_hard", f"{shown} is above the seed's ceiling of 2 mg/kg/day",
              src.SEED_CYCLOPHOSPHAMIDE)
    elif above(rate, band):
        w.add("per_day", "above_hard", f"{shown} is above {fmt.number(band)} mg/kg/day for "
              f"creatinine {band_text}", src.CYCLOPHOSPHAMIDE_ORAL_RENAL)
    elif below(rate, cyc.ORAL_MG_PER_KG_DAY[0]):
        w.add("per_day", "below", f"{shown} is below 1 mg/kg/day", src.SEED_CYCLOPHOSPHAMIDE)
    else:
        w.add("per_day", "within", shown, src.SEED_CYCLOPHOSPHAMIDE)
    if w.findings[-1].category == "above_hard":
        _suggest(w, _tablets_down(top), f"{fmt.mass_mg(_tablets_down(top))} daily")
    days = w.order.days
    course_mg = day_mg * (1 if days is None else days)
    _cumulative(w, exposure, course_mg, "this order" if days is not None else "one day of it")


def _oral_band(umol: float | None) -> tuple[float, str]:
    if umol is None:
        return cyc.ORAL_MG_PER_KG_DAY[1], "creatinine not known"
    low, high = cyc.ORAL_CREATININE_BANDS_UMOL_L
    if umol > high:
        return cyc.ORAL_OVER_500_UMOL_L, "> 500 umol/L"
    if umol >= low:
        return cyc.ORAL_FROM_250_UMOL_L, "250-500 umol/L"
    return cyc.ORAL_MG_PER_KG_DAY[1], "< 250 umol/L"


def _tablets_down(mg: float) -> float:
    return max(25.0, 25.0 * int(mg / 25.0 + 1e-9))


def _egfr(p: Patient) -> float | None:
    if p.age is None or p.sex is None or p.creatinine_mg_dl is None or p.age < 18:
        return None
    return _body.egfr_value(p.age, p.sex, p.creatinine_mg_dl)


# ---------------------------------------------------------------------------------------------
# IV cyclophosphamide


def _cyclophosphamide_iv(w: _Work, *, exposure: Exposure, last_pulse: Any, labs: Any,
                         last_raised: dt.date | None, **rest: Any) -> None:
    o, p = w.order, w.patient
    if o.basis == "mg/kg":
        _mg_per_kg_pulse(w, exposure)
        return
    if p.height_cm is None:
        raise _NotScreened("per_dose", "no BSA: the patient's height is needed for an IV pulse")
    bsa = _body.bsa_m2(_MOSTELLER, p.height_cm, p.weight_kg)  # as cyclophosphamide_iv()
    w.basis = f"BSA {fmt.number(bsa, 4)} m2 (mosteller)"
    times = _times(w)
    if times != 1:
        w.add("frequency", "above_soft", f"{_times_text(times)}: a pulse is one infusion",
              src.SEED_CYCLOPHOSPHAMIDE)
    dose_mg, _ = _amounts(w, 1, p.weight_kg, bsa)
    rate = dose_mg / 1000 / bsa
    low, high = cyc.IV_G_PER_M2
    w.range_text = (f"0.3-1 g/m2 at {fmt.number(bsa, 4)} m2, {fmt.mass_mg(low * 1000 * bsa, 0)}-"
                    f"{fmt.mass_mg(high * 1000 * bsa, 0)} a pulse; 1-1.6 g/m2 on a stated reason")
    shown = f"{fmt.mass_mg(dose_mg, 0)} ({fmt.number(rate, 3)} g/m2)"
    if above(rate, cyc.IV_HARD_MAX_G_PER_M2):
        w.add("per_dose", "above_hard", f"{shown} is above 1.6 g/m2", src.MICHIGAN_STEP)
    elif above(rate, high):
        w.add("per_dose", "above_soft", f"{shown} is above the seed's 1 g/m2: needs a stated "
              "reason (Michigan allows up to 1.6 g/m2 by steps)", src.SEED_CYCLOPHOSPHAMIDE)
    elif below(rate, low):
        w.add("per_dose", "below", f"{shown} is below 0.3 g/m2", src.SEED_CYCLOPHOSPHAMIDE)
    else:
        w.add("per_dose", "within", shown, src.SEED_CYCLOPHOSPHAMIDE)
    dose_finding = w.findings[-1]
    _interval(w)
    _raise(w, last_pulse, rate, bsa, last_raised)
    share = _age_renal(w, rate, bsa)
    if dose_finding.category.startswith("above") or (share < 1 and above(rate, high * share)):
        most = high * share
        _suggest(w, most * 1000 * bsa, f"{fmt.mass_mg(most * 1000 * bsa, 0)} "
                 f"({fmt.number(most, 3)} g/m2)")
    _pre_pulse(w, labs, dose_mg)
    _cumulative(w, exposure, dose_mg, "this pulse")


def _interval(w: _Work) -> None:
    days = w.order.interval_days
    low, high = (weeks * 7 for weeks in cyc.INTERVAL_WEEKS)
    if days is None:
        w.missing("interval between pulses not stated: the 2-4 weeks rule is not checked")
    elif below(days, low):
        w.add("interval", "above_hard", f"every {fmt.number(days)} days: shorter than 2 weeks",
              src.SEED_CYCLOPHOSPHAMIDE)
    elif above(days, high):
        w.add("interval", "below", f"every {fmt.number(days)} days: longer than 4 weeks",
              src.SEED_CYCLOPHOSPHAMIDE)
    else:
        w.add("interval", "within", f"every {fmt.number(days)} days (2-4 weeks)",
              src.SEED_CYCLOPHOSPHAMIDE)


def _raise(w: _Work, last_pulse: Any, rate: float, bsa: float,
           last_raised: dt.date | None) -> None:
    if last_pulse is None:
        w.missing("last pulse not given: the raise rules (25 %; from 1.4 g/m2 at most +0.1) are "
                  "not checked")
        return
    from plexodose._screening.order import read_amount

    amount, basis, per, _ = read_amount(last_pulse, "last_pulse")
    if basis == "mg/kg" or per == "day":
        raise InputRangeError("last_pulse must be a pulse in mg or g/m2 such as \"1.2 g/m**2\"; "
                              f"got {safe_repr(last_pulse)}", field="last_pulse", value=last_pulse)
    before = amount / 1000 if basis == "mg/m2" else amount / 1000 / bsa
    step_from = cyc.MICHIGAN_STEP_FROM_G_PER_M2
    if not above(rate, before):
        return
    if before < step_from * (1 - EDGE) and above(rate, step_from):
        w.add("per_dose", "above_hard", f"a raise from {fmt.number(before, 3)} to "
              f"{fmt.number(rate, 3)} g/m2 crosses 1.4 g/m2", src.MICHIGAN_STEP)
    elif before >= step_from * (1 - EDGE) and above(rate - before, cyc.MICHIGAN_STEP_G_PER_M2):
        w.add("per_dose", "above_hard", f"from {fmt.number(before, 3)} g/m2 a raise of "
              f"{fmt.number(rate - before, 3)} g/m2 is more than 0.1", src.MICHIGAN_STEP)
    elif above(rate, before * (1 + cyc.NADIR_RAISE)):
        w.add("per_dose", "above_soft", f"a raise of {fmt.percent(rate / before - 1)} over the "
              f"last pulse ({fmt.number(before, 3)} g/m2) is more than 25 %",
              src.CYCLOPHOSPHAMIDE_NADIR)
    if before >= step_from * (1 - EDGE):
        if last_raised is None:
            w.missing("a second raise in the same calendar month is not checked (give "
                      "last_raised=)")
        elif (last_raised.year, last_raised.month) == (w.on.year, w.on.month):
            w.add("per_dose", "above_hard", f"a second raise in {w.on:%B %Y} (the last on "
                  f"{last_raised.isoformat()}): from 1.4 g/m2 one raise a calendar month",
                  src.MICHIGAN_STEP)


def _age_renal(w: _Work, rate: float, bsa: float) -> float:
    """The EULAR/CYCLOPS share for the patient's age and creatinine (1 when none applies)."""
    p = w.patient
    umol = creatinine_umol_l(p)
    if p.age is None or umol is None:
        w.missing("age or creatinine not known: the EULAR age/creatinine reduction is not "
                  "checked")
        return 1.0
    if umol > cyc.EULAR_CREATININE_UMOL_L[1]:
        w.add("condition", "above_soft", f"creatinine {umol:.0f} umol/L is above the EULAR "
              "table (500): a pulse needs a stated reason", src.EULAR_CYCLOPS)
        return 1.0
    older = 0 if p.age < 60 else 1 if p.age <= 70 else 2
    share = cyc.EULAR_TABLE[older][0 if umol < cyc.EULAR_CREATININE_UMOL_L[0] else 1] / (
        cyc.EULAR_STANDARD_MG_PER_KG)
    if share < 1 and above(rate, cyc.IV_G_PER_M2[1] * share):
        w.add("condition", "above_soft", f"EULAR/CYCLOPS reduces pulses to {fmt.percent(share)} "
              f"for age {fmt.number(p.age)} and creatinine {umol:.0f} umol/L (at most "
              f"{fmt.number(cyc.IV_G_PER_M2[1] * share, 3)} g/m2): a fuller pulse needs a "
              "stated reason", src.EULAR_CYCLOPS)
    return share


def _pre_pulse(w: _Work, labs: Any, dose_mg: float) -> None:
    if labs is None:
        w.missing("pre-pulse WBC and neutrophils not given: the hold, 50 % and postpone rules "
                  "are not checked (give labs=)")
        return
    value = getattr(labs, "value", None)
    if value is None:
        raise InputRangeError(f"labs must be a plexodose.Labs; got {type(labs).__name__}",
                              field="labs", value=labs)
    wbc, neutrophils = value("wbc"), value("neutrophils")  # x10^9/L
    if wbc is None:
        w.missing("pre-pulse WBC not in the labs given")
    elif wbc * 1000 < cyc.PRE_PULSE_HOLD_BELOW:
        w.add("condition", "above_soft", f"pre-pulse WBC {fmt.number(wbc, 2)} x10^9/L is below "
              "2: the pulse is held", src.CYCLOPHOSPHAMIDE_NADIR)
    elif wbc * 1000 <= cyc.PRE_PULSE_HALF_UP_TO:
        w.add("condition", "above_soft", f"pre-pulse WBC {fmt.number(wbc, 2)} x10^9/L (2-3): "
              f"half the pulse ({fmt.mass_mg(dose_mg / 2, 0)}) is due", src.CYCLOPHOSPHAMIDE_NADIR)
    if neutrophils is None:
        w.missing("pre-pulse neutrophils not in the labs given")
    elif neutrophils * 1000 < cyc.NEUTROPHILS_CUT_BELOW:
        w.add("condition", "above_soft", f"neutrophils {fmt.number(neutrophils, 2)} x10^9/L are "
              "below 1.5: the pulse is postponed", src.FRENCH_NEUTROPHILS)


def _mg_per_kg_pulse(w: _Work, exposure: Exposure) -> None:
    o, p = w.order, w.patient
    reduction = _calculated(w, lambda: cyc.cyclophosphamide_pulse_reduction(p),
                            lambda r: f"{fmt.mass_mg(r.dose_mg, 0)} "
                                      f"({fmt.number(r.reduced_mg_per_kg)} mg/kg)")
    weight = p.weight_kg
    w.basis = f"actual weight {fmt.number(weight)} kg (EULAR/CYCLOPS mg/kg pulses)"
    dose_mg = o.amount * weight
    shown = f"{fmt.mass_mg(dose_mg, 0)} ({fmt.number(o.amount)} mg/kg)"
    _interval(w)
    if above(dose_mg, cyc.PULSE_MAX_MG):
        w.add("per_dose", "above_hard", f"{shown} is above 1.2 g a pulse", src.CYCLOPS_PULSE_MAX)
    elif reduction is None:
        w.add("per_dose", "above_soft", f"{shown}: the EULAR table gives no pulse for this "
              f"patient ({w.calculated_text}): needs a stated reason", src.EULAR_CYCLOPS)
    elif above(o.amount, reduction.reduced_mg_per_kg):
        w.add("per_dose", "above_soft", f"{shown} is above the EULAR/CYCLOPS "
              f"{fmt.number(reduction.reduced_mg_per_kg)} mg/kg for age and creatinine",
              src.EULAR_CYCLOPS)
        _suggest(w, reduction.dose_mg, w.calculated_text)
    elif below(o.amount, reduction.reduced_mg_per_kg):
        w.add("per_dose", "below", f"{shown} is below the EULAR/CYCLOPS "
              f"{fmt.number(reduction.reduced_mg_per_kg)} mg/kg", src.EULAR_CYCLOPS)
    else:
        w.add("per_dose", "within", shown, src.EULAR_CYCLOPS)
    if reduction is not None:
        w.range_text = f"{fmt.number(reduction.reduced_mg_per_kg)} mg/kg, at most 1.2 g a pulse"
    _cumulative(w, exposure, dose_mg, "this pulse")


def _cumulative(w: _Work, exposure: Exposure, order_mg: float, what: str) -> None:
    if not exposure.known:
        w.missing("cumulative dose not known: not checked (give prior_cyclophosphamide= or "
                  "history=)")
        return
    before_g = exposure.total_g
    after_g = before_g + order_mg / 1000
    crossed = [g for g in CUMULATIVE_WARN_G if after_g >= g * (1 - EDGE)]
    text = (f"cumulative cyclophosphamide {fmt.number(before_g, 3)} g before, "
            f"{fmt.number(after_g, 3)} g with {what} ({exposure.text})")
    if crossed:
        source = src.FAURSCHOU_2008 if crossed[-1] == 36.0 else src.TRAVIS_1995
        w.add("cumulative", "within", f"{text}: reaches {fmt.number(crossed[-1])} g",
              source, warning=True)
    else:
        nxt = next(g for g in CUMULATIVE_WARN_G if after_g < g)
        w.add("cumulative", "within", f"{text}: below {fmt.number(nxt)} g", src.TRAVIS_1995)


_RULES: dict[str, Callable[..., None]] = {
    "ivig": _ivig,
    "azathioprine": _azathioprine,
    "mycophenolate": _mycophenolate,
    "ciclosporin": _ciclosporin,
    "cyclophosphamide_oral": _cyclophosphamide_oral,
    "cyclophosphamide_iv": _cyclophosphamide_iv,
}
