"""The patient: validated, unit-normalised, immutable.

Values are stored as plain floats in canonical units (kg, cm, mg/dL, years). The Quantity
attributes (``weight``, ``height``, ``serum_creatinine``, ``baseline_creatinine``) are built afresh
on every read, so nothing a caller does to one (an in-place ``ito()``) can reach a later dose.
"""

from __future__ import annotations

import datetime as dt
import functools
import types
from collections.abc import Callable, Mapping
from typing import Any, TypedDict, Unpack

import attrs

from plexodose._core import limits as lim
from plexodose._core import units as u
from plexodose._core import vocab as _vocab
from plexodose._core.checks import checked_date, checked_text
from plexodose._core.errors import InputRangeError, MissingInputError, PlexodoseError
from plexodose._core.legacy import loads_older_pickles
from plexodose._core.public import public
from plexodose._core.units import (
    Canonical,
    Centimetres,
    Kilograms,
    MgPerDl,
    Quantity,
    QuantityInput,
)
from plexodose._core.vocab import PHENOTYPES, Phenotype, Sex
from plexodose._patient import body as _body
from plexodose._patient import provenance as _prov

__all__ = ["PHENOTYPES", "Patient", "Phenotype", "Sex"]

_PHENOTYPE_WORDS = frozenset(PHENOTYPES)


def _to_phenotype(value: Any, field: str) -> Phenotype:
    if type(value) is str and value in _PHENOTYPE_WORDS:  # plexodose's own word, as typed
        return value
    return _vocab.phenotype_from_text(value, field)


READINGS_CACHE_SIZE = 4096  # spellings remembered; bounded so free text cannot grow memory
# (text, read, u.reader()) -> what ``read`` accepted it as, in its canonical unit: real input
# repeats its spellings ("72.4 kg"), and each again costs a look-up. The registry reading the
# text is in the key, so a host's registry never gets a figure read with another. Refusals are
# not kept: each is read again, so its message names its own field.
_readings = u.BoundedCache(READINGS_CACHE_SIZE)
_reading_get = _readings._data.get  # the lock-free read, without a method call


def _canonical(
    read: Callable[[Any, str], float], value: Any, field: str, kind: type[Canonical]
) -> float:
    if type(value) is str:
        key = (value, read, u.reader())
        known: float | None = _reading_get(key)
        if known is None:
            # the value keeps its text, for the echo and the repr ("80 umol/L (0.905 mg/dL)")
            known = kind.read(read(value, field), " ".join(value.split()))
            _readings.put(key, known)
        return known
    if type(value) is kind:  # a value of this unit that a Patient stored (attrs.evolve)
        read(f"{float(value)!r} {kind.unit}", field)  # its range, checked again
        return value
    # A Quantity keeps no text: it was not typed, and its unit names are its registry's.
    return kind(read(value, field))


def _height(value: QuantityInput | None) -> float | None:
    return None if value is None else _canonical(lim.height_cm, value, "height", Centimetres)


def _sex(value: Sex | None) -> Sex | None:
    if type(value) is str and (value == "female" or value == "male"):  # as sex_from_text does
        return "female" if value == "female" else "male"
    return None if value is None else lim.sex(value, "sex")


_AGE_LOW, _AGE_HIGH = lim.AGE_YEARS


def _age(value: float | None) -> float | None:
    # A plain number of years in range (NaN and infinities are not) is what lim.age_years
    # reads it as; anything else is read, or refused, there.
    if (type(value) is int or type(value) is float) and _AGE_LOW <= value <= _AGE_HIGH:
        return float(value)
    return None if value is None else lim.age_years(value, "age")


def _creatinine(value: QuantityInput | None) -> float | None:
    return None if value is None else _canonical(lim.creatinine_mg_dl, value, "serum_creatinine", MgPerDl)


def _baseline_creatinine(value: QuantityInput | None) -> float | None:
    return (
        None
        if value is None
        else _canonical(lim.creatinine_mg_dl, value, "baseline_creatinine", MgPerDl)
    )


def _tpmt(value: Phenotype | None) -> Phenotype | None:
    return None if value is None else _to_phenotype(value, "tpmt")


def _nudt15(value: Phenotype | None) -> Phenotype | None:
    return None if value is None else _to_phenotype(value, "nudt15")


def _minor_override(value: str | None) -> str | None:
    return None if value is None else checked_text(value, "minor_override")


def _measured(value: Any) -> tuple[tuple[str, dt.date], ...]:
    return _prov.dates(value, "measured")


def _confirmed(value: Any) -> tuple[tuple[str, dt.date], ...]:
    return _prov.dates(value, "confirmed")


def _origins(value: Any) -> tuple[tuple[str, str], ...]:
    return _prov.texts(value, "origins")


def _windows(value: Any) -> tuple[tuple[str, int], ...]:
    return _prov.windows(value, "windows")


def _on(value: Any) -> dt.date | None:
    return None if value is None else decision_date(value)


def decision_date(value: Any) -> dt.date:
    """``value`` (a date or "YYYY-MM-DD") checked as a Patient's ``on`` is."""
    return checked_date(value, "on", _prov.EARLIEST, _prov.LATEST)


class PatientGiven(TypedDict, total=False):
    """What a caller adds to a patient read from FHIR (``Patient.from_fhir(..., **given)``):
    the Patient's own keyword arguments, each with its type."""

    weight: QuantityInput
    height: QuantityInput
    sex: Sex
    age: float
    serum_creatinine: QuantityInput
    tpmt: Phenotype
    nudt15: Phenotype
    baseline_creatinine: QuantityInput
    minor_override: str
    measured: Mapping[str, dt.date | str]
    origins: Mapping[str, str]
    confirmed: Mapping[str, dt.date | str]
    windows: Mapping[str, int]


class PatientFields(PatientGiven, total=False):
    """:class:`PatientGiven` and the decision date (what a FHIR reading's ``patient()`` takes)."""

    on: dt.date | str


_ATTRIBUTE = {  # a dated value's name -> the attribute holding its float
    "weight": "weight_kg",
    "height": "height_cm",
    "serum_creatinine": "creatinine_mg_dl",
    "baseline_creatinine": "baseline_creatinine_mg_dl",
}


def _weight_required(value: QuantityInput) -> float:
    if value is None:
        raise MissingInputError('weight is required, such as "72 kg"', field="weight")
    return _canonical(lim.weight_kg, value, "weight", Kilograms)


@public
@loads_older_pickles
@attrs.frozen(repr=False)
class Patient:
    """An adult patient; every quantity is checked and normalised when the patient is made.

    Quantities accept a pint Quantity or a string such as ``"72 kg"``, ``"158 lb"``,
    ``"11 st 4 lb"``, ``"5 ft 9 in"`` (or ``5'9"``), ``"0.9 mg/dL"`` or ``"80 umol/L"``;
    ``age`` is a plain number of years. ``"5.9 ft"`` is 5.9 feet (179.8 cm), not 5 ft 9 in.
    A value typed as text is kept as typed: the repr and every result's "values used" show
    it, with the canonical value beside it where the reading changed the number.

    >>> p = Patient(weight="158 lb", height="5 ft 9 in", sex="female", age=60,
    ...             serum_creatinine="80 umol/L")
    >>> p
    Patient(weight='158 lb', height='5 ft 9 in', sex='female', age=60, serum_creatinine='80 umol/L')
    >>> p.weight.ito("lb")                    # a fresh Quantity: the patient is unchanged
    >>> round(p.weight_kg, 4), p.height_cm    # 158 x 0.45359237; 69 in x 2.54
    (71.6676, 175.26)
    >>> str(p.value_used("serum_creatinine"))  # 80 x 0.011312
    'serum creatinine 80 umol/L (0.905 mg/dL) (date not stated)'
    >>> Patient(weight=72)
    Traceback (most recent call last):
    ...
    plexodose.UnitError: weight needs a unit: type "72 kg" (a string) or plexodose.Q_(72, 'kg'), not the bare number 72
    """

    weight_kg: float = attrs.field(alias="weight", converter=_weight_required)
    height_cm: float | None = attrs.field(alias="height", default=None, converter=_height)
    sex: Sex | None = attrs.field(default=None, converter=_sex)
    age: float | None = attrs.field(default=None, converter=_age)
    creatinine_mg_dl: float | None = attrs.field(
        alias="serum_creatinine", default=None, converter=_creatinine
    )
    tpmt: Phenotype | None = attrs.field(default=None, converter=_tpmt)
    nudt15: Phenotype | None = attrs.field(default=None, converter=_nudt15)
    baseline_creatinine_mg_dl: float | None = attrs.field(
        alias="baseline_creatinine", default=None, converter=_baseline_creatinine
    )
    minor_override: str | None = attrs.field(default=None, converter=_minor_override)
    """Why adult protocols are applied to a patient under 18 (required for such a patient)."""
    _measured: tuple[tuple[str, dt.date], ...] = attrs.field(
        alias="measured", default=(), converter=_measured
    )
    _origins: tuple[tuple[str, str], ...] = attrs.field(alias="origins", default=(), converter=_origins)
    on: dt.date | None = attrs.field(default=None, converter=_on)
    """The date of the decision: values are judged fresh or stale on it (today when None)."""
    _confirmed: tuple[tuple[str, dt.date], ...] = attrs.field(
        alias="confirmed", default=(), converter=_confirmed
    )
    _windows: tuple[tuple[str, int], ...] = attrs.field(alias="windows", default=(), converter=_windows)

    def __attrs_post_init__(self) -> None:
        if self.age is not None and self.age < lim.ADULT_AGE_YEARS and self.minor_override is None:
            raise InputRangeError(
                f"age {self.age:g} is under 18: plexodose applies adult protocols; pass "
                "minor_override='reason' to proceed",
                field="age",
                value=self.age,
            )
        if self._measured or self._confirmed or self._origins:
            _prov.check_order(
                given={name: getattr(self, attr) is not None for name, attr in _ATTRIBUTE.items()},
                measured=self._measured,
                confirmed=self._confirmed,
                origins=self._origins,
                on=self.on if self.on is not None or not self._measured else dt.date.today(),
                age=self.age,
            )

    # Dates and origins of the values (see plexodose._patient.provenance)
    @property
    def measured(self) -> Mapping[str, dt.date]:
        """When each value was measured, as given (read-only); a value not in it has no date."""
        return types.MappingProxyType(dict(self._measured))

    @property
    def origins(self) -> Mapping[str, str]:
        """Where each value came from (a FHIR Observation id, a ward), as given (read-only)."""
        return types.MappingProxyType(dict(self._origins))

    @property
    def confirmed(self) -> Mapping[str, dt.date]:
        """When a value older than its window was confirmed by the caller (read-only)."""
        return types.MappingProxyType(dict(self._confirmed))

    @property
    def windows(self) -> Mapping[str, int]:
        """Windows (days) set for this patient, replacing the reference's defaults (read-only)."""
        return types.MappingProxyType(dict(self._windows))

    def value_used(self, name: str) -> _prov.ValueUsed | None:
        """The dated value ``name`` ("weight", "height", "serum_creatinine",
        "baseline_creatinine") with its date and origin, or None when not given."""
        value: float | None = getattr(self, _ATTRIBUTE[name])
        if value is None:
            return None
        return _prov.ValueUsed._of(
            name,
            value.echo() if isinstance(value, Canonical) else _KIND[name](value).echo(),
            dict(self._measured).get(name) if self._measured else None,  # undated: the usual case
            dict(self._origins).get(name) if self._origins else None,
            dict(self._confirmed).get(name) if self._confirmed else None,
        )

    def dated(self, on: Any) -> Patient:
        """This patient judged on the decision date ``on``: a copy in which only the checks
        that read the date run again (``attrs.evolve`` would read every value anew).

        >>> Patient.example().dated("2027-01-04").on
        datetime.date(2027, 1, 4)
        """
        day = _on(on)
        if day == self.on:
            return self
        made = _copied(self) if type(self) is Patient else _subclass_copier(type(self))(self)
        object.__setattr__(made, "on", day)
        made.__attrs_post_init__()
        return made

    @classmethod
    def example(cls) -> Patient:
        """The built-in example patient (the reference's hand-checked adult).

        >>> Patient.example()
        Patient(weight='72 kg', height='175 cm', sex='male', age=60, serum_creatinine='1 mg/dL', tpmt='normal', nudt15='normal')
        """
        return cls(
            weight="72 kg",
            height="175 cm",
            sex="male",
            age=60,
            serum_creatinine="1 mg/dL",
            tpmt="normal",
            nudt15="normal",
        )

    @classmethod
    def from_fhir(cls, patient: Any, observations: Any = None, *, on: Any,
                  **given: Unpack[PatientGiven]) -> Patient:
        """The patient of a FHIR Patient (or Bundle) and Observations, as of the date ``on``;
        ``given`` adds what FHIR does not hold (``nudt15="normal"``). Every Observation must be
        that Patient's. The Patient's FHIR id is not kept here: ``plexodose.read_fhir`` gives it
        (``reading.subject``, for ``to_fhir(subject=...)``) with the values' dates and origins."""
        from plexodose._interop.fhir_in import read_fhir

        made: Patient = read_fhir(patient, observations, on=on).patient(**given)
        return made

    # Fresh Quantities on every read (never stored, so never shared with a caller).
    @property
    def weight(self) -> Quantity:
        return u.quantity(self.weight_kg, "kg")

    @property
    def height(self) -> Quantity | None:
        return None if self.height_cm is None else u.quantity(self.height_cm, "cm")

    @property
    def serum_creatinine(self) -> Quantity | None:
        scr = self.creatinine_mg_dl
        return None if scr is None else u.quantity(scr, "mg/dL")

    @property
    def baseline_creatinine(self) -> Quantity | None:
        base = self.baseline_creatinine_mg_dl
        return None if base is None else u.quantity(base, "mg/dL")

    @property
    def bmi(self) -> Quantity:
        """BMI in kg/m^2 (needs height)."""
        return u.quantity(_body.bmi_value(self.weight_kg, self._need_height("BMI")), "kg/m**2")

    def _need_height(self, purpose: str) -> float:
        if self.height_cm is None:
            raise MissingInputError(
                f'{purpose} needs the patient\'s height, such as "175 cm"', field="height"
            )
        return self.height_cm

    def need(self, field: str, purpose: str) -> Any:
        """The value of ``field``, or a MissingInputError saying what ``purpose`` needs."""
        value = getattr(self, field)
        if value is None:
            raise self.missing(field, purpose)
        return value

    @staticmethod
    def missing(field: str, purpose: str) -> MissingInputError:
        """The error for a value ``purpose`` needs but the patient does not have."""
        return MissingInputError(f"{purpose} needs the patient's {field}", field=field)

    def __repr__(self) -> str:
        """A call that rebuilds this patient exactly: each quantity as it was typed when that
        text reads back to the very value, else the value in full digits in its unit."""
        parts = [f"weight={_rebuilt(self.weight_kg, 'weight')}"]
        if self.height_cm is not None:
            parts.append(f"height={_rebuilt(self.height_cm, 'height')}")
        if self.sex is not None:
            parts.append(f"sex={self.sex!r}")
        if self.age is not None:
            parts.append(f"age={_digits(self.age)}")
        for name, value in (
            ("serum_creatinine", self.creatinine_mg_dl),
            ("baseline_creatinine", self.baseline_creatinine_mg_dl),
        ):
            if value is not None:
                parts.append(f"{name}={_rebuilt(value, name)}")
        for name in ("tpmt", "nudt15", "minor_override"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        dated: list[tuple[str, tuple[tuple[str, Any], ...]]] = [
            ("measured", self._measured), ("origins", self._origins)
        ]
        if self.on is not None:
            dated.append(("on", ()))
        dated += [("confirmed", self._confirmed), ("windows", self._windows)]
        for name, pairs in dated:
            if name == "on" and self.on is not None:
                parts.append(f"on='{self.on.isoformat()}'")
            elif pairs:
                shown = ", ".join(f"{k!r}: {v if isinstance(v, int) else str(v)!r}" for k, v in pairs)
                parts.append(f"{name}={{{shown}}}")
        return f"Patient({', '.join(parts)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython and hypothesis print the repr (a call that rebuilds the patient), not
        attrs' fields (``weight_kg=...``, which the constructor does not take)."""
        printer.text(repr(self))


_KIND: dict[str, type[Canonical]] = {
    "weight": Kilograms,
    "height": Centimetres,
    "serum_creatinine": MgPerDl,
    "baseline_creatinine": MgPerDl,
}
_READ: dict[str, Callable[[Any, str], float]] = {
    "weight": lim.weight_kg,
    "height": lim.height_cm,
    "serum_creatinine": lim.creatinine_mg_dl,
    "baseline_creatinine": lim.creatinine_mg_dl,
}


def _rebuilt(value: float, name: str) -> str:
    kind = _KIND[name]
    typed = value.typed if isinstance(value, Canonical) else None
    if typed is not None:
        try:  # the text, only where it reads back to this very value (the registry may differ)
            if _canonical(_READ[name], typed, name, kind) == value:
                return repr(typed)
        except PlexodoseError:
            pass
    return repr(f"{_digits(value)} {kind.unit}")


def _digits(value: float) -> str:
    """The shortest text that reads back to the same float (72.0 is "72")."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _copier(fields: tuple[str, ...], kind: type[Patient] | None = None
            ) -> Callable[[Patient], Patient]:
    """A function copying ``fields`` of a Patient into a new one, a line per field through the
    slots' own setters, as attrs writes an ``__init__``: half the time of a loop of getattr and
    setattr (``dated`` runs on every screen and calculation given ``on=``)."""
    kind = Patient if kind is None else kind
    setters = {f"set_{i}": getattr(kind, name).__set__ for i, name in enumerate(fields)}
    lines = "".join(f"    set_{i}(made, source.{name})\n" for i, name in enumerate(fields))
    scope: dict[str, Any] = {"new": object.__new__, "Patient": kind, **setters}
    exec(f"def copied(source):\n    made = new(Patient)\n{lines}    return made\n", scope)
    copied: Callable[[Patient], Patient] = scope["copied"]
    return copied


_SUBCLASS_COPIERS: dict[type[Patient], Callable[[Patient], Patient]] = {}


def _subclass_copier(kind: type[Patient]) -> Callable[[Patient], Patient]:
    """The copier of a subclass of Patient (its own fields too), kept for the first 16."""
    found = _SUBCLASS_COPIERS.get(kind)
    if found is None:
        found = _copier(tuple(field.name for field in attrs.fields(kind)), kind)
        if len(_SUBCLASS_COPIERS) < 16:  # bounded: a host defines few subclasses
            _SUBCLASS_COPIERS[kind] = found
    return found


_copied = _copier(tuple(field.name for field in attrs.fields(Patient)))  # every field: dated()


def dated_when_read(p: Patient, on: Any) -> tuple[dt.date, Patient | Callable[[], Patient]]:
    """(the decision date ``on``, ``p`` dated on it, or the function that dates it): a Patient
    without a date whose checks never read one (no dated values, confirmations or origins; not
    a subclass, whose own checks might) is judged the same on any day, so a screen decides on
    it as it is and copies it only when someone reads the patient screened."""
    day = decision_date(on)
    if p.on is None and type(p) is Patient and not (p._measured or p._confirmed or p._origins):
        return day, functools.partial(p.dated, day)
    return day, p.dated(day)


def dated_values_given(p: Patient) -> tuple[str, ...]:
    """The names of the dated values ("weight", "height"...) the patient has, in order."""
    return tuple(name for name, attribute in _ATTRIBUTE.items()
                 if getattr(p, attribute) is not None)
