"""Dated laboratory results: what the review reads, checked and normalised at the boundary.

A :class:`Labs` holds one dated set of results as plain floats in canonical units (counts in
10^9/L, ALT and AST in U/L, albumin in g/L, MCV in fL, creatinine in mg/dL, eGFR in
mL/min/1.73 m^2, potassium in mmol/L, blood pressure in mmHg) and hands out fresh Quantities.
A value arrives as a pint Quantity or a string; a bare number is refused, as everywhere else.

Cell counts come in two conventions that differ by 10^6 ("3200 /uL" is 3.2 x10^9/L); their
spellings are read from an explicit table (:data:`COUNT_SPELLINGS`), never guessed, because
pint cannot read "x10^9/L". Blood pressure is written "150/95 mmHg".

>>> labs = Labs(date="2027-01-16", wbc="3200 /uL", platelets="140 x10^9/L",
...             creatinine="80 umol/L", blood_pressure="150/95 mmHg")
>>> labs.value("wbc"), labs.value("platelets"), round(labs.value("creatinine"), 4)
(3.2, 140.0, 0.905)
>>> labs.wbc
<Quantity(3.2, '1 / nanoliter')>
>>> labs.text("creatinine")  # as typed, 80 umol/L x 0.011312 = 0.90496 mg/dL beside it
'80 umol/L (0.905 mg/dL)'
>>> labs                    # a call that rebuilds the set: a converted value as typed
Labs(date='2027-01-16', wbc='3200 /uL', platelets='140 x10^9/L', creatinine='80 umol/L', blood_pressure='150/95 mmHg')
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
import re
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core import limits as lim
from plexodose._core import units as u
from plexodose._core.checks import checked_date, checked_text, one_of
from plexodose._core.errors import InputRangeError, PlexodoseError, UnitError, safe_repr
from plexodose._core.legacy import loads_older_pickles
from plexodose._core.public import public

# Plausibility limits: what a typing error looks like, not clinical rules (as in _limits).
COUNT_LIMITS = {
    "wbc": (0.0, 200.0),
    "neutrophils": (0.0, 100.0),
    "eosinophils": (0.0, 50.0),
    "platelets": (0.0, 2000.0),
}
ENZYME_U_L = (0.0, 20_000.0)
ALBUMIN_G_L = (5.0, 70.0)
MCV_FL = (40.0, 160.0)
EGFR_ML_MIN = (1.0, 200.0)
POTASSIUM_MMOL_L = (1.5, 10.0)
SYSTOLIC_MMHG = (50.0, 300.0)
DIASTOLIC_MMHG = (20.0, 200.0)
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)

# Count spellings (lower case, spaces removed) -> power of ten to 10^9/L.
COUNT_SPELLINGS = {
    "x10^9/l": 0,
    "x10e9/l": 0,
    "x10*9/l": 0,
    "10^9/l": 0,
    "10*9/l": 0,
    "10e9/l": 0,
    "/nl": 0,
    "x10^3/ul": 0,
    "10^3/ul": 0,
    "10*3/ul": 0,
    "k/ul": 0,
    "/l": -9,
    "1/l": -9,
    "/ul": -3,
    "1/ul": -3,
    "cells/ul": -3,
    "/mm3": -3,
    "/mm^3": -3,
    "cells/mm3": -3,
}
ENZYME_SPELLINGS = {"u/l": 1.0, "[iu]/l": 1.0, "iu/l": 1.0, "units/l": 1.0}
POTASSIUM_SPELLINGS = {"mmol/l": 1.0, "meq/l": 1.0}  # K+ is monovalent: 1 mEq = 1 mmol
EGFR_SPELLINGS = {
    "ml/min/1.73m2": 1.0,
    "ml/min/1.73m^2": 1.0,
    "ml/min/1.73m**2": 1.0,
    "ml/min/{1.73_m2}": 1.0,
    "ml/min/1.73m²": 1.0,
}
_SUPERSCRIPTS = str.maketrans({"⁹": "^9", "³": "^3", "×": "x", "µ": "u", "μ": "u"})
_NUMBER_THEN_UNIT = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*")
_PRESSURE = re.compile(
    r"\s*(\d{1,3}(?:\.\d+)?)\s*/\s*(\d{1,3}(?:\.\d+)?)\s*(mmhg|mm\s+hg|mm\[hg\])\s*", re.I
)

ENZYME = u.Dimension("enzyme activity concentration", "U/L", '"100 U/L"')
ALBUMIN = u.Dimension("mass concentration", "g/L", '"35 g/L" or "3.5 g/dL"')
MCV = u.Dimension("volume", "fL", '"90 fL"')
POTASSIUM = u.Dimension("substance concentration", "mmol/L", '"4.5 mmol/L" or "4.5 mEq/L"')
EGFR = u.Dimension("eGFR", "mL/min/standard_body_surface", '"75 mL/min/1.73 m^2"')

# name -> (label in text, unit written in text, unit of the Quantities handed out)
ANALYTES = {
    "wbc": ("WBC", "x10^9/L", "1/nL"),
    "neutrophils": ("neutrophils", "x10^9/L", "1/nL"),
    "eosinophils": ("eosinophils", "x10^9/L", "1/nL"),
    "platelets": ("platelets", "x10^9/L", "1/nL"),
    "alt": ("ALT", "U/L", "U/L"),
    "ast": ("AST", "U/L", "U/L"),
    "albumin": ("albumin", "g/L", "g/L"),
    "mcv": ("MCV", "fL", "fL"),
    "creatinine": ("creatinine", "mg/dL", "mg/dL"),
    "egfr": ("eGFR", "mL/min/1.73 m^2", "mL/min/1.73 m**2"),
    "potassium": ("potassium", "mmol/L", "mmol/L"),
}
RESULT_NAMES = (*ANALYTES, "blood_pressure")


def lab_date(value: Any, field: str = "date") -> dt.date:
    """A ``datetime.date`` or an ISO string "2027-01-16"; a datetime or anything else is refused."""
    return checked_date(value, field, EARLIEST, LATEST)


def _bare(value: Any, field: str, example: str) -> None:
    if isinstance(value, (numbers.Number, decimal.Decimal)) and not isinstance(value, bool):
        try:
            shown = format(float(value), "g")  # type: ignore[arg-type]
        except Exception:  # the refusal is written whatever the number type does
            shown = safe_repr(value)
        raise UnitError(
            f'{field} needs a unit: type "{shown} {example}" (a string), not the bare number {shown}',
            field=field,
            value=value,
        )


def _from_table(text: str, field: str, table: dict[str, float], example: str) -> float | None:
    """The value of "number unit" when the unit is one of ``table``'s spellings, else None."""
    match = _NUMBER_THEN_UNIT.fullmatch(text) if len(text) <= u.MAX_TEXT_LENGTH else None
    if match is None:
        return None
    number, unit = match.groups()
    key = unit.translate(_SUPERSCRIPTS).replace(" ", "").lower()
    if not key:
        raise UnitError(
            f'{field} needs a unit: type "{number} {example}", not the bare number {number}',
            field=field,
            value=text,
        )
    factor = table.get(key)
    return None if factor is None else u.finite(float(number) * factor, field, text)


def count(value: Any, field: str) -> float:
    """A cell count in 10^9/L, from either convention.

    >>> count("3200 /uL", "wbc"), count("3.2 x 10^9/L", "wbc"), count("3.2e9/L", "wbc")
    (3.2, 3.2, 3.2)
    >>> count("3.2 10*9/L", "wbc"), count("3.2 K/uL", "wbc"), count("140000 /uL", "platelets")
    (3.2, 3.2, 140.0)
    """
    _bare(value, field, "x10^9/L")
    if isinstance(value, str):
        found = _count_text(value, field)
    else:  # a pint Quantity per volume, or a refusal naming what to type
        found = u.to_float(value, field, u.CELL_COUNT) / 1000
    low, high = COUNT_LIMITS[field]
    return u.in_range(found, field, low, high, "x10^9/L", value)


def _count_text(text: str, field: str) -> float:
    match = _NUMBER_THEN_UNIT.fullmatch(text) if len(text) <= u.MAX_TEXT_LENGTH else None
    key = "" if match is None else match.group(2).translate(_SUPERSCRIPTS).replace(" ", "").lower()
    if match is not None and not key:
        raise UnitError(
            f'{field} needs a unit: type "{match.group(1)} x10^9/L" or "{match.group(1)} /uL" '
            "(they differ by 10^6)",
            field=field,
            value=text,
        )
    if match is None or key not in COUNT_SPELLINGS:
        raise UnitError(
            f'{field} must be a count such as "3.2 x10^9/L", "3200 /uL", "3.2e9/L", '
            f'"3.2 10*9/L" or "3.2 K/uL"; got {safe_repr(text)}',
            field=field,
            value=text,
        )
    number, power = float(match.group(1)), COUNT_SPELLINGS[key]
    # Divide by an exact power of ten: 3200 / 1000 is 3.2, where 3200 * 0.001 is not.
    return u.finite(number * 10**power if power >= 0 else number / 10**-power, field, text)


def _measured(
    table: dict[str, float], dim: u.Dimension, limits: tuple[float, float], unit_text: str
) -> Callable[[Any, str], float]:
    def read(value: Any, field: str) -> float:
        _bare(value, field, dim.canonical)  # eGFR has its own reader (_egfr_reading)
        found = _from_table(value, field, table, unit_text) if isinstance(value, str) else None
        if found is None:
            found = u.to_float(value, field, dim)
        return u.in_range(found, field, *limits, unit_text, value)

    return read


_PER_AREA = re.compile(r"/(?:m|meter|metre)(?:\^?2|\*\*2|²)?$|/(?:m|meter|metre)(?:\^?2|\*\*2|²)/")


def _egfr_reading(value: Any, field: str) -> float:
    """An eGFR per 1.73 m^2 only: "59 mL/min/m^2" is per square metre, a different quantity
    (pint would multiply it by 1.73 and read 102), so it is refused in every spelling."""
    _bare(value, field, "mL/min/1.73 m^2")
    if isinstance(value, str):
        found = _from_table(value, field, EGFR_SPELLINGS, "mL/min/1.73 m^2")
        if found is None:
            match = _NUMBER_THEN_UNIT.fullmatch(value) if len(value) <= u.MAX_TEXT_LENGTH else None
            unit = "" if match is None else match.group(2).replace(" ", "").lower()
            per_m2 = bool(_PER_AREA.search(unit)) and "1.73" not in unit
            raise UnitError(
                f"{field} {safe_repr(value)} is "
                + ("per m^2, not per 1.73 m^2: an eGFR per m^2 is not an eGFR; "
                   if per_m2 else "not an eGFR unit plexodose reads; ")
                + 'type it per 1.73 m^2, such as "59 mL/min/1.73 m^2" (UCUM "mL/min/{1.73_m2}")',
                field=field,
                value=value,
            )
    else:
        units = getattr(value, "_units", None)
        if units is not None and "standard_body_surface" not in dict(units):
            raise UnitError(
                f"{field} {safe_repr(value)} is not per 1.73 m^2 (a Quantity per m^2 or per minute is "
                'not an eGFR); type it like "59 mL/min/1.73 m^2"',
                field=field,
                value=value,
            )
        u.unit("mL/min/1.73 m**2")  # defines the per-1.73 m^2 unit in the registry
        found = u.to_float(value, field, EGFR)
    return u.in_range(found, field, *EGFR_ML_MIN, "mL/min/1.73 m^2", value)


_READERS: dict[str, Callable[[Any, str], float]] = {
    "alt": _measured(ENZYME_SPELLINGS, ENZYME, ENZYME_U_L, "U/L"),
    "ast": _measured(ENZYME_SPELLINGS, ENZYME, ENZYME_U_L, "U/L"),
    "albumin": _measured({}, ALBUMIN, ALBUMIN_G_L, "g/L"),
    "mcv": _measured({}, MCV, MCV_FL, "fL"),
    "egfr": _egfr_reading,
    "potassium": _measured(POTASSIUM_SPELLINGS, POTASSIUM, POTASSIUM_MMOL_L, "mmol/L"),
    "creatinine": lambda value, field: lim.creatinine_mg_dl(value, field),
}


def blood_pressure(value: Any, field: str = "blood_pressure") -> tuple[float, float]:
    """(systolic, diastolic) in mmHg from "150/95 mmHg".

    >>> blood_pressure("150/95 mmHg")
    (150.0, 95.0)
    """
    if not isinstance(value, str):
        raise UnitError(
            f'{field} must be written like "150/95 mmHg" (systolic/diastolic); got '
            f"{type(value).__name__} {safe_repr(value)}",
            field=field,
            value=value,
        )
    match = _PRESSURE.fullmatch(value) if len(value) <= u.MAX_TEXT_LENGTH else None
    if match is None:
        hint = "needs a unit" if re.fullmatch(r"\s*[\d.]+\s*/\s*[\d.]+\s*", value) else "must be"
        raise UnitError(
            f'{field} {hint}: type it like "150/95 mmHg" (systolic/diastolic); got {safe_repr(value)}',
            field=field,
            value=value,
        )
    systolic = u.in_range(float(match.group(1)), f"{field} (systolic)", *SYSTOLIC_MMHG, "mmHg", value)
    diastolic = u.in_range(
        float(match.group(2)), f"{field} (diastolic)", *DIASTOLIC_MMHG, "mmHg", value
    )
    if diastolic >= systolic:
        raise InputRangeError(
            f"{field} {safe_repr(value)}: the diastolic pressure must be below the systolic "
            '(type systolic first: "150/95 mmHg")',
            field=field,
            value=value,
        )
    return systolic, diastolic


class _LabValue(u.Canonical):
    """A result in its canonical unit that keeps the text it was typed as: a review shows
    "300 umol/L (3.394 mg/dL)", what the laboratory reported, not only plexodose's unit."""

    __slots__ = ()


class PerNanolitre(_LabValue):
    __slots__ = ()
    unit = "x10^9/L"


class UnitsPerLitre(_LabValue):
    __slots__ = ()
    unit = "U/L"


class GramsPerLitre(_LabValue):
    __slots__ = ()
    unit = "g/L"


class Femtolitres(_LabValue):
    __slots__ = ()
    unit = "fL"


class CreatinineMgPerDl(_LabValue):
    __slots__ = ()
    unit = "mg/dL"


class EgfrUnits(_LabValue):
    __slots__ = ()
    unit = "mL/min/1.73 m^2"


class MmolPerLitre(_LabValue):
    __slots__ = ()
    unit = "mmol/L"


_KINDS: dict[str, type[_LabValue]] = {
    "wbc": PerNanolitre, "neutrophils": PerNanolitre, "eosinophils": PerNanolitre,
    "platelets": PerNanolitre, "alt": UnitsPerLitre, "ast": UnitsPerLitre,
    "albumin": GramsPerLitre, "mcv": Femtolitres, "creatinine": CreatinineMgPerDl,
    "egfr": EgfrUnits, "potassium": MmolPerLitre,
}


def _read(name: str, value: Any) -> float | None:
    if value is None:
        return None
    found = count(value, name) if name in COUNT_LIMITS else _READERS[name](value, name)
    if isinstance(value, str):  # the text travels with its value, for the echo
        return _KINDS[name].read(found, " ".join(value.split()))
    return found


def typed_text(name: str, value: float) -> str | None:
    """What was typed for ``value`` with its canonical value beside it where the reading
    changed the number ("300 umol/L (3.394 mg/dL)"); None when it was not typed as text."""
    if isinstance(value, u.Canonical) and value.typed is not None:  # a patient's too
        shown = value.echo()
        return None if shown == value.typed else shown  # same number: plexodose's spelling
    return None


def _wbc(value: Any) -> float | None:
    return _read("wbc", value)


def _neutrophils(value: Any) -> float | None:
    return _read("neutrophils", value)


def _eosinophils(value: Any) -> float | None:
    return _read("eosinophils", value)


def _platelets(value: Any) -> float | None:
    return _read("platelets", value)


def _alt(value: Any) -> float | None:
    return _read("alt", value)


def _ast(value: Any) -> float | None:
    return _read("ast", value)


def _albumin(value: Any) -> float | None:
    return _read("albumin", value)


def _mcv(value: Any) -> float | None:
    return _read("mcv", value)


def _creatinine(value: Any) -> float | None:
    return _read("creatinine", value)


def _egfr_field(value: Any) -> float | None:
    return _read("egfr", value)


def _potassium(value: Any) -> float | None:
    return _read("potassium", value)


def _pressure(value: Any) -> tuple[float, float] | None:
    return None if value is None else blood_pressure(value)


def _origins(value: Any) -> tuple[tuple[str, str], ...]:
    """Where each value came from (``{"wbc": "Observation/w1"}``), as sorted pairs."""
    if value is None:
        return ()
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        value = dict(value)  # the form a Labs stores (pickles, attrs.evolve)
    if not isinstance(value, Mapping):
        raise InputRangeError(
            'origins must map result names to where each came from, such as '
            f'{{"wbc": "Observation/w1"}}; got {type(value).__name__}',
            field="origins",
            value=value,
        )
    return tuple(sorted(
        (one_of(name, RESULT_NAMES, "origins"), checked_text(where, f"origins[{name}]"))
        for name, where in value.items()
    ))


def _quantity(value: float | None, name: str) -> Any:
    return None if value is None else u.quantity(value, ANALYTES[name][2])


@public
@loads_older_pickles
@attrs.frozen(kw_only=True, repr=False)
class Labs:
    """One dated set of results; every value optional, each checked when the set is made.

    ``date`` is the date the samples were taken (or the pressure measured). Counts accept
    "3.2 x10^9/L", "3200 /uL", "3.2e9/L", "3.2 10*9/L" (UCUM) or "3.2 K/uL"; creatinine
    "0.9 mg/dL" or "80 umol/L"; albumin "35 g/L" or "3.5 g/dL"; potassium "4.5 mmol/L" or
    "4.5 mEq/L"; blood pressure "150/95 mmHg".
    """

    date: dt.date = attrs.field(converter=lab_date)
    _wbc: float | None = attrs.field(default=None, alias="wbc", converter=_wbc)
    _neutrophils: float | None = attrs.field(
        default=None, alias="neutrophils", converter=_neutrophils
    )
    _eosinophils: float | None = attrs.field(
        default=None, alias="eosinophils", converter=_eosinophils
    )
    _platelets: float | None = attrs.field(
        default=None, alias="platelets", converter=_platelets
    )
    _alt: float | None = attrs.field(default=None, alias="alt", converter=_alt)
    _ast: float | None = attrs.field(default=None, alias="ast", converter=_ast)
    _albumin: float | None = attrs.field(default=None, alias="albumin", converter=_albumin)
    _mcv: float | None = attrs.field(default=None, alias="mcv", converter=_mcv)
    _creatinine: float | None = attrs.field(
        default=None, alias="creatinine", converter=_creatinine
    )
    _egfr: float | None = attrs.field(default=None, alias="egfr", converter=_egfr_field)
    _potassium: float | None = attrs.field(
        default=None, alias="potassium", converter=_potassium
    )
    _blood_pressure: tuple[float, float] | None = attrs.field(
        default=None, alias="blood_pressure", converter=_pressure
    )
    _origins: tuple[tuple[str, str], ...] = attrs.field(
        default=(), alias="origins", converter=_origins
    )
    """Where each value came from (for FHIR, the Observation), stated beside it in a review."""

    def __attrs_post_init__(self) -> None:
        stray = [name for name, _ in self._origins if name not in self.names()]
        if stray:
            raise InputRangeError(
                f"origins names {', '.join(stray)}, which these Labs have no value for",
                field="origins",
                value=stray,
            )

    @property
    def origins(self) -> Mapping[str, str]:
        """Where each value came from (read-only); a value not in it has no stated origin."""
        return types.MappingProxyType(dict(self._origins))

    @classmethod
    def from_fhir(cls, observations: Any, *, on: Any, patient: Any = None) -> Labs:
        """The results of the most recent sampling day at or before ``on``, read from FHIR
        Observations (dicts or fhir.resources objects: one, a list or a Bundle) by LOINC code
        and UCUM unit. ``patient`` (a Patient resource or ``"Patient/p1"``): whose results they
        must be; without it they must all name one subject. Earlier days (a review's history):
        ``read_fhir(patient, observations, on=...).lab_history()``. See
        :func:`plexodose._interop.fhir_in.labs_from_fhir`."""
        from plexodose._interop.fhir_in import labs_from_fhir

        made: Labs = labs_from_fhir(observations, on=on, patient=patient)
        return made

    def value(self, name: str) -> float | None:
        """The plain float of ``name`` in its canonical unit (see ``ANALYTES``), or None."""
        name = one_of(name, ANALYTES, "name")
        found: float | None = getattr(self, "_" + name)
        return found

    def names(self) -> tuple[str, ...]:
        """The analytes this set has a value for (blood pressure as "blood_pressure")."""
        given = tuple(name for name in ANALYTES if self.value(name) is not None)
        return given + (("blood_pressure",) if self._blood_pressure is not None else ())

    @property
    def systolic_mmhg(self) -> float | None:
        return None if self._blood_pressure is None else self._blood_pressure[0]

    @property
    def diastolic_mmhg(self) -> float | None:
        return None if self._blood_pressure is None else self._blood_pressure[1]

    @property
    def blood_pressure(self) -> tuple[Any, Any] | None:
        """(systolic, diastolic) as mmHg Quantities, or None."""
        if self._blood_pressure is None:
            return None
        return (u.quantity(self._blood_pressure[0], "mmHg"), u.quantity(self._blood_pressure[1], "mmHg"))

    @property
    def wbc(self) -> Any:
        return _quantity(self._wbc, "wbc")

    @property
    def neutrophils(self) -> Any:
        return _quantity(self._neutrophils, "neutrophils")

    @property
    def eosinophils(self) -> Any:
        return _quantity(self._eosinophils, "eosinophils")

    @property
    def platelets(self) -> Any:
        return _quantity(self._platelets, "platelets")

    @property
    def alt(self) -> Any:
        return _quantity(self._alt, "alt")

    @property
    def ast(self) -> Any:
        return _quantity(self._ast, "ast")

    @property
    def albumin(self) -> Any:
        return _quantity(self._albumin, "albumin")

    @property
    def mcv(self) -> Any:
        return _quantity(self._mcv, "mcv")

    @property
    def creatinine(self) -> Any:
        return _quantity(self._creatinine, "creatinine")

    @property
    def egfr(self) -> Any:
        return _quantity(self._egfr, "egfr")

    @property
    def potassium(self) -> Any:
        return _quantity(self._potassium, "potassium")

    def text(self, name: str) -> str:
        """One value as plexodose writes it ("3.2 x10^9/L", "150/95 mmHg")."""
        if name == "blood_pressure":
            if self._blood_pressure is None:
                return ""
            return f"{fmt.number(self._blood_pressure[0], 0)}/{fmt.number(self._blood_pressure[1], 0)} mmHg"
        found = self.value(name)
        if found is None:
            return ""
        return typed_text(name, found) or f"{fmt.number(found, 3)} {ANALYTES[name][1]}"

    def __repr__(self) -> str:
        """A call that rebuilds this set exactly: each value in full digits in its own unit
        (0.90496 mg/dL, not the 0.905 of :meth:`text`; no thousands separator)."""
        parts = [f"date='{self.date.isoformat()}'"]
        for name in self.names():
            if name == "blood_pressure":
                systolic, diastolic = self._blood_pressure or (0.0, 0.0)
                parts.append(f"blood_pressure='{_digits(systolic)}/{_digits(diastolic)} mmHg'")
            else:
                parts.append(f"{name}={_rebuilt(name, getattr(self, '_' + name))}")
        if self._origins:
            parts.append(f"origins={dict(self._origins)!r}")
        return f"Labs({', '.join(parts)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython and hypothesis print the repr, a call that rebuilds the set (attrs' own
        field names, ``_wbc=...``, are not what the constructor takes)."""
        printer.text(repr(self))


def _rebuilt(name: str, value: float) -> str:
    """The text typed, where reading it changed the number (a unit converted) and it reads
    back to this very value; else full digits in the canonical unit."""
    typed = value.typed if isinstance(value, _LabValue) else None
    if typed is not None and typed_text(name, value) is not None:
        try:
            if _read(name, typed) == value:
                return repr(typed)
        except PlexodoseError:  # a registry changed since: the digits stand
            pass
    return repr(f"{_digits(value)} {ANALYTES[name][1]}")


def _digits(value: float) -> str:
    """The shortest text that reads back to the same float (3.0 is "3")."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def history(results: Any, field: str = "history") -> tuple[Labs, ...]:
    """A sequence of Labs, oldest first, each on a later date than the one before."""
    if isinstance(results, (Labs, str, bytes)) or not isinstance(results, Sequence):
        raise InputRangeError(
            f"{field} must be a list of Labs, oldest first; got {type(results).__name__}",
            field=field,
            value=results,
        )
    out = tuple(results)
    for n, item in enumerate(out):
        if not isinstance(item, Labs):
            raise InputRangeError(
                f"{field}[{n}] must be a plexodose.Labs; got {type(item).__name__}",
                field=field,
                value=item,
            )
        if n and item.date <= out[n - 1].date:
            raise InputRangeError(
                f"{field} is out of order: {item.date.isoformat()} comes after "
                f"{out[n - 1].date.isoformat()}; give the results oldest first, one set per date",
                field=field,
                value=item.date,
            )
    return out


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)
