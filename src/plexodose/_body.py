"""Body size and renal function: float kernels for the calculators, Quantity functions for people.

Each public function validates its inputs at the boundary (units, plausibility) and returns a
pint Quantity; the ``*_value`` kernels take floats in the canonical units (kg, cm, mg/dL,
years) and are what the dose calculators call.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from plexodose import _limits as lim
from plexodose import _units as u
from plexodose._errors import InputRangeError

CM_PER_INCH = 2.54
DEVINE_MIN_HEIGHT_CM = 60 * CM_PER_INCH  # Devine is odd below 60 inches (dosing-rules.md)
ADJUSTED_WEIGHT_FACTOR = 0.4  # [guideline] NBA BloodSTAR: IBW + 0.4 x (actual - IBW)
MOSTELLER_DIVISOR = 3600.0  # sqrt(cm x kg / 3600) = m^2
# CKD-EPI 2021 (race-free), named so the batch audit computes it on arrays with the same numbers:
# 142 x min(SCr/kappa, 1)^alpha x max(SCr/kappa, 1)^-1.2 x 0.9938^age x sex factor
CKD_EPI_SCALE, CKD_EPI_HIGH_EXPONENT, CKD_EPI_AGE_BASE = 142.0, -1.200, 0.9938
CKD_EPI_SEX = {"female": (0.7, -0.241, 1.012), "male": (0.9, -0.302, 1.0)}  # kappa, alpha, factor


class PlexodoseWarning(UserWarning):
    """A caution from a body-size function called on its own (results carry theirs in ``warnings``)."""


def bmi_value(weight_kg: float, height_cm: float) -> float:
    return weight_kg / (height_cm / 100.0) ** 2


def _boyd(height_cm: float, weight_kg: float) -> float:
    weight_g = weight_kg * 1000.0  # Boyd's exponent is written for grams
    exponent = 0.7285 - 0.0188 * math.log10(weight_g)
    return float(0.0003207 * height_cm**0.3 * weight_g**exponent)


BSA_FORMULAS: dict[str, Callable[[float, float], float]] = {
    "mosteller": lambda h, w: math.sqrt(h * w / MOSTELLER_DIVISOR),  # h in cm, w in kg
    "dubois": lambda h, w: 0.007184 * h**0.725 * w**0.425,
    "haycock": lambda h, w: 0.024265 * h**0.3964 * w**0.5378,
    "gehan_george": lambda h, w: 0.0235 * h**0.42246 * w**0.51456,
    "boyd": _boyd,
}


def bsa_formula(formula: Any, field: str = "bsa_formula") -> Callable[[float, float], float]:
    found = BSA_FORMULAS.get(formula) if isinstance(formula, str) else None
    if found is None:
        raise InputRangeError(
            f"{field} must be one of {', '.join(BSA_FORMULAS)}; got {formula!r:.60}",
            field=field,
            value=formula,
        )
    return found


def ideal_body_weight_value(height_cm: float, sex: str) -> float:
    base = 50.0 if sex == "male" else 45.5
    return base + 2.3 * (height_cm / CM_PER_INCH - 60.0)


def adjusted_body_weight_value(
    weight_kg: float, ideal_kg: float, factor: float = ADJUSTED_WEIGHT_FACTOR
) -> float:
    return ideal_kg + factor * (weight_kg - ideal_kg)


def creatinine_clearance_value(age: float, weight_kg: float, sex: str, scr_mg_dl: float) -> float:
    clearance = (140.0 - age) * weight_kg / (72.0 * scr_mg_dl)
    return clearance * 0.85 if sex == "female" else clearance


def egfr_value(age: float, sex: str, scr_mg_dl: float) -> float:
    kappa, alpha, factor = CKD_EPI_SEX["female" if sex == "female" else "male"]
    ratio = scr_mg_dl / kappa
    value: float = (
        CKD_EPI_SCALE
        * min(ratio, 1.0) ** alpha
        * max(ratio, 1.0) ** CKD_EPI_HIGH_EXPONENT
        * CKD_EPI_AGE_BASE**age
    )
    return value * factor


def devine_warning(height_cm: float) -> str | None:
    if height_cm < DEVINE_MIN_HEIGHT_CM:
        return (
            f"height {height_cm:.4g} cm is below 60 inches (152.4 cm): the Devine ideal body "
            "weight gives odd results there"
        )
    return None


def _adult_age(value: Any) -> float:
    age = lim.age_years(value)
    if age < lim.ADULT_AGE_YEARS:
        raise InputRangeError(
            f"age {value!r} is under 18: Cockcroft-Gault and CKD-EPI are adult equations",
            field="age",
            value=value,
        )
    return age


def bmi(*, weight: Any, height: Any) -> Any:
    """Body mass index in kg/m^2.

    >>> bmi(weight="72 kg", height="175 cm")  # 72 / 1.75**2
    <Quantity(23.5102041, 'kilogram / meter ** 2')>
    """
    return u.quantity(bmi_value(lim.weight_kg(weight), lim.height_cm(height)), "kg/m**2")


def bsa(*, height: Any, weight: Any, formula: str = "mosteller") -> Any:
    """Body surface area in m^2 (Mosteller by default; also dubois, haycock, gehan_george, boyd).

    >>> round(bsa(height="175 cm", weight="72 kg"), 4)  # sqrt(175 * 72 / 3600)
    <Quantity(1.8708, 'meter ** 2')>
    >>> round(bsa(height="175 cm", weight="72 kg", formula="dubois"), 4)
    <Quantity(1.8704, 'meter ** 2')>
    """
    kernel = bsa_formula(formula, "formula")
    return u.quantity(kernel(lim.height_cm(height), lim.weight_kg(weight)), "m**2")


def ideal_body_weight(*, height: Any, sex: str) -> Any:
    """Devine ideal body weight in kg; warns (PlexodoseWarning) below 60 inches.

    >>> round(ideal_body_weight(height="175 cm", sex="male"), 2)  # 50 + 2.3 * (175 / 2.54 - 60) = 70.4646
    <Quantity(70.46, 'kilogram')>
    """
    height_cm = lim.height_cm(height)
    caution = devine_warning(height_cm)
    if caution:
        warnings.warn(caution, PlexodoseWarning, stacklevel=2)
    return u.quantity(ideal_body_weight_value(height_cm, lim.sex(sex)), "kg")


def adjusted_body_weight(
    *, weight: Any, height: Any, sex: str, factor: float = ADJUSTED_WEIGHT_FACTOR
) -> Any:
    """Adjusted body weight IBW + factor x (actual - IBW), in kg.

    >>> round(adjusted_body_weight(weight="110 kg", height="165 cm", sex="female"), 2)
    <Quantity(78.15, 'kilogram')>
    """
    factor = u.in_range(u.plain_number(factor, "factor"), "factor", 0.0, 1.0, "", factor)
    weight_kg = lim.weight_kg(weight)
    ideal = ideal_body_weight(height=height, sex=sex).magnitude
    return u.quantity(adjusted_body_weight_value(weight_kg, ideal, factor), "kg")


def creatinine_clearance(*, age: Any, weight: Any, sex: str, serum_creatinine: Any) -> Any:
    """Cockcroft-Gault creatinine clearance in mL/min, with the weight you give it.

    >>> creatinine_clearance(age=60, weight="72 kg", sex="male", serum_creatinine="1 mg/dL")
    <Quantity(80.0, 'milliliter / minute')>
    """
    value = creatinine_clearance_value(
        _adult_age(age), lim.weight_kg(weight), lim.sex(sex), lim.creatinine_mg_dl(serum_creatinine)
    )
    return u.quantity(value, "mL/min")


def egfr(*, age: Any, sex: str, serum_creatinine: Any) -> Any:
    """CKD-EPI 2021 (race-free) eGFR in mL/min/1.73 m^2.

    >>> round(egfr(age=60, sex="male", serum_creatinine="1 mg/dL").magnitude, 1)
    86.2
    """
    value = egfr_value(_adult_age(age), lim.sex(sex), lim.creatinine_mg_dl(serum_creatinine))
    return u.quantity(value, "mL/min/1.73 m**2")
