"""FHIR R4 out: bundles for any plan, MedicationRequests per phase, pulses and windows,
irregular dates. Coded: UCUM on every quantity, RxNorm, SNOMED CT and LOINC codes from the versioned
table, maxDosePerPeriod of the capped drugs, transaction bundles and the version tags; every
export validated by fhir.resources and by the official FHIR R4 JSON Schema."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from fhir_schema import schema_errors, validate
from hypothesis import given, settings
from hypothesis import strategies as st

import plexodose
from plexodose import (
    InputRangeError,
    Patient,
    Schedule,
    azathioprine,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    ivig,
    mycophenolate,
    plan,
    schedule,
)
from plexodose._core.vocab import SECOND_AGENTS
from plexodose._drugs.azathioprine import CAP_MG_PER_DAY
from plexodose._drugs.cyclophosphamide import ORAL_MAX_MG_PER_DAY
from plexodose._drugs.mycophenolate import LOW_EGFR_MAX_MG_PER_DAY, MAX_MG_PER_DAY
from plexodose._interop import codes

P = Patient.example()
START = dt.date(2026, 12, 1)
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
URI = "urn:ietf:rfc:3986"
PATIENT = {"reference": "Patient/123"}


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [x["resource"] for x in bundle["entry"] if x["resource"]["resourceType"] == kind]


def quantities(node: Any) -> Iterator[dict[str, Any]]:
    """Every FHIR Quantity in ``node`` (a dict with a numeric value and a unit)."""
    if isinstance(node, dict):
        if isinstance(node.get("value"), int | float) and "unit" in node:
            yield node
        for value in node.values():
            yield from quantities(value)
    elif isinstance(node, list):
        for value in node:
            yield from quantities(value)


def every_schedule() -> list[Schedule]:
    low_egfr = Patient(weight="72 kg", age=60, sex="male", serum_creatinine="3 mg/dL")
    return [
        *(plan(P, start=START, second_agent=a, ivig_product="privigen") for a in SECOND_AGENTS),
        plan(P, start=START, second_agent="mycophenolate", refractory_agent="cyclophosphamide_oral",
             months=18),
        schedule(cyclophosphamide_iv(P, g_per_m2=1), start=START, count=3),
        schedule(cyclophosphamide_oral(P), start=START, months=2),
        schedule(mycophenolate(low_egfr), start=START, months=1),
    ]


@pytest.fixture(scope="module")
def schedules() -> list[Schedule]:
    return every_schedule()


def test_every_export_validates(schedules: list[Schedule]) -> None:
    for s in schedules:
        for kind in ("collection", "transaction"):
            bundle = s.to_fhir(subject=PATIENT, bundle_type=kind)  # type: ignore[arg-type]
            validate(bundle)  # JSON Schema first, then the fhir.resources models
            assert bundle["type"] == kind


def test_schema_catches_what_it_should() -> None:
    # the vendored schema is live: a wrong export would fail
    bundle = schedule(cyclophosphamide_iv(P), start=START, count=1).to_fhir(subject=PATIENT)
    broken = resources(bundle, "ServiceRequest")[0]
    broken["code"]["text"] = "a\u2028b"  # not a FHIR string
    broken["subject"] = {"reference": ""}  # empty string
    broken["unknownField"] = 1
    errors = schema_errors(bundle)
    assert len(errors) == 3, errors


def test_every_quantity_is_ucum(schedules: list[Schedule]) -> None:
    seen = set()
    for s in schedules:
        for q in quantities(s.to_fhir(subject=PATIENT)):
            assert q["system"] == UCUM and q["code"] == q["unit"], q
            seen.add(q["code"])
    assert seen == {"g", "mg", "mL/h", "d"}  # doses, pump rates and the max's "per day"


def test_medication_and_route_codes(schedules: list[Schedule]) -> None:
    expected = {  # RxNorm ingredients, as verified in the table's sources
        "azathioprine": "1256",
        "cyclophosphamide": "3002",
        "ciclosporin": "3008",
        "mycophenolate mofetil": "68149",
    }
    routes = {"oral": "26643006", "IV": "47625008"}  # SNOMED CT Oral route, Intravenous route
    drugs = set()
    for s in schedules:
        for r in resources(s.to_fhir(subject=PATIENT), "MedicationRequest"):
            concept = r["medicationCodeableConcept"]
            # ciclosporin's rules are the modified formulation's (dosing-rules.md): its text says so
            drug = concept["text"].removesuffix(" (modified)")
            assert (concept["text"] == "ciclosporin (modified)") == (drug == "ciclosporin")
            drugs.add(drug)
            if drug == "IVIg":
                assert "coding" not in concept  # no verified RxNorm code: text only
            else:
                assert concept["coding"] == [
                    {"system": RXNORM, "code": expected[drug], "display": codes.MEDICATIONS[drug].display}
                ]
            route = r["dosageInstruction"][0]["route"]
            assert route["coding"][0]["system"] == SNOMED
            assert route["coding"][0]["code"] == routes[route["text"]]
    assert drugs == {"IVIg", *expected}


def test_code_table_is_versioned_and_sourced() -> None:
    assert codes.VERSION
    table = [*codes.MEDICATIONS.values(), *codes.ROUTES.values(), codes.WBC, codes.CREATININE]
    assert all(c.checked and c.display and c.code for c in table)
    assert {c.system for c in table} == {RXNORM, SNOMED, LOINC}
    assert "IVIg" not in codes.MEDICATIONS  # left out: no code could be verified


def test_loinc_only_on_single_tests() -> None:
    pulses = schedule(cyclophosphamide_iv(P), start=START, count=2).to_fhir(subject=PATIENT)
    coded = {
        r["code"]["text"]: r["code"]["coding"][0]["code"]
        for r in resources(pulses, "ServiceRequest")
        if "coding" in r["code"]
    }
    # pre-pulse and nadir WBC before/after each of 2 pulses: 4 single tests, 6690-2; and the
    # pre-pulse serum creatinine of each: 2 more, 2160-0 (the other pre-pulse tests: text only)
    wbc = {text: code for text, code in coded.items() if "WBC" in text}
    creatinine = {text: code for text, code in coded.items() if text.startswith("serum creatinine")}
    assert len(wbc) == 4 and set(wbc.values()) == {"6690-2"}
    assert len(creatinine) == 2 and set(creatinine.values()) == {"2160-0"}
    assert len(coded) == 6
    cic = plan(P, start=START, second_agent="azathioprine").to_fhir(subject=PATIENT)
    for r in resources(cic, "ServiceRequest"):
        text, coding = r["code"]["text"], r["code"].get("coding")
        if text.startswith("serum creatinine"):
            assert coding == [{"system": LOINC, "code": "2160-0",
                               "display": "Creatinine [Mass/volume] in Serum or Plasma"}]
        else:  # CBC and LFTs, blood pressure (panels), assessments and decisions: text only
            assert coding is None, text
    assert any(r["code"]["text"].startswith("serum creatinine")
               for r in resources(cic, "ServiceRequest"))


def _max_per_day(request: dict[str, Any]) -> tuple[float, str] | None:
    limit = request["dosageInstruction"][0].get("maxDosePerPeriod")
    if limit is None:
        return None
    assert limit["denominator"] == {"value": 1, "unit": "d", "system": UCUM, "code": "d"}
    return float(limit["numerator"]["value"]), limit["numerator"]["unit"]


def _max_per_administration(request: dict[str, Any]) -> tuple[float, str] | None:
    limit = request["dosageInstruction"][0].get("maxDosePerAdministration")
    return None if limit is None else (float(limit["value"]), limit["unit"])


def test_max_dose_per_period_is_the_results_daily_limit(schedules: list[Schedule]) -> None:
    # Patient.example(): 72 kg (BMI 23.5: actual weight), male, 60 y, creatinine 1 mg/dL.
    assert (CAP_MG_PER_DAY, MAX_MG_PER_DAY, ORAL_MAX_MG_PER_DAY) == (150, 3000, 200)  # [seed], ...
    expected = {
        ("IVIg", "IV"): (72.0, "g"),  # ceiling 1 g/kg/day x 72 kg
        ("azathioprine", "oral"): (CAP_MG_PER_DAY, "mg"),  # 150; 2 mg/kg x 72 = 144 is below
        ("mycophenolate mofetil", "oral"): (MAX_MG_PER_DAY, "mg"),  # 3,000 (1,500 a dose x 2)
        # the seed ceiling 2 mg/kg/day x 72 kg = 144 mg, tighter than the 200 mg maximum
        ("cyclophosphamide", "oral"): (144.0, "mg"),
        ("ciclosporin (modified)", "oral"): (360.0, "mg"),  # 5 mg/kg/day x 72 kg
    }
    found = set()
    for s in schedules[:-1]:  # the last: mycophenolate below eGFR 25
        for r in resources(s.to_fhir(subject=PATIENT), "MedicationRequest"):
            drug, dosage = r["medicationCodeableConcept"]["text"], r["dosageInstruction"][0]
            key = (drug, dosage["route"]["text"])
            most = _max_per_day(r)
            if key == ("cyclophosphamide", "IV"):
                assert most is None  # a pulse's limit is per pulse, not per day
                # No override: the seed's 1 g/m2 (changed 2026-12-07, was 1.6 g/m2) x Mosteller
                # sqrt(175 x 72 / 3600) = 1.870829 m2 = 1,870.8287 mg, rounded down
                assert _max_per_administration(r) == (1870.828, "mg")
                continue
            per_dose_most = {"mycophenolate mofetil": 1500.0,  # 3,000 / 2
                             "ciclosporin (modified)": 180.0}  # 360 / 2
            assert _max_per_administration(r) == (per_dose_most.get(drug, most[0]), most[1]), key
            assert most == expected[key], key
            found.add(key)
            # what a dosing day gives is never above it
            per_dose = dosage["doseAndRate"][0]["doseQuantity"]["value"]
            assert per_dose * dosage["timing"]["repeat"]["frequency"] <= most[0], key
    assert found == set(expected)


def test_max_dose_per_period_is_never_rounded_up() -> None:
    # the ceiling 1 g/kg/day x 70.1238 kg (BMI 22.9: actual weight) = 70.1238 g/day; to three
    # decimals, rounded down: 70.123 (the nearest, 70.124, would pass the limit)
    p = Patient(weight="70.1238 kg", height="175 cm", sex="male", age=60)
    bundle = schedule(plexodose.ivig(p), start=START).to_fhir(subject=PATIENT)
    (request,) = resources(bundle, "MedicationRequest")
    assert _max_per_day(request) == (70.123, "g")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0.0, -1.0, True, "150 mg"])
def test_an_event_with_an_impossible_maximum_is_refused(bad: Any) -> None:
    # refused when the Event is made, so no export (FHIR, JSON, CSV) ever sees it
    first = schedule(cyclophosphamide_oral(P), start=START, months=1).filter(kind="dose")[0]
    for field in ("max_per_dose", "max_per_day"):
        with pytest.raises(InputRangeError, match=field):
            attrs.evolve(first, **{field: bad})


def test_max_dose_per_period_below_egfr_25(schedules: list[Schedule]) -> None:
    # CKD-EPI 2021, male 60 y, creatinine 3 mg/dL: 142 x (3/0.9)^-1.2 x 0.9938^60 = 23 (< 25)
    (request,) = resources(schedules[-1].to_fhir(subject=PATIENT), "MedicationRequest")
    assert _max_per_day(request) == (LOW_EGFR_MAX_MG_PER_DAY, "mg") == (2000, "mg")
    assert _max_per_administration(request) == (1000.0, "mg")  # 1,000 a dose, 2,000/2 a day


def test_transaction_bundle() -> None:
    s = schedule(azathioprine(P), start=START, months=1)
    bundle = s.to_fhir(subject=PATIENT, bundle_type="transaction")
    validate(bundle)
    assert bundle["type"] == "transaction"
    for entry in bundle["entry"]:
        resource, request = entry["resource"], entry["request"]
        assert "id" not in resource  # the server assigns it on create
        (identifier,) = resource["identifier"]
        assert identifier == {"system": URI, "value": entry["fullUrl"]}
        assert request == {
            "method": "POST",
            "url": resource["resourceType"],
            "ifNoneExist": f"identifier={URI}|{entry['fullUrl']}",  # conditional create
        }
        assert resource["subject"] == PATIENT
    # the same plan posted again: the same identifiers, so nothing is created twice
    again = s.to_fhir(subject=dict(PATIENT), bundle_type="transaction")
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]


def test_transaction_conditional_subject() -> None:
    s = schedule(azathioprine(P), start=START, months=1)
    known = {"identifier": {"system": "https://hospital.example/mrn", "value": "A 12&3"},
             "type": "Patient"}
    bundle = s.to_fhir(subject=known, bundle_type="transaction")
    validate(bundle)
    subject = bundle["entry"][0]["resource"]["subject"]
    # a conditional reference the server resolves inside the transaction (value URL-encoded)
    assert subject["reference"] == "Patient?identifier=https://hospital.example/mrn|A%2012%263"
    assert subject["identifier"] == known["identifier"]
    collection = s.to_fhir(subject=known)
    validate(collection)
    assert "reference" not in collection["entry"][0]["resource"]["subject"]  # a logical reference
    untyped = s.to_fhir(subject={"identifier": known["identifier"]}, bundle_type="transaction")
    assert "reference" not in untyped["entry"][0]["resource"]["subject"]  # no type: no guess


@pytest.mark.parametrize("kind", ["batch", "", None, "Transaction", 1])
def test_bundle_type_refused(kind: Any) -> None:
    s = schedule(azathioprine(P), start=START, months=1)
    with pytest.raises(InputRangeError) as err:
        s.to_fhir(bundle_type=kind)
    assert err.value.field == "bundle_type"


def test_version_on_bundle() -> None:
    bundle = schedule(azathioprine(P), start=START, months=1).to_fhir(subject=PATIENT)
    tags = {t["system"]: t["code"] for t in bundle["meta"]["tag"]}
    assert tags == {"urn:plexodose:version": plexodose.__version__,
                    "urn:plexodose:codes": codes.VERSION}
    assert bundle["identifier"] == {"system": URI, "value": f"urn:uuid:{bundle['id']}"}


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(SECOND_AGENTS), st.integers(1, 18),
       st.sampled_from(["collection", "transaction"]))
def test_any_plan_validates(second: str, months: int, kind: str) -> None:
    validate(plan(P, start=START, second_agent=second, months=months).to_fhir(
        subject=PATIENT, bundle_type=kind))  # type: ignore[arg-type]


@pytest.mark.parametrize("second", SECOND_AGENTS)
def test_fhir_bundle_validates(second: str) -> None:
    s = plan(P, start=START, second_agent=second, ivig_product="privigen")
    bundle = s.to_fhir()
    validate(bundle)
    json.dumps(bundle)
    services = [x for x in bundle["entry"] if x["resource"]["resourceType"] == "ServiceRequest"]
    assert len(services) == sum(1 for e in s if e.kind != "dose")


def test_fhir_medication_requests_per_phase(full_plan: Schedule) -> None:
    bundle = full_plan.to_fhir(subject={"reference": "Patient/123"})
    validate(bundle)
    requests = [
        x["resource"]
        for x in bundle["entry"]
        if x["resource"]["resourceType"] == "MedicationRequest"
    ]
    # IVIg loading; azathioprine 75, 100, 150 mg; ciclosporin start and maintenance
    assert [
        (
            r["medicationCodeableConcept"]["text"],
            r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"],
        )
        for r in requests
    ] == [
        ("IVIg", 30),
        ("azathioprine", 75),
        ("azathioprine", 100),
        ("azathioprine", 150),
        ("ciclosporin (modified)", 175),
        ("ciclosporin (modified)", 100),
    ]
    aza = requests[1]["dosageInstruction"][0]
    assert aza["timing"]["repeat"] == {
        "boundsPeriod": {"start": "2026-12-19", "end": "2027-02-12"},  # 56 days from 19 Dec
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
    }
    assert aza["doseAndRate"][0]["doseQuantity"] == {
        "value": 75.0,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert aza["route"] == {
        "coding": [{"system": "http://snomed.info/sct", "code": "26643006",
                    "display": "Oral route"}],
        "text": "oral",
    }
    cic = requests[4]["dosageInstruction"][0]
    assert cic["timing"]["repeat"]["frequency"] == 2  # 175 mg twice daily
    ivig_rate = requests[0]["dosageInstruction"][0]["doseAndRate"][0]
    assert ivig_rate["doseQuantity"]["code"] == "g"
    assert ivig_rate["rateRange"]["high"]["code"] == "mL/h"
    assert all(r["subject"] == {"reference": "Patient/123"} for r in requests)


def test_fhir_pulses_and_windows(pulses: Schedule) -> None:
    bundle = pulses.to_fhir()
    validate(bundle)
    (request,) = [
        x["resource"]
        for x in bundle["entry"]
        if x["resource"]["resourceType"] == "MedicationRequest"
    ]
    repeat = request["dosageInstruction"][0]["timing"]["repeat"]
    assert (repeat["period"], repeat["periodUnit"]) == (4, "wk")  # every 28 days
    assert any("20 g threshold" in n["text"] for n in request["note"])
    nadir = next(
        x["resource"]
        for x in bundle["entry"]
        if "nadir" in x["resource"].get("code", {}).get("text", "")
    )
    assert nadir["occurrencePeriod"] == {"start": "2026-12-11", "end": "2026-12-15"}


def test_fhir_irregular_dates_listed() -> None:
    poor = Patient(weight="72 kg", tpmt="poor", nudt15="normal")
    s = schedule(azathioprine(poor, override="no alternative tolerated"), start=START, months=1)
    bundle = s.to_fhir()
    validate(bundle)
    timing = bundle["entry"][0]["resource"]["dosageInstruction"][0]["timing"]
    assert timing["event"][:3] == ["2026-12-01", "2026-12-03", "2026-12-05"]  # three a week
    assert len(timing["event"]) == 14
    repeat = timing["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (3, 1, "wk")
    text = bundle["entry"][0]["resource"]["dosageInstruction"][0]["text"]
    assert text.startswith("14.4 mg three times a week")  # 144 mg / 10, never "daily"


def test_fhir_subject_checked(full_plan: Schedule) -> None:
    with pytest.raises(InputRangeError):
        full_plan.to_fhir(subject="Patient/123")  # type: ignore[arg-type]


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(SECOND_AGENTS), st.integers(1, 18))
def test_fhir_validates_for_any_plan(second: str, months: int) -> None:
    validate(plan(P, start=START, second_agent=second, months=months).to_fhir())


def test_ivig_schedule_exports_validate() -> None:
    s = schedule(
        ivig(P), start=START, maintenance=ivig(P, g_per_kg_day=1, days=1), maintenance_count=3
    )
    bundle = s.to_fhir()
    validate(bundle)
    maintenance = [
        x["resource"]
        for x in bundle["entry"]
        if x["resource"]["resourceType"] == "MedicationRequest"
    ][1]
    repeat = maintenance["dosageInstruction"][0]["timing"]["repeat"]
    assert (repeat["period"], repeat["periodUnit"]) == (3, "wk")  # every 21 days
    assert repeat["boundsPeriod"] == {"start": "2026-12-22", "end": "2027-02-02"}  # day 21..63
