"""The services plexodose offers (discovery) and the CDS Hooks 2.0 request each one takes.

Two services, one per hook: ``plexodose-order-sign`` screens every draft MedicationRequest of a
drug plexodose knows (the order screen), ``plexodose-order-select`` gives the patient's own dose
for a drug being picked (and screens its dose when one is already written). Both ask the EHR to
prefetch the same data: the Patient, the latest weight, height and creatinine, the TPMT result,
the labs a review reads, and past cyclophosphamide administrations (the cumulative dose).

A request is checked at the door (:func:`parse`): its envelope (400) and each FHIR resource it
carries (422), each refusal with the path of the field at fault.
"""

from __future__ import annotations

from typing import Any

import attrs

from plexodose._interop import codes
from plexodose._interop.fhir_in import LAB_CODES
from plexodose.service import shapes
from plexodose.service.config import Config
from plexodose.service.shapes import BadInput

PATIENT = "{{context.patientId}}"
_LOINC = codes.LOINC


def _observations(*loinc: str, count: int) -> str:
    coded = ",".join(f"{_LOINC}|{code}" for code in loinc)
    return f"Observation?patient={PATIENT}&code={coded}&_sort=-date&_count={count}"


_LABS = tuple(dict.fromkeys(code for code in LAB_CODES if code not in ("2160-0", "14682-9")))
PREFETCH: dict[str, str] = {
    "patient": f"Patient/{PATIENT}",
    "weight": _observations("29463-7", count=1),
    "height": _observations("8302-2", count=1),
    "creatinine": _observations("2160-0", "14682-9", count=2),
    "tpmt": _observations("79713-4", count=1),
    "labs": _observations(*_LABS, count=100),
    "cyclophosphamide": (
        f"MedicationAdministration?patient={PATIENT}&code={codes.RXNORM}|"
        f"{codes.MEDICATIONS['cyclophosphamide'].code}&_count=500"),
}
"""Prefetch key -> FHIR query (CDS Hooks prefetch template). ``patient`` and ``weight`` are
required: without them (neither prefetched nor readable from ``fhirServer``) the answer is 412."""
REQUIRED = ("patient", "weight")
RESOURCE_TYPES = {"patient": ("Patient",), "cyclophosphamide": ("MedicationAdministration",)}
OBSERVATION = ("Observation",)


@attrs.frozen
class Service:
    """One CDS Service as discovery lists it."""

    id: str
    hook: str
    title: str
    description: str

    def discovery(self) -> dict[str, Any]:
        return {"hook": self.hook, "id": self.id, "title": self.title,
                "description": self.description, "prefetch": dict(PREFETCH)}


SERVICES: dict[str, Service] = {s.id: s for s in (
    Service("plexodose-order-sign", "order-sign", "plexodose order screen",
            "Screens each draft order of IVIg, azathioprine, cyclophosphamide (oral or IV), "
            "ciclosporin or mycophenolate mofetil against the patient's own range and the "
            "absolute limits (plexodose dosing rules), with the rule and source of each "
            "finding and, above the range, the patient's dispensed dose as a suggestion."),
    Service("plexodose-order-select", "order-select", "plexodose dosing help",
            "Gives the patient's calculated dose (with its derivation and sources) for IVIg, "
            "azathioprine, cyclophosphamide, ciclosporin or mycophenolate mofetil as it is "
            "picked, and screens a dose already written."),
)}
HOOKS = tuple(s.hook for s in SERVICES.values())
WITHIN_EXTENSION = "plexodose.show-within"
"""A request's ``extension`` key: true asks for a card for orders within the rules too."""


def discovery() -> dict[str, Any]:
    """The discovery response (``GET /cds-services``)."""
    return {"services": [s.discovery() for s in SERVICES.values()]}


@attrs.frozen(kw_only=True)
class HookCall:
    """A checked service request."""

    service: Service
    hook_instance: str
    patient_id: str
    user_id: str
    fhir_server: str | None = None
    fhir_token: str | None = None
    orders: tuple[tuple[str, dict[str, Any]], ...] = ()
    """(path, MedicationRequest) of each draft order to look at (order-select: the selected)."""
    medications: tuple[dict[str, Any], ...] = ()
    """The Medication resources of the draft orders (a request's ``medicationReference``)."""
    prefetch: dict[str, Any] = attrs.Factory(dict)
    """Each prefetch key sent: its value (None when the EHR has no data for it)."""
    show_within: bool = False


def parse(body: Any, service: Service, config: Config) -> HookCall:
    """The request ``body`` for ``service``, or :class:`BadInput` naming the field at fault."""
    data = shapes.obj(body, "$")
    for key in ("hook", "hookInstance", "context"):
        if key not in data:
            raise BadInput("is required", key)
    hook = shapes.text(data["hook"], "hook", limit=200)
    if hook != service.hook:
        shown = repr(hook) if len(hook) <= 60 else "this hook"
        raise BadInput(f"{shown} is not the hook of {service.id} ({service.hook})", "hook")
    instance = shapes.text(data["hookInstance"], "hookInstance", limit=200)
    server = token = None
    if "fhirAuthorization" in data:
        auth = shapes.obj(data["fhirAuthorization"], "fhirAuthorization")
        for key in ("access_token", "token_type", "expires_in", "scope", "subject"):
            if key not in auth:
                raise BadInput("is required", f"fhirAuthorization.{key}")
        token = shapes.text(auth["access_token"], "fhirAuthorization.access_token", limit=16_384)
        if auth["token_type"] != "Bearer":
            raise BadInput("must be 'Bearer'", "fhirAuthorization.token_type")
        expires = auth["expires_in"]
        if isinstance(expires, bool) or not isinstance(expires, int) or expires < 0:
            raise BadInput("must be a whole number of seconds", "fhirAuthorization.expires_in")
        shapes.text(auth["scope"], "fhirAuthorization.scope", limit=4000)
        shapes.text(auth["subject"], "fhirAuthorization.subject", limit=400)
        if "fhirServer" not in data:
            raise BadInput("is required with fhirAuthorization", "fhirServer")
    if "fhirServer" in data:
        server = shapes.url(data["fhirServer"], "fhirServer", http=config.allow_http)
    context = shapes.obj(data["context"], "context")
    for key in ("userId", "patientId", "draftOrders"):
        if key not in context:
            raise BadInput("is required", f"context.{key}")
    user = shapes.text(context["userId"], "context.userId", limit=200)
    patient_id = shapes.fhir_id(context["patientId"], "context.patientId")
    if "encounterId" in context:
        shapes.text(context["encounterId"], "context.encounterId", limit=200)
    if shapes.obj(context["draftOrders"], "context.draftOrders").get("resourceType") != "Bundle":
        raise BadInput("must be a Bundle", "context.draftOrders.resourceType", 422)
    drafts = shapes.bundle_resources(context["draftOrders"], "context.draftOrders", limit=200)
    requests = [(p, r) for p, r in drafts if r["resourceType"] == "MedicationRequest"]
    if hook == "order-select":
        if "selections" not in context:
            raise BadInput("is required", "context.selections")
        chosen = shapes.array(context["selections"], "context.selections", limit=200)
        if not chosen:
            raise BadInput("must name at least one draft order", "context.selections")
        wanted = {shapes.text(s, f"context.selections[{i}]", limit=200)
                  for i, s in enumerate(chosen)}
        requests = [(p, r) for p, r in requests if f"MedicationRequest/{r.get('id')}" in wanted]
    prefetch: dict[str, Any] = {}
    if "prefetch" in data:
        given = shapes.obj(data["prefetch"], "prefetch")
        for key in PREFETCH:
            if key in given:
                prefetch[key] = _prefetched(key, given[key], patient_id)
    within = config.show_within
    if "extension" in data:
        extension = shapes.obj(data["extension"], "extension")
        if WITHIN_EXTENSION in extension:
            flag = extension[WITHIN_EXTENSION]
            if not isinstance(flag, bool):
                raise BadInput("must be true or false", f"extension.{WITHIN_EXTENSION}")
            within = flag
    return HookCall(service=service, hook_instance=instance, patient_id=patient_id,
                    user_id=user, fhir_server=server, fhir_token=token,
                    orders=tuple(requests),
                    medications=tuple(r for _, r in drafts if r["resourceType"] == "Medication"),
                    prefetch=prefetch, show_within=within)


def _prefetched(key: str, value: Any, patient_id: str) -> Any:
    """A prefetched value, checked: null (no data), the Patient, or a Bundle of its type."""
    if value is None:
        return None
    return checked(key, value, patient_id, f"prefetch.{key}")


def checked(key: str, value: Any, patient_id: str, path: str) -> Any:
    """``value`` of the prefetch ``key`` (sent or read), validated; the Patient must be the
    patient in context."""
    if key == "patient":
        found = shapes.resource(value, path, RESOURCE_TYPES["patient"])
        if found.get("id") != patient_id:
            raise BadInput("is not the patient in context (context.patientId)", f"{path}.id",
                           422)
        return found
    shapes.bundle_resources(value, path, RESOURCE_TYPES.get(key, OBSERVATION))
    return value
