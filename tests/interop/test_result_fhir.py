"""A single result exports as one MedicationRequest (no schedule, no ServiceRequests), valid by
fhir.resources, that reads back as an order screening the same."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir_schema import schema_errors

from plexodose import (
    Order,
    Patient,
    azathioprine,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    ivig,
    mycophenolate,
    screen,
)

EX = Patient.example()


@pytest.mark.parametrize("make", [
    lambda: azathioprine(EX), lambda: mycophenolate(EX), lambda: cyclophosphamide_oral(EX),
    lambda: cyclophosphamide_iv(EX), lambda: ivig(EX, product="privigen"),
])
def test_one_result_one_medication_request(make: Any) -> None:
    result = make()
    request = result.to_fhir(subject={"reference": "Patient/p1"})
    MedicationRequest.model_validate(request)  # R4 (R4B shares R4's MedicationRequest); raises if invalid
    assert schema_errors(request) == []  # HL7's R4 JSON Schema
    assert request["resourceType"] == "MedicationRequest"
    assert request["subject"] == {"reference": "Patient/p1"}
    back = Order.from_fhir(request)
    assert screen(back, EX).verdict == screen(result, EX).verdict


def test_the_dose_written_is_the_dispensed_one() -> None:
    r = azathioprine(EX)  # 144 mg calculated, 150 mg dispensed (6 x 25 mg)
    dose = r.to_fhir()["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert (dose["value"], dose["code"]) == (150, "mg")
