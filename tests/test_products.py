"""The product catalogue: validation and which product is dispensed."""

from __future__ import annotations

import pytest

from plexodose import (
    CATALOGUE,
    InputRangeError,
    IVIgProduct,
    OralProduct,
    Patient,
    Source,
    UnitError,
    azathioprine,
    convert_mycophenolate,
)

LABEL = Source("label", "a test label", "tablets 75 and 100 mg")


def test_newest_oral_product_of_a_drug_is_dispensed() -> None:
    mine = OralProduct(drug="azathioprine", name="aza 75/100", form="tablet",
                       strengths_mg=(75, 100), source=LABEL)
    CATALOGUE.register(mine)
    try:
        r = azathioprine(Patient(weight="75 kg", tpmt="normal", nudt15="normal"))
        # 2 x 75 = 150 mg -> 75 mg + ... in 25 mg steps (gcd of 75 and 100): 150 = 2 x 75
        assert r.dispensed is not None
        assert r.dispensed.product == "aza 75/100"
        assert r.dispensed.units == ((75.0, 2),)
    finally:
        CATALOGUE.unregister("aza 75/100")
    assert azathioprine(Patient.example()).dispensed.product == "azathioprine tablets"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"vial_sizes_g": (0.0001,)}, "vial_sizes_g"),
        ({"vial_sizes_g": "5, 10"}, "vial_sizes_g"),
        ({"vial_sizes_g": (5, float("nan"))}, "vial_sizes_g"),
        ({"concentration_g_per_ml": 10}, "concentration_g_per_ml"),  # "10 %" typed as 10
        ({"concentration_g_per_ml": 1e-320}, "concentration_g_per_ml"),
        ({"name": 5}, "name"),
        ({"initial_rate_mg_per_kg_min": -1}, "initial_rate_mg_per_kg_min"),
    ],
)
def test_product_values_are_validated(kwargs: dict[str, object], field: str) -> None:
    given: dict[str, object] = {"name": "x", "vial_sizes_g": (5, 10), "source": LABEL, **kwargs}
    with pytest.raises(InputRangeError) as info:
        IVIgProduct(**given)  # type: ignore[arg-type]
    assert info.value.field == field


def test_catalogue_refuses_what_is_not_a_product() -> None:
    with pytest.raises(InputRangeError, match="register takes"):
        CATALOGUE.register("junk")  # type: ignore[arg-type]
    with pytest.raises(InputRangeError, match="name"):
        CATALOGUE.unregister(None)  # type: ignore[arg-type]


def test_apothecary_units_are_refused_for_doses() -> None:
    with pytest.raises(UnitError, match="apothecary"):
        convert_mycophenolate("1 gr", to="sodium")  # gr is grain (64.8 mg), misread as gram
