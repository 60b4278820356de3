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

import attrs

from plexodose._core import format as fmt
from plexodose._core import limits as lim
from plexodose._core import units as u
from plexodose._core.checks import one_of
from plexodose._core.errors import InputRangeError
from plexodose._core.public import public
from plexodose._core.units import Quantity, QuantityInput
from plexodose._core.vocab import BSA_FORMULA_NAMES, BsaFormula, Sex

CM_PER_INCH = 2.54
DEVINE_MIN_HEIGHT_CM = 60 * CM_PER_INCH  # Devine is odd below 60 inches (the dosing reference)
ADJUSTED_WEIGHT_FACTOR = 0.4  # [guideline] NBA BloodSTAR: IBW + 0.4 x (actual - IBW)
# Plausibility of derived values: typing-error and formula-misuse guards, not clinical rules.
BSA_M2 = (0.1, 6.0)  # what plausible heights and weights give
CLEARANCE_ML_MIN = (0.01, 2000.0)  # positive and finite; the top only catches absurd inputs
MOSTELLER_DIVISOR = 3600.0  # sqrt(cm x kg / 3600) = m^2
# CKD-EPI 2021 (race-free), named so the batch audit computes it on arrays with the same numbers:
# 142 x min(SCr/kappa, 1)^alpha x max(SCr/kappa, 1)^-1.2 x 0.9938^age x sex factor
CKD_EPI_SCALE, CKD_EPI_HIGH_EXPONENT, CKD_EPI_AGE_BASE = 142.0, -1.200, 0.9938
CKD_EPI_SEX = {"female": (0.7, -0.241, 1.012), "male": (0.9, -0.302, 1.0)}  # kappa, alpha, factor


@public
class PlexodoseWarning(UserWarning):
    """A caution from a body-size function called on its own (results carry theirs in ``warnings``)."""


def bmi_value(weight_kg: float, height_cm: float) -> float:
    return weight_kg / (height_cm / 100.0) ** 2


def _boyd(height_cm: float, weight_kg: float) -> float:
    weight_g = weight_kg * 1000.0  # Boyd's exponent is written for grams
    exponent = 0.7285 - 0.0188 * math.log10(weight_g)
    return float(0.0003207 * height_cm**0.3 * weight_g**exponent)


_FORMULAS: tuple[Callable[[float, float], float], ...] = (  # in the order of BSA_FORMULA_NAMES
    lambda h, w: math.sqrt(h * w / MOSTELLER_DIVISOR),  # Mosteller; h in cm, w in kg
    lambda h, w: 0.007184 * h**0.725 * w**0.425,  # DuBois
    lambda h, w: 0.024265 * h**0.3964 * w**0.5378,  # Haycock
    lambda h, w: 0.0235 * h**0.42246 * w**0.51456,  # Gehan and George
    _boyd,
)
BSA_FORMULAS: dict[str, Callable[[float, float], float]] = dict(
    zip(BSA_FORMULA_NAMES, _FORMULAS, strict=True)
)


def bsa_formula(formula: Any, field: str = "bsa_formula") -> Callable[[float, float], float]:
    return BSA_FORMULAS[one_of(formula, BSA_FORMULAS, field)]


def derived(value: float, name: str, low: float, high: float, unit: str, why: str) -> float:
    """``value`` if it is finite and within ``low``-``high``; else the calculation is refused.

    Every intermediate value (a weight, a BSA, a clearance) passes here: a formula used outside
    the heights, weights or ages it was made for can give a negative or absurd number, and a
    dose must never be built on one.
    """
    if math.isfinite(value) and low <= value <= high:
        return value
    shown = f"{value:,.4g}" if math.isfinite(value) else repr(value)
    raise InputRangeError(
        f"{name} {shown} {unit} is outside the plausible range {low:,g}-{high:,g} {unit} "
        f"({why}): plexodose will not dose on it",
        field=name.replace(" ", "_"),
        value=value,
    )


# Kernels: plain arithmetic on floats or arrays (the batch audit calls them on whole columns).
def ideal_body_weight_value(height_cm: Any, sex: str) -> Any:
    base = 50.0 if sex == "male" else 45.5
    return base + 2.3 * (height_cm / CM_PER_INCH - 60.0)


def adjusted_body_weight_value(
    weight_kg: Any, ideal_kg: Any, factor: float = ADJUSTED_WEIGHT_FACTOR
) -> Any:
    return ideal_kg + factor * (weight_kg - ideal_kg)


def creatinine_clearance_value(age: Any, weight_kg: Any, sex: str, scr_mg_dl: Any) -> Any:
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


# Checked scalars: what the calculators and the public functions use. A formula used outside
# the heights, weights or ages it was made for is refused, never dosed on. Each checks its
# float inline and builds its message only when it refuses (the hot path is arithmetic).
_WEIGHT_LOW, _WEIGHT_HIGH = lim.WEIGHT_KG
_CLEARANCE_LOW, _CLEARANCE_HIGH = CLEARANCE_ML_MIN
_BSA_LOW, _BSA_HIGH = BSA_M2


def ideal_weight_kg(height_cm: float, sex: str) -> float:
    value: float = ideal_body_weight_value(height_cm, sex)  # one formula, for arrays and floats
    if _WEIGHT_LOW <= value <= _WEIGHT_HIGH:  # False for NaN
        return value
    return derived(
        value,
        "ideal body weight",
        *lim.WEIGHT_KG,
        "kg",
        f"Devine at {height_cm:,.4g} cm; the formula is for adults of 60 inches (152.4 cm) and "
        "over: use the actual weight",
    )


def adjusted_weight_kg(weight_kg: float, ideal_kg: float, factor: float = ADJUSTED_WEIGHT_FACTOR) -> float:
    value: float = adjusted_body_weight_value(weight_kg, ideal_kg, factor)
    if _WEIGHT_LOW <= value <= _WEIGHT_HIGH:
        return value
    return derived(value, "adjusted body weight", *lim.WEIGHT_KG, "kg", "IBW + 0.4 x (actual - IBW)")


def clearance_ml_min(age: float, weight_kg: float, sex: str, scr_mg_dl: float) -> float:
    value: float = creatinine_clearance_value(age, weight_kg, sex, scr_mg_dl)
    if _CLEARANCE_LOW <= value <= _CLEARANCE_HIGH:
        return value
    return derived(value, "creatinine clearance", *CLEARANCE_ML_MIN, "mL/min", "Cockcroft-Gault")


def egfr_ml_min(age: float, sex: str, scr_mg_dl: float) -> float:
    value = egfr_value(age, sex, scr_mg_dl)
    if _CLEARANCE_LOW <= value <= _CLEARANCE_HIGH:
        return value
    return derived(value, "eGFR", *CLEARANCE_ML_MIN, "mL/min/1.73 m2", "CKD-EPI 2021")


def bsa_m2(kernel: Callable[[float, float], float], height_cm: float, weight_kg: float) -> float:
    value = kernel(height_cm, weight_kg)
    if _BSA_LOW <= value <= _BSA_HIGH:
        return value
    return derived(value, "BSA", *BSA_M2, "m2", "body surface area")


_DEVINE_MIN_SETTLED = round(DEVINE_MIN_HEIGHT_CM, 9)


def devine_warning(height_cm: float) -> str | None:
    if height_cm < DEVINE_MIN_HEIGHT_CM and round(height_cm, 9) < _DEVINE_MIN_SETTLED:
        return (
            f"height {fmt.number(height_cm, 1)} cm is below 60 inches (152.4 cm): the Devine ideal "
            "body weight gives odd results there"
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


def bmi(*, weight: QuantityInput, height: QuantityInput) -> Quantity:
    """Body mass index in kg/m^2.

    >>> bmi(weight="72 kg", height="175 cm")  # 72 / 1.75**2
    <Quantity(23.5102041, 'kilogram / meter ** 2')>
    """
    return u.quantity(bmi_value(lim.weight_kg(weight), lim.height_cm(height)), "kg/m**2")


def bsa(
    *, height: QuantityInput, weight: QuantityInput, formula: BsaFormula = "mosteller"
) -> Quantity:
    """Body surface area in m^2 (Mosteller by default; also dubois, haycock, gehan_george, boyd).

    >>> round(bsa(height="175 cm", weight="72 kg"), 4)  # sqrt(175 * 72 / 3600)
    <Quantity(1.8708, 'meter ** 2')>
    >>> round(bsa(height="175 cm", weight="72 kg", formula="dubois"), 4)
    <Quantity(1.8704, 'meter ** 2')>
    """
    kernel = bsa_formula(formula, "formula")
    return u.quantity(bsa_m2(kernel, lim.height_cm(height), lim.weight_kg(weight)), "m**2")


def ideal_body_weight(*, height: QuantityInput, sex: Sex) -> Quantity:
    """Devine ideal body weight in kg; warns (PlexodoseWarning) below 60 inches.

    >>> round(ideal_body_weight(height="175 cm", sex="male"), 2)  # 50 + 2.3 * (175 / 2.54 - 60) = 70.4646
    <Quantity(70.46, 'kilogram')>
    """
    height_cm = lim.height_cm(height)
    ideal = ideal_weight_kg(height_cm, lim.sex(sex))
    caution = devine_warning(height_cm)
    if caution:
        warnings.warn(caution, PlexodoseWarning, stacklevel=2)
    return u.quantity(ideal, "kg")


def adjusted_body_weight(
    *, weight: QuantityInput, height: QuantityInput, sex: Sex, factor: float = ADJUSTED_WEIGHT_FACTOR
) -> Quantity:
    """Adjusted body weight IBW + factor x (actual - IBW), in kg.

    >>> round(adjusted_body_weight(weight="110 kg", height="165 cm", sex="female"), 2)
    <Quantity(78.15, 'kilogram')>
    """
    factor = u.in_range(u.plain_number(factor, "factor"), "factor", 0.0, 1.0, "", factor)
    weight_kg = lim.weight_kg(weight)
    ideal = ideal_weight_kg(lim.height_cm(height), lim.sex(sex))
    return u.quantity(adjusted_weight_kg(weight_kg, ideal, factor), "kg")


def creatinine_clearance(
    *, age: float, weight: QuantityInput, sex: Sex, serum_creatinine: QuantityInput
) -> Quantity:
    """Cockcroft-Gault creatinine clearance in mL/min, with the weight you give it.

    >>> creatinine_clearance(age=60, weight="72 kg", sex="male", serum_creatinine="1 mg/dL")
    <Quantity(80.0, 'milliliter / minute')>
    """
    value = clearance_ml_min(
        _adult_age(age), lim.weight_kg(weight), lim.sex(sex), lim.creatinine_mg_dl(serum_creatinine)
    )
    return u.quantity(value, "mL/min")


@public
@attrs.frozen(repr=False)
class EGFR:
    """An eGFR in mL/min/1.73 m^2: a float, and a pint Quantity when asked for.

    Not a Quantity itself: pint has no unit for "per 1.73 m^2", so plexodose defines one in the
    registry when the quantity is built. A value of this class pickles and unpickles in a fresh
    process (unpickling imports plexodose), where a bare Quantity of that unit would not.
    """

    value: float

    @property
    def magnitude(self) -> float:
        return self.value

    @property
    def quantity(self) -> Quantity:
        """The eGFR as a pint Quantity (mL/min/standard_body_surface, 1.73 m^2)."""
        return u.quantity(self.value, "mL/min/1.73 m**2")

    def to(self, unit: Any) -> Quantity:
        """The Quantity converted, e.g. ``.to("mL/min/m**2")`` (x 1/1.73)."""
        return self.quantity.to(unit)

    def __repr__(self) -> str:
        return f"<eGFR {self.value:.4g} mL/min/1.73 m2>"


def egfr(*, age: float, sex: Sex, serum_creatinine: QuantityInput) -> EGFR:
    """CKD-EPI 2021 (race-free) eGFR in mL/min/1.73 m^2.

    >>> egfr(age=60, sex="male", serum_creatinine="1 mg/dL")
    <eGFR 86.16 mL/min/1.73 m2>
    >>> round(egfr(age=60, sex="male", serum_creatinine="1 mg/dL").magnitude, 1)
    86.2
    """
    value = egfr_ml_min(_adult_age(age), lim.sex(sex), lim.creatinine_mg_dl(serum_creatinine))
    return EGFR(value)
