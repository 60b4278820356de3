"""The patient: validated, unit-normalised, immutable."""

from __future__ import annotations

from typing import Any

import attrs

from plexodose import _body
from plexodose import _limits as lim
from plexodose import _units as u
from plexodose._errors import InputRangeError, MissingInputError

PHENOTYPES = ("normal", "intermediate", "possible_intermediate", "poor", "indeterminate")


def _to_weight(value: Any, field: str) -> Any:
    return u.quantity(lim.weight_kg(value, field), "kg")


def _to_height(value: Any, field: str) -> Any:
    return u.quantity(lim.height_cm(value, field), "cm")


def _to_creatinine(value: Any, field: str) -> Any:
    return u.quantity(lim.creatinine_mg_dl(value, field), "mg/dL")


def _to_phenotype(value: Any, field: str) -> str:
    if isinstance(value, str) and value.strip().lower() in PHENOTYPES:
        return value.strip().lower()
    raise InputRangeError(
        f"{field} must be one of {', '.join(PHENOTYPES)}; got {value!r:.60}",
        field=field,
        value=value,
    )


def _to_reason(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputRangeError(
            f"{field} must be a non-empty reason; got {value!r:.60}", field=field, value=value
        )
    return value.strip()


def _height(value: Any) -> Any:
    return None if value is None else _to_height(value, "height")


def _sex(value: Any) -> str | None:
    return None if value is None else lim.sex(value, "sex")


def _age(value: Any) -> float | None:
    return None if value is None else lim.age_years(value, "age")


def _creatinine(value: Any) -> Any:
    return None if value is None else _to_creatinine(value, "serum_creatinine")


def _baseline_creatinine(value: Any) -> Any:
    return None if value is None else _to_creatinine(value, "baseline_creatinine")


def _tpmt(value: Any) -> str | None:
    return None if value is None else _to_phenotype(value, "tpmt")


def _nudt15(value: Any) -> str | None:
    return None if value is None else _to_phenotype(value, "nudt15")


def _minor_override(value: Any) -> str | None:
    return None if value is None else _to_reason(value, "minor_override")


def _weight_required(value: Any) -> Any:
    if value is None:
        raise MissingInputError('weight is required, such as "72 kg"', field="weight")
    return _to_weight(value, "weight")


@attrs.frozen(repr=False)
class Patient:
    """An adult patient; every quantity is checked and normalised when the patient is made.

    Quantities accept a pint Quantity or a string such as ``"72 kg"``, ``"158 lb"``,
    ``"5.9 ft"``, ``"0.9 mg/dL"`` or ``"80 umol/L"``; ``age`` is a plain number of years.

    >>> p = Patient(weight="158 lb", height="5.9 ft", sex="female", age=60,
    ...             serum_creatinine="80 umol/L")
    >>> p
    Patient(weight='71.6676 kg', height='179.832 cm', sex='female', age=60, serum_creatinine='0.90496 mg/dL')
    >>> Patient(weight=72)
    Traceback (most recent call last):
    ...
    plexodose._errors.UnitError: weight needs a unit: type "72 kg" (a string) or plexodose.Q_(72, 'kg'), not the bare number 72
    """

    weight: Any = attrs.field(converter=_weight_required)
    height: Any = attrs.field(default=None, converter=_height)
    sex: str | None = attrs.field(default=None, converter=_sex)
    age: float | None = attrs.field(default=None, converter=_age)
    serum_creatinine: Any = attrs.field(default=None, converter=_creatinine)
    tpmt: str | None = attrs.field(default=None, converter=_tpmt)
    nudt15: str | None = attrs.field(default=None, converter=_nudt15)
    baseline_creatinine: Any = attrs.field(default=None, converter=_baseline_creatinine)
    minor_override: str | None = attrs.field(default=None, converter=_minor_override)
    """Why adult protocols are applied to a patient under 18 (required for such a patient)."""

    def __attrs_post_init__(self) -> None:
        if self.age is not None and self.age < lim.ADULT_AGE_YEARS and self.minor_override is None:
            raise InputRangeError(
                f"age {self.age:g} is under 18: plexodose applies adult protocols; pass "
                "minor_override='reason' to proceed",
                field="age",
                value=self.age,
            )

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
    def from_fhir(cls, patient: Any, observations: Any = None, *, on: Any, **given: Any) -> Patient:
        """The patient of a FHIR Patient (or Bundle) and Observations, as of the date ``on``;
        ``given`` adds what FHIR does not hold (``nudt15="normal"``). See ``plexodose.read_fhir``."""
        from plexodose._fhir_in import read_fhir

        made: Patient = read_fhir(patient, observations, on=on).patient(**given)
        return made

    # Plain floats in canonical units, for the calculators.
    @property
    def weight_kg(self) -> float:
        return float(self.weight.magnitude)

    @property
    def height_cm(self) -> float | None:
        return None if self.height is None else float(self.height.magnitude)

    @property
    def creatinine_mg_dl(self) -> float | None:
        scr = self.serum_creatinine
        return None if scr is None else float(scr.magnitude)

    @property
    def baseline_creatinine_mg_dl(self) -> float | None:
        base = self.baseline_creatinine
        return None if base is None else float(base.magnitude)

    @property
    def bmi(self) -> Any:
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
        parts = [f"weight='{_short(self.weight_kg)} kg'"]
        if self.height_cm is not None:
            parts.append(f"height='{_short(self.height_cm)} cm'")
        for name in ("sex", "age"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={_short(value) if name == 'age' else repr(value)}")
        for name in ("serum_creatinine", "baseline_creatinine"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}='{_short(value.magnitude)} mg/dL'")
        for name in ("tpmt", "nudt15", "minor_override"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        return f"Patient({', '.join(parts)})"


def _short(value: Any) -> str:
    return f"{float(value):.6g}"
