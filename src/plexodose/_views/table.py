"""A schedule as an aligned text table: consecutive identical doses merged into one row.

Written by plexodose from the events' floats and its own unit words, never from pint, and every
cell through :func:`~plexodose._core.text.one_line`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from plexodose._core import format as fmt
from plexodose._core.errors import InputRangeError
from plexodose._core.text import one_line

if TYPE_CHECKING:
    from plexodose._schedule.model import Event, Schedule


def _runs(schedule: Schedule) -> list[tuple[Event, Event, int]]:
    """Daily doses merged into (first, last, count) runs: identical, on consecutive days, no
    warnings of their own; a run's row comes before the tests dated inside it."""
    runs: list[tuple[Event, Event, int]] = []
    open_run: dict[str, int] = {}  # drug -> index of its open run
    for e in schedule:
        index = open_run.get(e.drug)
        if index is not None and _extends(runs[index], e):
            first, _, n = runs[index]
            runs[index] = (first, e, n + 1)
            continue
        runs.append((e, e, 1))
        if e.kind == "dose":  # a new dose closes the drug's run; tests and reviews do not
            open_run.pop(e.drug, None)
            if not e.warnings:
                open_run[e.drug] = len(runs) - 1
    return runs


def _extends(run: tuple[Event, Event, int], e: Event) -> bool:
    first, last, _ = run
    return (
        e.kind == "dose"
        and not e.warnings
        and (e.date - last.date).days == 1
        and (e.dose_amount, e.doses_per_day, e.route, e.phase, e.description)
        == (first.dose_amount, first.doses_per_day, first.route, first.phase, first.description)
    )


def text(schedule: Schedule) -> str:
    """An aligned table: date(s), drug, kind, dose, route, what; then warnings and sources."""
    rows = [("date", "drug", "kind", "dose", "route", "what")]
    for first, last, n in _runs(schedule):
        when = first.date.isoformat()
        if n > 1:
            when += f" to {last.date.isoformat()} ({n} days)"
        elif first.until is not None:
            when += f" to {first.until.isoformat()}"
        what = first.description + "".join(f"  ! {w}" for w in first.warnings)
        drug, kind, dose, route = first.drug, first.kind, first.dose_text, first.route or ""
        rows.append((one_line(when), one_line(drug), one_line(kind), one_line(dose),
                     one_line(route), one_line(what)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [f"Schedule from {schedule.start.isoformat()}: {len(schedule)} events"]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + "  " + r[5]
        for r in rows
    ]
    lines = [line.rstrip() for line in lines]
    totals = [f"  {drug}: {_total(schedule, drug)}" for drug in _drugs_with_doses(schedule)]
    if totals:
        lines += ["totals:", *totals]
    if schedule.warnings:
        lines += ["warnings:", *(f"  ! {w}" for w in schedule.warnings)]
    lines += ["sources:", *(f"  - {s}" for s in schedule.sources)]
    return "\n".join(one_line(line) for line in lines)


def _drugs_with_doses(schedule: Schedule) -> list[str]:
    seen: list[str] = []
    for e in schedule:
        if e.kind == "dose" and e.drug not in seen:
            seen.append(e.drug)
    return seen


_MG_PER = {"mg": 1.0, "g": 1000.0}


def _total(schedule: Schedule, drug: str) -> str:
    """The sum of the drug's doses, from the events' floats (in g when they all are)."""
    doses = [e for e in schedule if e.drug == drug and e.kind == "dose" and e.dose_amount]
    units = {e.dose_unit for e in doses}
    unknown = units - _MG_PER.keys()
    if unknown:
        raise InputRangeError(
            f"dose_unit must be mg or g; got {sorted(map(str, unknown))}",
            field="dose_unit",
            value=sorted(map(str, unknown)),
        )
    mg = math.fsum((e.dose_amount or 0.0) * _MG_PER[e.dose_unit or "mg"] for e in doses)
    return fmt.mass_g(mg / 1000) if units == {"g"} else fmt.mass_mg(mg)
