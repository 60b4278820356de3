"""An order as written: drug, amount, frequency, interval, course; read once at the door.

The amount is kept as the prescriber wrote it (``written``) and as one canonical float with its
basis: mg, mg/kg or mg/m2, per administration or per day. Nothing a caller does to the objects it
passed can change an order afterwards (floats and strings only).
"""

from __future__ import annotations

import re
from typing import Any, Literal

import attrs

from plexodose._core import format as fmt
from plexodose._core import units as u
from plexodose._core.checks import checked_text, whole_number
from plexodose._core.errors import (
    InputRangeError,
    PlexodoseError,
    UnitError,
    choice_error,
    safe_repr,
)
from plexodose._core.public import public
from plexodose._core.vocab import DRUGS, ORDER_NAMES, Drug, drug_key
from plexodose._dosing.products import CATALOGUE

Basis = Literal["mg", "mg/kg", "mg/m2"]
Per = Literal["dose", "day", "week"]
Route = Literal["oral", "iv"]
ROUTES: tuple[Route, ...] = ("oral", "iv")
ROUTE_OF: dict[Drug, Route] = {
    "ivig": "iv", "azathioprine": "oral", "cyclophosphamide_oral": "oral",
    "cyclophosphamide_iv": "iv", "ciclosporin": "oral", "mycophenolate": "oral",
}
# What an order's amount may be: (dimension, basis, per). Read in this order; the first that
# accepts the unit wins (a mass is never a mass per day).
_AMOUNTS: tuple[tuple[u.Dimension, Basis, Per], ...] = (
    (u.Dimension("mass", "mg", '"500 mg"'), "mg", "dose"),
    (u.Dimension("mass per body mass", "mg/kg", '"1 g/kg"'), "mg/kg", "dose"),
    (u.Dimension("mass per area", "mg/m**2", '"750 mg/m**2"'), "mg/m2", "dose"),
    (u.Dimension("mass per time", "mg/day", '"1 g/day"'), "mg", "day"),
    (u.Dimension("mass per body mass per time", "mg/kg/day", '"2 mg/kg/day"'), "mg/kg", "day"),
    (u.Dimension("mass per area per time", "mg/m**2/day", '"0.75 g/m**2/day"'), "mg/m2", "day"),
)
_DAYS = u.Dimension("time", "day", '"4 weeks"')
_WEEKLY: dict[Basis, u.Dimension] = {
    "mg": u.Dimension("mass per time", "mg/week", '"1,050 mg/week"'),
    "mg/kg": u.Dimension("mass per body mass per time", "mg/kg/week", '"14 mg/kg/week"'),
    "mg/m2": u.Dimension("mass per area per time", "mg/m**2/week", '"750 mg/m**2/week"'),
}
# UCUM code of a dose -> the amount as Order reads it (per administration, or per day): what a
# FHIR doseQuantity carries, read in an Order's text too ("2 mg/(kg.d)")
DOSE_UNITS = {
    "mg": "mg", "g": "g",
    "mg/kg": "mg/kg", "g/kg": "g/kg",
    "mg/m2": "mg/m2", "g/m2": "g/m2",
    "mg/d": "mg/day", "g/d": "g/day",
    "mg/kg/d": "mg/kg/day", "g/kg/d": "g/kg/day", "mg/(kg.d)": "mg/kg/day", "g/(kg.d)": "g/kg/day",
    "mg/m2/d": "mg/m2/day", "g/m2/d": "g/m2/day", "mg/(m2.d)": "mg/m2/day", "g/(m2.d)": "g/m2/day",
}
_THOUSANDS = re.compile(r"^\s*\d{1,3}(?:,\d{3})+(?:\.\d+)?(?=\s)")
_SQUARE = re.compile(r"(?<=[A-Za-z])2\b")  # "g/m2" -> "g/m**2" (UCUM writes m2)
MAX_AMOUNT = {"mg": 200_000.0, "mg/kg": 5_000.0, "mg/m2": 10_000.0}  # typing guards: 200 g
MIN_AMOUNT = {"mg": 1e-3, "mg/kg": 1e-4, "mg/m2": 1e-3}  # a microgram: below it, a typing error
MAX_INTERVAL_DAYS = 366.0
MAX_COURSE_DAYS = 3_660  # ten years


def _drug(value: Any) -> Drug:
    key = drug_key(value)
    if key is None:
        raise choice_error(value, DRUGS, "drug")
    return key


def read_amount(value: Any, field: str = "dose") -> tuple[float, Basis, Per, str]:
    """(amount, basis, per, as written): ``"500 mg"`` is (500, "mg", "dose"); ``"1 g/day"`` is
    (1000, "mg", "day"); ``"0.75 g/m2"`` is (750, "mg/m2", "dose").

    >>> read_amount("0.4 g/kg/day")[:3], read_amount("1,000 mg")[:3]
    ((400.0, 'mg/kg', 'day'), (1000.0, 'mg', 'dose'))
    """
    if type(value) is not str:
        return _read_amount(value, field)
    # a reading never depends on the field (only a refusal names it): one entry per spelling
    return u.read_per_spelling(_amounts, value, lambda text: _read_amount(text, field))


AMOUNTS_CACHE_SIZE = 1024  # spellings remembered; bounded so free text cannot grow memory
# orders repeat their amounts ("500 mg"), and each reading tries the amount's kinds in turn
_amounts = u.BoundedCache(AMOUNTS_CACHE_SIZE)


def _read_amount(value: Any, field: str) -> tuple[float, Basis, Per, str]:
    given = value
    if isinstance(value, str):
        text = str.__str__(value)
        found = _THOUSANDS.match(text)
        if found:
            text = found.group(0).replace(",", "") + text[found.end():]
        value = _SQUARE.sub("**2", _ucum_words(text))
    refusals = []
    for dim, basis, per in _likely_first(value):
        try:
            amount = u.to_float(value, field, dim)
        except UnitError as exc:
            refusals.append(exc)
            continue
        except InputRangeError as exc:  # a number no float holds ("1e999 mg"): quoted as typed
            if value is given:
                raise
            raise InputRangeError(str(exc).replace(safe_repr(value), safe_repr(given)),
                                  field=exc.field, value=given) from None
        if per == "day":
            per = _period(value, field, given)
            if per == "week":  # read again per week: no float noise from the day's factor
                amount = u.to_float(value, field, _WEEKLY[basis])
        if not MIN_AMOUNT[basis] <= amount <= MAX_AMOUNT[basis]:
            raise InputRangeError(
                f"{field} {safe_repr(given)} is outside the plausible range ({MIN_AMOUNT[basis]:g} to "
                f"{fmt.number(MAX_AMOUNT[basis])} {basis})",
                field=field, value=given)
        return amount, basis, per, _written(given)
    if refusals and "needs a unit" in str(refusals[0]):
        raise refusals[0]
    raise UnitError(
        f"{field} must be an amount such as \"500 mg\", \"1 g/day\", \"0.4 g/kg/day\" or "
        f"\"750 mg/m**2\" (a string or a pint Quantity); got {safe_repr(given)}",
        field=field, value=given)


def _ucum_words(text: str) -> str:
    """``text`` with a UCUM dose code ("2 mg/(kg.d)") written in the words the amount's reader
    reads ("2 mg/kg/day"); other text as it is. ASCII text of the reader's length only: a
    no-break space or an over-long text stays refused, as in every other quantity."""
    if not text.isascii() or len(text) > u.MAX_TEXT_LENGTH:
        return text
    parts = text.split()
    if len(parts) != 2 or DOSE_UNITS.get(parts[1], parts[1]) == parts[1]:
        return text
    return f"{parts[0]} {DOSE_UNITS[parts[1]]}"


_SHORT = re.compile(r"/\s*(?:h|hr|hrs|hour|hours|min|mins|minute|minutes|s|sec|second|seconds)\b",
                    re.IGNORECASE)
_WEEK = re.compile(r"/\s*(?:wk|wks|week|weeks)\b", re.IGNORECASE)
_DAY = re.compile(r"/\s*(?:d|day|days)\b", re.IGNORECASE)


def _period(value: Any, field: str, given: Any) -> Per:
    """A per-time amount's period: a day or a week; anything else is refused (an oral daily
    amount per hour, or per month, is a typing error or a regimen the screen cannot judge)."""
    unit = value if isinstance(value, str) else str(getattr(value, "units", ""))
    unit = unit.replace("hour", "/h").replace("minute", "/min").replace("second", "/s").replace(
        "week", "/week").replace("day", "/day") if not isinstance(value, str) else unit
    if _WEEK.search(unit):
        return "week"
    if _DAY.search(unit) and not _SHORT.search(unit):
        return "day"
    raise InputRangeError(
        f"{field} {safe_repr(given)}: an amount per time must be per day or per week (such as "
        "\"1 g/day\" or \"1,050 mg/week\")", field=field, value=given)


_PER_KG = re.compile(r"/\s*kg\b", re.IGNORECASE)
_PER_M2 = re.compile(r"/\s*m\s*(?:\*\*|\^)?\s*2\b", re.IGNORECASE)
_PER_TIME = re.compile(r"/\s*(?:d|day|days|week|weeks|wk|h|hr|hour|hours|min|s|sec)\b",
                       re.IGNORECASE)


def _likely_first(value: Any) -> list[tuple[u.Dimension, Basis, Per]]:
    """The amount kinds in the order to try: the one the unit's words point to first (a failed
    reading costs a refusal's message), then the rest, so the outcome never depends on it."""
    if not isinstance(value, str):
        return list(_AMOUNTS)
    index = 3 * bool(_PER_TIME.search(value)) + (
        1 if _PER_KG.search(value) else 2 if _PER_M2.search(value) else 0)
    first = _AMOUNTS[index]
    return [first, *(kind for kind in _AMOUNTS if kind is not first)]


def _written(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(str.__str__(value).split())
    return f"{fmt.number(float(value.magnitude), 6)} {value.units:~}"


def _interval_days(value: Any) -> float | None:
    if value is None:
        return None
    days = u.to_float(value, "every", _DAYS)
    return u.in_range(days, "every", 1.0, MAX_INTERVAL_DAYS, "days", value)


@public
@attrs.frozen(init=False)
class Order:
    """A dose order as someone else wrote it: what :func:`plexodose.screen` judges.

    ``dose`` is one administration (``"500 mg"``, ``"1 g/kg"``, ``"750 mg/m**2"``) or a daily
    amount (``"1 g/day"``, ``"2 mg/kg/day"``); ``times_per_day`` the administrations on a dosing
    day (None: not stated, read as the protocol's and said so); ``days_per_week`` the dosing days
    of a week; ``every`` the interval between pulses or IVIg courses (``"4 weeks"``); ``days``
    the course length in days (IVIg: consecutive days); ``reason`` the prescriber's stated reason
    for a dose above the protocol range.

    >>> Order(drug="mycophenolate", dose="500 mg", times_per_day=2)
    Order(mycophenolate 500 mg twice daily)
    >>> Order(drug="mycophenolate", dose="1 g/day").per_day_mg
    1000.0
    """

    drug: Drug
    amount: float
    """The amount in its basis: mg, mg/kg or mg/m2 (per administration, or per day)."""
    basis: Basis
    per: Per
    written: str
    times_per_day: int | None
    days_per_week: int
    interval_days: float | None
    days: int | None
    route: Route
    product: str | None
    reason: str | None

    def __init__(
        self,
        *,
        drug: Any,
        dose: Any,
        times_per_day: Any = None,
        days_per_week: Any = 7,
        every: Any = None,
        days: Any = None,
        route: Any = None,
        product: Any = None,
        reason: Any = None,
    ) -> None:
        key = _drug(drug)
        amount, basis, per, written = read_amount(dose)
        times = None if times_per_day is None else whole_number(times_per_day, "times_per_day", 1, 24)
        weekly = whole_number(days_per_week, "days_per_week", 1, 7)
        course = None if days is None else whole_number(days, "days", 1, MAX_COURSE_DAYS)
        way = ROUTE_OF[key]
        if route is not None:
            text = route.lower().strip() if isinstance(route, str) else route
            if text not in ROUTES:
                raise choice_error(route, ROUTES, "route")
            if text != way:
                raise InputRangeError(
                    f"route {text!r} does not match {key} (given {way}); choose the drug "
                    "cyclophosphamide_oral or cyclophosphamide_iv for the route", field="route",
                    value=route)
        if product is not None and key != "ivig":
            raise InputRangeError(f"product is for IVIg orders; got product= for {key}",
                                  field="product", value=product)
        self.__attrs_init__(
            drug=key, amount=amount, basis=basis, per=per, written=written,
            times_per_day=times, days_per_week=weekly, interval_days=_interval_days(every),
            days=course, route=way,
            product=None if product is None else _product(product),
            reason=None if reason is None else checked_text(reason, "reason"),
        )

    @classmethod
    def from_result(cls, result: Any) -> Order:
        """A calculator's result as the order it stands for, as dispensed, with its override as
        the order's reason (so a result made on an override screens "above (soft)" with it).

        >>> from plexodose import Patient, mycophenolate
        >>> Order.from_result(mycophenolate(Patient.example()))
        Order(mycophenolate 1,000 mg twice daily)
        """
        return _from_result(cls, result)

    @classmethod
    def from_fhir(cls, medication_request: Any, *, reason: Any = None) -> Order:
        """The order of one FHIR R4 MedicationRequest (a dict, a ``fhir.resources`` object or
        a Bundle holding one): see :func:`plexodose._interop.fhir_orders.order_from_fhir`, which
        also reads the patient. What cannot be read is refused with the FHIR path as ``field``.
        """
        from plexodose._interop.fhir_orders import order_from_fhir

        return order_from_fhir(medication_request, reason=reason).order

    @property
    def per_day_mg(self) -> float | None:
        """The amount of a dosing day in mg, when the order states it in mg (else None)."""
        if self.basis != "mg":
            return None
        if self.per == "week":
            return self.amount / self.days_per_week
        if self.per == "day":
            return self.amount
        return None if self.times_per_day is None else self.amount * self.times_per_day

    def __repr__(self) -> str:
        return f"Order({self.text})"

    @property
    def text(self) -> str:
        """The order in words: "mycophenolate 500 mg twice daily"."""
        parts = [ORDER_NAMES[self.drug], self.written]
        pulse = self.drug == "cyclophosphamide_iv"  # a pulse is never "daily"
        if pulse and self.interval_days is None and self.times_per_day == 1:
            parts.append("(one pulse)")
        elif self.times_per_day is not None and not (
                self.times_per_day == 1 and self.interval_days is not None):
            parts.append({1: "daily", 2: "twice daily", 3: "three times daily"}.get(
                self.times_per_day, f"{self.times_per_day} times daily"))
        if self.days_per_week != 7:
            parts.append(f"on {self.days_per_week} days a week")
        if self.interval_days is not None:
            parts.append(f"every {fmt.number(self.interval_days)} days")
        if self.days is not None:
            parts.append(f"for {self.days} day{'s' if self.days != 1 else ''}")
        if self.product:
            parts.append(f"({self.product})")
        return " ".join(parts)


def _product(value: Any) -> str:
    """An IVIg product of the catalogue, by its full name (a prefix such as "privigen" is read;
    a name the catalogue does not have is refused, never screened as if it were known)."""
    return CATALOGUE.ivig(checked_text(value, "product")).name


def safe_order(value: Any) -> Order:
    if isinstance(value, Order):
        return value
    if hasattr(value, "values_used") and hasattr(value, "sources"):  # a calculator's result
        return Order.from_result(value)
    raise InputRangeError(
        f"order must be a plexodose.Order such as Order(drug=\"azathioprine\", dose=\"50 mg\", "
        f"times_per_day=2); got {type(value).__name__}", field="order", value=value)


__all__ = ["Order", "PlexodoseError", "read_amount"]


def _exact(value: float) -> str:
    """A float as text that reads back to the same float, without a trailing ".0"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _from_result(cls: type[Order], result: Any) -> Order:
    """The order, exact, written as a pharmacist reads it (the reference's safe expression)."""
    order = _exact_order(cls, result)
    shown = fmt.number(order.amount, 2) + " " + {"mg": "mg", "mg/kg": "mg/kg"}[order.basis]
    if order.drug == "ivig" and order.basis == "mg":  # IVIg is ordered in grams, as its headline
        shown = fmt.mass_g(order.amount / 1000)
    fields = {f.name: getattr(order, f.name) for f in attrs.fields(cls)}
    made: Order = object.__new__(cls)
    made.__attrs_init__(**{**fields, "written": shown})
    return made


def _exact_order(cls: type[Order], result: Any) -> Order:
    from plexodose._dosing.results import (
        CyclophosphamidePulse,
        DailyDose,
        IVIgCourse,
        PulseReduction,
    )

    reason = getattr(result, "override", None)
    if isinstance(result, DailyDose):
        return cls(drug=result.drug, dose=f"{_exact(result.given_per_dose_mg)} mg",
                   times_per_day=result.doses_per_day, days_per_week=result.days_per_week,
                   reason=reason)
    if isinstance(result, IVIgCourse):
        return cls(drug="ivig", dose=f"{_exact(result.given_daily_dose_g)} g", times_per_day=1,
                   days=result.days, reason=reason,
                   product=None if result.product is None else result.product.name)
    if isinstance(result, CyclophosphamidePulse):
        if result.held:
            raise InputRangeError("a held pulse (0 mg) is not an order", field="result",
                                  value=result)
        # the pulse as the pharmacy prepares it, to the whole mg, as the result states it
        return cls(drug="cyclophosphamide_iv", dose=f"{_exact(result.prepared_mg)} mg", times_per_day=1,
                   every=f"{_exact(result.interval_weeks)} week", reason=reason)
    if isinstance(result, PulseReduction):
        # the pulse given, per kg: the 1.2 g cap included (reduced_mg_per_kg is before it)
        return cls(drug="cyclophosphamide_iv", dose=f"{_exact(result.dose_mg / result.weight_kg)} mg/kg",
                   times_per_day=1, reason=reason)
    raise InputRangeError(
        "result must be a dose plexodose calculated (DailyDose, IVIgCourse, "
        f"CyclophosphamidePulse or PulseReduction); got {type(result).__name__}",
        field="result", value=result)
