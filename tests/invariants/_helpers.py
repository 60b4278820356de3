"""Checks the invariant modules share."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from plexodose import Patient, Source
from plexodose.strategies import as_units

REL = 1e-9  # float rounding of a unit conversion, far below any dosing difference


def assert_traced(result: Any) -> None:
    """Every result explains itself: at least one step and one source, all Sources."""
    assert len(result.steps) > 0
    assert len(result.sources) > 0
    assert all(isinstance(s, Source) for s in result.sources)


def assert_dispensed_within_tolerance(dispensed: Any) -> None:
    """The rounding rule's own promise: |dispensed - calculated| <= tolerance."""
    if dispensed is None:
        return
    assert abs(dispensed.amount - dispensed.calculated) <= dispensed.tolerance * (1 + 1e-12) + 1e-12
    assert dispensed.amount > 0
    assert sum(size * n for size, n in dispensed.units) == dispensed.amount


def rewritten(data: st.DataObject, p: Patient) -> Patient:
    """The same patient, every quantity typed again in a drawn unit and form."""
    def again(dimension: str, value: float | None) -> Any:
        return None if value is None else data.draw(as_units(dimension, value))

    return Patient(
        weight=again("mass", p.weight_kg), height=again("length", p.height_cm), sex=p.sex,
        age=p.age, serum_creatinine=again("creatinine", p.creatinine_mg_dl),
        baseline_creatinine=again("creatinine", p.baseline_creatinine_mg_dl),
        tpmt=p.tpmt, nudt15=p.nudt15, minor_override=p.minor_override,
    )


def heavier(p: Patient, extra_kg: float) -> Patient:
    """The same patient ``extra_kg`` heavier (everything else unchanged)."""
    return Patient(
        weight=f"{p.weight_kg + extra_kg!r} kg", height=p.height, sex=p.sex, age=p.age,
        serum_creatinine=p.serum_creatinine, baseline_creatinine=p.baseline_creatinine,
        tpmt=p.tpmt, nudt15=p.nudt15, minor_override=p.minor_override,
    )


def close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b), 1.0)


def reasons():
    """Override reasons: any one-line text (control characters and line separators are refused
    at the door, and tested in the bad-input matrix)."""
    letters = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
    return st.text(letters, min_size=1, max_size=200).filter(str.strip)
