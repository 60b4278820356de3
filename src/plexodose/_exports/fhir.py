"""FHIR R4 Bundle as plain JSON-ready dicts: a MedicationRequest per drug phase (Dosage with
timing.repeat.boundsPeriod and UCUM doseQuantity) and a ServiceRequest per monitoring,
assessment or decision event.

No ATC, SNOMED CT or RxNorm code is written: none has been verified against a source, so
medications, routes and tests are given as text only (dosing-rules.md: leave a code out rather
than guess one).
"""

from __future__ import annotations

import itertools
import uuid
from typing import TYPE_CHECKING, Any

from plexodose import _format as fmt
from plexodose._errors import InputRangeError

if TYPE_CHECKING:
    from plexodose._schedule.model import Event, Schedule

UCUM = "http://unitsofmeasure.org"
NAMESPACE = uuid.UUID("5b3c4f0e-8a43-4f35-9a52-6c1e1f3a9d10")  # plexodose's own, for uuid5


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(str(p) for p in parts)))


def _phases(schedule: Schedule) -> list[list[Event]]:
    """Dose events grouped by drug, phase, route and amount, in date order."""
    groups: dict[tuple[Any, ...], list[Event]] = {}
    for e in schedule:
        if e.kind == "dose" and e.dose_amount is not None:
            key = (e.drug, e.phase, e.route, e.dose_amount, e.doses_per_day, e.days_per_week)
            groups.setdefault(key, []).append(e)
    return list(groups.values())


def _timing(events: list[Event]) -> dict[str, Any]:
    first, last = events[0], events[-1]
    repeat: dict[str, Any] = {
        "boundsPeriod": {"start": first.date.isoformat(), "end": last.date.isoformat()},
        "frequency": first.doses_per_day,
    }
    gaps = {(b.date - a.date).days for a, b in itertools.pairwise(events)}
    if first.days_per_week != 7:  # e.g. three times a week: so many dosing days a week
        repeat.update({"frequency": first.days_per_week * first.doses_per_day, "period": 1,
                       "periodUnit": "wk"})
        return {"event": [e.date.isoformat() for e in events], "repeat": repeat}
    if len(gaps) <= 1:
        days = gaps.pop() if gaps else 1
        repeat.update(
            {"period": days // 7, "periodUnit": "wk"}
            if days % 7 == 0
            else {"period": days, "periodUnit": "d"}
        )
        return {"repeat": repeat}
    # Irregular (multi-day maintenance cycles): list the dates; count is administrations.
    repeat.update({"period": 1, "periodUnit": "d", "count": len(events) * first.doses_per_day})
    return {"event": [e.date.isoformat() for e in events], "repeat": repeat}


def _quantity(amount: float, unit: str) -> dict[str, Any]:
    # 3 decimals: below what any dose or rate is measured to, and no float noise in the record
    return {"value": round(amount, 3), "unit": unit, "system": UCUM, "code": unit}


def _dosage(events: list[Event]) -> dict[str, Any]:
    e = events[0]
    assert e.dose_amount is not None and e.dose_unit is not None
    per_dose = e.dose_amount / e.doses_per_day
    dose_and_rate: dict[str, Any] = {"doseQuantity": _quantity(per_dose, e.dose_unit)}
    if e.rate_steps_ml_per_h:
        dose_and_rate["rateRange"] = {
            "low": _quantity(e.rate_steps_ml_per_h[0], "mL/h"),
            "high": _quantity(e.rate_steps_ml_per_h[-1], "mL/h"),
        }
    text = (
        f"{e.dose_text} {e.route or ''} from {events[0].date.isoformat()} to "
        f"{events[-1].date.isoformat()} ({len(events)} dosing days)"
    ).replace("  ", " ")
    if e.rate_steps_ml_per_h:
        text += "; pump " + ", ".join(f"{fmt.number(r, 1)} mL/h" for r in e.rate_steps_ml_per_h)
    dosage: dict[str, Any] = {
        "text": text,
        "timing": _timing(events),
        "doseAndRate": [dose_and_rate],
    }
    if e.route:
        dosage["route"] = {"text": e.route}
    return dosage


def _notes(texts: list[str]) -> list[dict[str, str]]:
    return [{"text": t} for t in dict.fromkeys(texts)]


def _medication_request(
    events: list[Event], subject: dict[str, Any], warnings: tuple[str, ...]
) -> dict[str, Any]:
    e = events[0]
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": _id("MedicationRequest", e.drug, e.phase, e.date, e.dose_amount),
        "status": "draft",
        "intent": "plan",
        "medicationCodeableConcept": {"text": e.drug},
        "subject": subject,
        "dosageInstruction": [_dosage(events)],
    }
    notes = _notes([w for ev in events for w in ev.warnings] + list(warnings))
    if notes:
        resource["note"] = notes
    return resource


def _service_request(e: Event, subject: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": _id("ServiceRequest", e.date, e.drug, e.kind, e.description),
        "status": "draft",
        "intent": "plan",
        "category": [{"text": e.kind}],
        "code": {"text": e.description},
        "subject": subject,
        "reasonCode": [{"text": e.drug}],
    }
    if e.until is None:
        resource["occurrenceDateTime"] = e.date.isoformat()
    else:
        resource["occurrencePeriod"] = {"start": e.date.isoformat(), "end": e.until.isoformat()}
    if e.warnings:
        resource["note"] = _notes(list(e.warnings))
    return resource


def to_fhir(schedule: Schedule, *, subject: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Bundle (type "collection"); ``subject`` is a FHIR Reference (default: display only)."""
    if subject is not None and not isinstance(subject, dict):
        raise InputRangeError(
            'subject must be a FHIR Reference as a dict, such as {"reference": "Patient/123"}',
            field="subject",
            value=subject,
        )
    who = subject or {"display": "the patient"}
    resources = [_medication_request(group, who, schedule.warnings) for group in _phases(schedule)]
    resources += [_service_request(e, who) for e in schedule if e.kind != "dose"]
    return {
        "resourceType": "Bundle",
        "id": _id("Bundle", schedule.start, *(repr(e) for e in schedule)),
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
