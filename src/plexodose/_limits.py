"""Plausibility limits for patient inputs: what a typing error looks like, not clinical rules."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from plexodose import _units as u
from plexodose._errors import InputRangeError

WEIGHT_KG = (2.0, 350.0)
HEIGHT_CM = (50.0, 250.0)
AGE_YEARS = (0.0, 120.0)
ADULT_AGE_YEARS = 18.0
CREATININE_MG_DL = (0.1, 25.0)  # 8.8-2,210 umol/L
WBC_PER_UL = (0.0, 200_000.0)


def weight_kg(value: Any, field: str = "weight") -> float:
    return u.in_range(u.to_float(value, field, u.MASS), field, *WEIGHT_KG, "kg", value)


def height_cm(value: Any, field: str = "height") -> float:
    return u.in_range(u.to_float(value, field, u.LENGTH), field, *HEIGHT_CM, "cm", value)


def age_years(value: Any, field: str = "age") -> float:
    return u.in_range(u.to_years(value, field), field, *AGE_YEARS, "years", value)


def creatinine_mg_dl(value: Any, field: str = "serum_creatinine") -> float:
    return u.in_range(
        u.to_float(value, field, u.CREATININE), field, *CREATININE_MG_DL, "mg/dL", value
    )


def wbc_per_ul(value: Any, field: str) -> float:
    return u.in_range(u.to_float(value, field, u.CELL_COUNT), field, *WBC_PER_UL, "/uL", value)


SEXES: tuple[Literal["female", "male"], ...] = ("female", "male")
# Codes a clinical system may send for sex: refused with the word to type (never guessed).
_SEX_CODES = {"f": "female", "m": "male", "w": "female"}

# CPIC's phenotype terms, as lab reports and FHIR Observations write them.
PHENOTYPE_SPELLINGS = {
    "normal metabolizer": "normal",
    "intermediate metabolizer": "intermediate",
    "possible intermediate metabolizer": "possible_intermediate",
    "possible intermediate": "possible_intermediate",
    "poor metabolizer": "poor",
    "indeterminate metabolizer": "indeterminate",
}

T = TypeVar("T", bound=str)


def sex(value: Any, field: str = "sex") -> Literal["female", "male"]:
    text = value.strip().lower() if isinstance(value, str) else None
    if text == "female":
        return "female"
    if text == "male":
        return "male"
    hint = ""
    if text in _SEX_CODES:
        hint = f" (a code such as HL7's {value.strip()!r} is not read: type {_SEX_CODES[text]!r})"
    raise InputRangeError(
        f"{field} must be 'female' or 'male'{hint}; got {value!r:.60}", field=field, value=value
    )


def choice(value: Any, field: str, options: tuple[T, ...], spellings: dict[str, str]) -> T:
    """``value`` as one of ``options`` (case and spaces forgiven, known spellings mapped)."""
    if isinstance(value, str):
        text = " ".join(value.strip().lower().split())
        text = spellings.get(text, text)
        for option in options:
            if text == option or text == option.replace("_", " "):
                return option
    raise InputRangeError(
        f"{field} must be one of {', '.join(options)}; got {value!r:.60}",
        field=field,
        value=value,
    )
