"""The order reader's IVIg product names follow the catalogue as it is now: the compiled
patterns are kept per state of the catalogue, never past a change to it. And the depth guard,
which now skips scalars, still draws its line where it did."""

from __future__ import annotations

from typing import Any

import pytest

from plexodose import CATALOGUE, InputRangeError, IVIgProduct, OralProduct, Source
from plexodose._interop import fhir_in
from plexodose._interop.fhir_orders import order_from_fhir

LABEL = Source("label", "a test label", "test vial sizes")
UCUM = "http://unitsofmeasure.org"
IV = {"coding": [{"system": "http://snomed.info/sct", "code": "47625008"}]}


def ivig_request(text: str) -> dict[str, Any]:
    """An order of 0.4 g/kg once a day by the medication's words alone."""
    return {
        "resourceType": "MedicationRequest", "id": "mr1", "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": text},
        "dosageInstruction": [{
            "route": IV, "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 0.4, "unit": "g/kg", "system": UCUM,
                                              "code": "g/kg"}}]}],
    }


def test_a_product_registered_after_a_read_is_named_and_unregistered_is_not() -> None:
    mr = ivig_request("Zyglobin 10 % 20 g vial")
    with pytest.raises(InputRangeError, match="names no drug plexodose screens"):
        order_from_fhir(mr)  # fills the patterns for the catalogue as it is
    CATALOGUE.register(IVIgProduct(name="Zyglobin 10 %", vial_sizes_g=(5, 10), source=LABEL))
    try:
        order = order_from_fhir(mr).order
        # 0.4 g/kg = 400 mg/kg, the product named whole
        assert (order.drug, order.amount, order.basis, order.product) == (
            "ivig", 400.0, "mg/kg", "Zyglobin 10 %")
        # the brand alone is IVIg, its product not assumed
        assert order_from_fhir(ivig_request("zyglobin")).order.product is None
    finally:
        CATALOGUE.unregister("Zyglobin 10 %")
    with pytest.raises(InputRangeError, match="names no drug plexodose screens"):
        order_from_fhir(mr)


def test_a_name_turned_from_ivig_to_oral_is_no_longer_ivig() -> None:
    # the same names in the same order, one product of another kind: a new catalogue state
    CATALOGUE.register(IVIgProduct(name="Zyglobin 10 %", vial_sizes_g=(5, 10), source=LABEL))
    try:
        assert order_from_fhir(ivig_request("Zyglobin 10 %")).order.product == "Zyglobin 10 %"
        CATALOGUE.register(OralProduct(drug="azathioprine", name="Zyglobin 10 %", form="tablet",
                                       strengths_mg=(50,), source=LABEL))
        with pytest.raises(InputRangeError, match="names no drug plexodose screens"):
            order_from_fhir(ivig_request("Zyglobin 10 %"))
    finally:
        CATALOGUE.unregister("Zyglobin 10 %")


def nested(levels: int, leaf: Any) -> Any:
    """``leaf`` inside ``levels`` containers, dicts and lists in turn, with scalars beside."""
    made = leaf
    for level in range(levels):
        made = {"x": made, "n": 1, "s": "a", "f": 0.5, "z": None} if level % 2 else [made, 7]
    return made


def test_the_depth_line_is_where_it_was() -> None:
    limit = fhir_in.MAX_DEPTH
    # the outermost container is at depth 0, so limit containers reach depth limit - 1: read;
    # a scalar one deeper is no nesting
    fhir_in._check_depth(nested(limit, 5), "given")
    fhir_in._check_depth(nested(limit, None), "given")
    # an empty container at depth limit is one level too many
    for leaf in ([], {}):
        with pytest.raises(InputRangeError, match=f"deeper than {limit} levels"):
            fhir_in._check_depth(nested(limit, leaf), "given")
