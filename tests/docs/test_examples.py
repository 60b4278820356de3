"""The runnable examples: each script runs in a subprocess in a temporary directory.

examples/repl_session.txt is a doctest, collected by pytest itself (--doctest-glob '*.txt').
"""

from __future__ import annotations

import datetime as dt
import json
import os
import runpy
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import plexodose

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HAS_PLAN = hasattr(plexodose, "plan")
needs_plan = pytest.mark.skipif(not HAS_PLAN, reason="plexodose.plan (schedule generator) missing")


def run_script(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; fails unless the file is a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_examples_import_without_side_effects(tmp_path: Path) -> None:
    """pytest imports examples/*.py to look for doctests: that must write nothing, load no extra."""
    code = (
        "import runpy, sys\n"
        f"for name in ('export_plan.py', 'plot_plan.py', 'replan_azathioprine.py'):\n"
        f"    runpy.run_path({str(EXAMPLES)!r} + '/' + name, run_name='imported')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'matplotlib', 'icalendar', 'fhir'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == []


def test_default_output_is_examples_output() -> None:
    export: dict[str, Any] = runpy.run_path(str(EXAMPLES / "export_plan.py"), run_name="imported")
    plot: dict[str, Any] = runpy.run_path(str(EXAMPLES / "plot_plan.py"), run_name="imported")
    assert export["DEFAULT_DIRECTORY"] == EXAMPLES / "output"
    assert plot["DEFAULT_PATH"] == EXAMPLES / "output" / "plan.png"


@needs_plan
def test_export_plan_writes_fhir_and_ics(tmp_path: Path) -> None:
    out = tmp_path / "exported"
    done = run_script("export_plan.py", str(out), cwd=tmp_path)
    fhir, ics = out / "plan.fhir.json", out / "plan.ics"
    assert done.stdout.splitlines() == [str(fhir), str(ics)]
    bundle = json.loads(fhir.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    requests = [e["resource"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "MedicationRequest"]
    doses: dict[str, set[float]] = {}
    for request in requests:
        quantity = request["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
        assert quantity["system"] == "http://unitsofmeasure.org"
        assert quantity["code"] == quantity["unit"]
        doses.setdefault(request["medicationCodeableConcept"]["text"], set()).add(
            quantity["value"])
    # Patient.example(), 72 kg: IVIg 0.4 g/kg x 72 = 28.8 g; azathioprine target 2 mg/kg x 72
    # = 144 mg, dispensed as 3 x 50 mg = 150 mg; then the refractory agent, ciclosporin, named
    # with its formulation (modified: the label its rules come from).
    assert doses["IVIg"] == {28.8}
    assert max(doses["azathioprine"]) == 150.0
    assert set(doses) == {"IVIg", "azathioprine", "ciclosporin (modified)"}

    raw = ics.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.rstrip().endswith(b"END:VCALENDAR")
    import icalendar

    events = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    api: Any = plexodose
    assert len(events) == len(api.plan(plexodose.Patient.example(), start=dt.date(2026, 12, 1)))
    ivig_days = [e.get("DTSTART").dt for e in events if str(e.get("SUMMARY")) == "IVIg dose 28.8 g"]
    assert ivig_days == [dt.date(2026, 12, d) for d in range(1, 6)]  # 5 loading days
    again = tmp_path / "again"
    run_script("export_plan.py", str(again), cwd=tmp_path)  # the same files, byte for byte
    assert (again / "plan.ics").read_bytes() == raw
    assert (again / "plan.fhir.json").read_bytes() == fhir.read_bytes()


@needs_plan
def test_plot_plan_saves_a_png(tmp_path: Path) -> None:
    target = tmp_path / "charts" / "plan.png"
    done = run_script("plot_plan.py", str(target), cwd=tmp_path)
    assert done.stdout.strip() == str(target)
    width, height = png_size(target)
    assert width >= 300 and height >= 200


@needs_plan
def test_committed_plot_exists_and_is_small() -> None:
    committed = EXAMPLES / "output" / "plan.png"
    assert committed.exists(), "run python examples/plot_plan.py once"
    png_size(committed)
    assert committed.stat().st_size < 300_000  # keep examples/output/ small


@needs_plan
def test_replan_azathioprine_example(tmp_path: Path) -> None:
    out = run_script("replan_azathioprine.py", cwd=tmp_path).stdout
    lines = out.splitlines()
    # WBC 6.0, 5.6, 4.6, 4.3, 3.1 x10^9/L: the fall is flagged, 3.1 (< 3.5) withholds
    assert lines[:5] == ["2026-12-15: continue", "2026-12-29: continue", "2027-01-12: flag",
                         "2027-01-26: flag", "2027-02-09: withhold"]
    # 2027-02-09 + 7 days = 2027-02-16, already past on the review date 2027-02-20: due now
    assert "next check: 2027-02-20 (now: discuss with the specialist team now" in out
    # doses from the result's date removed: 100 mg Feb 9-22 (14 days), 150 mg Feb 23 - Mar 31 (37)
    assert "  - doses 2027-02-09 to 2027-02-22: 100 mg daily (14 days)" in lines
    assert "  - doses 2027-02-23 to 2027-03-31: 150 mg daily (37 days)" in lines
    assert any(line.startswith("  + 2027-02-09 decision: WITHHOLD azathioprine") for line in lines)
    assert any(line.startswith("  + 2027-02-20 monitoring: after the withhold") for line in lines)
