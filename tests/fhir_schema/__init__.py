"""Validation of exported FHIR by two independent checkers: the fhir.resources R4B models and
the official FHIR R4 JSON Schema (vendored here, see README.md)."""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).with_name("fhir.schema.json.gz")


@functools.cache
def _schema() -> dict[str, Any]:
    return json.loads(gzip.decompress(SCHEMA.read_bytes()))  # type: ignore[no-any-return]


@functools.cache
def _validator(resource_type: str) -> Any:
    """A validator for one resource type: the schema's own definitions, entered at that type
    (the same check as the schema's oneOf over every resource type, where exactly one type's
    ``resourceType`` constant can match, without trying the other 150)."""
    import jsonschema

    schema = _schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls({"definitions": schema["definitions"], "$ref": f"#/definitions/{resource_type}"})


def schema_errors(resource: dict[str, Any]) -> list[str]:
    """Every JSON Schema error of ``resource``, and of each resource in a Bundle's entries."""
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or kind not in _schema()["definitions"]:
        return [f"unknown resourceType {kind!r}"]
    errors = []
    if kind == "Bundle":
        shell = {**resource, "entry": [{k: v for k, v in e.items() if k != "resource"}
                                       for e in resource.get("entry", [])]}
        errors += _errors(kind, shell)
        for i, entry in enumerate(resource.get("entry", [])):
            if "resource" in entry:
                errors += [f"entry {i}: {e}" for e in schema_errors(entry["resource"])]
        return errors
    return _errors(kind, resource)


def _errors(kind: str, resource: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:300]}"
            for e in _validator(kind).iter_errors(resource)]


def validate(bundle: dict[str, Any]) -> Any:
    """The Bundle parsed by fhir.resources (R4B), after the JSON Schema found no error."""
    from fhir.resources.R4B.bundle import Bundle

    assert schema_errors(bundle) == []
    return Bundle.model_validate(bundle)
