"""The product catalogue: validation and which product is dispensed."""

from __future__ import annotations

import threading
from typing import Any

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
    ivig,
)

LABEL = Source("label", "a test label", "tablets 75 and 100 mg")


EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


SOURCE = Source("label", "test label", "test sizes")


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


def test_the_catalogue_is_restored_after_a_swap():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): the
    oral_product fixture (tests/drugs/conftest.py) puts the catalogue back. It runs after the
    drug files that swap products (pytest takes this folder in alphabetical order): the reference
    gives oral cyclophosphamide as 25 and 50 mg tablets (since 2026-12-07)."""
    assert CATALOGUE.oral("cyclophosphamide").strengths_mg == (50.0, 25.0)
    assert CATALOGUE.oral("azathioprine").strengths_mg == (50.0, 25.0)


def test_class_9_re_registering_a_product_never_disturbs_a_dose() -> None:
    """Never silently wrong, class 9 (shared state under threads): re-registering a product while
    other threads dose never changes a dose."""
    expected = (ivig(EX, product="privigen").dispensed, azathioprine(EX).dispensed)
    privigen = CATALOGUE.ivig("privigen")
    tablets = CATALOGUE.oral("azathioprine")
    stop = threading.Event()
    problems: list[Any] = []

    def register() -> None:
        while not stop.is_set():
            CATALOGUE.register(privigen)  # identical products, again and again
            CATALOGUE.register(tablets)

    def dose() -> None:
        for _ in range(1500):
            try:
                got = (ivig(EX, product="privigen").dispensed, azathioprine(EX).dispensed)
            except Exception as exc:  # any refusal or crash is a defect here
                problems.append(exc)
                return
            if got != expected:
                problems.append(got)
                return

    writer = threading.Thread(target=register)
    workers = [threading.Thread(target=dose) for _ in range(6)]
    writer.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    writer.join()
    assert problems == []


@pytest.mark.parametrize("sizes", [["a"], None, [None], 5])
def test_product_sizes_refused_with_plexodose_error(sizes):
    """Regression, a gap the bad-input matrix found (fixed in the core, 856a0d6): malformed product
    sizes are refused with a PlexodoseError."""
    with pytest.raises(InputRangeError):
        IVIgProduct(name="x", vial_sizes_g=sizes, source=SOURCE)
    with pytest.raises(InputRangeError):
        OralProduct(drug="x", name="x", form="tablet", strengths_mg=sizes, source=SOURCE)
