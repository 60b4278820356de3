"""FHIR both ways for order screening: MedicationRequest -> Order -> Screening -> DetectedIssue
Bundle, cumulative cyclophosphamide from MedicationAdministration/MedicationStatement.

Every DetectedIssue Bundle and every MedicationRequest written is validated by fhir.resources
and by HL7's FHIR R4 JSON Schema; every refusal names the FHIR path."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fhir_schema import schema_errors, validate
from hypothesis import given
from hypothesis import strategies as st

from plexodose import (
    InputRangeError,
    Order,
    Patient,
    PlexodoseError,
    UnitError,
    plan,
    screen,
)
from plexodose._core.vocab import SECOND_AGENTS
from plexodose._interop.fhir_orders import (
    ACT_CODE,
    UnreadOrder,
    detected_issues,
    exposure_from_fhir,
    order_from_fhir,
    order_to_fhir,
    screen_fhir,
)

P = Patient.example()  # 72 kg, 175 cm, male, 60, creatinine 1 mg/dL, TPMT/NUDT15 normal
ON = dt.date(2027, 1, 16)
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ORAL = {"coding": [{"system": SNOMED, "code": "26643006", "display": "Oral route"}]}
IV = {"coding": [{"system": SNOMED, "code": "47625008", "display": "Intravenous route"}]}
DOSE0 = "MedicationRequest.dosageInstruction[0]"
QTY = f"{DOSE0}.doseAndRate[0].doseQuantity"
REPEAT = f"{DOSE0}.timing.repeat"


def quantity(value: Any, code: str, unit: str | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit or code, "system": UCUM, "code": code}


def request(medication: dict[str, Any] | None = None, dose: dict[str, Any] | None = None,
            repeat: dict[str, Any] | None = None, route: dict[str, Any] | None = ORAL,
            rid: str = "mr1", subject: str = "Patient/p1") -> dict[str, Any]:
    """A MedicationRequest; by default azathioprine (RxNorm 1256) 100 mg twice daily, oral."""
    dosage: dict[str, Any] = {
        "timing": {"repeat": repeat if repeat is not None else
                   {"frequency": 2, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": dose or quantity(100, "mg")}],
    }
    if route is not None:
        dosage["route"] = copy.deepcopy(route)
    return {
        "resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
        "subject": {"reference": subject},
        "medicationCodeableConcept": medication or {
            "coding": [{"system": RXNORM, "code": "1256", "display": "azathioprine"}]},
        "dosageInstruction": [dosage],
    }


def bundle_of(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}


def issues(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    validate(bundle)  # JSON Schema first, then the fhir.resources models
    return [e["resource"] for e in bundle.get("entry", [])]


# -- the brief's example and hand-computed orders ----------------------------------------------


def test_azathioprine_twice_daily_is_above_the_hard_limit_coded_doseh() -> None:
    # 100 mg x 2 = 200 mg/day, above the seed's 150 mg/day for any weight
    s = screen_fhir(request(), on=ON, patient=P)
    assert s.verdict == "above_hard"
    assert s.order.amount == 100.0 and s.order.times_per_day == 2 and s.order.route == "oral"
    (hard,) = [f for f in s.findings if f.category == "above_hard"]
    assert hard.dimension == "per_day" and hard.code == "DOSEH"
    assert "200 mg a dosing day" in hard.text
    (issue,) = issues(s.to_fhir("MedicationRequest/mr1", patient={"reference": "Patient/p1"}))
    assert issue["status"] == "final" and issue["severity"] == "high"
    assert issue["code"]["coding"] == [{"system": ACT_CODE, "code": "DOSEH",
                                        "display": "High Dose Alert"}]
    assert issue["implicated"] == [{"reference": "MedicationRequest/mr1"}]
    assert issue["patient"] == {"reference": "Patient/p1"}
    assert issue["identifiedDateTime"] == "2027-01-16"
    assert issue["detail"].startswith("azathioprine 100 mg twice daily: 200 mg")
    assert "maximum 150 mg/day" in issue["evidence"][0]["detail"][0]["display"]


def test_a_daily_amount_and_its_doses_are_one_order() -> None:
    # mycophenolate 1 g/d in 2 doses = 500 mg x 2 = 1,000 mg/day: within 500-1,500 a dose
    day = request({"text": "Mycophenolate mofetil"}, quantity(1, "g/d"))
    dose = request({"text": "Mycophenolate mofetil"}, quantity(500, "mg"))
    a, b = (order_from_fhir(r).order for r in (day, dose))
    assert (a.per, a.amount, a.per_day_mg) == ("day", 1000.0, 1000.0)
    assert (b.per, b.amount, b.per_day_mg) == ("dose", 500.0, 1000.0)
    assert screen(a, P, on=ON).verdict == screen(b, P, on=ON).verdict == "within"


def test_iv_cyclophosphamide_in_g_per_m2_every_two_weeks() -> None:
    # RxNorm 3002 with the IV route; 0.75 g/m2 x sqrt(175 x 72 / 3600) = 0.75 x 1.870829 =
    # 1,403 mg, inside 0.3-1 g/m2; 1 per 2 wk = every 14 days, inside 2-4 weeks
    mr = request({"coding": [{"system": RXNORM, "code": "3002"}]}, quantity(0.75, "g/m2"),
                 {"frequency": 1, "period": 2, "periodUnit": "wk"}, IV)
    order = order_from_fhir(mr).order
    assert (order.drug, order.amount, order.basis, order.interval_days) == (
        "cyclophosphamide_iv", 750.0, "mg/m2", 14.0)
    s = screen_fhir(mr, on=ON, patient=P)
    assert s.verdict == "within"
    dose = next(f for f in s.findings if f.dimension == "per_dose")
    assert "1,403 mg (0.75 g/m2)" in dose.text
    assert issues(s.to_fhir()) == []  # nothing matters: no DetectedIssue, a valid empty Bundle
    assert any("cumulative dose not known" in n for n in s.not_checked)  # not checked: no issue


def test_iv_cyclophosphamide_every_day_is_pulses_one_day_apart() -> None:
    # "1 per 1 d" for a pulse: 1 day between pulses, under the seed's 2 weeks (hard)
    mr = request({"text": "cyclophosphamide"}, quantity(750, "mg/m2"),
                 {"frequency": 1, "period": 1, "periodUnit": "d"}, IV)
    s = screen_fhir(mr, on=ON, patient=P)
    assert s.order.interval_days == 1.0 and s.verdict == "above_hard"
    (issue,) = issues(s.to_fhir("MedicationRequest/mr1"))
    assert issue["code"]["coding"][0]["code"] == "DOSEIVL"


def test_the_high_end_of_a_dose_range_is_screened_and_said() -> None:
    # azathioprine 50-100 mg twice daily: the high end 100 x 2 = 200 mg/day (hard)
    mr = request(dose=None)
    mr["dosageInstruction"][0]["doseAndRate"] = [{"doseRange": {
        "low": quantity(50, "mg"), "high": quantity(100, "mg")}}]
    s = screen_fhir(mr, on=ON, patient=P)
    assert s.order.amount == 100.0 and s.verdict == "above_hard"
    assert s.not_checked[-1] == ("dose range 50-100 mg: the high end (100 mg) is screened; the "
                                 "low end is not")


def test_ivig_by_text_per_kg_for_five_days() -> None:
    # 0.4 g/kg x 72 kg = 28.8 g/day for 5 days = 144 g = 2 g/kg: the seed course
    mr = request({"text": "IVIg (Privigen 10 %)"}, quantity(0.4, "g/kg"),
                 {"frequency": 1, "period": 1, "periodUnit": "d",
                  "boundsDuration": {"value": 5, "unit": "d", "system": UCUM, "code": "d"}}, IV)
    order = order_from_fhir(mr).order
    assert (order.drug, order.amount, order.basis, order.days, order.product) == (
        "ivig", 400.0, "mg/kg", 5, "Privigen 10 %")
    assert screen(order, P, on=ON).verdict == "within"


def test_hours_weeks_and_bounds() -> None:
    # 1 per 12 h = 2 a day; boundsPeriod 2027-01-16 to 2027-02-14: 29 + 1 = 30 days (both ends)
    mr = request(repeat={"frequency": 1, "period": 12, "periodUnit": "h",
                         "boundsPeriod": {"start": "2027-01-16", "end": "2027-02-14"}})
    order = order_from_fhir(mr).order
    assert (order.times_per_day, order.days) == (2, 30)
    # count 60 at 2 a day = 30 days; mon/wed/fri once a day = 3 days a week
    mr = request(repeat={"frequency": 2, "period": 1, "periodUnit": "d", "count": 60})
    assert order_from_fhir(mr).order.days == 30
    mr = request(repeat={"frequency": 1, "period": 1, "periodUnit": "d",
                         "dayOfWeek": ["mon", "wed", "fri"]})
    assert order_from_fhir(mr).order.days_per_week == 3
    # IVIg 1 per 3 wk: a course every 21 days
    mr = request({"text": "immune globulin intravenous (human)"}, quantity(1, "g/kg"),
                 {"frequency": 1, "period": 3, "periodUnit": "wk"}, IV)
    assert order_from_fhir(mr).order.interval_days == 21.0


def test_a_referenced_medication_is_read_from_contained_or_the_bundle() -> None:
    code = {"coding": [{"system": RXNORM, "code": "68149", "display": "mycophenolate mofetil"}]}
    mr = request(dose=quantity(500, "mg"))
    del mr["medicationCodeableConcept"]
    mr["medicationReference"] = {"reference": "#med"}
    mr["contained"] = [{"resourceType": "Medication", "id": "med", "code": code}]
    assert order_from_fhir(mr).order.drug == "mycophenolate"
    mr = {k: v for k, v in mr.items() if k != "contained"}
    mr["medicationReference"] = {"reference": "Medication/m1"}
    medication = {"resourceType": "Medication", "id": "m1", "code": code}
    assert order_from_fhir(bundle_of(mr, medication)).order.drug == "mycophenolate"


def test_a_brand_alone_is_ivig_without_assuming_the_product() -> None:
    # "Privigen" without its concentration: IVIg, but not the catalogue's "Privigen 10 %"
    mr = request({"text": "Privigen"}, quantity(1, "g/kg"), route=IV)
    assert order_from_fhir(mr).order.drug == "ivig"
    mr = request({"text": "privigen 10% 20 g vial"}, quantity(1, "g/kg"), route=IV)
    assert order_from_fhir(mr).order.product == "Privigen 10 %"


def test_fhir_resources_objects_are_read() -> None:
    from fhir.resources.R4B.medicationrequest import MedicationRequest

    model = MedicationRequest.model_validate(request())
    assert order_from_fhir(model).order.text == "azathioprine 100 mg twice daily"
    assert Order.from_fhir(request()).text == "azathioprine 100 mg twice daily"


# -- the patient, through the readers of "Whose value, from when" ------------------------------

PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1961-04-30"}


def obs(oid: str, code: str, value: float, unit: str, subject: str = "Patient/p1",
        when: str = "2027-01-10") -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "subject": {"reference": subject}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "system": UCUM, "code": unit}}


def test_the_patient_comes_from_the_bundle() -> None:
    # 80 kg: 1-2 mg/kg/day = 80-160, capped at 150; 75 mg twice daily = 150 mg/day: within
    mr = request(dose=quantity(75, "mg"))
    given_ = bundle_of(mr, PATIENT, obs("w", "29463-7", 80, "kg"), obs("h", "8302-2", 165, "cm"),
                       obs("c", "2160-0", 0.8, "mg/dL"))
    read = order_from_fhir(given_, on=ON)
    assert read.patient is not None and read.patient.weight_kg == 80.0
    assert read.patient.age == 65  # 1961-04-30 to 2027-01-16
    s = screen_fhir(given_, on=ON)
    assert s.verdict == "within"
    assert any("Observation/w" in str(v) for v in s.values_used)


def test_observations_alone_are_the_requests_subjects() -> None:
    # no Patient resource: the Observations must be the request's subject's (Patient/p1)
    read = order_from_fhir(request(), observations=[obs("w", "29463-7", 80, "kg")], on=ON)
    assert read.patient is not None and read.patient.weight_kg == 80.0
    with pytest.raises(InputRangeError) as caught:
        order_from_fhir(request(), observations=[obs("w", "29463-7", 80, "kg", "Patient/p2")],
                        on=ON)
    assert caught.value.field == "Observation/w subject"


def test_another_patients_order_or_value_is_not_screened() -> None:
    mr = request(subject="Patient/p2")
    s = screen_fhir(bundle_of(mr, PATIENT, obs("w", "29463-7", 80, "kg")), on=ON)
    assert s.verdict == "not_screened" and isinstance(s.order, UnreadOrder)
    assert "MedicationRequest.subject" in s.findings[0].text
    s = screen_fhir(bundle_of(request(), PATIENT, obs("w", "29463-7", 80, "kg", "Patient/p9")),
                    on=ON)
    assert s.verdict == "not_screened"
    assert s.findings[0].dimension == "per_day"  # the patient's values, as screen() says
    assert "Observation/w subject" in s.findings[0].text
    (issue,) = issues(s.to_fhir("MedicationRequest/mr1"))
    assert issue["severity"] == "moderate" and "coding" not in issue["code"]


def test_no_patient_is_not_screened() -> None:
    s = screen_fhir(request(), on=ON)
    assert s.verdict == "not_screened" and "patient" in s.findings[0].text


# -- every refusal names the FHIR path ---------------------------------------------------------


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(mr: dict[str, Any]) -> None:
        node: Any = mr
        for key in path[:-1]:
            node = node[key]
        if value is _DROP:
            del node[path[-1]]
        elif isinstance(node, list) and path[-1] == len(node):
            node.append(value)
        else:
            node[path[-1]] = value
    return change


_DROP = object()
_D = ["dosageInstruction", 0]
_Q = [*_D, "doseAndRate", 0, "doseQuantity"]
_R = [*_D, "timing", "repeat"]
REFUSALS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("tablets", _set([*_Q, "code"], "{tbl}"), f"{QTY}.code"),
    ("no UCUM code", _set([*_Q, "code"], _DROP), f"{QTY}.code"),
    ("upper-case MG", _set([*_Q, "code"], "MG"), f"{QTY}.code"),
    ("not UCUM", _set([*_Q, "system"], "http://example.org/units"), f"{QTY}.system"),
    ("unit text disagrees", _set([*_Q, "unit"], "g"), f"{QTY}.unit"),
    ("a bound", _set([*_Q, "comparator"], "<"), f"{QTY}.comparator"),
    ("a string", _set([*_Q, "value"], "100"), f"{QTY}.value"),
    ("a boolean", _set([*_Q, "value"], True), f"{QTY}.value"),
    ("zero", _set([*_Q, "value"], 0), f"{QTY}.value"),
    ("implausible", _set([*_Q, "value"], 300000), f"{QTY}.value"),
    ("no dose", _set([*_D, "doseAndRate"], _DROP), f"{DOSE0}.doseAndRate"),
    ("two doses", _set([*_D, "doseAndRate", 1], {"doseQuantity": quantity(5, "mg")}),
     f"{DOSE0}.doseAndRate[1]"),
    ("range without high", _set([*_D, "doseAndRate", 0], {"doseRange": {
        "low": quantity(50, "mg")}}), f"{DOSE0}.doseAndRate[0].doseRange.high"),
    ("a timing code alone", _set([*_D, "timing"], {"code": {"text": "BID"}}),
     f"{DOSE0}.timing.code"),
    ("6 a week", _set(_R, {"frequency": 6, "period": 1, "periodUnit": "wk"}),
     f"{REPEAT}.dayOfWeek"),
    ("every 36 h", _set(_R, {"frequency": 1, "period": 36, "periodUnit": "h"}),
     f"{REPEAT}.period"),
    ("3 per 2 d", _set(_R, {"frequency": 3, "period": 2, "periodUnit": "d"}),
     f"{REPEAT}.frequency"),
    ("seconds", _set(_R, {"frequency": 1, "period": 1, "periodUnit": "s"}),
     f"{REPEAT}.periodUnit"),
    ("frequency per nothing", _set(_R, {"frequency": 2}), f"{REPEAT}.period"),
    ("not a repeat element", _set(_R, {"frequency": 2, "period": 1, "periodUnit": "d",
                                       "every": 3}), f"{REPEAT}.every"),
    ("bad weekday", _set(_R, {"dayOfWeek": ["monday"]}), f"{REPEAT}.dayOfWeek"),
    ("end before start", _set(_R, {"frequency": 1, "period": 1, "periodUnit": "d",
                                   "boundsPeriod": {"start": "2027-02-01",
                                                    "end": "2027-01-01"}}),
     f"{REPEAT}.boundsPeriod.end"),
    ("count and bounds disagree", _set(_R, {
        "frequency": 2, "period": 1, "periodUnit": "d", "count": 20,
        "boundsDuration": {"value": 5, "system": UCUM, "code": "d"}}), f"{REPEAT}.count"),
    ("half a day", _set(_R, {"frequency": 1, "period": 1, "periodUnit": "d",
                             "boundsDuration": {"value": 2.5, "system": UCUM, "code": "d"}}),
     f"{REPEAT}.boundsDuration.value"),
    ("a range of courses", _set(_R, {"frequency": 1, "period": 1, "periodUnit": "d",
                                     "boundsRange": {"high": {"value": 5}}}),
     f"{REPEAT}.boundsRange"),
    ("ten years and more", _set(_R, {"frequency": 1, "period": 1, "periodUnit": "d",
                                     "boundsDuration": {"value": 11, "system": UCUM,
                                                        "code": "a"}}),
     f"{REPEAT}.boundsDuration"),
    ("as needed", _set([*_D, "asNeededBoolean"], True), f"{DOSE0}.asNeeded[x]"),
    ("subcutaneous", _set([*_D, "route"], {"coding": [{"system": SNOMED, "code": "34206005",
                                                        "display": "Subcutaneous route"}]}),
     f"{DOSE0}.route"),
    ("code and words disagree on the route", _set([*_D, "route"], {**ORAL, "text": "IV"}),
     f"{DOSE0}.route"),
    ("oral IVIg", _set(["medicationCodeableConcept"], {"text": "IVIg"}), f"{DOSE0}.route"),
    ("aspirin", _set(["medicationCodeableConcept"], {"text": "aspirin 75 mg"}),
     "MedicationRequest.medicationCodeableConcept"),
    ("mycophenolic acid", _set(["medicationCodeableConcept"], {"text": "mycophenolic acid"}),
     "MedicationRequest.medicationCodeableConcept"),
    ("code and words disagree on the drug", _set(["medicationCodeableConcept", "text"],
                                                 "ciclosporin"),
     "MedicationRequest.medicationCodeableConcept"),
    ("two drugs", _set(["medicationCodeableConcept"], {"text": "azathioprine and ciclosporin"}),
     "MedicationRequest.medicationCodeableConcept"),
    ("no medication", _set(["medicationCodeableConcept"], _DROP),
     "MedicationRequest.medication[x]"),
    ("a Medication not given", lambda mr: mr.update(
        medicationCodeableConcept=None, medicationReference={"reference": "Medication/m9"}),
     "MedicationRequest.medicationReference.reference"),
    ("two dosages", _set([*_D[:1], 1], {"text": "then 50 mg"}),
     "MedicationRequest.dosageInstruction[1]"),
    ("free text only", _set(_D, {"text": "100 mg twice a day"}), f"{DOSE0}.doseAndRate"),
    ("do not perform", _set(["doNotPerform"], True), "MedicationRequest.doNotPerform"),
    ("a modifier extension", _set(["modifierExtension"], [{"url": "http://x.org/e"}]),
     "MedicationRequest.modifierExtension"),
    ("a modifier extension on the dosage", _set([*_D, "modifierExtension"], [{"url": "x"}]),
     f"{DOSE0}.modifierExtension"),
    ("an STU3 dose", _set([*_D, "doseQuantity"], quantity(100, "mg")), f"{DOSE0}.doseQuantity"),
    ("not a Timing element", _set([*_D, "timing", "repeats"], {}), f"{DOSE0}.timing.repeats"),
    ("periodMax under period", _set(_R, {"frequency": 1, "period": 2, "periodMax": 1,
                                         "periodUnit": "d"}), f"{REPEAT}.periodMax"),
    ("entered in error", _set(["status"], "entered-in-error"), "MedicationRequest.status"),
]


@pytest.mark.parametrize(("change", "path"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_every_refusal_names_the_fhir_path(change: Callable[[dict[str, Any]], None],
                                           path: str) -> None:
    mr = request()
    change(mr)
    with pytest.raises(PlexodoseError) as caught:
        order_from_fhir(mr)
    assert caught.value.field == path, str(caught.value)
    assert "MedicationRequest/mr1" in str(caught.value)
    s = screen_fhir(mr, on=ON, patient=P)  # never within: not screened, with the path
    assert s.verdict == "not_screened" and not s.accepted
    assert path in s.findings[0].text
    (issue,) = issues(s.to_fhir("MedicationRequest/mr1"))
    assert issue["severity"] == "moderate" and "coding" not in issue["code"]
    assert path in issue["detail"]


def test_cyclophosphamide_needs_its_route() -> None:
    mr = request({"coding": [{"system": RXNORM, "code": "3002"}]}, route=None)
    with pytest.raises(InputRangeError) as caught:
        order_from_fhir(mr)
    assert caught.value.field == f"{DOSE0}.route"


def test_a_tablet_count_is_a_unit_error() -> None:
    with pytest.raises(UnitError, match="count of tablets"):
        order_from_fhir(request(dose=quantity(2, "{tbl}", "tablet")))


def test_input_that_is_not_fhir() -> None:
    for bad in (None, 3, "MedicationRequest", [], bundle_of(PATIENT)):
        with pytest.raises(PlexodoseError):
            order_from_fhir(bad)
        assert screen_fhir(bad, on=ON, patient=P).verdict == "not_screened"
    with pytest.raises(InputRangeError):
        screen_fhir(request(), on="yesterday", patient=P)  # the caller's own argument


# -- cumulative cyclophosphamide from the record ------------------------------------------------


def administration(aid: str, when: str, value: float, code: str = "mg",
                   drug: str = "3002", status: str = "completed",
                   subject: str = "Patient/p1") -> dict[str, Any]:
    return {"resourceType": "MedicationAdministration", "id": aid, "status": status,
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": drug}]},
            "subject": {"reference": subject}, "effectiveDateTime": when,
            "dosage": {"route": IV, "dose": quantity(value, code)}}


def statement(sid: str, start: str, end: str | None, value: float,
              repeat: dict[str, Any] | None = None) -> dict[str, Any]:
    period = {"start": start} | ({"end": end} if end else {})
    return {"resourceType": "MedicationStatement", "id": sid, "status": "completed",
            "medicationCodeableConcept": {"text": "cyclophosphamide 50 mg tablet"},
            "subject": {"reference": "Patient/p1"}, "effectivePeriod": period,
            "dosage": [{"route": ORAL, "timing": {"repeat": repeat or {
                "frequency": 2, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": quantity(value, "mg")}]}]}


def record() -> list[dict[str, Any]]:
    return [
        administration("a1", "2026-01-05", 1.4, "g"),
        administration("a2", "2026-02-02T10:00:00Z", 1400),
        administration("a3", "2026-02-16", 1400, status="not-done"),  # skipped
        administration("a4", "2026-02-16", 50, drug="1256"),  # azathioprine: skipped
        statement("s1", "2026-02-10", "2026-02-19", 50),
        PATIENT,
    ]


def test_exposure_from_the_record() -> None:
    # 1.4 g + 1,400 mg IV + 50 mg x 2 a day x 10 days (10 to 19 Feb, both counted) = 1 g oral:
    # 1.4 + 1.4 + 1.0 = 3.8 g; the not-done pulse and the azathioprine are skipped
    e = exposure_from_fhir(record(), on="2026-03-01")
    assert e.known and e.total_g == pytest.approx(3.8) and e.skipped == 2
    assert [a.drug for a in e.administrations] == [
        "cyclophosphamide_iv", "cyclophosphamide_iv", "cyclophosphamide_oral"]
    assert e.text == "3 administrations in the FHIR record"
    # a statement of counted doses: 3 x 500 mg IV = 1.5 g
    counted = statement("s2", "2025-01-01", "2025-03-01", 500, {"count": 3})
    assert exposure_from_fhir([counted], on="2026-03-01").total_g == 1.5


@pytest.mark.parametrize(("resource", "path"), [
    (administration("f", "2026-03-02", 100), "MedicationAdministration.effectiveDateTime"),
    (administration("o", "2026-01-02", 100, subject="Patient/p2"),
     "MedicationAdministration.subject"),
    (administration("k", "2026-01-02", 10, code="mg/kg"),
     "MedicationAdministration.dosage.dose.code"),
    ({**administration("n", "2026-01-02", 100), "dosage": {}},
     "MedicationAdministration.dosage.dose"),
    ({**administration("u", "2026-01-02", 100),
      "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "999999"}]}},
     "MedicationAdministration.medicationCodeableConcept"),
    (statement("s", "2026-01-01", None, 50), "MedicationStatement.effectivePeriod.end"),
    (statement("s", "2026-01-01", "2026-03-05", 50), "MedicationStatement.effectivePeriod.end"),
])
def test_a_record_that_cannot_be_counted_is_refused(resource: dict[str, Any], path: str) -> None:
    with pytest.raises(PlexodoseError) as caught:
        exposure_from_fhir([resource, PATIENT], on="2026-03-01")
    assert caught.value.field == path
    assert resource["id"] in str(caught.value)


def test_without_a_patient_the_record_names_one_subject() -> None:
    mixed = [administration("a", "2026-01-05", 100),
             administration("b", "2026-01-06", 100, subject="Patient/p2")]
    with pytest.raises(InputRangeError, match="more than one subject"):
        exposure_from_fhir(mixed, on="2026-03-01")
    assert exposure_from_fhir(mixed[:1], on="2026-03-01").total_g == 0.1


def test_screen_reads_the_record_in_the_bundle() -> None:
    # 13 pulses of 1.5 g = 19.5 g before; oral 100 mg daily x 10 days = 1 g: 20.5 g reaches 20 g
    past = statement("s", "2025-06-01", "2026-06-01", 1500, {"count": 13})
    past["dosage"][0]["doseAndRate"][0]["doseQuantity"] = quantity(1.5, "g")
    mr = request({"text": "cyclophosphamide"}, quantity(100, "mg"),
                 {"frequency": 1, "period": 1, "periodUnit": "d",
                  "boundsDuration": {"value": 10, "system": UCUM, "code": "d"}})
    s = screen_fhir(bundle_of(mr, past), on=ON, patient=P)
    assert s.verdict == "within"
    (cumulative,) = [f for f in s.findings if f.dimension == "cumulative"]
    assert cumulative.warning and "19.5 g before, 20.5 g" in cumulative.text
    assert "1 administration in the FHIR record" in cumulative.text
    (issue,) = issues(s.to_fhir("MedicationRequest/mr1"))
    assert issue["severity"] == "low"
    assert issue["code"]["coding"][0] == {"system": ACT_CODE, "code": "MDOSE",
                                          "display": "maximum dosage reached"}


def test_a_record_that_cannot_be_read_leaves_the_rest_screened() -> None:
    # 300 mg/day is above 200 mg/day (hard) whatever the record says
    mr = request({"text": "cyclophosphamide"}, quantity(300, "mg"),
                 {"frequency": 1, "period": 1, "periodUnit": "d"})
    other = administration("x", "2026-01-05", 1000, subject="Patient/p2")
    s = screen_fhir(bundle_of(mr, other), on=ON, patient=P)
    assert s.verdict == "above_hard"
    (cumulative,) = [f for f in s.findings if f.dimension == "cumulative"]
    assert cumulative.category == "not_screened"
    assert "MedicationAdministration.subject" in cumulative.text
    assert [i["severity"] for i in issues(s.to_fhir())] == ["high", "moderate"]


# -- DetectedIssue -----------------------------------------------------------------------------


def test_a_stated_reason_is_the_mitigation_of_a_soft_finding() -> None:
    # mycophenolate 500 mg three times daily: the frequency is not the protocol's (soft)
    mr = request({"text": "mycophenolate mofetil"}, quantity(500, "mg"),
                 {"frequency": 3, "period": 1, "periodUnit": "d"})
    s = screen_fhir(mr, on=ON, patient=P, reason="renal team advice")
    assert s.verdict == "above_soft" and s.accepted
    (issue,) = issues(s.to_fhir({"reference": "MedicationRequest/mr1", "display": "MMF"}))
    assert issue["severity"] == "moderate"
    assert issue["code"]["coding"][0]["code"] == "DOSEIVL"
    assert issue["mitigation"] == [{"action": {
        "text": "accepted on the prescriber's stated reason: renal team advice"}}]
    assert issue["implicated"] == [{"reference": "MedicationRequest/mr1", "display": "MMF"}]


def test_ids_are_stable_for_a_patient_and_random_without() -> None:
    s = screen_fhir(request(), on=ON, patient=P)
    who = {"reference": "Patient/p1"}
    assert s.to_fhir(patient=who) == s.to_fhir(patient=who)
    assert s.to_fhir()["id"] != s.to_fhir()["id"]


def test_bad_references_are_refused() -> None:
    s = screen_fhir(request(), on=ON, patient=P)
    for bad in ("mr1", {"ref": "MedicationRequest/mr1"}, 5, "Medication Request/1"):
        with pytest.raises(InputRangeError) as caught:
            s.to_fhir(bad)
        assert caught.value.field == "order_reference"
    with pytest.raises(InputRangeError):
        s.to_fhir(patient={"reference": "Group/g1"})
    with pytest.raises(InputRangeError):
        detected_issues("not a screening")


def test_the_schema_checks_the_detected_issue() -> None:
    bundle = screen_fhir(request(), on=ON, patient=P).to_fhir()
    bundle["entry"][0]["resource"]["severity"] = "critical"  # not high | moderate | low
    assert len(schema_errors(bundle)) == 1


# -- writing orders, and reading them back ------------------------------------------------------


def _orders() -> st.SearchStrategy[Order]:
    def daily(drug: str) -> st.SearchStrategy[Order]:
        amounts = st.sampled_from(["mg", "mg/kg", "mg/kg/day", "mg/day"]).flatmap(
            lambda unit: st.tuples(st.just(unit), st.floats(
                0.5 if "kg" in unit else 10, 8 if "kg" in unit else 4000)))
        return st.builds(
            lambda a, times, week, days: Order(
                drug=drug, dose=f"{a[1]!r} {a[0]}", times_per_day=times, days_per_week=week,
                days=days),
            amounts, st.none() | st.integers(1, 4), st.sampled_from([7, 7, 3, 1]),
            st.none() | st.integers(1, 400))

    ivig = st.builds(
        lambda amount, times, days, every, product: Order(
            drug="ivig", dose=f"{amount!r} g/kg", times_per_day=None if every else times,
            days=None if every else days, every=every, product=product),
        st.floats(0.1, 2.5), st.none() | st.integers(1, 2), st.none() | st.integers(1, 8),
        st.none() | st.integers(7, 60).map(lambda d: f"{d} days"),
        st.none() | st.just("Privigen 10 %"))
    pulses = st.builds(
        lambda amount, unit, every: Order(drug="cyclophosphamide_iv",
                                          dose=f"{amount!r} {unit}", every=every),
        st.floats(100, 1800), st.sampled_from(["mg/m2", "mg"]),
        st.none() | st.floats(1, 60).map(lambda d: f"{d!r} days"))
    others = st.sampled_from(["azathioprine", "mycophenolate", "ciclosporin",
                              "cyclophosphamide_oral"]).flatmap(daily)
    return st.one_of(ivig, pulses, others)


@given(_orders())
def test_order_to_fhir_and_back_screens_the_same(order: Order) -> None:
    mr = order_to_fhir(order, subject={"reference": "Patient/p1"})
    assert schema_errors(mr) == []
    back = order_from_fhir(mr).order
    for name in ("drug", "amount", "basis", "per", "days_per_week", "interval_days", "days",
                 "route", "product"):
        assert getattr(back, name) == getattr(order, name), name
    pulse_default = order.drug in ("ivig", "cyclophosphamide_iv") and order.times_per_day is None
    assert back.times_per_day == order.times_per_day or (pulse_default and (
        back.times_per_day in (1, None)))
    assert screen(back, P, on=ON).verdict == screen(order, P, on=ON).verdict


def test_written_requests_validate() -> None:
    written = [order_to_fhir(Order(drug="azathioprine", dose="50 mg", times_per_day=2,
                                   days_per_week=3, days=90), subject={"reference": "Patient/1"}),
               order_to_fhir(Order(drug="ivig", dose="1 g/kg", every="3 weeks",
                                   product="Privigen 10 %")),
               order_to_fhir(Order(drug="cyclophosphamide_iv", dose="0.75 g/m2", every="2 weeks"))]
    validate(bundle_of(*written))
    assert written[0]["dosageInstruction"][0]["timing"]["repeat"]["dayOfWeek"] == [
        "mon", "tue", "wed"]
    with pytest.raises(InputRangeError):  # a course every 3 weeks of 2 days: two Timings
        order_to_fhir(Order(drug="ivig", dose="1 g/kg", every="3 weeks", days=2))


def test_every_request_the_library_exports_reads_back_within() -> None:
    # each phase of each plan, screened on its first day: the calculators' own doses
    for agent in SECOND_AGENTS:
        exported = plan(P, start=dt.date(2026, 12, 1), second_agent=agent).to_fhir(
            subject={"reference": "Patient/p1"})
        for entry in exported["entry"]:
            mr = entry["resource"]
            if mr["resourceType"] != "MedicationRequest":
                continue
            start = mr["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["start"]
            s = screen_fhir(mr, on=start, patient=P)
            assert s.verdict in ("within", "below"), (agent, s)


def test_a_plain_history_and_a_prior_total_add_to_the_record() -> None:
    # 10 g given + 1 g in a plain list + 1.4 g in the FHIR record = 12.4 g before;
    # oral 100 mg daily x 10 days = 1 g: 13.4 g, below 20 g
    mr = request({"text": "cyclophosphamide"}, quantity(100, "mg"),
                 {"frequency": 1, "period": 1, "periodUnit": "d",
                  "boundsDuration": {"value": 10, "system": UCUM, "code": "d"}})
    s = screen_fhir(bundle_of(mr, administration("a1", "2026-01-05", 1.4, "g")), on=ON,
                    patient=P, prior_cyclophosphamide="10 g",
                    history=[("2026-02-01", "cyclophosphamide oral", "1 g")])
    (cumulative,) = [f for f in s.findings if f.dimension == "cumulative"]
    assert "12.4 g before, 13.4 g" in cumulative.text and not cumulative.warning
    with pytest.raises(InputRangeError):  # a plain history's mistake is the caller's
        screen_fhir(mr, on=ON, patient=P, history=[("2027-02-01", "cyclophosphamide", "1 g")])
    with pytest.raises(InputRangeError):
        screen_fhir(mr, on=ON, patient=P, reason="")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else []
    for key, value in items:
        found += _paths(value, (*prefix, key))
    return found


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from(["mg", "g/d", "{tbl}", "d", "wk", "2027-01-16", "Patient/p2", "mon"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=6)
BASES = [request(), request({"text": "IVIg"}, quantity(0.4, "g/kg"),
                            {"frequency": 1, "period": 1, "periodUnit": "d", "count": 5}, IV)]


@given(st.sampled_from(range(len(BASES))), st.data(), JSON)
def test_any_mutated_request_is_read_or_refused_never_another_exception(
        base: int, data: st.DataObject, value: Any) -> None:
    mr = copy.deepcopy(BASES[base])
    where = data.draw(st.sampled_from(_paths(mr)[1:]))
    node: Any = mr
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    try:
        order_from_fhir(mr)
        readable = True
    except PlexodoseError:
        readable = False
    s = screen_fhir(mr, on=ON, patient=P)
    assert isinstance(s.order, UnreadOrder) is not readable  # not screened when not read
    assert schema_errors(s.to_fhir("MedicationRequest/mr1")) == []  # whatever text it quotes


@pytest.mark.parametrize(("code", "text"), [
    ("mg/(kg.d)", "2 mg/kg/day"), ("mg/kg/d", "2 mg/kg/day"), ("g/d", "0.144 g/day"),
    ("mg/d", "144 mg/day"), ("g/(kg.d)", "0.002 g/kg/day")])
def test_a_ucum_dose_code_reads_the_same_in_an_order_s_text(code: str, text: str) -> None:
    """The UCUM dose codes a FHIR doseQuantity carries are read in an Order's text too: "2
    mg/(kg.d)" is 2 mg/kg/day (144 mg a day at 72 kg), the same order as its words."""
    value = text.split()[0]
    typed = Order(drug="azathioprine", dose=f"{value} {code}", times_per_day=1)
    worded = Order(drug="azathioprine", dose=text, times_per_day=1)
    assert (typed.amount, typed.basis, typed.per) == (worded.amount, worded.basis, worded.per)
    assert screen(typed, P, on=ON).verdict == screen(worded, P, on=ON).verdict == "within"
    from_fhir = order_from_fhir(request({"text": "azathioprine"}, quantity(float(value), code),
                                        {"frequency": 1, "period": 1, "periodUnit": "d"})).order
    assert (from_fhir.amount, from_fhir.basis, from_fhir.per) == (typed.amount, typed.basis,
                                                                  typed.per)


def test_screen_fhir_reads_the_last_raise_as_screen_does() -> None:
    # 1.4 -> 1.5 g/m2 on a stated reason: a raise of 0.1 g/m2 from 1.4 is the Michigan step;
    # a second one in January 2027 (the last on 2027-01-05) is above an absolute limit
    mr = request({"coding": [{"system": RXNORM, "code": "3002"}]}, quantity(1.5, "g/m2"),
                 {"frequency": 1, "period": 3, "periodUnit": "wk"}, IV)
    given = {"on": ON, "patient": P, "reason": "Michigan step", "last_pulse": "1.4 g/m2"}
    assert screen_fhir(mr, **given).verdict == "above_soft"
    again = screen_fhir(mr, **given, last_raised="2027-01-05")
    assert again.verdict == "above_hard"
    assert any("a second raise in January 2027" in f.text for f in again.findings)
    assert screen_fhir(mr, **given, last_raised="2026-12-05").verdict == "above_soft"


@pytest.mark.parametrize("typed", ["500\xa0mg", "1\u3000g", "2\xa0mg/(kg.d)",
                                   "500 mg" + " " * 150, "2 mg/(kg.d)" + " " * 150])
def test_a_dose_with_a_non_ascii_space_or_too_long_stays_refused(typed: str) -> None:
    """Second reading: the UCUM dose codes are read in plain ASCII text of the reader's length
    only, as every other quantity (a no-break space is refused, never read as a space)."""
    with pytest.raises(UnitError) as refused:
        Order(drug="azathioprine", dose=typed, times_per_day=1)
    assert refused.value.field == "dose"


@pytest.mark.parametrize("typed", ["1e999 mg/d", "1e400 mg/(kg.d)", "1e999 g/m2"])
def test_a_number_no_float_holds_is_refused_as_it_was_typed(typed: str) -> None:
    with pytest.raises(InputRangeError) as refused:
        Order(drug="cyclophosphamide_iv", dose=typed, times_per_day=1)
    assert refused.value.field == "dose" and str(refused.value).endswith(f"got {typed!r}")
