"""FHIR R4 Bundle as plain JSON-ready dicts: a MedicationRequest per drug phase (Dosage with
timing.repeat.boundsPeriod, UCUM quantities, a SNOMED CT route, and maxDosePerAdministration
and maxDosePerPeriod: the limits the calculator's result holds for this patient) and a
ServiceRequest per monitoring, assessment or decision event.

Codes come from the versioned table in :mod:`plexodose._interop.codes` (RxNorm ingredients,
SNOMED CT routes, LOINC single tests); anything without a verified code is text only.

Ids: see :mod:`plexodose._interop.identity` (unique per patient and plan, stable for the same
subject or namespace; random when neither is given). Every resource also carries its id as an
``identifier`` (``urn:ietf:rfc:3986`` | ``urn:uuid:...``), which a ``transaction`` Bundle uses for a
conditional create (``ifNoneExist``), so posting the same plan twice creates nothing twice.

Each warning is a ``note`` (an Annotation: its text as in ``warnings``) carrying the warning's
stable code and severity as two extensions (:data:`ALERT_CODE` and :data:`ALERT_SEVERITY`, both
``valueCode``): R4's Annotation has no coded element, and an extension keeps the note readable
by any client that ignores it.

The Bundle carries the plexodose version and the code-table version in ``meta.tag``
(systems :data:`VERSION_TAG` and :data:`CODES_TAG`).

Every string goes through :func:`~plexodose._core.text.clean`: no control character or
line separator is ever written. The library does not validate its own output (speed); the tests
validate it with fhir.resources and the official FHIR R4 JSON Schema.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import TYPE_CHECKING, Any, Literal

from plexodose._core import format as fmt
from plexodose._core.checks import one_of
from plexodose._core.text import clean
from plexodose._core.version import __version__
from plexodose._dosing.products import medication_text
from plexodose._interop import codes, identity
from plexodose._interop.json import bounded_number, limit_number

if TYPE_CHECKING:
    from plexodose._core.alerts import Alert
    from plexodose._schedule.model import Event, Schedule

BundleType = Literal["collection", "transaction"]
BUNDLE_TYPES: tuple[BundleType, ...] = ("collection", "transaction")
UCUM = codes.UCUM
URI = "urn:ietf:rfc:3986"
VERSION_TAG = "urn:plexodose:version"
CODES_TAG = "urn:plexodose:codes"
ALERT_CODE = "urn:plexodose:alert-code"
"""The extension on a note holding the warning's stable code (``ivig.renal_risk.unknown``)."""
ALERT_SEVERITY = "urn:plexodose:alert-severity"
"""The extension on a note holding the warning's severity (info, caution or high)."""
# Monitoring events that are one test with a verified LOINC code, by the schedule's wording
_SINGLE_TESTS = (
    (re.compile(r"(pre-pulse|nadir) WBC\b"), codes.WBC),
    (re.compile(r"serum creatinine\b"), codes.CREATININE),
)


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
    # 3 decimals: below what any dose or rate is measured to, and no float noise in the record.
    # plexodose's unit words are UCUM codes already ("mg", "g", "mL/h", "d").
    return {"value": round(amount, 3), "unit": unit, "system": UCUM, "code": unit}


def _maxima(e: Event, unit: str) -> dict[str, Any]:
    """maxDosePerAdministration and maxDosePerPeriod (a day): the most the limits of the result
    the dose came from allow (what its guard enforced), rounded down so that the 3 decimals
    written never widen them; absent where the result has none."""
    found: dict[str, Any] = {}
    if e.max_per_dose is not None:
        found["maxDosePerAdministration"] = _quantity(limit_number(e.max_per_dose), unit)
    if e.max_per_day is not None:
        found["maxDosePerPeriod"] = {
            "numerator": _quantity(limit_number(e.max_per_day), unit),
            "denominator": _quantity(1, "d"),
        }
    return found


def _concept(text: str, code: codes.Code | None) -> dict[str, Any]:
    if code is None:
        return {"text": text}
    return {"coding": [code.coding()], "text": text}


def _dosage(events: list[Event]) -> dict[str, Any]:
    e = events[0]
    assert e.dose_amount is not None and e.dose_unit is not None
    per_dose = e.dose_amount / e.doses_per_day
    # Never written above the maxDosePerAdministration beside it (json.bounded_number).
    shown = bounded_number(per_dose, e.max_per_dose)
    if e.max_per_day is not None:
        shown = min(shown, limit_number(e.max_per_day / e.doses_per_day))
    dose_and_rate: dict[str, Any] = {"doseQuantity": _quantity(shown, e.dose_unit)}
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
        text += "; pump " + ", ".join(fmt.rate_ml_h(r) for r in e.rate_steps_ml_per_h)
    dosage: dict[str, Any] = {
        "text": text,
        "timing": _timing(events),
        "doseAndRate": [dose_and_rate],
    }
    if e.route:
        dosage["route"] = _concept(e.route, codes.ROUTES.get(e.route))
    dosage.update(_maxima(e, e.dose_unit))
    return dosage


def _notes(alerts: list[Alert]) -> list[dict[str, Any]]:
    """One note per warning text (the first alert with it), its code and severity beside."""
    first: dict[str, Alert] = {}
    for alert in alerts:
        first.setdefault(alert.text, alert)
    return [
        {
            "extension": [
                {"url": ALERT_CODE, "valueCode": alert.code},
                {"url": ALERT_SEVERITY, "valueCode": alert.severity},
            ],
            "text": text,
        }
        for text, alert in first.items()
    ]


def _medication_request(
    schedule: Schedule, events: list[Event], who: identity.Subject | None, conditional: bool
) -> dict[str, Any]:
    e = events[0]
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "plan",
        "medicationCodeableConcept": _concept(medication_text(e.drug),
                                              codes.MEDICATIONS.get(e.drug)),
        "subject": _subject(who, conditional),
        "dosageInstruction": [_dosage(events)],
    }
    notes = _notes([a for ev in events for a in ev.alerts] + list(schedule.alerts))
    if notes:
        resource["note"] = notes
    return resource


def _test_code(e: Event) -> codes.Code | None:
    if e.kind != "monitoring":
        return None
    for pattern, code in _SINGLE_TESTS:
        if pattern.match(e.description):
            return code
    return None


def _service_request(e: Event, who: identity.Subject | None, conditional: bool) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "plan",
        "category": [{"text": e.kind}],
        "code": _concept(e.description, _test_code(e)),
        "subject": _subject(who, conditional),
        "reasonCode": [{"text": e.drug}],
    }
    if e.until is None:
        resource["occurrenceDateTime"] = e.date.isoformat()
    else:
        resource["occurrencePeriod"] = {"start": e.date.isoformat(), "end": e.until.isoformat()}
    if e.warnings:
        resource["note"] = _notes(list(e.alerts))
    return resource


def _subject(who: identity.Subject | None, conditional: bool) -> dict[str, Any]:
    # a fresh dict per resource: changing one resource's subject changes no other
    return {"display": "the patient"} if who is None else who.as_reference(conditional=conditional)


def _clean(node: Any) -> Any:
    """``node`` with every string cleaned, and empty strings and objects left out (FHIR has
    neither)."""
    if isinstance(node, str):
        return clean(node)
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            value = _clean(value)
            if value != "" and value != {} and value != []:
                out[key] = value
        return out
    if isinstance(node, list):
        return [v for v in (_clean(v) for v in node) if v != "" and v != {}]
    return node


def to_fhir(
    schedule: Schedule,
    *,
    subject: dict[str, Any] | None = None,
    namespace: Any = None,
    bundle_type: BundleType = "collection",
) -> dict[str, Any]:
    """The Bundle of ``schedule``.

    ``subject``: a FHIR Reference to the patient, ``{"reference": "Patient/123"}`` or
    ``{"identifier": {"system": ..., "value": ...}, "type": "Patient"}``; an empty or untyped
    reference is refused. ``namespace``: a ``uuid.UUID`` or text naming the host's id space.
    Ids are stable for the same subject/namespace and plan; with neither they are random (unique,
    not stable). ``bundle_type``: "collection" (resources with ids) or "transaction" (POST
    entries with a conditional create on each resource's identifier; a subject known only by
    identifier and type becomes a conditional reference).
    """
    one_of(bundle_type, BUNDLE_TYPES, "bundle_type")
    who = identity.subject(subject)
    space = identity.namespace_for(who, namespace)
    transaction = bundle_type == "transaction"
    resources = [
        _medication_request(schedule, group, who, transaction) for group in _phases(schedule)
    ]
    resources += [_service_request(e, who, transaction) for e in schedule if e.kind != "dose"]
    resources = [_clean(r) for r in resources]
    content = identity.digest(
        [schedule.start.isoformat(), bundle_type, *(json.dumps(r, sort_keys=True) for r in resources)]
    )
    mint = identity.Minter(space, content)
    entries = [_entry(r, mint(i), transaction) for i, r in enumerate(resources)]
    bundle_id = mint("bundle")
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"tag": _tags()},
        "identifier": {"system": URI, "value": f"urn:uuid:{bundle_id}"},
        "type": bundle_type,
        "entry": entries,
    }


def _entry(resource: dict[str, Any], rid: str, transaction: bool) -> dict[str, Any]:
    urn = f"urn:uuid:{rid}"
    kind = resource.pop("resourceType")
    head = {"resourceType": kind} if transaction else {"resourceType": kind, "id": rid}
    # no id in a transaction: the server assigns one on create
    resource = {**head, "identifier": [{"system": URI, "value": urn}], **resource}
    entry: dict[str, Any] = {"fullUrl": urn, "resource": resource}
    if not transaction:
        return entry
    entry["request"] = {
        "method": "POST",
        "url": resource["resourceType"],
        "ifNoneExist": f"identifier={URI}|{urn}",
    }
    return entry


def _tags() -> list[dict[str, str]]:
    return [
        {"system": VERSION_TAG, "code": __version__, "display": f"plexodose {__version__}"},
        {"system": CODES_TAG, "code": codes.VERSION, "display": f"code table {codes.VERSION}"},
    ]
