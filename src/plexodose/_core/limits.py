"""Plausibility limits for patient inputs: what a typing error looks like, not clinical rules."""

from __future__ import annotations

from typing import Any

from plexodose._core import units as u
from plexodose._core import vocab as _vocab
from plexodose._core.vocab import Sex

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


SEXES = _vocab.SEXES


def sex(value: Any, field: str = "sex") -> Sex:
    """``"female"`` or ``"male"``, spelled out (codes such as HL7's ``M`` are refused with the
    word to type)."""
    return _vocab.sex_from_text(value, field)
