"""Screen one order for one patient on one date (clinical rules, "Screening an order someone
else wrote").

Each drug's rules judge the order's dimensions (per dose, per day, frequency, interval, course,
cumulative, condition) on plain floats, one step at a time: a step that needs a value the patient
does not have, or has only stale, is "not screened" with the reason, and the other steps still
run, so an absolute limit that needs no patient value is never hidden by one that does. The
patient's own range comes from the calculators' own numbers (their dispensing included): a
calculator's dose, as dispensed, screens within.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
from collections.abc import Callable
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core.checks import checked_date
from plexodose._core.errors import ContraindicationError, InputRangeError, PlexodoseError, safe_repr
from plexodose._core.sources import Source
from plexodose._dosing.calculation import creatinine_umol_l, judged_values, oral_amount
from plexodose._dosing.guard import Limit
from plexodose._dosing.products import CATALOGUE
from plexodose._dosing.results import DailyDose
from plexodose._dosing.trace import Trace
from plexodose._drugs import azathioprine as aza
from plexodose._drugs import ciclosporin as csa
from plexodose._drugs import cyclophosphamide as cyc
from plexodose._drugs import ivig as ivg
from plexodose._drugs import mycophenolate as mmf
from plexodose._patient import body as _body
from plexodose._patient.patient import Patient, dated_values_given, dated_when_read
from plexodose._patient.provenance import EARLIEST, ValueUsed
from plexodose._screening import table
from plexodose._screening.exposure import UNKNOWN, Exposure, exposure_of
from plexodose._screening.order import Order, read_amount, safe_order
from plexodose._screening.verdict import (
    Category,
    Dimension,
    OrderFinding,
    Screening,
    Suggested,
    made_finding,
    made_screening,
    overall,
)

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
PULSE_PREPARED_MG = 0.5  # an IV pulse is prepared to the whole mg: half a mg at a protocol edge
PRE_PULSE_LAB_DAYS = 7  # [guideline] Michigan: labs within 1 week ("Whose value, from when")


def above(value: float, limit: float) -> bool:
    return value > limit * (1 + EDGE)


def below(value: float, limit: float) -> bool:
    return value < limit * (1 - EDGE)


class _Later:
    """Words written when first read: a screen decides on numbers, and most of its words are
    never read (principle 3: text at the edge, when asked for)."""

    __slots__ = ("_make", "_words")

    def __init__(self, make: Callable[[], str]) -> None:
        self._make, self._words = make, ""

    def __str__(self) -> str:
        if not self._words:
            self._words = self._make()
        return self._words

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class _NotScreened(Exception):
    def __init__(self, dimension: Dimension, text: str) -> None:
        super().__init__(text)
        self.dimension, self.text = dimension, text


class _Work:
    """What one screen collects as it goes (mutable inside the screen only)."""

    __slots__ = ("allopurinol", "basis", "bsa", "exposure", "findings", "labs", "last_pulse",
                 "last_raised", "not_checked", "notes", "on", "order", "patient", "range_text",
                 "stale", "suggestions", "times")

    def __init__(self, order: Order, patient: Patient, on: dt.date, *,
                 exposure: Exposure = UNKNOWN, allopurinol: bool = False,
                 last_pulse: _Pulse | None = None, last_raised: dt.date | None = None,
                 labs: _Counts | None = None) -> None:
        self.order, self.patient, self.on = order, patient, on
        # what the screen was told besides the patient (each checked at the door)
        self.exposure, self.allopurinol, self.labs = exposure, allopurinol, labs
        self.last_pulse, self.last_raised = last_pulse, last_raised
        self.stale: dict[str, str] = {}  # value name -> why it cannot be used
        self.findings: list[OrderFinding] = []
        self.not_checked: dict[str, None] = {}  # each named once, in the order found
        self.notes: list[str] = []
        self.basis: str | Callable[[], str] = ""
        self.range_text: str | Callable[[], str] = ""
        # candidate suggestions in order, each worked out when the screening's suggestion is
        # read (a calculator's run costs more than the whole screen): the first that gives one
        # wins
        self.suggestions: list[Callable[[], Suggested | None]] = []
        self.times: int | None = None
        self.bsa: float | None = None

    def add(self, dimension: Dimension, category: Category, text: str | Callable[[], str],
            source: Source, warning: bool = False) -> None:
        """A finding; its words (a function that writes them) are written when first read."""
        self.findings.append(made_finding(dimension=dimension, category=category, text=text,
                                          source=source, warning=warning))

    def missing(self, text: str) -> None:
        self.not_checked[text] = None

    def blocked(self, dimension: Dimension, text: str) -> None:
        if not any(f.category == "not_screened" and f.text == text for f in self.findings):
            self.add(dimension, "not_screened", text, table.SCREENING)

    def weight(self, dimension: Dimension) -> float:
        """Actual weight (kg), or not screened when it is stale."""
        if "weight" in self.stale:
            raise _NotScreened(dimension, self.stale["weight"])
        return self.patient.weight_kg

    def creatinine(self, dimension: Dimension) -> float | None:
        """Serum creatinine (mg/dL; None when not known), or not screened when it is stale."""
        if "serum_creatinine" in self.stale:
            raise _NotScreened(dimension, self.stale["serum_creatinine"])
        return self.patient.creatinine_mg_dl

    def run(self, *steps: Callable[[_Work], None]) -> None:
        """Each step in turn; one that cannot be screened says so and the next still runs."""
        for step in steps:
            try:
                step(self)
            except _NotScreened as why:
                self.blocked(why.dimension, why.text)


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
    """Screen ``order`` (an :class:`Order`, or a calculator's result) for ``patient`` on ``on``
    (the patient's ``on``, else today).

    ``prior_cyclophosphamide`` (a mass such as ``"12 g"``) and/or ``history`` (past
    administrations: see :func:`plexodose.cyclophosphamide_exposure`) give the cumulative
    cyclophosphamide before this order; without either it is "not known: not checked", never
    zero. ``allopurinol``: the patient takes it (azathioprine). ``last_pulse``: the last IV
    cyclophosphamide pulse (``"1.2 g/m**2"`` or ``"1,400 mg"``), for the raise rules;
    ``last_raised``: the date of the last raise (from 1.4 g/m2 the Michigan rule allows one a
    calendar month). ``labs``: the pre-pulse results (a :class:`plexodose.Labs` dated within
    the 7 days before the pulse), for an IV pulse.

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
    screened: Patient | Callable[[], Patient] = patient
    if on is None:
        day = patient.on if patient.on is not None else dt.date.today()
    else:  # the patient's own date checks; a copy dated ``on`` when one is needed
        day, screened = dated_when_read(patient, on)
        if isinstance(screened, Patient):
            patient = screened
    exposure = (UNKNOWN if prior_cyclophosphamide is None and history is None
                else exposure_of(prior_cyclophosphamide, history, day))
    allopurinol_taken = allopurinol if type(allopurinol) is bool else _flag(allopurinol,
                                                                             "allopurinol")
    raised = None if last_raised is None else checked_date(last_raised, "last_raised",
                                                           EARLIEST, day)
    pulse = None if last_pulse is None else _last_pulse(last_pulse)
    pre_pulse = None if labs is None else _pre_pulse_labs(labs, day)
    w = _Work(o, patient, day, exposure=exposure, allopurinol=allopurinol_taken,
              last_pulse=pulse, last_raised=raised, labs=pre_pulse)
    used: tuple[ValueUsed, ...] | Callable[[], tuple[ValueUsed, ...]]
    if patient._measured:
        trace = Trace()
        used, stale = judged_values(patient, trace,
                                    pulse=o.drug in ("ivig", "cyclophosphamide_iv"))
        w.stale = {str(exc.field): f"not screened: {exc}" for exc in stale}
        w.notes += trace.warnings  # a confirmed stale value, a changed window: said, not dropped
        undated = tuple(v.name for v in used if v.measured is None)
    else:  # nothing dated, nothing stale: the values are listed when read
        used = functools.partial(_values_used, patient)
        undated = dated_values_given(patient)
    if undated:
        w.missing(f"dates not stated for {_names(undated)}: their age is not checked")
    _RULES[o.drug](w)
    findings = tuple(w.findings)
    return made_screening(
        order=o, on=day, verdict=overall(findings), findings=findings, basis=w.basis,
        range_text=w.range_text, patient=screened, allopurinol=allopurinol_taken,
        suggested=functools.partial(_first_suggestion, tuple(w.suggestions)),
        catalogue=CATALOGUE.snapshot(),
        not_checked=tuple(w.not_checked), notes=tuple(w.notes), values_used=used,
        reason=o.reason)


@functools.lru_cache(maxsize=64)  # bounded: a few dated values, so few combinations
def _names(names: tuple[str, ...]) -> str:
    return ", ".join(name.replace("_", " ") for name in names)


def _values_used(patient: Patient) -> tuple[ValueUsed, ...]:
    return judged_values(patient, Trace())[0]


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InputRangeError(f"{field} must be True or False; got {safe_repr(value)}",
                              field=field, value=value)
    return value


@attrs.frozen
class _Pulse:
    """The last IV pulse: in g/m2, or in mg (then its g/m2 needs this patient's BSA)."""

    amount: float
    per_m2: bool

    def g_per_m2(self, bsa: float) -> float:
        return self.amount / 1000 if self.per_m2 else self.amount / 1000 / bsa


def _last_pulse(value: Any) -> _Pulse:
    amount, basis, per, _ = read_amount(value, "last_pulse")
    if basis == "mg/kg" or per != "dose":
        raise InputRangeError("last_pulse must be a pulse in mg or g/m2 such as \"1.2 g/m**2\"; "
                              f"got {safe_repr(value)}", field="last_pulse", value=value)
    return _Pulse(amount, basis == "mg/m2")


@attrs.frozen
class _Counts:
    """Pre-pulse counts (x10^9/L; None when not in the labs) and their date."""

    date: dt.date
    wbc: float | None
    neutrophils: float | None
    usable: bool
    why: str


def _pre_pulse_labs(labs: Any, on: dt.date) -> _Counts:
    try:
        date = labs.date
        wbc, neutrophils = labs.value("wbc"), labs.value("neutrophils")
    except Exception as exc:  # a host's object: anything it raises is named as the labs
        raise InputRangeError(f"labs must be a plexodose.Labs; got {type(labs).__name__} "
                              f"({safe_repr(exc)})", field="labs", value=labs) from None
    if type(date) is not dt.date or not all(
            v is None or (isinstance(v, float) and math.isfinite(v)) for v in (wbc, neutrophils)):
        raise InputRangeError(f"labs must be a plexodose.Labs; got {type(labs).__name__}",
                              field="labs", value=labs)
    if date > on:
        return _Counts(date, wbc, neutrophils, False, f"the labs are dated {date.isoformat()}, "
                       f"after the pulse date {on.isoformat()}: not used")
    if (on - date).days > PRE_PULSE_LAB_DAYS:
        return _Counts(date, wbc, neutrophils, False, f"the labs of {date.isoformat()} are more "
                       f"than {PRE_PULSE_LAB_DAYS} days before the pulse date {on.isoformat()}: "
                       "not used")
    return _Counts(date, wbc, neutrophils, True, "")


# ---------------------------------------------------------------------------------------------
# What every drug shares: the frequency, the amounts, the suggestion


def _times(w: _Work) -> int:
    """The administrations on a dosing day; the protocol's when the order does not say."""
    if w.times is None:
        o = w.order
        w.times = o.times_per_day
        if w.times is None:
            allowed = ALLOWED_TIMES[o.drug]
            if o.per == "dose" and len(allowed) > 1:  # 1 or 2 doses a day: no one reading
                raise _NotScreened("per_day", "frequency not stated, and the protocol allows "
                                   f"{_ALLOWED_TEXT[o.drug]}: the day's amount is not known")
            w.times = PROTOCOL_TIMES[o.drug]
            w.missing(f"frequency not stated: read as the protocol's {_times_text(w.times)}")
    return w.times


def _times_text(n: int) -> str:
    return {1: "once daily", 2: "twice daily"}.get(n, f"{n} times daily")


_ALLOWED_TEXT = {drug: " or ".join(_times_text(n) for n in allowed)
                 for drug, allowed in ALLOWED_TIMES.items()}


def _days_text(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'} a week"


def _amounts(w: _Work, scale: float) -> tuple[float, float]:
    """(per administration, per dosing day) in mg; ``scale`` turns the order's basis into mg
    (1 for mg, the weight for mg/kg, the BSA for mg/m2). A weekly amount is spread over the
    week's dosing days."""
    o = w.order
    times = _times(w)
    amount = o.amount * scale
    if o.per == "dose":
        return amount, amount * times
    day = amount if o.per == "day" else amount / o.days_per_week
    return day / times, day


def _by_weight(w: _Work, weight: float) -> tuple[float, float]:
    """The amounts in mg of an oral or IVIg order: a per-kg order scaled by ``weight``."""
    basis = w.order.basis
    if basis == "mg/m2":
        raise _NotScreened("per_dose", "an amount per m2 is for IV cyclophosphamide pulses")
    return _amounts(w, weight if basis == "mg/kg" else 1.0)


def _in_mg(w: _Work) -> tuple[float, float] | None:
    """The amounts in mg when the order is written in mg (None for mg/kg or mg/m2)."""
    return _amounts(w, 1.0) if w.order.basis == "mg" else None


def _frequency(w: _Work) -> None:
    o, times = w.order, _times(w)
    allowed = ALLOWED_TIMES[o.drug]
    shown = _ALLOWED_TEXT[o.drug]
    every = o.interval_days
    if every is not None and o.drug != "ivig":
        w.add("frequency", "above_soft", lambda: f"every {fmt.number(every)} days: not the "
              "protocol's daily regimen: needs a stated reason", table.FREQUENCY)
    elif o.days_per_week != 7:
        w.add("frequency", "above_soft",
              lambda: f"{_days_text(o.days_per_week)}: not the protocol's "
              "daily regimen: needs a stated reason", table.FREQUENCY)
    elif times in allowed:
        w.add("frequency", "within", lambda: f"{_times_text(times)}: the protocol's ({shown})",
              table.FREQUENCY)
    else:
        w.add("frequency", "above_soft",
              lambda: f"{_times_text(times)} is not the protocol's {shown}: needs a stated reason",
              table.FREQUENCY)


def _suggest(w: _Work, mg: float | None, text: str | Callable[[], str]) -> None:
    """A suggestion of ``mg`` (none when None); its words (or the function that writes them)
    are written when the screening's suggestion is read."""
    if mg is not None:
        w.suggestions.append(lambda: (mg, text if isinstance(text, str) else text()))


def _suggest_result(w: _Work, calculator: Callable[..., DailyDose], **given: Any) -> None:
    """The calculator's dispensed regimen as the suggestion (none when it refuses)."""
    w.suggestions.append(functools.partial(
        _calculated_suggestion, calculator, w.patient, w.on, CATALOGUE.snapshot(), given))


CATALOGUE_CHANGED = ("not worked out: the product catalogue changed after this screen; screen "
                     "the order again")


def as_screened(patient: Patient, day: dt.date, catalogue: object) -> Patient | None:
    """The patient as the screen judged them (dated ``day`` when they carried no date), or
    None when the product catalogue has changed since: what is worked out later (a suggestion,
    the calculated dose) is worked out on what the verdict was decided on, or not at all."""
    if CATALOGUE.snapshot() is not catalogue:
        return None
    return patient if patient.on is not None else patient.dated(day)


def _calculated_suggestion(calculator: Callable[..., DailyDose], patient: Patient,
                           day: dt.date, catalogue: object,
                           given: dict[str, Any]) -> Suggested | None:
    try:
        screened = as_screened(patient, day, catalogue)
        if screened is None:
            return None, CATALOGUE_CHANGED
        result = calculator(screened, **given)
    except PlexodoseError:  # refused (no suggestion), never raised from reading one
        return None
    return _dispensed_day(result), _daily_text(result)


def _first_suggestion(candidates: tuple[Callable[[], Suggested | None], ...]) -> Suggested:
    """The first candidate that gives a dose, or none (with the reason, when one says why it
    could not be worked out)."""
    why = ""
    for candidate in candidates:
        found = candidate()
        if found is not None and found[0] is not None:
            return found
        if found is not None:
            why = why or found[1]
    return None, why


def _dispensed_day(result: DailyDose) -> float:
    return result.given_per_dose_mg * result.doses_per_day


def _daily_text(r: DailyDose) -> str:
    return f"{fmt.mass_mg(r.given_per_dose_mg)} {r.frequency}"


def _any_above(w: _Work) -> bool:
    return any(finding.category in _ABOVE for finding in w.findings)


_ABOVE = frozenset(("above_soft", "above_hard"))


# ---------------------------------------------------------------------------------------------
# What plexodose would give (worked out when read)


def calculated_text(order: Order, patient: Patient, allopurinol: bool) -> str:
    """What plexodose would give this patient for the order's drug, in words (built when read:
    the screen itself needs only the range)."""
    make, text = _CALCULATED[order.drug](order, patient, allopurinol)
    try:
        return text(make())
    except ContraindicationError as exc:
        return f"none: {exc}"
    except PlexodoseError as exc:
        return f"not computed: {exc}"


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


# ---------------------------------------------------------------------------------------------
# IVIg


def _ivig(w: _Work) -> None:
    w.run(_frequency, _ivig_days, _ivig_interval, _ivig_amount)
    w.missing("infusion rate: not part of the order (see the product's rates in ivig())")


def _ivig_days(w: _Work) -> None:
    days = w.order.days
    if days is None:
        w.missing("course length not stated: the days and the course total are not checked")
    elif days > 5:
        w.add("course", "above_soft",
              lambda: f"{days} days: more than the seed's 1-5 days a course",
              table.IVIG_COURSE)


def _ivig_interval(w: _Work) -> None:
    every = w.order.interval_days
    if every is None:
        w.missing("interval since the last course not stated: the 3-week rule is not checked")
    elif every < IVIG_MIN_INTERVAL_DAYS:
        w.add("interval", "above_soft",
              lambda: f"a new course every {fmt.number(every)} days: less "
              "than 3 weeks after the last one started", table.IVIG_INTERVAL_GAP)
    else:
        w.add("interval", "within", lambda: f"every {fmt.number(every)} days (3 weeks or more)",
              table.IVIG_INTERVAL_GAP)


def _ivig_amount(w: _Work) -> None:
    o, p = w.order, w.patient
    actual = w.weight("per_day")
    if p.height_cm is None or p.sex is None:
        # The dosing weight is never above actual weight: above 1 g/kg/day of it is above
        # whatever the dosing weight turns out to be.
        if o.basis == "mg":
            day_g = _amounts(w, 1.0)[1] / 1000
            if above(day_g, ivg.MAX_G_PER_KG_DAY * actual):
                w.add("per_day", "above_hard",
                      lambda: f"{fmt.mass_g(day_g)}/day is above 1 g/kg/day "
                      f"of actual weight ({fmt.mass_g(actual)})", src.IVIG_MAX_DAILY_GAP)
                return
        raise _NotScreened("per_day", "height and sex are needed to choose the IVIg dosing "
                           "weight (adjusted weight above BMI 30): not screened")
    weighed = Trace()
    try:
        weight, basis, why = ivg.dosing_weight(p, "auto", "bmi_over_30", weighed)
    except PlexodoseError as exc:
        raise _NotScreened("per_day", f"no IVIg dosing weight: {exc}") from None
    w.notes += weighed.warnings
    w.basis = lambda: f"IVIg dosing weight {fmt.number(weight)} kg ({basis} body weight: {why})"
    day_g = _by_weight(w, weight)[1] / 1000
    hard = ivg.MAX_G_PER_KG_DAY * weight
    w.range_text = lambda: (f"0.4 g/kg/day x 5 ({fmt.mass_g(0.4 * weight)}), 1 g/kg/day x 1-2 "
                    f"({fmt.mass_g(weight)}), 1 g/kg over 1-4 days; at most "
                    f"{fmt.mass_g(hard)}/day")
    shown = _Later(lambda: f"{fmt.mass_g(day_g)}/day ({fmt.number(day_g / weight, 3)} g/kg/day)")
    if above(day_g, hard):  # rounding never excuses an absolute limit
        w.add("per_day", "above_hard", lambda: f"{shown} is above 1 g/kg/day ({fmt.mass_g(hard)}): "
              "an absolute limit", src.IVIG_MAX_DAILY_GAP)
        _suggest_course(w)
        return
    days = o.days if o.days is not None and o.days <= 5 else None
    matched = _matched_regimen(day_g, weight, days)
    if matched is not None:
        rate = matched
        w.add("per_day", "within", lambda: f"{shown} counts as {fmt.number(rate, 3)} g/kg/day "
              f"({fmt.mass_g(rate * weight)}, after rounding)", src.SEED_IVIG)
    else:
        w.add("per_day", "above_soft", lambda: f"{shown} is not a seed or labelled course "
              "(0.4 g/kg/day x 5, 1 g/kg/day x 1-2, 1 g/kg over 1-4 days): needs a stated reason",
              src.SEED_IVIG)
        _suggest_course(w)
    if o.days is not None:
        total = (day_g if matched is None else matched * weight) * o.days
        top = ivg.USUAL_TOTAL_G_PER_KG * weight
        if above(total, top):
            w.add("course", "above_soft",
                  lambda: f"course total {fmt.mass_g(total)} is above the usual "
                  f"2 g/kg ({fmt.mass_g(top)})", table.IVIG_COURSE)
        elif o.days <= 5:
            days_given = o.days
            w.add("course", "within",
                  lambda: f"{days_given} day{'s' if days_given > 1 else ''}, total "
                  f"{fmt.mass_g(total)} (at most 2 g/kg, {fmt.mass_g(top)})", table.IVIG_COURSE)


def _suggest_course(w: _Work) -> None:
    w.suggestions.append(functools.partial(_course_suggestion, w.patient, w.on,
                                           CATALOGUE.snapshot(), w.order.product))


def _course_suggestion(patient: Patient, day: dt.date, catalogue: object,
                       product: str | None) -> Suggested | None:
    try:
        screened = as_screened(patient, day, catalogue)
        if screened is None:
            return None, CATALOGUE_CHANGED
        course = ivg.ivig(screened, product=product)
    except PlexodoseError:  # refused (no suggestion), never raised from reading one
        return None
    return (course.given_daily_dose_g * 1000,
            f"{fmt.mass_g(course.given_daily_dose_g)} daily x {course.days} days")


@functools.lru_cache(maxsize=8)  # bounded: None and 1-5 days
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


def _matched_regimen(day_g: float, weight: float, days: int | None) -> float | None:
    """The first daily rate (g/kg) of a course of ``days`` the day's amount counts as, if any."""
    for rate in _ivig_regimens(days):
        if _counts_as(day_g, rate * weight):
            return rate
    return None


def _counts_as(day_g: float, calculated_g: float) -> bool:
    """The order counts as the calculated amount: equal, its nearest 5 g, or within 10 %."""
    if abs(day_g - calculated_g) <= calculated_g * IVIG_ROUNDING * (1 + EDGE):
        return True
    nearest = round(calculated_g / ivg.ROUND_TO_G) * ivg.ROUND_TO_G
    return abs(day_g - nearest) <= 1e-9 * max(1.0, nearest)


# ---------------------------------------------------------------------------------------------
# Azathioprine


def _azathioprine(w: _Work) -> None:
    w.run(_azathioprine_frequency, _azathioprine_cap, _azathioprine_day, _course_warning)
    if _any_above(w) and "poor" not in (w.patient.tpmt, w.patient.nudt15):
        _suggest_result(w, aza.azathioprine, allopurinol=w.allopurinol)


def _azathioprine_frequency(w: _Work) -> None:
    o, p = w.order, w.patient
    if "poor" in (p.tpmt, p.nudt15) and o.days_per_week != 7:
        w.add("frequency", "above_soft",
              lambda: f"{_days_text(o.days_per_week)}: CPIC's regimen "
              "for malignant conditions, for a poor metabolizer only on a stated reason",
              src.CPIC_POOR_MALIGNANCY)
    else:
        _frequency(w)


def _azathioprine_cap(w: _Work) -> None:
    """150 mg/day: needs no patient value."""
    amounts = _in_mg(w) or _by_weight(w, w.weight("per_day"))
    day_mg = amounts[1]
    if above(day_mg, aza.CAP_MG_PER_DAY):
        w.add("per_day", "above_hard", lambda: f"{fmt.mass_mg(day_mg)} a dosing day is above the "
              "seed's maximum of 150 mg/day", src.SEED_AZATHIOPRINE)


def _azathioprine_day(w: _Work) -> None:
    p, allopurinol = w.patient, w.allopurinol
    day_mg = _by_weight(w, w.weight("per_day"))[1]
    w.basis = lambda: f"actual weight {fmt.number(p.weight_kg)} kg"
    if above(day_mg, aza.CAP_MG_PER_DAY):
        return  # already refused as above the absolute limit
    shown = _Later(lambda: f"{fmt.mass_mg(day_mg)} a dosing day")
    if "poor" in (p.tpmt, p.nudt15):
        w.range_text = "none: poor metabolizer"
        w.add("per_day", "above_soft",
              lambda: f"{shown}: TPMT/NUDT15 poor metabolizer, no protocol "
              "range (CPIC: consider an alternative; its reduced regimen is for malignant "
              "conditions): needs a stated reason", src.CPIC_THIOPURINES)
        return
    if p.creatinine_mg_dl is None:
        w.missing("renal function not known: the CrCl < 50 mL/min share (75 %) is not checked")
    if None in (p.tpmt, p.nudt15):
        w.missing("TPMT/NUDT15 not known: the genotype's reduced range is not checked")
    w.creatinine("per_day")  # a stale creatinine: the renal share cannot be judged
    try:
        low, high, text, source = azathioprine_range_later(p, allopurinol, _times(w),
                                                           CATALOGUE.snapshot())
    except PlexodoseError as exc:
        raise _NotScreened("per_day", f"the patient's range could not be worked out: {exc}"
                           ) from None
    w.range_text = text
    if above(day_mg, high):
        w.add("per_day", "above_soft", lambda: f"{shown} is above this patient's range "
              f"(up to {fmt.mass_mg(high)}/day): needs a stated reason", source)
    elif below(day_mg, low):
        w.add("per_day", "below", lambda: f"{shown} is below this patient's range "
              f"(from {fmt.mass_mg(low)}/day)", source)
    else:
        w.add("per_day", "within", lambda: f"{shown} is within {fmt.mass_mg(low)}-"
              f"{fmt.mass_mg(high)}/day", source)


def azathioprine_range(p: Patient, allopurinol: bool, times: int = 1
                       ) -> tuple[float, float, str, Source]:
    """The patient's own daily range (mg; low, high), in words, and its source: see
    :func:`azathioprine_range_later`."""
    low, high, words, source = azathioprine_range_later(p, allopurinol, times,
                                                        CATALOGUE.snapshot())
    return low, high, words(), source


@functools.lru_cache(maxsize=1024)  # bounded: an order-entry session screens one patient often
def azathioprine_range_later(p: Patient, allopurinol: bool, times: int = 1,
                             catalogue: object = None
                             ) -> tuple[float, float, Callable[[], str], Source]:
    """The patient's own daily range (mg; low, high): CPIC's share of the normal dose N for a
    reduced metabolizer (applied once), else 1-2 mg/kg/day; the renal share on both ends; with
    allopurinol one quarter at the low end and one third at the top (the label's 1/4 to 1/3);
    each end widened to what the calculator dispenses there in ``times`` doses a day (whole
    tablets, never past a limit). Its words are written when read. ``catalogue``
    (``CATALOGUE.snapshot()``) keys the cache: a product registered since is never answered
    from a range worked out before it.
    """
    weight = p.weight_kg
    renal = aza._renal(p, "auto", Trace())
    low_share, high_share = ((aza.ALLOPURINOL_FRACTION, aza.ALLOPURINOL_HIGH_FRACTION)
                             if allopurinol else (1.0, 1.0))
    with_allopurinol = "; with allopurinol (one quarter to one third)" if allopurinol else ""
    reduced = (p.tpmt in _READ_AS_REDUCED) + (p.nudt15 in _READ_AS_REDUCED)
    if reduced:
        normal = aza._normal_dose(weight)  # N: 2 mg/kg/day, at most 150
        span = aza.BOTH_GENES_REDUCED if reduced == 2 else aza.ONE_GENE_REDUCED
        low = span[0] * normal * renal * low_share
        high = span[1] * normal * renal * high_share
        # the calculator's own amount (whole 25 mg tablets) is within by construction; when no
        # whole tablet fits, the calculator refuses and the range itself stands
        with contextlib.suppress(PlexodoseError):
            high = max(high, _dispensed_day(aza.azathioprine(
                p, allopurinol=allopurinol, doses_per_day=min(times, 2))))
        high = min(high, aza.CAP_MG_PER_DAY)
        reduced_top = high
        return low, high, lambda: (
            f"reduced metabolizer: CPIC's {fmt.percent(span[0])}-{fmt.percent(span[1])} of the "
            f"normal dose, {fmt.mass_mg(low)}-{fmt.mass_mg(reduced_top)}/day{with_allopurinol}"
        ), src.CPIC_THIOPURINES
    low_rate, high_rate = aza.MG_PER_KG_DAY
    cap = aza.CAP_MG_PER_DAY
    # what azathioprine() gives at each end
    low_given = min(low_rate * weight, cap) * renal * low_share
    high_given = min(high_rate * weight, cap) * renal * low_share
    high = min(high_rate * weight, cap) * renal * high_share
    # as azathioprine(): a reduced range's upper end (renal or allopurinol) is a limit too
    limits = aza.LIMITS if renal * high_share == 1 else (
        *aza.LIMITS, Limit(aza.REDUCED_RANGE_LABEL, high, "day", src.AZATHIOPRINE_LABEL))
    low = min(low_given, _tablets("azathioprine", low_given, limits, times))
    high = min(max(high, _tablets("azathioprine", high_given, limits, times)),
               aza.CAP_MG_PER_DAY)
    unknown = "; TPMT/NUDT15 not known" if None in (p.tpmt, p.nudt15) else ""
    top = high
    return low, high, lambda: (
        f"1-2 mg/kg/day at {fmt.number(weight)} kg with this patient's renal share, "
        f"{fmt.mass_mg(low)}-{fmt.mass_mg(top)}/day{with_allopurinol}{unknown}"
    ), src.SEED_AZATHIOPRINE


_READ_AS_REDUCED = frozenset((*aza.REDUCED, "indeterminate"))  # CPIC's reduced share applies


def _tablets(drug: str, daily_mg: float, limits: tuple[Limit, ...], times: int = 1) -> float:
    """What the calculator dispenses for ``daily_mg`` a day in ``times`` doses (whole tablets,
    never past a limit), as mg a day: dispense_oral's rounding, without its trace."""
    times = max(1, min(times, 4))
    dispensed = oral_amount(drug, daily_mg / times, limits, times)
    return daily_mg if dispensed is None else dispensed * times


def _course_warning(w: _Work) -> None:
    days = w.order.days
    if days is None:
        return
    if days < DURATION_WARN_DAYS:
        w.add("course", "within", lambda: f"a course of {days} days: full effect takes 3-6 months; "
              "judging failure or stopping earlier is a pitfall", src.SEED_DURATION, warning=True)
    else:
        w.add("course", "within", lambda: f"a course of {days} days", src.SEED_DURATION)


# ---------------------------------------------------------------------------------------------
# Mycophenolate


def _mycophenolate(w: _Work) -> None:
    w.basis = "fixed dose (weight not used)"
    w.run(_frequency, _mycophenolate_dose, _mycophenolate_day, _mycophenolate_renal)
    if _any_above(w):
        _suggest(w, 2 * mmf.LOW_EGFR_MAX_MG_PER_DOSE, "1,000 mg twice daily")


def _mycophenolate_amounts(w: _Work) -> tuple[float, float]:
    amounts = _in_mg(w)
    if amounts is None:  # mg/kg: unusual, but readable with the weight
        amounts = _by_weight(w, w.weight("per_dose"))
    return amounts


def _mycophenolate_dose(w: _Work) -> None:
    dose_mg = _mycophenolate_amounts(w)[0]
    low, high = mmf.MG_PER_DOSE
    shown = _Later(lambda: f"{fmt.mass_mg(dose_mg)} a dose")
    if above(dose_mg, high):
        w.add("per_dose", "above_hard",
              lambda: f"{shown} is above 1,500 mg", src.MYCOPHENOLATE_TITRATION)
    elif below(dose_mg, low):
        w.add("per_dose", "below", lambda: f"{shown} is below 500 mg", src.MYCOPHENOLATE_TITRATION)
    else:
        w.add("per_dose", "within", lambda: f"{shown} (500-1,500 mg)", src.MYCOPHENOLATE_TITRATION)


def _mycophenolate_day(w: _Work) -> None:
    day_mg = _mycophenolate_amounts(w)[1]
    w.range_text = "500-1,500 mg a dose, 1,000-3,000 mg/day (eGFR below 25: at most 2,000)"
    shown = _Later(lambda: f"{fmt.mass_mg(day_mg)}/day")
    if above(day_mg, mmf.MAX_MG_PER_DAY):
        w.add("per_day", "above_hard", lambda: f"{shown} is above 3,000 mg/day",
              src.MYCOPHENOLATE_TITRATION)
    elif below(day_mg, 2 * mmf.MG_PER_DOSE[0]):
        w.add("per_day", "below",
              lambda: f"{shown} is below 1,000 mg/day", src.MYCOPHENOLATE_TITRATION)
    else:
        w.add("per_day", "within",
              lambda: f"{shown} (1,000-3,000 mg/day)", src.MYCOPHENOLATE_TITRATION)


def _mycophenolate_renal(w: _Work) -> None:
    day_mg = _mycophenolate_amounts(w)[1]
    if not above(day_mg, mmf.LOW_EGFR_MAX_MG_PER_DAY):
        return  # at most 2,000 mg/day: within whatever the eGFR
    egfr = _egfr(w, "condition")
    if egfr is None:
        w.missing("eGFR < 25 limit of 2,000 mg/day: renal function not known")
    elif egfr < mmf.LOW_EGFR:
        w.add("condition", "above_hard",
              lambda: f"{fmt.mass_mg(day_mg)}/day is above 2,000 mg/day at "
              f"eGFR {fmt.against(egfr, 25, decimals=1)} (below 25)", src.MYCOPHENOLATE_RENAL)
    else:
        w.add("condition", "within",
              lambda: f"eGFR {fmt.number(egfr, 1)} (25 or more): up to 3,000 "
              "mg/day", src.MYCOPHENOLATE_RENAL)


def _egfr(w: _Work, dimension: Dimension) -> float | None:
    p = w.patient
    creatinine = w.creatinine(dimension)
    if p.age is None or p.sex is None or creatinine is None or p.age < 18:
        return None
    return _body.egfr_value(p.age, p.sex, creatinine)


# ---------------------------------------------------------------------------------------------
# Ciclosporin


def _ciclosporin(w: _Work) -> None:
    w.run(_frequency, _ciclosporin_day, _ciclosporin_renal, _ciclosporin_rise)
    w.missing("blood pressure: uncontrolled hypertension is not part of the order")


def _ciclosporin_day(w: _Work) -> None:
    weight = w.weight("per_day")
    w.basis = lambda: f"actual weight {fmt.number(weight)} kg"
    day_mg = _by_weight(w, weight)[1]
    rate = day_mg / weight
    low, high = csa.MG_PER_KG_DAY
    w.range_text = lambda: (
        f"2.5-5 mg/kg/day at {fmt.number(weight)} kg, {fmt.mass_mg(low * weight)}-"
                    f"{fmt.mass_mg(high * weight)}/day")
    shown = _Later(lambda: f"{fmt.mass_mg(day_mg)}/day "
                   f"({fmt.against(rate, low, high, csa.LABEL_MAX_MG_PER_KG_DAY)} mg/kg/day)")
    if above(rate, high):
        w.add("per_day", "above_hard",
              lambda: f"{shown} is above the seed's ceiling of 5 mg/kg/day",
              src.SEED_CICLOSPORIN)
        _suggest_result(w, csa.cyclosporin)
    elif below(rate, low) and below(day_mg, _tablets("ciclosporin", low * weight, (Limit(
            csa.CEILING_LABEL, high * weight, "day", src.SEED_CEILING_GAP),), _times(w))):
        # below 2.5 mg/kg/day, and below what the calculator dispenses for it (capsules)
        w.add("per_day", "below", lambda: f"{shown} is below 2.5 mg/kg/day", src.SEED_CICLOSPORIN)
    elif above(rate, csa.LABEL_MAX_MG_PER_KG_DAY):
        w.add("per_day", "within", lambda: f"{shown}: above the label's 4 mg/kg/day (within the "
              "seed's 5)", src.CICLOSPORIN_LABEL, warning=True)
    else:
        w.add("per_day", "within", lambda: str(shown), src.SEED_CICLOSPORIN)


def _ciclosporin_renal(w: _Work) -> None:
    egfr = _egfr(w, "condition")
    if egfr is None:
        w.missing("renal function: the eGFR < 60 contraindication is not checked (give age, "
                  "sex and serum creatinine)")
    elif egfr < csa.MIN_EGFR:
        w.add("condition", "above_soft",
              lambda: f"eGFR {fmt.against(egfr, 60, decimals=1)} is below 60: ciclosporin "
              "is contraindicated in abnormal renal function; refused without a stated reason",
              src.CICLOSPORIN_CONTRAINDICATIONS)
    else:
        w.add("condition", "within", lambda: f"eGFR {fmt.number(egfr, 1)} (60 or more)",
              src.CICLOSPORIN_CONTRAINDICATIONS)


def _ciclosporin_rise(w: _Work) -> None:
    p = w.patient
    base, now = p.baseline_creatinine_mg_dl, w.creatinine("condition")
    if base is None or now is None:  # not known is never "no rise"
        w.missing("baseline or current creatinine not given: the rise of 25 % or more above "
                  "baseline is not checked")
        return
    if now < base * (1 + csa.RISE_THRESHOLD[0]) * (1 - EDGE):
        return
    # the label: reduce by 25-50 %; the calculator's reduced dose is the most accepted
    day_mg = _by_weight(w, w.weight("condition"))[1]
    rise = _Later(lambda: f"creatinine {fmt.number(now, 3)} mg/dL is 25 % or more above the "
                  f"baseline {fmt.number(base, 3)}")
    try:
        result = csa.cyclosporin(p)
    except PlexodoseError:
        result = None
    reduced = None if result is None else max(result.daily_dose_mg, _dispensed_day(result))
    if reduced is not None and not above(day_mg, reduced):
        w.add("condition", "within", lambda: f"{rise}: at or below the reduced dose "
              f"({fmt.mass_mg(reduced)}/day)", src.CICLOSPORIN_LABEL, warning=True)
        return
    w.add("condition", "above_soft", lambda: f"{rise}: above the reduced dose"
          + ("" if reduced is None else f" ({fmt.mass_mg(reduced)}/day)")
          + ": needs a stated reason", src.CICLOSPORIN_LABEL)
    if result is not None:
        _suggest(w, _dispensed_day(result), lambda: _daily_text(result))


# ---------------------------------------------------------------------------------------------
# Oral cyclophosphamide


def _cyclophosphamide_oral(w: _Work) -> None:
    w.run(_frequency, _oral_cap, _oral_day, _oral_course)


def _oral_cap(w: _Work) -> None:
    """200 mg/day: needs no patient value."""
    amounts = _in_mg(w)
    if amounts is not None and above(amounts[1], cyc.ORAL_MAX_MG_PER_DAY):
        w.add("per_day", "above_hard", lambda: f"{fmt.mass_mg(amounts[1])}/day is above 200 mg/day",
              src.ORAL_CYCLOPHOSPHAMIDE_MAX)


_ORAL_RATES = (*cyc.ORAL_MG_PER_KG_DAY, cyc.ORAL_FROM_250_UMOL_L, cyc.ORAL_OVER_500_UMOL_L)


def _oral_day(w: _Work) -> None:
    weight = w.weight("per_day")
    w.basis = lambda: f"actual weight {fmt.number(weight)} kg"
    day_mg = _by_weight(w, weight)[1]
    rate = day_mg / weight
    shown = _Later(lambda: f"{fmt.mass_mg(day_mg)}/day ({fmt.against(rate, *_ORAL_RATES)} "
                   "mg/kg/day)")  # as the block writes it, never reading as a limit
    if above(day_mg, cyc.ORAL_MAX_MG_PER_DAY):
        if w.order.basis != "mg":  # a mg/kg order: the cap in mg needed the weight
            w.add("per_day", "above_hard", lambda: f"{shown} is above 200 mg/day",
                  src.ORAL_CYCLOPHOSPHAMIDE_MAX)
        return
    if above(rate, cyc.ORAL_MG_PER_KG_DAY[1]):
        w.add("per_day", "above_hard",
              lambda: f"{shown} is above the seed's ceiling of 2 mg/kg/day",
              src.SEED_CYCLOPHOSPHAMIDE)
        band = _oral_band(creatinine_umol_l(w.patient))[0]  # a stale creatinine: see below
        return _suggest_tablets(w, min(band * weight, cyc.ORAL_MAX_MG_PER_DAY))
    strictest = cyc.ORAL_OVER_500_UMOL_L
    band, band_text = cyc.ORAL_MG_PER_KG_DAY[1], "creatinine not known"
    if above(rate, strictest):  # only then can the creatinine band matter
        creatinine = w.creatinine("per_day")
        if creatinine is None:
            w.missing("serum creatinine not given: the creatinine band (1.75 or 1.5 mg/kg/day) "
                      "is not checked")
        else:
            band, band_text = _oral_band(creatinine_umol_l(w.patient))
    top = min(band * weight, cyc.ORAL_MAX_MG_PER_DAY)
    low = min(cyc.ORAL_MG_PER_KG_DAY[0] * weight, cyc.ORAL_MAX_MG_PER_DAY)  # past 200 kg: 200
    w.range_text = lambda: (
        f"1-{fmt.number(band)} mg/kg/day at {fmt.number(weight)} kg ({band_text}), "
                    f"at most 200 mg/day: {fmt.mass_mg(min(low, top))}-{fmt.mass_mg(top)}/day")
    if above(rate, band):
        w.add("per_day", "above_hard", lambda: f"{shown} is above {fmt.number(band)} mg/kg/day for "
              f"creatinine {band_text}", src.CYCLOPHOSPHAMIDE_ORAL_RENAL)
        _suggest_tablets(w, top)
    elif below(day_mg, low) and below(day_mg, _tablets("cyclophosphamide", low, (
            Limit("maximum", top, "day", src.ORAL_CYCLOPHOSPHAMIDE_MAX),), _times(w))):
        # below 1 mg/kg/day (at most 200 mg), and below the tablets the calculator gives for it
        w.add("per_day", "below",
              lambda: f"{shown} is below 1 mg/kg/day", src.SEED_CYCLOPHOSPHAMIDE)
    else:
        w.add("per_day", "within", lambda: str(shown), src.SEED_CYCLOPHOSPHAMIDE)


def _oral_course(w: _Work) -> None:
    o = w.order
    amounts = _in_mg(w) or _by_weight(w, w.weight("cumulative"))
    days = o.days
    if days is None:
        _cumulative(w, amounts[1], "one day of it")
    else:
        _cumulative(w, amounts[1] * days * o.days_per_week / 7, "this order")


def _oral_band(umol: float | None) -> tuple[float, str]:
    if umol is None:
        return cyc.ORAL_MG_PER_KG_DAY[1], "creatinine not known"
    low, high = cyc.ORAL_CREATININE_BANDS_UMOL_L
    if umol > high:
        return cyc.ORAL_OVER_500_UMOL_L, "> 500 umol/L"
    if umol >= low:
        return cyc.ORAL_FROM_250_UMOL_L, "250-500 umol/L"
    return cyc.ORAL_MG_PER_KG_DAY[1], "< 250 umol/L"


def _suggest_tablets(w: _Work, top_mg: float) -> None:
    """Whole 25 mg tablets at or below ``top_mg``; none when not one tablet fits, or when the
    creatinine the band needs is stale."""
    if "serum_creatinine" in w.stale:
        return
    tablets = math.floor(top_mg / 25.0 + 1e-9)
    if tablets >= 1:
        _suggest(w, 25.0 * tablets, lambda: f"{fmt.mass_mg(25.0 * tablets)} daily")


# ---------------------------------------------------------------------------------------------
# IV cyclophosphamide


def _cyclophosphamide_iv(w: _Work) -> None:
    if w.order.basis == "mg/kg":
        w.run(_pulse_frequency, _interval, _mg_per_kg_pulse, _pre_pulse, _pulse_cumulative)
        if w.last_pulse is not None:
            w.missing("the raise rules are for g/m2 pulses: not checked for a mg/kg pulse")
        return
    w.run(_pulse_frequency, _interval, _pulse_dose, _raise, _age_renal, _pre_pulse,
          _pulse_cumulative)
    w.missing("nadir WBC of the last pulse not given: the nadir adjustment is not checked")
    w.missing("a hold of more than 2 weeks (discuss another therapy) is not checked")
    if _any_above(w):
        _suggest_pulse(w, w.last_pulse)


def _pulse_frequency(w: _Work) -> None:
    o = w.order
    times = _times(w)
    if times != 1 or o.days_per_week != 7:
        w.add("frequency", "above_soft", lambda: f"{_times_text(times)}: a pulse is one infusion",
              src.SEED_CYCLOPHOSPHAMIDE)
    if o.days is not None and o.days > 1:  # pulses on consecutive days
        w.add("interval", "above_hard",
              lambda: f"a pulse on each of {o.days} days: the interval is "
              "under 2 weeks", src.SEED_CYCLOPHOSPHAMIDE)


_INTERVAL_DAYS = tuple(weeks * 7 for weeks in cyc.INTERVAL_WEEKS)


def _interval(w: _Work) -> None:
    every = w.order.interval_days
    low, high = _INTERVAL_DAYS
    if every is None:
        w.missing("interval between pulses not stated: the 2-4 weeks rule is not checked")
    elif below(every, low):
        w.add("interval", "above_hard",
              lambda: f"every {fmt.number(every)} days: shorter than 2 weeks",
              src.SEED_CYCLOPHOSPHAMIDE)
    elif above(every, high):
        w.add("interval", "below", lambda: f"every {fmt.number(every)} days: longer than 4 weeks",
              src.SEED_CYCLOPHOSPHAMIDE)
    else:
        w.add("interval", "within", lambda: f"every {fmt.number(every)} days (2-4 weeks)",
              src.SEED_CYCLOPHOSPHAMIDE)


def _bsa(w: _Work) -> float:
    if w.bsa is None:
        p = w.patient
        weight = w.weight("per_dose")
        if p.height_cm is None:
            raise _NotScreened("per_dose", "no BSA: the patient's height is needed for an IV "
                               "pulse")
        bsa = w.bsa = _body.bsa_m2(_MOSTELLER, p.height_cm, weight)  # as cyclophosphamide_iv()
        w.basis = lambda: f"BSA {fmt.number(bsa, 4)} m2 (mosteller)"
    return w.bsa


def _pulse_mg(w: _Work) -> float:
    o = w.order
    return o.amount * (_bsa(w) if o.basis == "mg/m2" else 1.0)


def _pulse_dose(w: _Work) -> None:
    bsa = _bsa(w)
    dose_mg = _pulse_mg(w)
    rate = dose_mg / 1000 / bsa
    low, high = cyc.IV_G_PER_M2
    w.range_text = lambda: (
        f"0.3-1 g/m2 at {fmt.number(bsa, 4)} m2, {fmt.mass_mg(low * 1000 * bsa, 0)}-"
                    f"{fmt.mass_mg(high * 1000 * bsa, 0)} a pulse; 1-1.6 g/m2 on a stated reason")
    shown = _Later(lambda: f"{fmt.mass_mg(dose_mg, 0)} ({fmt.number(rate, 3)} g/m2)")
    # A pulse prepared to the whole mg counts as its g/m2 at the protocol's edges; never at 1.6.
    if above(rate, cyc.IV_HARD_MAX_G_PER_M2):
        w.add("per_dose", "above_hard", lambda: f"{shown} is above 1.6 g/m2", src.MICHIGAN_STEP)
    elif above(dose_mg - PULSE_PREPARED_MG, high * 1000 * bsa):
        w.add("per_dose", "above_soft",
              lambda: f"{shown} is above the seed's 1 g/m2: needs a stated "
              "reason (Michigan allows up to 1.6 g/m2 by steps)", src.SEED_CYCLOPHOSPHAMIDE)
    elif below(dose_mg + PULSE_PREPARED_MG, low * 1000 * bsa):
        w.add("per_dose", "below", lambda: f"{shown} is below 0.3 g/m2", src.SEED_CYCLOPHOSPHAMIDE)
    else:
        w.add("per_dose", "within", lambda: str(shown), src.SEED_CYCLOPHOSPHAMIDE)


def _raise(w: _Work) -> None:
    last_pulse, last_raised = w.last_pulse, w.last_raised
    if last_pulse is None:
        w.missing("last pulse not given: the raise rules (25 %; from 1.4 g/m2 at most +0.1 a "
                  "calendar month) are not checked")
        return
    bsa = _bsa(w)
    rate = _pulse_mg(w) / 1000 / bsa
    before = last_pulse.g_per_m2(bsa)
    step_from = cyc.MICHIGAN_STEP_FROM_G_PER_M2
    if not above(rate, before):
        return
    if before < step_from * (1 - EDGE) and above(rate, step_from):
        w.add("per_dose", "above_hard", lambda: f"a raise from {fmt.number(before, 3)} to "
              f"{fmt.number(rate, 3)} g/m2 crosses 1.4 g/m2", src.MICHIGAN_STEP)
    elif before >= step_from * (1 - EDGE) and above(rate - before, cyc.MICHIGAN_STEP_G_PER_M2):
        w.add("per_dose", "above_hard", lambda: f"from {fmt.number(before, 3)} g/m2 a raise of "
              f"{fmt.number(rate - before, 3)} g/m2 is more than 0.1", src.MICHIGAN_STEP)
    elif above(rate, before * (1 + cyc.NADIR_RAISE)):
        w.add("per_dose", "above_soft",
              lambda: f"a raise of {fmt.percent(rate / before - 1)} over the "
              f"last pulse ({fmt.number(before, 3)} g/m2) is more than 25 %",
              src.CYCLOPHOSPHAMIDE_NADIR)
    if before >= step_from * (1 - EDGE):
        if last_raised is None:
            w.missing("a second raise in the same calendar month is not checked (give "
                      "last_raised=)")
        elif (last_raised.year, last_raised.month) == (w.on.year, w.on.month):
            w.add("per_dose", "above_hard", lambda: f"a second raise in {w.on:%B %Y} (the last on "
                  f"{last_raised.isoformat()}): from 1.4 g/m2 one raise a calendar month",
                  src.MICHIGAN_STEP)


def _age_renal(w: _Work) -> None:
    """The EULAR/CYCLOPS table by age and creatinine: for mg/kg pulses; on a g/m2 pulse a
    refinement the calculator applies on request, so a fuller pulse warns; above 500 umol/L no
    pulse without a stated reason (the reference: refused by default)."""
    p = w.patient
    creatinine = w.creatinine("condition")
    umol = None if creatinine is None else creatinine_umol_l(p)
    if umol is not None and umol > cyc.EULAR_CREATININE_UMOL_L[1]:
        w.add("condition", "above_soft", lambda: f"creatinine {_umol(umol)} umol/L is above the "
              "EULAR table (500): a pulse needs a stated reason", src.EULAR_CYCLOPS)
        return
    if p.age is None or umol is None:
        w.missing("age or creatinine not known: the EULAR age/creatinine reduction is not "
                  "checked")
        return
    age = p.age
    share = _eular_share(age, umol)
    bsa = _bsa(w)
    rate = _pulse_mg(w) / 1000 / bsa
    if share < 1 and above(rate, cyc.IV_G_PER_M2[1] * share):
        w.add("condition", "within",
              lambda: f"EULAR/CYCLOPS reduces pulses to {fmt.percent(share)} for "
              f"age {fmt.number(age)} and creatinine {_umol(umol)} umol/L (at most "
              f"{fmt.number(cyc.IV_G_PER_M2[1] * share, 3)} g/m2): consider the reduction "
              "(cyclophosphamide_iv(age_renal_reduction=True))", src.EULAR_CYCLOPS, warning=True)


def _umol(umol: float) -> str:
    """A creatinine beside the EULAR table's columns (300, 500): never reads as one it is not."""
    return fmt.against(umol, *cyc.EULAR_CREATININE_UMOL_L, decimals=0)


def _eular_share(age: float, umol: float) -> float:
    older = 0 if age < 60 else 1 if age <= 70 else 2
    column = 0 if umol < cyc.EULAR_CREATININE_UMOL_L[0] else 1
    return cyc.EULAR_TABLE[older][column] / cyc.EULAR_STANDARD_MG_PER_KG


def _pre_pulse(w: _Work) -> None:
    labs = w.labs
    # the last pulse is read for a g/m2 pulse only, as the raise rules read it
    last_pulse = None if w.order.basis == "mg/kg" else w.last_pulse
    if labs is None:
        w.missing("pre-pulse WBC and neutrophils not given: the hold, 50 % and postpone rules "
                  "are not checked (give labs=)")
        return
    if not labs.usable:
        w.missing(f"pre-pulse counts: {labs.why}; the hold, 50 % and postpone rules are not "
                  "checked")
        return
    wbc, neutrophils = labs.wbc, labs.neutrophils
    if wbc is None:
        w.missing("pre-pulse WBC not in the labs given")
    elif wbc * 1000 < cyc.PRE_PULSE_HOLD_BELOW:
        w.add("condition", "above_soft",
              lambda: f"pre-pulse WBC {fmt.against(wbc, 2, decimals=2)} x10^9/L is below "
              "2: the pulse is held", src.CYCLOPHOSPHAMIDE_NADIR)
    elif wbc * 1000 <= cyc.PRE_PULSE_HALF_UP_TO:
        _half_pulse(w, wbc, last_pulse)
    if neutrophils is None:
        w.missing("pre-pulse neutrophils not in the labs given")
    elif neutrophils * 1000 < cyc.NEUTROPHILS_CUT_BELOW:
        w.add("condition", "above_soft",
              lambda: f"neutrophils {fmt.against(neutrophils, 1.5, decimals=2)} x10^9/L are "
              "below 1.5: the pulse is postponed", src.FRENCH_NEUTROPHILS)


def _half_pulse(w: _Work, wbc: float, last_pulse: _Pulse | None) -> None:
    """WBC 2-3: half the pulse is due; the order is judged against half the last one."""
    shown = _Later(
        lambda: f"pre-pulse WBC {fmt.against(wbc, 2, 3, decimals=2)} x10^9/L (2-3): half the pulse is due")
    if last_pulse is None:
        w.add("condition", "above_soft", lambda: f"{shown}; give last_pulse= to show this order is "
              "halved: needs a stated reason", src.CYCLOPHOSPHAMIDE_NADIR)
        return
    bsa = _bsa(w) if w.order.basis == "mg/m2" or last_pulse.per_m2 else 1.0
    due = last_pulse.g_per_m2(bsa) * 1000 * bsa / 2
    if above(_pulse_mg(w) - PULSE_PREPARED_MG, due):
        w.add("condition", "above_soft",
              lambda: f"{shown} ({fmt.mass_mg(due, 0)}): this order is more",
              src.CYCLOPHOSPHAMIDE_NADIR)
    else:
        w.add("condition", "within",
              lambda: f"{shown} ({fmt.mass_mg(due, 0)}): this order is at most "
              "that", src.CYCLOPHOSPHAMIDE_NADIR)


def _suggest_pulse(w: _Work, last_pulse: _Pulse | None) -> None:
    """1 g/m2 at most, no more than 25 % over the last pulse; none where no pulse is due."""
    if any(f.category != "within" and f.dimension in ("condition", "interval")
           for f in w.findings):
        return  # held, postponed, halved, renal or interval: a prescriber's decision
    try:
        bsa = _bsa(w)
    except _NotScreened:
        return
    most = cyc.IV_G_PER_M2[1]
    if last_pulse is not None:
        most = min(most, last_pulse.g_per_m2(bsa) * (1 + cyc.NADIR_RAISE))
    mg = math.floor(most * 1000 * bsa)
    _suggest(w, float(mg), lambda: f"{fmt.mass_mg(mg, 0)} ({fmt.number(mg / 1000 / bsa, 3)} g/m2)")


def _mg_per_kg_pulse(w: _Work) -> None:
    o, p = w.order, w.patient
    weight = w.weight("per_dose")
    w.basis = lambda: f"actual weight {fmt.number(weight)} kg (EULAR/CYCLOPS mg/kg pulses)"
    dose_mg = o.amount * weight
    shown = _Later(lambda: f"{fmt.mass_mg(dose_mg, 0)} ({fmt.number(o.amount)} mg/kg)")
    if above(dose_mg, cyc.PULSE_MAX_MG):
        w.add("per_dose", "above_hard",
              lambda: f"{shown} is above 1.2 g a pulse", src.CYCLOPS_PULSE_MAX)
        return
    creatinine = w.creatinine("per_dose")
    umol = None if creatinine is None else creatinine_umol_l(p)
    if umol is not None and umol > cyc.EULAR_CREATININE_UMOL_L[1]:  # whatever the age
        w.add("per_dose", "above_soft",
              lambda: f"{shown}: creatinine {_umol(umol)} umol/L is above the "
              "EULAR table (500): a pulse needs a stated reason", src.EULAR_CYCLOPS)
        return
    if umol is None or p.age is None:
        raise _NotScreened("per_dose", "the EULAR/CYCLOPS mg/kg needs age and creatinine: not "
                           "screened")
    try:
        reduction = cyc.cyclophosphamide_pulse_reduction(p)
    except PlexodoseError as exc:
        refused = str(exc)  # an except clause's name is gone when the words are written
        w.add("per_dose", "above_soft", lambda: f"{shown}: the EULAR table gives no pulse for "
              f"this patient ({refused}): needs a stated reason", src.EULAR_CYCLOPS)
        return
    allowed = reduction.reduced_mg_per_kg
    w.range_text = lambda: f"{fmt.number(allowed)} mg/kg, at most 1.2 g a pulse"
    if above(o.amount, allowed):
        w.add("per_dose", "above_soft", lambda: f"{shown} is above the EULAR/CYCLOPS "
              f"{fmt.number(allowed)} mg/kg for age and creatinine", src.EULAR_CYCLOPS)
        _suggest(w, reduction.dose_mg, lambda: f"{fmt.mass_mg(reduction.dose_mg, 0)} "
                 f"({fmt.number(allowed)} mg/kg)")
    elif below(o.amount, allowed) and below(dose_mg, reduction.dose_mg):  # the 1.2 g cap
        w.add("per_dose", "below", lambda: f"{shown} is below the EULAR/CYCLOPS "
              f"{fmt.number(allowed)} mg/kg", src.EULAR_CYCLOPS)
    else:
        w.add("per_dose", "within", lambda: str(shown), src.EULAR_CYCLOPS)


def _pulse_cumulative(w: _Work) -> None:
    o = w.order
    if o.basis == "mg":
        mg = o.amount
    elif o.basis == "mg/kg":
        mg = o.amount * w.weight("cumulative")
    else:
        mg = _pulse_mg(w)
    _cumulative(w, mg, "this pulse")


def _cumulative(w: _Work, order_mg: float, what: str) -> None:
    exposure = w.exposure
    if not exposure.known:
        w.missing("cumulative dose not known: not checked (give prior_cyclophosphamide= or "
                  "history=)")
        return
    before_g = exposure.total_g
    after_g = before_g + order_mg / 1000
    crossed = [g for g in CUMULATIVE_WARN_G if after_g >= g * (1 - EDGE)]
    text = _Later(lambda: f"cumulative cyclophosphamide {fmt.number(before_g, 3)} g before, "
                  f"{fmt.number(after_g, 3)} g with {what} ({exposure.text})")
    if crossed:
        source = src.FAURSCHOU_2008 if crossed[-1] == 36.0 else src.TRAVIS_1995
        w.add("cumulative", "within", lambda: f"{text}: reaches {fmt.number(crossed[-1])} g",
              source, warning=True)
    else:
        nxt = next(g for g in CUMULATIVE_WARN_G if after_g < g)
        w.add("cumulative", "within", lambda: f"{text}: below {fmt.number(nxt)} g", src.TRAVIS_1995)


_RULES: dict[str, Callable[..., None]] = {
    "ivig": _ivig,
    "azathioprine": _azathioprine,
    "mycophenolate": _mycophenolate,
    "ciclosporin": _ciclosporin,
    "cyclophosphamide_oral": _cyclophosphamide_oral,
    "cyclophosphamide_iv": _cyclophosphamide_iv,
}
