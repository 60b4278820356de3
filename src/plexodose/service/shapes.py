"""The shape of what the EHR sends, checked at the door with the path of the first field at fault.

:class:`BadInput` carries a short message, the path (``context.draftOrders.entry[0].resource
.status``) and the HTTP status: 400 for the CDS Hooks envelope (JSON, types, required fields),
422 for a FHIR resource that does not validate (R4 types and cardinalities of the elements the
service reads). Messages quote no value the EHR sent beyond its JSON type, so nothing
patient-identifying is echoed.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

MAX_TEXT = 10_000
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_PERIOD_UNITS = ("s", "min", "h", "d", "wk", "mo", "a")
REQUEST_STATUS = ("active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped",
                  "draft", "unknown")
REQUEST_INTENT = ("proposal", "plan", "order", "original-order", "reflex-order", "filler-order",
                  "instance-order", "option")
ADMINISTRATION_STATUS = ("in-progress", "not-done", "on-hold", "completed", "entered-in-error",
                         "stopped", "unknown")


class BadInput(Exception):
    """What the EHR sent cannot be used: ``message``, ``path`` and the HTTP ``status``."""

    def __init__(self, message: str, path: str, status: int = 400) -> None:
        super().__init__(message)
        self.message: str = message
        self.path: str = path
        self.status: int = status


class Precondition(Exception):
    """The data a service needs could not be had (412), naming the prefetch key."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def kind(value: Any) -> str:
    """The JSON type of ``value``, for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "value"


def obj(value: Any, path: str, status: int = 400) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadInput(f"must be an object, not {kind(value)}", path, status)
    return value


def text(value: Any, path: str, status: int = 400, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"must be a non-empty string, not {kind(value) if value != '' else 'empty'}",
                       path, status)
    if len(value) > limit:
        raise BadInput(f"longer than {limit:,} characters", path, status)
    return value


def array(value: Any, path: str, status: int = 400, *, limit: int = 1000) -> list[Any]:
    if not isinstance(value, list):
        raise BadInput(f"must be an array, not {kind(value)}", path, status)
    if len(value) > limit:
        raise BadInput(f"more than {limit:,} items", path, status)
    return value


def choice(value: Any, path: str, allowed: tuple[str, ...], status: int = 400) -> str:
    if value not in allowed:
        shown = repr(value) if isinstance(value, str) and len(value) <= 40 else kind(value)
        raise BadInput(f"{shown} is not one of {', '.join(allowed)}", path, status)
    return str(value)


def url(value: Any, path: str, *, http: bool) -> str:
    """An absolute URL without user or fragment (https, or http when allowed)."""
    found = text(value, path, limit=2000)
    parts = urllib.parse.urlsplit(found)
    schemes = ("https", "http") if http else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.fragment:
        raise BadInput(f"must be an absolute {' or '.join(schemes)} URL", path)
    return found


def fhir_id(value: Any, path: str, status: int = 400) -> str:
    found = text(value, path, status, limit=64)
    if not FHIR_ID.fullmatch(found):
        raise BadInput("is not a FHIR id (letters, digits, '-' and '.', at most 64)", path,
                       status)
    return found


# -- FHIR R4: the elements the service reads, with their types ---------------------------------

def resource(value: Any, path: str, types: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A FHIR resource (of one of ``types``), checked by its type's rules below."""
    found = obj(value, path, 422)
    rtype = found.get("resourceType")
    if not isinstance(rtype, str):
        raise BadInput("has no resourceType", f"{path}.resourceType", 422)
    if types is not None and rtype not in types:
        raise BadInput(f"is a {rtype[:40]}, expected {' or '.join(types)}",
                       f"{path}.resourceType", 422)
    if "id" in found:
        fhir_id(found["id"], f"{path}.id", 422)
    check = _CHECKS.get(rtype)
    if check is not None:
        check(found, path)
    return found


def bundle_resources(value: Any, path: str, types: tuple[str, ...] | None = None,
                     *, limit: int = 1000) -> list[tuple[str, dict[str, Any]]]:
    """(path, resource) of each entry of a Bundle, or the one resource given alone."""
    found = resource(value, path)
    if found["resourceType"] != "Bundle":
        if types is not None and found["resourceType"] not in types:
            raise BadInput(f"is a {found['resourceType'][:40]}, expected a Bundle or "
                           f"{' or '.join(types)}", f"{path}.resourceType", 422)
        return [(path, found)]
    out = []
    for index, entry in enumerate(array(found.get("entry", []), f"{path}.entry", 422,
                                        limit=limit)):
        where = f"{path}.entry[{index}]"
        item = obj(entry, where, 422)
        if "resource" not in item:
            continue  # a searchset may hold an OperationOutcome-less entry: nothing to read
        out.append((f"{where}.resource", resource(item["resource"], f"{where}.resource", types)))
    return out


def next_link(value: Mapping[str, Any]) -> str | None:
    """The Bundle's ``next`` page link, if any (a result on more than one page)."""
    for link in value.get("link", []) or []:
        if isinstance(link, dict) and link.get("relation") == "next":
            target = link.get("url")
            return target if isinstance(target, str) else None
    return None


def _reference(value: Any, path: str) -> None:
    ref = obj(value, path, 422)
    if "reference" in ref:
        text(ref["reference"], f"{path}.reference", 422, limit=2000)


def _coding(value: Any, path: str) -> None:
    coding = obj(value, path, 422)
    for key in ("system", "code", "display", "version"):
        if key in coding:
            text(coding[key], f"{path}.{key}", 422)


def _concept(value: Any, path: str) -> None:
    concept = obj(value, path, 422)
    for index, coding in enumerate(array(concept.get("coding", []), f"{path}.coding", 422)):
        _coding(coding, f"{path}.coding[{index}]")
    if "text" in concept:
        text(concept["text"], f"{path}.text", 422)


def _number(value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"must be a number, not {kind(value)}", path, 422)


def _quantity(value: Any, path: str) -> None:
    quantity = obj(value, path, 422)
    if "value" in quantity:
        _number(quantity["value"], f"{path}.value")
    for key in ("unit", "system", "code", "comparator"):
        if key in quantity:
            text(quantity[key], f"{path}.{key}", 422)


def _positive_int(value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadInput(f"must be a positive whole number, not {kind(value)}", path, 422)


def _timing(value: Any, path: str) -> None:
    timing = obj(value, path, 422)
    if "repeat" not in timing:
        return
    repeat = obj(timing["repeat"], f"{path}.repeat", 422)
    for key in ("frequency", "frequencyMax", "count", "countMax"):
        if key in repeat:
            _positive_int(repeat[key], f"{path}.repeat.{key}")
    for key in ("period", "periodMax", "duration", "durationMax"):
        if key in repeat:
            _number(repeat[key], f"{path}.repeat.{key}")
    for key in ("periodUnit", "durationUnit"):
        if key in repeat:
            choice(repeat[key], f"{path}.repeat.{key}", _PERIOD_UNITS, 422)
    if "boundsDuration" in repeat:
        _quantity(repeat["boundsDuration"], f"{path}.repeat.boundsDuration")
    if "boundsPeriod" in repeat:
        period = obj(repeat["boundsPeriod"], f"{path}.repeat.boundsPeriod", 422)
        for key in ("start", "end"):
            if key in period:
                text(period[key], f"{path}.repeat.boundsPeriod.{key}", 422, limit=40)


def _dosage(value: Any, path: str) -> None:
    dosage = obj(value, path, 422)
    if "text" in dosage:
        text(dosage["text"], f"{path}.text", 422)
    if "timing" in dosage:
        _timing(dosage["timing"], f"{path}.timing")
    if "route" in dosage:
        _concept(dosage["route"], f"{path}.route")
    for index, rate in enumerate(array(dosage.get("doseAndRate", []), f"{path}.doseAndRate",
                                       422)):
        where = f"{path}.doseAndRate[{index}]"
        item = obj(rate, where, 422)
        if "doseQuantity" in item:
            _quantity(item["doseQuantity"], f"{where}.doseQuantity")
        if "doseRange" in item:
            obj(item["doseRange"], f"{where}.doseRange", 422)


def _medication(found: Mapping[str, Any], path: str) -> None:
    has_concept, has_reference = ("medicationCodeableConcept" in found,
                                  "medicationReference" in found)
    if has_concept == has_reference:
        raise BadInput("needs exactly one of medicationCodeableConcept and medicationReference",
                       f"{path}.medication[x]", 422)
    if has_concept:
        _concept(found["medicationCodeableConcept"], f"{path}.medicationCodeableConcept")
    else:
        _reference(found["medicationReference"], f"{path}.medicationReference")
    for index, inner in enumerate(array(found.get("contained", []), f"{path}.contained", 422)):
        resource(inner, f"{path}.contained[{index}]")


def _medication_request(found: dict[str, Any], path: str) -> None:
    for key in ("status", "intent", "subject"):
        if key not in found:
            raise BadInput(f"{key} is required (R4 MedicationRequest)", f"{path}.{key}", 422)
    choice(found["status"], f"{path}.status", REQUEST_STATUS, 422)
    choice(found["intent"], f"{path}.intent", REQUEST_INTENT, 422)
    _reference(found["subject"], f"{path}.subject")
    _medication(found, path)
    for index, dosage in enumerate(array(found.get("dosageInstruction", []),
                                         f"{path}.dosageInstruction", 422, limit=50)):
        _dosage(dosage, f"{path}.dosageInstruction[{index}]")
    if "note" in found:
        for index, note in enumerate(array(found["note"], f"{path}.note", 422)):
            item = obj(note, f"{path}.note[{index}]", 422)
            if "text" in item:
                text(item["text"], f"{path}.note[{index}].text", 422)
    for index, reason in enumerate(array(found.get("reasonCode", []), f"{path}.reasonCode", 422)):
        _concept(reason, f"{path}.reasonCode[{index}]")


def _medication_administration(found: dict[str, Any], path: str) -> None:
    for key in ("status", "subject"):
        if key not in found:
            raise BadInput(f"{key} is required (R4 MedicationAdministration)", f"{path}.{key}",
                           422)
    choice(found["status"], f"{path}.status", ADMINISTRATION_STATUS, 422)
    _reference(found["subject"], f"{path}.subject")
    _medication(found, path)
    if "effectiveDateTime" in found:
        text(found["effectiveDateTime"], f"{path}.effectiveDateTime", 422, limit=40)
    elif "effectivePeriod" not in found:
        raise BadInput("effective[x] is required (R4 MedicationAdministration)",
                       f"{path}.effective[x]", 422)
    if "dosage" in found:
        dosage = obj(found["dosage"], f"{path}.dosage", 422)
        if "dose" in dosage:
            _quantity(dosage["dose"], f"{path}.dosage.dose")
        if "route" in dosage:
            _concept(dosage["route"], f"{path}.dosage.route")


def _observation(found: dict[str, Any], path: str) -> None:
    for key in ("status", "code"):
        if key not in found:
            raise BadInput(f"{key} is required (R4 Observation)", f"{path}.{key}", 422)
    text(found["status"], f"{path}.status", 422, limit=40)
    _concept(found["code"], f"{path}.code")
    if "subject" in found:
        _reference(found["subject"], f"{path}.subject")
    if "valueQuantity" in found:
        _quantity(found["valueQuantity"], f"{path}.valueQuantity")
    if "effectiveDateTime" in found:
        text(found["effectiveDateTime"], f"{path}.effectiveDateTime", 422, limit=40)


def _patient(found: dict[str, Any], path: str) -> None:
    if "gender" in found:
        choice(found["gender"], f"{path}.gender", ("male", "female", "other", "unknown"), 422)
    if "birthDate" in found:
        text(found["birthDate"], f"{path}.birthDate", 422, limit=10)


_CHECKS = {
    "MedicationRequest": _medication_request,
    "MedicationAdministration": _medication_administration,
    "Observation": _observation,
    "Patient": _patient,
}
