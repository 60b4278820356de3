"""A single result's FHIR MedicationRequest orders the amount its headline states."""

from __future__ import annotations

from typing import Any

import pytest

from plexodose import (
    Patient,
    ciclosporin,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    ivig,
    mycophenolate,
)
from plexodose import azathioprine as aza


def _dose(result: Any) -> tuple[float, str]:
    request = result.to_fhir()
    dosage = request["dosageInstruction"][0]
    return dosage["doseAndRate"][0]["doseQuantity"]["value"], dosage["text"]


def test_an_ivig_result_and_its_plan_order_the_course_in_grams() -> None:
    # one unit for one course: 28.8 g (UCUM g) in the result's and in the plan's FHIR; it
    # reads back as the same order (28.8 g = 28,800 mg a day)
    from plexodose import Order

    request = ivig(Patient.example()).to_fhir()
    quantity = request["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert (quantity["value"], quantity["code"]) == (28.8, "g")
    order = Order.from_fhir(request)
    assert (order.drug, order.amount, order.basis) == ("ivig", 28800.0, "mg")


def test_an_iv_pulse_orders_the_prepared_whole_mg() -> None:
    # example BSA 1.8708 m2 x 0.75 g/m2 = 1,403.12 mg, prepared as 1,403 mg: the headline's
    pulse = cyclophosphamide_iv(Patient.example())
    assert str(pulse).splitlines()[0] == "cyclophosphamide IV: 1,403 mg every 4 weeks"
    assert _dose(pulse) == (1403.0, "cyclophosphamide IV 1,403 mg every 28 days")


@pytest.mark.parametrize(("make", "amount", "text"), [
    # 2 mg/kg x 72 = 144 -> 3 x 50 mg tablets
    (aza, 150.0, "azathioprine 150 mg daily"),
    # 1,000 mg twice daily (seed)
    (mycophenolate, 1000.0, "mycophenolate 1,000 mg twice daily"),
    # 5 mg/kg x 72 = 360 mg/day, 180 a dose -> 175 mg capsules
    (ciclosporin, 175.0, "ciclosporin 175 mg twice daily"),
    # 2 mg/kg x 72 = 144 -> 125 mg (2 x 50 + 1 x 25)
    (cyclophosphamide_oral, 125.0, "cyclophosphamide oral 125 mg daily"),
    # 0.4 g/kg x 72 = 28.8 g a day, not rounded without a product (in g, as the plan's FHIR)
    (ivig, 28.8, "IVIg 28.8 g daily for 5 days"),
])
def test_each_result_orders_what_its_headline_states(make: Any, amount: float, text: str) -> None:
    assert _dose(make(Patient.example())) == (amount, text)


def test_a_mg_per_kg_pulse_is_one_pulse_never_daily() -> None:
    # EULAR/CYCLOPS, age 60, creatinine 88 umol/L: 12.5 of 15 mg/kg; 12.5 x 72 = 900 mg; no
    # interval given: the order's words say one pulse (it read "12.5 mg/kg daily")
    from plexodose import Order, cyclophosphamide_pulse_reduction

    pulse = cyclophosphamide_pulse_reduction(Patient.example())
    assert str(Order.from_result(pulse)) == "Order(cyclophosphamide IV 12.5 mg/kg (one pulse))"
    request = pulse.to_fhir()
    assert request["dosageInstruction"][0]["text"] == "cyclophosphamide IV 12.5 mg/kg (one pulse)"
    assert "timing" not in request["dosageInstruction"][0]
