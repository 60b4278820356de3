"""Export the example patient's 12-month plan as a FHIR R4 Bundle (JSON) and an iCalendar file.

Usage::

    python examples/export_plan.py [DIRECTORY]      # default: examples/output/

Writes ``plan.fhir.json`` (a ``Bundle`` of ``MedicationRequest`` resources, one per drug phase)
and ``plan.ics`` (one event per dose day, for a calendar app), and prints their paths.
Needs the optional extras: ``pip install "plexodose[fhir,ics]"``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "output"
START = dt.date(2026, 12, 1)  # a fixed start, subject and stamp keep the files reproducible
SUBJECT = {"reference": "Patient/example"}  # ids are the patient's own (random without one)
STAMP = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def export(directory: Path) -> list[Path]:
    """Write the plan's FHIR and iCalendar files into ``directory``; return their paths."""
    import plexodose

    schedule = plexodose.plan(plexodose.Patient.example(), start=START)
    directory.mkdir(parents=True, exist_ok=True)
    fhir = directory / "plan.fhir.json"
    bundle = schedule.to_fhir(subject=SUBJECT)
    fhir.write_text(json.dumps(bundle, indent=2) + "\n", encoding="utf-8")
    ics = directory / "plan.ics"
    calendar = schedule.to_ics(stamp=STAMP, subject=SUBJECT)
    ics.write_text(calendar, encoding="utf-8", newline="")  # RFC 5545 keeps its CRLF
    return [fhir, ics]


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else DEFAULT_DIRECTORY
    for path in export(directory):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
