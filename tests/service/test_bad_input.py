"""What the EHR may send wrong: each a 4xx with a short JSON error and the path of the field,
never a 500 and never a stack trace; nothing of the patient's in the log."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import fhir_data as data
import httpx
import pytest

from conftest import Bench

SIGN = "/cds-services/plexodose-order-sign"


def _body(**changes: Any) -> dict[str, Any]:
    body = data.hook_request("order-sign", data.drafts(copy.deepcopy(data.HARD)),
                             prefetch_data=data.prefetch())
    return body | changes


def _refused(response: httpx.Response, status: int, path: str | None,
             words: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ({"error", "path", "request_id"} if path is not None
                         else {"error", "request_id"})
    assert body.get("path") == path
    assert words in body["error"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text and len(body["error"]) < 300
    return body


def _raw(bench: Bench, content: bytes, content_type: str = "application/json",
         **headers: str) -> httpx.Response:
    return bench.client.post(SIGN, content=content, headers={
        **bench.tokens.header(SIGN), "Content-Type": content_type, **headers})


def test_a_body_that_is_not_json(bench: Bench) -> None:
    _refused(_raw(bench, b'{"hook": "order-sign",'), 400, "$", "not JSON")


def test_json_with_nan_is_not_json(bench: Bench) -> None:
    _refused(_raw(bench, b'{"hook": NaN}'), 400, "$", "not JSON")


def test_a_body_nested_too_deeply(bench: Bench) -> None:
    _refused(_raw(bench, b"[" * 100_000 + b"]" * 100_000), 400, "$")


def test_a_body_that_is_not_utf8(bench: Bench) -> None:
    _refused(_raw(bench, b'{"hook": "\xff"}'), 400, "$", "not JSON")


def test_another_content_type(bench: Bench) -> None:
    _refused(_raw(bench, b"hook=order-sign", "application/x-www-form-urlencoded"), 415, "$")


def test_a_body_larger_than_the_limit_by_its_length(bench: Bench) -> None:
    big = json.dumps({"pad": "x" * 1_100_000}).encode()  # the limit: 1,000,000 bytes
    _refused(_raw(bench, big), 413, "$", "larger than 1,000,000 bytes")


def test_a_body_larger_than_the_limit_sent_in_chunks(bench: Bench) -> None:
    def chunks() -> Any:
        for _ in range(11):
            yield b" " * 100_000

    response = bench.client.post(SIGN, content=chunks(), headers={
        **bench.tokens.header(SIGN), "Content-Type": "application/json"})
    _refused(response, 413, "$")


@pytest.mark.parametrize(("body", "path", "words"), [
    ([], "$", "must be an object"),
    ({"hookInstance": "x", "context": {}}, "hook", "is required"),
    (_body(hook="patient-view"), "hook", "is not the hook of plexodose-order-sign"),
    (_body(hook="order-select"), "hook", "(order-sign)"),
    (_body(hookInstance=7), "hookInstance", "non-empty string"),
    (_body(context=[]), "context", "must be an object"),
    (_body(prefetch="yes"), "prefetch", "must be an object"),
    (_body(fhirServer="ftp://ehr.example.test/fhir"), "fhirServer", "absolute"),
    (_body(fhirAuthorization={"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                              "scope": "s", "subject": "c"}), "fhirServer",
     "required with fhirAuthorization"),
    (_body(fhirServer="http://127.0.0.1:1/fhir",
           fhirAuthorization={"access_token": "t", "token_type": "MAC", "expires_in": 300,
                              "scope": "s", "subject": "c"}), "fhirAuthorization.token_type",
     "Bearer"),
    (_body(extension={"plexodose.show-within": "yes"}), "extension.plexodose.show-within",
     "true or false"),
])
def test_the_wrong_shape_names_the_field(bench: Bench, body: Any, path: str, words: str) -> None:
    _refused(bench.post(SIGN, body), 400, path, words)


def _context(**changes: Any) -> dict[str, Any]:
    body = _body()
    body["context"] = body["context"] | changes
    return body


@pytest.mark.parametrize(("body", "status", "path"), [
    (_context(patientId="p1/../../Patient/2"), 400, "context.patientId"),
    (_context(userId=None), 400, "context.userId"),
    ({k: v for k, v in _body().items()} | {"context": {"userId": "u", "patientId": "p1"}}, 400,
     "context.draftOrders"),
    (_context(draftOrders=copy.deepcopy(data.HARD)), 422, "context.draftOrders.resourceType"),
    (_context(draftOrders={"resourceType": "Bundle", "entry": {"resource": {}}}), 422,
     "context.draftOrders.entry"),
])
def test_the_wrong_context_names_the_field(bench: Bench, body: Any, status: int,
                                           path: str) -> None:
    _refused(bench.post(SIGN, body), status, path)


def _order(change: Any) -> dict[str, Any]:
    order = copy.deepcopy(data.HARD)
    change(order)
    return _context(draftOrders=data.drafts(order))


ENTRY = "context.draftOrders.entry[0].resource"


@pytest.mark.parametrize(("body", "path"), [
    (_order(lambda o: o.pop("status")), f"{ENTRY}.status"),
    (_order(lambda o: o.update(status="signed")), f"{ENTRY}.status"),
    (_order(lambda o: o.update(intent=3)), f"{ENTRY}.intent"),
    (_order(lambda o: o.update(id="has space")), f"{ENTRY}.id"),
    (_order(lambda o: o.pop("medicationCodeableConcept")), f"{ENTRY}.medication[x]"),
    (_order(lambda o: o["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"].update(
        value="2000")), f"{ENTRY}.dosageInstruction[0].doseAndRate[0].doseQuantity.value"),
    (_order(lambda o: o["dosageInstruction"][0]["timing"]["repeat"].update(frequency=1.5)),
     f"{ENTRY}.dosageInstruction[0].timing.repeat.frequency"),
    (_order(lambda o: o["dosageInstruction"][0]["timing"]["repeat"].update(periodUnit="fortnight")),
     f"{ENTRY}.dosageInstruction[0].timing.repeat.periodUnit"),
    (_order(lambda o: o.update(dosageInstruction={})), f"{ENTRY}.dosageInstruction"),
])
def test_a_medication_request_that_does_not_validate(bench: Bench, body: Any, path: str) -> None:
    _refused(bench.post(SIGN, body), 422, path)


def _prefetch(key: str, value: Any) -> dict[str, Any]:
    given = data.prefetch()
    given[key] = value
    return _body(prefetch=given)


@pytest.mark.parametrize(("body", "path"), [
    (_prefetch("patient", data.searchset(data.patient())), "prefetch.patient.resourceType"),
    (_prefetch("patient", data.patient() | {"id": "p2"}), "prefetch.patient.id"),
    (_prefetch("patient", data.patient() | {"gender": "M"}), "prefetch.patient.gender"),
    (_prefetch("weight", [data.WEIGHT]), "prefetch.weight"),
    (_prefetch("weight", data.searchset(data.patient())), "prefetch.weight.entry[0].resource"
     ".resourceType"),
    (_prefetch("weight", data.searchset(data.WEIGHT | {"valueQuantity": {"value": "72"}})),
     "prefetch.weight.entry[0].resource.valueQuantity.value"),
    (_prefetch("cyclophosphamide", data.searchset(data.WEIGHT)),
     "prefetch.cyclophosphamide.entry[0].resource.resourceType"),
])
def test_a_prefetched_resource_that_does_not_validate(bench: Bench, body: Any, path: str) -> None:
    _refused(bench.post(SIGN, body), 422, path)


def test_an_unknown_service(bench: Bench) -> None:
    path = "/cds-services/no-such-service"
    _refused(bench.post(path, _body()), 404, "$", "no such service")


def test_an_unknown_path_and_a_wrong_method(bench: Bench) -> None:
    _refused(bench.client.get("/admin"), 404, None, "not found")
    _refused(bench.client.get(SIGN, headers=bench.tokens.header(SIGN)), 405, None)


def test_nothing_of_the_patients_is_logged(bench: Bench, caplog: pytest.LogCaptureFixture
                                           ) -> None:
    body = _body()
    body["fhirServer"] = f"{bench.fhir_url}/fhir"
    body["fhirAuthorization"] = {"access_token": "secret-token-value", "token_type": "Bearer",
                                 "expires_in": 300, "scope": "s", "subject": "c"}
    token = bench.tokens.make(SIGN)
    with caplog.at_level("INFO", logger="plexodose.service"):
        response = bench.client.post(SIGN, json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        request_id = response.headers["x-request-id"]
        deadline = time.monotonic() + 5
        while request_id not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("plexodose")]
    (line,) = [line for line in lines if request_id in line]
    assert "200" in line and "orders=1" in line and "verdicts=above_hard" in line
    text = "\n".join(lines)
    for secret in (data.PATIENT_ID, data.birth_date(), "72", "secret-token-value", token,
                   "Observation/wt1", "Practitioner/pr1"):
        assert secret not in text.replace(request_id, "")


def test_an_error_inside_is_a_bare_500_with_the_request_id(
        bench: Bench, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from plexodose.service import answer

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug with a patient value 72 kg")

    monkeypatch.setattr(answer, "respond", broken)
    with caplog.at_level("INFO", logger="plexodose.service"):
        response = bench.post(SIGN, _body())
        request_id = response.headers["x-request-id"]
        deadline = time.monotonic() + 5
        while request_id not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
    assert response.status_code == 500
    assert response.json() == {"error": "internal error", "request_id": request_id}
    assert "72 kg" not in response.text
    (line,) = [r.getMessage() for r in caplog.records
               if r.name == "plexodose.service" and request_id in r.getMessage()]
    assert " 500 " in line and "error=RuntimeError" in line and "72 kg" not in line
