"""Whom an export is for, and the ids minted for it.

Ids (FHIR resource ids and identifiers, iCalendar UIDs) are name-based UUIDs (uuid5) over
(the namespace, the export's own content, the position in the export):

- unique per patient: the namespace comes from the ``subject`` (a FHIR Reference) and/or the
  caller's ``namespace``, so two patients on the same plan share no id;
- unique per plan: the content digest changes with any dose, date or text;
- unique within one export: the position is part of every id (two events on the same day with
  the same text still get two ids);
- stable: the same patient, plan and namespace give the same ids on every run, so a host that
  stores by id updates the plan instead of duplicating it.

With neither ``subject`` nor ``namespace`` a fresh random namespace is drawn on every call: the
ids are then unique but NOT stable (an anonymous template has no identity to be stable for).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from typing import Any, NoReturn

import attrs

from plexodose._core.errors import InputRangeError, choice_error, safe_repr
from plexodose._core.text import clean, one_line

PLEXODOSE_NAMESPACE = uuid.UUID("5b3c4f0e-8a43-4f35-9a52-6c1e1f3a9d10")  # plexodose's own
SUBJECT_TYPES = ("Patient", "Group")  # what MedicationRequest.subject may point to (FHIR R4)
_FHIR_ID = r"[A-Za-z0-9\-.]{1,64}"
_TYPES = "|".join(SUBJECT_TYPES)
# "Patient/123", "Patient/123/_history/2" or an absolute URL ending so
_REFERENCE = re.compile(
    rf"(?:https?://[^\s/]+(?:/[^\s/]+)*/)?(?P<type>{_TYPES})/{_FHIR_ID}(?:/_history/{_FHIR_ID})?"
)
_KEYS = frozenset({"reference", "type", "identifier", "display"})
_EXAMPLE = '{"reference": "Patient/123"} or {"identifier": {"system": "...", "value": "..."}}'


@attrs.frozen
class Subject:
    """A checked FHIR Reference to the patient (or group) an export is for."""

    reference: str | None
    type: str | None
    system: str | None
    value: str | None
    display: str | None

    @property
    def identity(self) -> str:
        """What makes the subject this subject: its literal or its logical reference."""
        # JSON, not a separator: no system or value can run into the next ("1.2|3", "45")
        if self.reference is not None:
            return json.dumps(["reference", self.reference])
        return json.dumps(["identifier", self.system, self.value])

    def as_reference(self, *, conditional: bool = False) -> dict[str, Any]:
        """A fresh Reference dict (never shared: a host may change one without the others).

        ``conditional``: a subject known only by identifier and type becomes a conditional
        reference ("Patient?identifier=system|value"), which a FHIR server resolves inside a
        transaction.
        """
        out: dict[str, Any] = {}
        if self.reference is not None:
            out["reference"] = self.reference
        elif conditional and self.type is not None:
            out["reference"] = f"{self.type}?identifier={_query(self.system)}|{_query(self.value)}"
        if self.type is not None:
            out["type"] = self.type
        if self.system is not None:
            out["identifier"] = {"system": self.system, "value": self.value}
        if self.display is not None:
            out["display"] = self.display
        return out


def _query(text: str | None) -> str:
    from urllib.parse import quote

    return quote(text or "", safe=":/.-_~")


def subject(value: Any) -> Subject | None:
    """Check a FHIR Reference given as a dict; None stays None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        _refuse(f"subject must be a FHIR Reference as a dict, such as {_EXAMPLE}", value)
    unknown = sorted(str(k) for k in value if k not in _KEYS)
    if unknown:
        _refuse(
            f"subject has unknown keys {', '.join(unknown)}; a Reference here takes only "
            f"{', '.join(sorted(_KEYS))}",
            value,
        )
    kind = _token(value, "type", optional=True)
    if kind is not None and kind not in SUBJECT_TYPES:
        raise choice_error(kind, SUBJECT_TYPES, "subject", label="subject type")
    reference = _token(value, "reference", optional=True)
    system = value_ = None
    if "identifier" in value:
        identifier = value["identifier"]
        if not isinstance(identifier, dict):
            _refuse('subject identifier must be a dict {"system": ..., "value": ...}', value)
        system = _token(identifier, "system", optional=False, where="subject identifier")
        value_ = _token(
            identifier, "value", optional=False, where="subject identifier", spaces=True
        )
    if reference is not None:
        match = _REFERENCE.fullmatch(reference)
        if match is None:
            _refuse(
                "subject reference must name the resource type and id, such as "
                f"'Patient/123' (type {' or '.join(SUBJECT_TYPES)}); got {safe_repr(reference)}",
                value,
            )
        if kind is not None and kind != match["type"]:
            _refuse(f"subject type {kind} differs from the reference's {match['type']}", value)
    elif system is None:
        _refuse(f"subject must identify the patient: give a reference or an identifier, "
                f"such as {_EXAMPLE}", value)
    display = value.get("display")
    if display is not None and not isinstance(display, str):
        _refuse("subject display must be text", value)
    shown = clean(display).strip() if display is not None else ""
    return Subject(reference, kind, system, value_, shown or None)


def _token(
    data: dict[Any, Any], key: str, *, optional: bool, where: str = "subject", spaces: bool = False
) -> str | None:
    """A non-empty string without control characters, and without whitespace unless
    ``spaces`` (an identifier's value may hold a space; a reference or a URI may not)."""
    if key not in data:
        if optional:
            return None
        _refuse(f"{where} needs a {key}", data)
    raw = data[key]
    if not isinstance(raw, str):
        _refuse(f"{where} {key} must be text; got {type(raw).__name__}", data)
    text = raw.strip() if spaces else raw  # an id or URI must come exactly, without padding
    if not text or one_line(text) != text or (not spaces and any(c.isspace() for c in text)):
        _refuse(
            f"{where} {key} must be non-empty, without control characters"
            f"{'' if spaces else ' or spaces'}; "
            f"got {safe_repr(raw)}",
            data,
        )
    return text


def _refuse(message: str, value: Any) -> NoReturn:
    raise InputRangeError(message, field="subject", value=value)


def namespace_for(who: Subject | None, namespace: Any) -> uuid.UUID:
    """The UUID namespace of an export: from the subject and/or the caller's namespace; a
    fresh random one when neither is given (unique ids, not stable)."""
    if namespace is None:
        base = None
    elif isinstance(namespace, uuid.UUID):
        base = namespace
    elif isinstance(namespace, str) and namespace.strip() and one_line(namespace) == namespace:
        base = uuid.uuid5(PLEXODOSE_NAMESPACE, f"namespace|{namespace.strip()}")
    else:
        raise InputRangeError(
            "namespace must be a uuid.UUID or non-empty text without control characters "
            f"(such as your system's patient-record URL); got {safe_repr(namespace)}",
            field="namespace",
            value=namespace,
        )
    if who is None:
        return base if base is not None else uuid.uuid4()
    return uuid.uuid5(base or PLEXODOSE_NAMESPACE, who.identity)


def digest(parts: Iterable[str]) -> str:
    """A fingerprint of an export's content (its text, in order)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()


class Minter:
    """Ids for the items of one export: ``mint(position)`` is
    ``uuid5(namespace, f"{content}|{position}")``, with the shared prefix hashed once."""

    def __init__(self, namespace: uuid.UUID, content: str) -> None:
        self._prefix = hashlib.sha1(namespace.bytes + f"{content}|".encode(), usedforsecurity=False)

    def __call__(self, position: int | str) -> str:
        h = self._prefix.copy()
        h.update(str(position).encode())
        return str(uuid.UUID(bytes=h.digest()[:16], version=5))
