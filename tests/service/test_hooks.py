"""Each hook end to end, with the example patient (72 kg, 175 cm, male, 60, creatinine 1 mg/dL:
BSA Mosteller sqrt(175 x 72 / 3600) = 1.8708 m2) and an order in every category; the data
prefetched, then read from the test FHIR server with its bearer token."""

from __future__ import annotations

import copy
import time
from typing import Any

import fhir_data as data
import pytest

import plexodose
from conftest import FHIR_TOKEN, Bench, validate

SIGN, SELECT = "plexodose-order-sign", "plexodose-order-select"
EVERY = (data.WITHIN, data.BELOW, data.SOFT, data.HARD, data.NOT_SCREENED, data.WARNING,
         data.OTHER)


def cards_of(response: Any) -> dict[str, list[dict[str, Any]]]:
    """The response's cards by the order they are about."""
    assert response.status_code == 200, response.text
    body = response.json()
    validate("response", body)
    found: dict[str, list[dict[str, Any]]] = {}
    for card in body["cards"]:
        found.setdefault(card["extension"]["plexodose.order"], []).append(card)
    return found


def sign(bench: Bench, *orders: dict[str, Any], **given: Any) -> dict[str, list[dict[str, Any]]]:
    given.setdefault("prefetch_data", data.prefetch())
    return cards_of(bench.call(SIGN, data.hook_request("order-sign", data.drafts(*orders),
                                                       **given)))


def test_order_sign_gives_a_card_per_finding_that_matters_in_every_category(fresh: Bench) -> None:
    found = sign(fresh, *copy.deepcopy(EVERY))
    # within (1,000 mg twice daily) and aspirin (not plexodose's drug): no card
    assert set(found) == {"MedicationRequest/below", "MedicationRequest/soft",
                          "MedicationRequest/hard", "MedicationRequest/unread",
                          "MedicationRequest/warning"}
    below = found["MedicationRequest/below"]  # 250 mg a dose, 250 x 2 = 500 mg a day
    assert [(c["indicator"], c["summary"]) for c in below] == [
        ("warning", "Mycophenolate mofetil 250 mg twice daily: below the range (dose): 250 mg a "
                    "dose is below 500 mg"),
        ("warning", "Mycophenolate mofetil 250 mg twice daily: below the range (daily dose): "
                    "500 mg/day is below 1,000 mg/day")]
    soft = found["MedicationRequest/soft"]
    # 2,000 mg / 1.8708 m2 = 1.069 g/m2 (1-1.6: soft); the last pulse 1,400 / 1.8708 = 0.748
    # g/m2, a raise of 1.069 / 0.748 - 1 = 42.9 % (> 25 %): soft; EULAR at 60: 12.5 / 15 =
    # 83.3 %, a warning on a g/m2 pulse
    assert [(c["indicator"], c["extension"]["plexodose.rule"]) for c in soft] == [
        ("warning", "cyclophosphamide.seed.regimen"),
        ("warning", "cyclophosphamide.iv.michigan.nadir"),
        ("info", "cyclophosphamide.iv.cyclops.reduction")]
    assert soft[0]["summary"].startswith("IV cyclophosphamide 2,000 mg every 4 weeks: above the "
                                         "range, needs a reason (dose)")
    assert "1.069 g/m2" in soft[0]["detail"] and "42.9 %" in soft[1]["detail"]
    assert [r["code"] for r in soft[0]["overrideReasons"]] == ["1", "2", "3"]
    assert "overrideReasons" not in soft[2]
    # the suggestion, on the first card: the 25 % raise over the last pulse, 1,400 x 1.25 =
    # 1,750 mg, kept under it by the screen (1,749 mg = 0.935 g/m2): it screens within
    assert [[s["label"] for s in c.get("suggestions", [])] for c in soft] == [
        ["Change to 1,749 mg every 4 weeks"], [], []]
    resource = soft[0]["suggestions"][0]["actions"][0]["resource"]
    assert resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1749
    assert resource["dosageInstruction"][0]["timing"] == data.SOFT["dosageInstruction"][0][
        "timing"]  # the interval kept
    assert resource["dosageInstruction"][0]["route"] == data.ROUTES["iv"]
    assert "cumulative cyclophosphamide 2.8 g before, 4.8 g with this pulse" in soft[0]["detail"]
    hard = found["MedicationRequest/hard"]  # 2,000 mg a dose > 1,500; 4,000 a day > 3,000
    assert [(c["indicator"], c["extension"]["plexodose.dimension"]) for c in hard] == [
        ("critical", "per_dose"), ("critical", "per_day")]
    assert "overrideReasons" not in hard[0]
    assert "no stated reason lifts it" in hard[0]["detail"]
    unread = found["MedicationRequest/unread"]
    assert [c["summary"] for c in unread] == ["azathioprine order: not screened (dose)"]
    assert "doseAndRate\\[0\\].doseQuantity.code" in unread[0]["detail"]  # the FHIR path
    warning = found["MedicationRequest/warning"]  # 160 x 2 / 72 = 4.44 mg/kg/day (label: 4)
    assert [(c["indicator"], c["summary"]) for c in warning] == [
        ("info", "Ciclosporin 160 mg twice daily: within the rules, with a warning (daily dose)")]


def test_a_card_names_plexodose_its_rule_source_and_the_values_with_their_dates(
        fresh: Bench) -> None:
    card = sign(fresh, copy.deepcopy(data.HARD))["MedicationRequest/hard"][0]
    assert card["source"] == {"label": f"plexodose {plexodose.__version__} dosing rules"}
    detail = card["detail"]
    assert "Rule `mycophenolate.titration.etg` \\[secondary\\]" in detail
    assert f"weight 72 kg (measured {data.YESTERDAY}, Observation/wt1)" in detail
    assert "plexodose would give: 1,000 mg twice daily" in detail


def test_the_suggestion_updates_the_draft_to_a_dose_that_screens_within(fresh: Bench) -> None:
    hard = sign(fresh, copy.deepcopy(data.HARD))["MedicationRequest/hard"]
    assert hard[0]["selectionBehavior"] == "at-most-one"
    (suggestion,) = hard[0]["suggestions"]
    assert "suggestions" not in hard[1]  # one suggestion for the order, on its worst card
    assert suggestion["label"] == "Change to 1,000 mg twice daily"
    (action,) = suggestion["actions"]
    assert action["type"] == "update"
    resource = action["resource"]
    assert resource["id"] == "hard" and resource["subject"] == {"reference": "Patient/p1"}
    dosage = resource["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"] == {
        "value": 1000, "unit": "mg", "system": data.UCUM, "code": "mg"}
    assert dosage["timing"]["repeat"] == {"frequency": 2, "period": 1, "periodUnit": "d"}
    # the draft as suggested, screened again: within, so no card unless one is asked for
    assert sign(fresh, resource) == {}
    asked = sign(fresh, resource, extension={"plexodose.show-within": True})
    assert [c["summary"] for c in asked["MedicationRequest/hard"]] == [
        "Mycophenolate mofetil 1,000 mg twice daily: within the rules"]


def test_order_select_gives_the_patients_dose_for_each_drug_being_picked(fresh: Bench) -> None:
    picked = [data.request("aza", "azathioprine"),
              data.request("cyc", "cyclophosphamide", route="iv"),
              data.request("ivig", "ivig"),
              data.request("mmf", "mycophenolate", value=2000, frequency=2),
              data.request("route", "cyclophosphamide"),
              data.request("unpicked", "azathioprine")]
    body = data.hook_request("order-select", data.drafts(*picked), prefetch_data=data.prefetch(),
                             selections=[f"MedicationRequest/{r['id']}" for r in picked[:5]])
    found = cards_of(fresh.call(SELECT, body))
    assert "MedicationRequest/unpicked" not in found
    # 2 mg/kg x 72 kg = 144 mg, dispensed as 3 x 50 mg = 150 mg (the 150 mg/day maximum)
    (aza,) = found["MedicationRequest/aza"]
    assert aza["summary"] == "Azathioprine for this patient: 150 mg daily; calculated 144 mg"
    assert aza["suggestions"][0]["label"] == "Use 150 mg daily"
    # TPMT is read (normal); NUDT15 has no LOINC code plexodose reads: the card warns
    assert aza["indicator"] == "warning"
    assert aza["detail"].startswith("- **NUDT15 status not given: test before starting (CPIC)")
    assert "allopurinol: not read from the record" not in aza["detail"]
    # 0.75 g/m2 x 1.8708 m2 = 1,403.1 mg, rounded down to 1,403 mg
    (cyc,) = found["MedicationRequest/cyc"]
    assert cyc["summary"] == "IV cyclophosphamide for this patient: 1,403 mg every 4 weeks"
    assert cyc["suggestions"][0]["label"] == "Use 1,403 mg every 4 weeks"
    assert cyc["indicator"] == "warning"  # the calculator's warnings come first
    assert "EULAR/CYCLOPS reduces pulses to 83.3 % for age 60" in cyc["detail"]
    (ivig,) = found["MedicationRequest/ivig"]  # 0.4 g/kg x 72 kg = 28.8 g a day
    assert ivig["suggestions"][0]["label"] == "Use 28.8 g daily for 5 days"
    mmf = found["MedicationRequest/mmf"]  # the dose, then the screen of the dose written
    assert [c["indicator"] for c in mmf] == ["info", "critical", "critical"]
    (route,) = found["MedicationRequest/route"]
    assert route["summary"].startswith("cyclophosphamide order: not screened")
    assert "route" in route["detail"]
    for card in (aza, cyc, ivig):  # each suggestion, signed, screens within: no card
        resource = card["suggestions"][0]["actions"][0]["resource"]
        assert sign(fresh, resource) == {}, card["summary"]


def test_without_prefetch_the_service_reads_the_fhir_server_with_its_token(fresh: Bench) -> None:
    with_prefetch = sign(fresh, *copy.deepcopy(EVERY))
    read = sign(fresh, *copy.deepcopy(EVERY), prefetch_data=None,
                fhirServer=f"{fresh.fhir_url}/fhir", fhirAuthorization=_authorization())
    assert _summaries(read) == _summaries(with_prefetch)
    paths = sorted(path for path, _, _ in fresh.fhir.requests)
    assert paths == ["MedicationAdministration", "Observation", "Observation", "Observation",
                     "Observation", "Observation", f"Patient/{data.PATIENT_ID}"]
    assert {auth for _, _, auth in fresh.fhir.requests} == {f"Bearer {FHIR_TOKEN}"}
    assert any("code=http://loinc.org|29463-7" in query.replace("%7C", "|")
               for _, query, _ in fresh.fhir.requests)


def test_only_the_keys_not_prefetched_are_read(fresh: Bench) -> None:
    given = data.prefetch()
    partial = {key: given[key] for key in ("patient", "weight", "height", "creatinine")}
    sign(fresh, copy.deepcopy(data.HARD), prefetch_data=partial,
         fhirServer=f"{fresh.fhir_url}/fhir", fhirAuthorization=_authorization())
    assert sorted(p for p, _, _ in fresh.fhir.requests) == [
        "MedicationAdministration", "Observation", "Observation"]  # tpmt and labs


def test_a_record_of_pulses_on_more_pages_is_read_whole_from_the_server(fresh: Bench) -> None:
    fresh.fhir.mode = "next"  # page 2 of the record is empty
    found = sign(fresh, copy.deepcopy(data.SOFT), prefetch_data=None,
                 fhirServer=f"{fresh.fhir_url}/fhir", fhirAuthorization=_authorization())
    assert "2.8 g before" in found["MedicationRequest/soft"][0]["detail"]
    pages = [q for p, q, _ in fresh.fhir.requests if p == "MedicationAdministration"]
    assert len(pages) == 2


def test_a_prefetched_record_with_a_next_page_is_not_known(fresh: Bench) -> None:
    given = data.prefetch()
    given["cyclophosphamide"]["link"] = [{"relation": "next",
                                          "url": "https://ehr.example.test/fhir/next"}]
    detail = sign(fresh, copy.deepcopy(data.SOFT), prefetch_data=given)[
        "MedicationRequest/soft"][0]["detail"]
    assert "cumulative dose not known: not checked" in detail
    assert "more pages than were read" in detail


def test_a_weight_the_ehr_does_not_have_makes_every_order_not_screened(fresh: Bench) -> None:
    given = data.prefetch()
    given["weight"] = None
    found = sign(fresh, copy.deepcopy(data.WITHIN), copy.deepcopy(data.HARD),
                 prefetch_data=given)
    for ref in ("MedicationRequest/within", "MedicationRequest/hard"):
        (card,) = found[ref]
        assert card["extension"]["plexodose.verdict"] == "not_screened"
        assert "no body weight Observation" in card["detail"]


def test_another_patients_order_is_not_screened_for_this_one(fresh: Bench) -> None:
    stranger = data.request("stranger", "mycophenolate", value=1000, frequency=2, subject="p2")
    (card,) = sign(fresh, stranger)["MedicationRequest/stranger"]
    assert card["extension"]["plexodose.verdict"] == "not_screened"
    assert "its subject is not the patient in context (Patient/p1)" in card["detail"]


def test_no_patient_data_and_no_fhir_server_is_a_precondition_failure(fresh: Bench) -> None:
    body = data.hook_request("order-sign", data.drafts(copy.deepcopy(data.HARD)),
                             prefetch_data=None)
    response = fresh.call(SIGN, body)
    assert response.status_code == 412
    assert response.json()["path"] == "prefetch.patient"


def test_an_order_of_another_drug_alone_needs_no_data(fresh: Bench) -> None:
    body = data.hook_request("order-sign", data.drafts(copy.deepcopy(data.OTHER)),
                             prefetch_data=None)
    assert cards_of(fresh.call(SIGN, body)) == {}


@pytest.mark.parametrize(("mode", "reason"), [("unauthorized", "HTTP 401"),
                                              ("redirect", "HTTP 302")])
def test_a_fhir_server_that_refuses_or_redirects_is_a_precondition_failure(
        fresh: Bench, mode: str, reason: str) -> None:
    fresh.fhir.mode = mode
    body = data.hook_request("order-sign", data.drafts(copy.deepcopy(data.HARD)),
                             prefetch_data=None, fhirServer=f"{fresh.fhir_url}/fhir",
                             fhirAuthorization=_authorization())
    response = fresh.call(SIGN, body)
    assert response.status_code == 412
    assert reason in response.json()["error"]
    # the redirect's target was never asked: every request the FHIR server saw was its own
    assert all(auth == f"Bearer {FHIR_TOKEN}" for _, _, auth in fresh.fhir.requests)


def test_a_stalled_fhir_server_is_given_up_within_the_time_outs(fresh: Bench) -> None:
    fresh.fhir.mode = "slow"  # answers after 5 s; the read time-out is 1 s, the total 2 s
    body = data.hook_request("order-sign", data.drafts(copy.deepcopy(data.HARD)),
                             prefetch_data=None, fhirServer=f"{fresh.fhir_url}/fhir",
                             fhirAuthorization=_authorization())
    started = time.monotonic()
    response = fresh.call(SIGN, body)
    assert response.status_code == 412
    assert time.monotonic() - started < 4.5  # bounded (a bound, not a speed measurement)


def _authorization() -> dict[str, Any]:
    return {"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
            "scope": "patient/Patient.read patient/Observation.read", "subject": "plexodose"}


def _summaries(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {ref: [c["summary"] for c in found[ref]] for ref in found}
