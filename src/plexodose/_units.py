"""Units at the boundary: turn what the caller typed into a float in one canonical unit.

Everything inside plexodose computes on floats; this module is the only door in. A value
arrives as a pint Quantity (from the application registry or any other registry) or as a
string such as ``"72 kg"``; a bare number is refused, because its unit is a guess.

Conversion factors are cached per (registry, unit), so the common case costs a dictionary
look-up and a multiplication instead of a pint conversion. Strings of the plain form
"number unit" skip pint's expression parser; anything else goes through pint itself.
"""

from __future__ import annotations

import decimal
import math
import numbers
import re
from typing import Any

import attrs
import pint

from plexodose import _ucum
from plexodose._errors import InputRangeError, UnitError

ureg: Any = pint.get_application_registry()  # type: ignore[no-untyped-call]
"""pint's application registry: set your own with ``pint.set_application_registry`` first."""

Q_: Any = ureg.Quantity

CREATININE_MOLAR_MASS_G_PER_MOL = 113.12  # dosing-rules.md: 1 mg/dL = 88.4 umol/L


@attrs.frozen
class Dimension:
    """A kind of input: its canonical unit and the example shown when the input is wrong."""

    name: str
    canonical: str
    example: str
    molar_mass_g_per_mol: float | None = None


MASS = Dimension("mass", "kg", '"72 kg"')
DOSE_MASS = Dimension("mass", "mg", '"500 mg"')
LENGTH = Dimension("length", "cm", '"175 cm"')
CREATININE = Dimension(
    "creatinine concentration",
    "mg/dL",
    '"0.9 mg/dL" or "80 umol/L"',
    molar_mass_g_per_mol=CREATININE_MOLAR_MASS_G_PER_MOL,
)
CELL_COUNT = Dimension("cell count per volume", "1/uL", '"3500 /uL" or "3.5e9 /L"')
AREA = Dimension("area", "m**2", '"2 m**2"')
AGE = Dimension("time", "year", '60 or "60 year"')

# What a quantity string may be: a number, then a unit made of unit words joined by "*", "/"
# or a space, each with an optional small whole power ("2 m**2", "80 umol / L", "3.5e9 /L").
# Nothing else reaches pint: its parser evaluates arithmetic, and fuzzing found expressions
# ("9**9**9 kg", "0 k**nan*mg/dL - 10") that it computes or searches for minutes.
_NUMBER = r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|nan|inf(?:inity)?)"
_UNIT_TERM = r"[A-Za-zµμΩ_]+(?:\s*(?:\*\*|\^)\s*-?\d{1,2})?"
_UNIT = rf"(?:(?:1\s*)?/\s*)?{_UNIT_TERM}(?:\s*[*/]\s*{_UNIT_TERM}|\s+{_UNIT_TERM})*"
_QUANTITY_TEXT = re.compile(rf"\s*({_NUMBER})\s*({_UNIT})\s*", re.IGNORECASE)
MAX_TEXT_LENGTH = 100

# (registry, canonical unit, unit key) -> factor to the canonical unit
_factors: dict[tuple[Any, str, Any], float] = {}
_result_units: dict[tuple[Any, str], tuple[Any, Any, bool]] = {}


def registry() -> Any:
    """The registry in force now (a host app may have replaced the application registry)."""
    return ureg.get()


def unit(name: str) -> Any:
    """A cached Unit object of the current registry, for building result quantities."""
    return _result_unit(registry(), name)[0]


def quantity(value: float, unit_name: str) -> Any:
    """A result Quantity of the current registry: built once, at the end of a calculation.

    >>> quantity(28.8, "g/day")
    <Quantity(28.8, 'gram / day')>
    """
    reg = registry()
    found = _result_units.get((reg, unit_name))
    if found is None:
        found = _result_unit(reg, unit_name)
    unit_object, quantity_class, fast = found
    if fast:
        # What pint's constructor ends up storing, without its type dispatch (~0.2 vs ~2.4 us).
        made = object.__new__(quantity_class)
        made._magnitude = value
        made._units = unit_object._units
        return made
    return quantity_class(value, unit_object)


def _result_unit(reg: Any, name: str) -> tuple[Any, Any, bool]:
    key = (reg, name)
    found = _result_units.get(key)
    if found is None:
        unit_object = _standard_bsa_unit(reg) if name == "mL/min/1.73 m**2" else reg.Unit(name)
        reference = reg.Quantity(1.0, unit_object)
        # Take the short cut only where it builds exactly what the constructor builds.
        fast = (
            set(vars(reference)) == {"_magnitude", "_units"}
            and not getattr(reg, "force_ndarray", False)
            and not getattr(reg, "force_ndarray_like", False)
        )
        found = (unit_object, reg.Quantity, fast)
        _result_units[key] = found
    return found


def _standard_bsa_unit(reg: Any) -> Any:
    # eGFR is per 1.73 m^2 of body surface; pint has no such unit, so define one once.
    if "standard_body_surface" not in reg:
        reg.define("standard_body_surface = 1.73 * meter ** 2 = _1_73m2")
    return reg.Unit("mL/min/standard_body_surface")


def to_float(value: Any, field: str, dim: Dimension) -> float:
    """The value in ``dim.canonical`` as a finite float; a UnitError names what to type instead.

    >>> round(to_float("158 lb", "weight", MASS), 4)  # 158 * 0.45359237
    71.6676
    >>> round(to_float("80 umol/L", "serum_creatinine", CREATININE), 5)  # 80 * 113.12 / 10,000
    0.90496
    >>> to_float(72, "weight", MASS)
    Traceback (most recent call last):
    ...
    plexodose._errors.UnitError: weight needs a unit: type "72 kg" (a string) or plexodose.Q_(72, 'kg'), not the bare number 72
    """
    if isinstance(value, str):
        result = _from_string(value, field, dim)
    elif isinstance(value, pint.Quantity):
        result = _from_quantity(value, field, dim)
    elif _is_bare_number(value):
        raise UnitError(
            f'{field} needs a unit: type "{_plain(value)} {dim.canonical}" (a string) or '
            f"plexodose.Q_({_plain(value)}, '{dim.canonical}'), not the bare number {_plain(value)}",
            field=field,
            value=value,
        )
    else:
        raise UnitError(
            f"{field} must be {_article(dim.name)} {dim.name} such as {dim.example} or a pint Quantity; "
            f"got {type(value).__name__} {value!r:.60}",
            field=field,
            value=value,
        )
    return finite(result, field, value)


def finite(result: float, field: str, given: Any) -> float:
    if not math.isfinite(result):
        raise InputRangeError(
            f"{field} must be a finite number; got {given!r:.60}", field=field, value=given
        )
    return result


def _is_bare_number(value: Any) -> bool:
    return isinstance(value, (numbers.Number, decimal.Decimal)) and not isinstance(value, bool)


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def _is_real(value: Any) -> bool:
    return _is_bare_number(value) and (
        isinstance(value, (numbers.Real, decimal.Decimal)) or not isinstance(value, numbers.Complex)
    )


def _plain(value: Any) -> str:
    try:
        return format(float(value), "g")
    except (TypeError, ValueError, OverflowError):
        return repr(value)


def _from_string(text: str, field: str, dim: Dimension) -> float:
    ucum = _ucum.parse(text, field, dim.example)  # UCUM codes ("180 [lb_av]") by their table
    if ucum is not None:
        number, unit_text = ucum
    else:
        match = _QUANTITY_TEXT.fullmatch(text) if len(text) <= MAX_TEXT_LENGTH else None
        if match is None:
            raise UnitError(
                f"{field} must be a number followed by a unit, such as {dim.example}; "
                f"got {text!r:.60}",
                field=field,
                value=text,
            )
        number_text, unit_text = match.groups()
        number = float(number_text)
    reg = registry()
    key = (reg, dim.canonical, unit_text)
    factor = _factors.get(key)
    if factor is None:
        factor = _string_unit_factor(reg, unit_text, field, dim, text)
        _factors[key] = factor
    return number * factor


def _string_unit_factor(reg: Any, unit_text: str, field: str, dim: Dimension, text: str) -> float:
    try:
        units = reg.parse_units("1" + unit_text if unit_text.startswith("/") else unit_text)
    except Exception as exc:  # pint's parser raises many types; none may escape
        raise UnitError(
            f"{field}: cannot read the unit {unit_text!r} in {text!r:.60}; type it as "
            f"{dim.example}",
            field=field,
            value=text,
        ) from exc
    return _unit_factor(reg, units, field, dim, text)


def _from_quantity(q: Any, field: str, dim: Dimension, given: Any = None) -> float:
    shown = q if given is None else given
    reg = registry()
    magnitude = _scalar_magnitude(q, field, shown, dim)
    units = q._units
    if q._REGISTRY is not reg:
        # A quantity of another registry: go through its unit names, once per unit.
        units = ("foreign", " * ".join(f"{name} ** {power}" for name, power in q._units.items()))
    key = (reg, dim.canonical, units)
    factor = _factors.get(key)
    if factor is None:
        parsed = reg.parse_units(units[1]) if isinstance(units, tuple) else q.units
        factor = _unit_factor(reg, parsed, field, dim, shown)
        _factors[key] = factor
    return magnitude * factor


def _scalar_magnitude(q: Any, field: str, shown: Any, dim: Dimension) -> float:
    m = q.magnitude
    if isinstance(m, bool) or not _is_real(m):
        raise UnitError(
            f"{field} must be a single real {dim.name} such as {dim.example}; got {shown!r:.60}",
            field=field,
            value=shown,
        )
    try:
        return float(m)
    except (OverflowError, ValueError, ArithmeticError) as exc:  # huge ints, Decimal sNaN
        raise InputRangeError(
            f"{field} must be a finite number; got {shown!r:.60}", field=field, value=shown
        ) from exc


# ISMP error-prone: "gr" (grain) is misread as gram; apothecary units have no place in a dose.
_REFUSED_UNITS = frozenset(
    {
        "grain",
        "dram",
        "scruple",
        "apothecary_dram",
        "apothecary_ounce",
        "apothecary_pound",
        "pennyweight",
        "troy_ounce",
        "troy_pound",
    }
)


def _unit_factor(reg: Any, units: Any, field: str, dim: Dimension, shown: Any) -> float:
    names = set(getattr(units, "_units", {})) if not isinstance(units, str) else set()
    if names & _REFUSED_UNITS:
        raise UnitError(
            f"{field}: {shown!s:.60} uses an apothecary unit ({', '.join(sorted(names & _REFUSED_UNITS))}),"
            f" which is easily misread; type it as {dim.example}",
            field=field,
            value=shown,
        )
    one = reg.Quantity(1.0, units)
    try:
        if dim.molar_mass_g_per_mol is not None and one.check("[substance] / [length] ** 3"):
            one = one * reg.Quantity(dim.molar_mass_g_per_mol, "g/mol")
        factor = float(one.to(dim.canonical).magnitude)
    except pint.DimensionalityError as exc:
        raise UnitError(
            f"{field} must be {_article(dim.name)} {dim.name} such as {dim.example}; got {shown!s:.60} "
            f"({one.dimensionality})",
            field=field,
            value=shown,
        ) from exc
    except Exception as exc:
        raise UnitError(
            f"{field}: cannot convert {shown!s:.60} to {dim.canonical}", field=field, value=shown
        ) from exc
    return factor


def to_years(value: Any, field: str = "age") -> float:
    """Age: a plain number of years, or a time quantity such as ``"60 year"``.

    >>> to_years(60), to_years("720 month")
    (60.0, 60.0)
    """
    if _is_bare_number(value):
        return plain_number(value, field)
    return to_float(value, field, AGE)


def plain_number(value: Any, field: str) -> float:
    """A parameter whose name states its unit (``g_per_kg_day``): a plain finite number.

    >>> plain_number(0.4, "g_per_kg_day")
    0.4
    >>> plain_number("0.4", "g_per_kg_day")
    Traceback (most recent call last):
    ...
    plexodose._errors.InputRangeError: g_per_kg_day must be a plain number such as 0.4 (its unit is in its name); got str '0.4'
    """
    kind = type(value)
    if kind is float or kind is int:  # the common case, without the numeric tower's checks
        return finite(_as_float(value, field), field, value)
    if not _is_real(value):
        raise InputRangeError(
            f"{field} must be a plain number such as 0.4 (its unit is in its name); "
            f"got {type(value).__name__} {value!r:.60}",
            field=field,
            value=value,
        )
    return finite(_as_float(value, field), field, value)


def _as_float(value: Any, field: str) -> float:
    try:
        return float(value)
    except (OverflowError, ValueError, ArithmeticError) as exc:  # huge ints, Decimal sNaN
        raise InputRangeError(
            f"{field} must be a finite number; got {value!r:.60}", field=field, value=value
        ) from exc


def in_range(
    value: float, field: str, low: float, high: float, unit_text: str, given: Any
) -> float:
    """``value`` if ``low <= value <= high``, else an InputRangeError naming the range."""
    if not low <= value <= high:
        raise InputRangeError(
            f"{field} {given!s:.60} is outside the plausible range "
            f"{low:g}-{high:g} {unit_text}".rstrip(),
            field=field,
            value=given,
        )
    return value
