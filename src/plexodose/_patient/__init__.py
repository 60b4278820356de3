"""The patient and body size: validated inputs, and the formulas (BSA, ideal weight, renal
function) that turn them into the numbers a dose is computed from."""

from typing import Any


def __getattr__(name: str) -> Any:
    # plexodose 0.1.0 defined Patient in a module of this name, and its pickles say so
    if name == "Patient":
        from plexodose._patient.patient import Patient

        return Patient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
