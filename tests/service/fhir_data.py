"""The example patient (``Patient.example()``: 72 kg, 175 cm, male, 60, creatinine 1 mg/dL,
TPMT normal) as the FHIR resources an EHR would send, and draft orders in every category.

Dates are relative to the day the tests run: the Observations are a day old (fresh for a dose
decision, within 7 days for a pulse), the birth date makes the patient 60.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
PATIENT_ID = "p1"
TODAY = dt.date.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()


def birth_date(age: int = 60) -> str:
    """A birth date that makes the patient ``age`` today (born a month after the birthday)."""
    born = TODAY.replace(year=TODAY.year - age) - dt.timedelta(days=40)
    return born.isoformat()


def patient() -> dict[str, Any]:
    return {"resourceType": "Patient", "id": PATIENT_ID, "gender": "male",
            "birthDate": birth_date()}


def observation(oid: str, loinc: str, value: float, code: str, *, day: str = YESTERDAY,
                subject: str = PATIENT_ID) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": loinc}]},
            "subject": {"reference": f"Patient/{subject}"}, "effectiveDateTime": day,
            "valueQuantity": {"value": value, "unit": code, "system": UCUM, "code": code}}


def tpmt() -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "tpmt1", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "79713-4"}]},
            "subject": {"reference": f"Patient/{PATIENT_ID}"}, "effectiveDateTime": "2020-01-01",
            "valueCodeableConcept": {"text": "Normal Metabolizer"}}


def searchset(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"resource": r} for r in resources]}


def administration(aid: str, day: str, grams: float, route: str = "47625008"
                   ) -> dict[str, Any]:
    return {"resourceType": "MedicationAdministration", "id": aid, "status": "completed",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "3002",
                                                      "display": "cyclophosphamide"}]},
            "subject": {"reference": f"Patient/{PATIENT_ID}"}, "effectiveDateTime": day,
            "dosage": {"route": {"coding": [{"system": SNOMED, "code": route}]},
                       "dose": {"value": grams, "unit": "g", "system": UCUM, "code": "g"}}}


WEIGHT = observation("wt1", "29463-7", 72, "kg")
HEIGHT = observation("ht1", "8302-2", 175, "cm")
CREATININE = observation("cr1", "2160-0", 1, "mg/dL")
WBC = observation("wbc1", "6690-2", 6.5, "10*9/L")
NEUTROPHILS = observation("neu1", "751-8", 4.1, "10*9/L")
# two IV pulses of 1.4 g: 2.8 g before any new order
PAST = ((TODAY - dt.timedelta(days=56)).isoformat(), (TODAY - dt.timedelta(days=28)).isoformat())


def prefetch() -> dict[str, Any]:
    """Every prefetch key of the discovery, filled."""
    return copy.deepcopy({
        "patient": patient(),
        "weight": searchset(WEIGHT),
        "height": searchset(HEIGHT),
        "creatinine": searchset(CREATININE),
        "tpmt": searchset(tpmt()),
        "labs": searchset(WBC, NEUTROPHILS),
        "cyclophosphamide": searchset(administration("a1", PAST[0], 1.4),
                                      administration("a2", PAST[1], 1.4)),
    })


def medication(text: str, rxnorm: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if rxnorm is not None:
        concept["coding"] = [{"system": RXNORM, "code": rxnorm, "display": text}]
    return concept


DRUGS = {
    "azathioprine": medication("azathioprine", "1256"),
    "mycophenolate": medication("mycophenolate mofetil", "68149"),
    "ciclosporin": medication("cyclosporine", "3008"),
    "cyclophosphamide": medication("cyclophosphamide", "3002"),
    "ivig": medication("immune globulin intravenous"),
    "aspirin": medication("aspirin"),
}
ROUTES = {"oral": {"coding": [{"system": SNOMED, "code": "26643006", "display": "Oral route"}]},
          "iv": {"coding": [{"system": SNOMED, "code": "47625008",
                             "display": "Intravenous route"}]}}


def request(rid: str, drug: str, *, value: float | None = None, code: str = "mg",
            frequency: int = 1, period: float = 1, unit: str = "d", route: str | None = None,
            days: int | None = None, subject: str = PATIENT_ID) -> dict[str, Any]:
    """A draft MedicationRequest: ``value`` ``code`` ``frequency`` times per ``period``
    ``unit`` (no dose at all when ``value`` is None)."""
    dosage: dict[str, Any] = {}
    if value is not None:
        repeat: dict[str, Any] = {"frequency": frequency, "period": period, "periodUnit": unit}
        if days is not None:
            repeat["boundsDuration"] = {"value": days, "unit": "d", "system": UCUM, "code": "d"}
        dosage = {"timing": {"repeat": repeat},
                  "doseAndRate": [{"doseQuantity": {"value": value, "unit": code,
                                                    "system": UCUM, "code": code}}]}
    if route is not None:
        dosage["route"] = copy.deepcopy(ROUTES[route])
    made: dict[str, Any] = {"resourceType": "MedicationRequest", "id": rid, "status": "draft",
                            "intent": "order",
                            "medicationCodeableConcept": copy.deepcopy(DRUGS[drug]),
                            "subject": {"reference": f"Patient/{subject}"}}
    if dosage:
        made["dosageInstruction"] = [dosage]
    return made


def drafts(*requests: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in requests]}


# The example patient's orders, one per category (the hand-computed reason beside each).
WITHIN = request("within", "mycophenolate", value=1000, frequency=2)  # 1,000 mg x 2: 500-1,500
BELOW = request("below", "mycophenolate", value=250, frequency=2)  # 250 mg < 500 mg a dose
SOFT = request("soft", "cyclophosphamide", value=2000, frequency=1, period=4, unit="wk",
               route="iv")  # 2,000 mg / 1.8708 m2 = 1.069 g/m2: 1-1.6 g/m2 is soft
HARD = request("hard", "mycophenolate", value=2000, frequency=2)  # 2,000 > 1,500 mg a dose
NOT_SCREENED = request("unread", "azathioprine", value=2, code="{tbl}")  # tablets: not read
WARNING = request("warning", "ciclosporin", value=160, frequency=2)  # 320/72 = 4.44 > 4 mg/kg
OTHER = request("other", "aspirin", value=75)  # not plexodose's drug: no card


def hook_request(hook: str, orders: dict[str, Any], *, prefetch_data: dict[str, Any] | None,
                 selections: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/pr1", "patientId": PATIENT_ID,
                               "draftOrders": orders}
    if selections is not None:
        context["selections"] = selections
    body: dict[str, Any] = {"hook": hook, "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                            "context": context}
    if prefetch_data is not None:
        body["prefetch"] = prefetch_data
    return body | extra
