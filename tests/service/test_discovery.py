"""Discovery: the two services, their hooks and prefetch templates, behind the EHR's token."""

from __future__ import annotations

from conftest import Bench, validate


def test_discovery_lists_both_services_with_their_prefetch(bench: Bench) -> None:
    response = bench.client.get("/cds-services", headers=bench.tokens.header("/cds-services"))
    assert response.status_code == 200
    body = response.json()
    validate("discovery", body)
    services = {s["id"]: s for s in body["services"]}
    assert {k: s["hook"] for k, s in services.items()} == {
        "plexodose-order-sign": "order-sign", "plexodose-order-select": "order-select"}
    prefetch = services["plexodose-order-sign"]["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert prefetch["weight"] == ("Observation?patient={{context.patientId}}"
                                  "&code=http://loinc.org|29463-7&_sort=-date&_count=1")
    assert "http://loinc.org|6690-2" in prefetch["labs"]  # white cells, for a pulse
    assert prefetch["cyclophosphamide"].startswith("MedicationAdministration?patient=")
    assert "rxnorm|3002" in prefetch["cyclophosphamide"]  # RxNorm cyclophosphamide
    assert response.headers["content-type"] == "application/json"
    assert len(response.headers["x-request-id"]) == 32


def test_discovery_without_a_token_is_refused(bench: Bench) -> None:
    response = bench.client.get("/cds-services")
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized",
                               "request_id": response.headers["x-request-id"]}
