"""Exports of a schedule: records, CSV, text, iCalendar, FHIR R4 and the plot."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from fhir_schema import validate  # fhir.resources and the official FHIR R4 JSON Schema
from hypothesis import given, settings
from hypothesis import strategies as st

from plexodose import (
    InputRangeError,
    Patient,
    Schedule,
    azathioprine,
    cyclophosphamide_iv,
    ivig,
    plan,
    schedule,
)
from plexodose._schedule import SECOND_AGENTS

matplotlib.use("Agg")

P = Patient.example()
START = dt.date(2026, 12, 1)
STAMP = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def full_plan() -> Schedule:
    return plan(P, start=START, ivig_product="privigen")


@pytest.fixture(scope="module")
def pulses() -> Schedule:
    # 1 g/m2 x 1.870829 m2 = 1,870.83 mg x 12 = 22.45 g: pulse 11 reaches 20 g (20.58 g)
    return schedule(cyclophosphamide_iv(P, g_per_m2=1), start=START, count=12)


# ---------------------------------------------------------------------------------------------
# Records, CSV, text


def test_records_are_plain_json(full_plan: Schedule) -> None:
    records = full_plan.to_records()
    assert json.loads(json.dumps(records)) == records  # only JSON types inside
    assert len(records) == len(full_plan)
    first = records[0]
    assert first["date"] == "2026-12-01" and first["drug"] == "IVIg" and first["kind"] == "dose"
    # Privigen: 30 g a day, 300 mL, 0.5 and 4 mg/kg/min x 72 kg x 60 / 100 = 21.6, 172.8 mL/h
    assert (first["dose"], first["dose_unit"], first["volume_ml"]) == (30, "g", pytest.approx(300))
    assert first["rate_steps_ml_per_h"] == pytest.approx([21.6, 172.8])
    twice = next(r for r in records if r["drug"] == "ciclosporin" and r["kind"] == "dose")
    assert (twice["dose"], twice["per_dose"], twice["doses_per_day"]) == (350, 175, 2)


def test_csv_parses_back(full_plan: Schedule) -> None:
    rows = list(csv.DictReader(io.StringIO(full_plan.to_csv())))
    records = full_plan.to_records()
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        assert row["date"] == record["date"] and row["description"] == record["description"]
        assert row["dose"] == ("" if record["dose"] is None else str(record["dose"]))
    assert rows[0]["rate_steps_ml_per_h"] == "21.6; 172.8"  # 0.5 and 4 mg/kg/min x 72 x 0.6


def test_csv_of_pulses_carries_warnings(pulses: Schedule) -> None:
    rows = [r for r in csv.DictReader(io.StringIO(pulses.to_csv())) if r["kind"] == "dose"]
    warned = [r["date"] for r in rows if r["warnings"]]
    assert warned == [(START + dt.timedelta(days=28 * 10)).isoformat()]  # pulse 11, day 280
    # cumulative after pulse 11: 11 x 1,870.83 = 20,579.1 mg
    assert float(rows[10]["cumulative"]) == pytest.approx(11 * 1870.829, abs=0.01)


def test_text_is_an_aligned_table(full_plan: Schedule) -> None:
    text = full_plan.to_text()
    lines = text.splitlines()
    header = lines[1]
    assert header.split() == ["date", "drug", "kind", "dose", "route", "what"]
    column = header.index("drug")
    body = lines[2 : lines.index("totals:")]
    assert all(line[column - 2 : column] == "  " for line in body)  # columns line up
    # azathioprine 75 mg for 8 weeks (56 days) as one row
    assert any("(56 days)" in line and "75 mg daily" in line for line in body)
    assert "IVIg: 150 g" in text and "warnings:" in text and "sources:" in text
    assert "1.0 mg" not in text and "mg." not in text  # ISMP: no trailing zero


# ---------------------------------------------------------------------------------------------
# iCalendar


def test_ics_round_trips(full_plan: Schedule) -> None:
    import icalendar

    text = full_plan.to_ics(stamp=STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    cal = icalendar.Calendar.from_ical(text)
    items = list(cal.walk("VEVENT"))
    assert len(items) == len(full_plan)
    got = [
        (i.decoded("dtstart"), str(i.get("summary")), str(i.get("description")).split("\n")[0])
        for i in items
    ]
    want = [(e.date, _summary(e), e.description) for e in full_plan]
    assert got == want
    assert len({str(i.get("uid")) for i in items}) == len(items)
    assert all(i.decoded("dtstamp") == STAMP for i in items)


def _summary(e: Any) -> str:
    from plexodose._exports.ics import summary

    return summary(e)


def test_ics_window_and_warnings(pulses: Schedule) -> None:
    import icalendar

    cal = icalendar.Calendar.from_ical(pulses.to_ics(stamp=STAMP))
    nadir = next(i for i in cal.walk("VEVENT") if "nadir" in str(i.get("summary")))
    # day 10-14 after the first pulse: DTEND is exclusive, so 15 December
    assert (nadir.decoded("dtstart"), nadir.decoded("dtend")) == (
        dt.date(2026, 12, 11),
        dt.date(2026, 12, 16),
    )
    warned = [i for i in cal.walk("VEVENT") if "WARNING" in str(i.get("description"))]
    assert [i.decoded("dtstart") for i in warned] == [START + dt.timedelta(days=280)]


# ---------------------------------------------------------------------------------------------
# FHIR R4


@pytest.mark.parametrize("second", SECOND_AGENTS)
def test_fhir_bundle_validates(second: str) -> None:
    s = plan(P, start=START, second_agent=second, ivig_product="privigen")
    bundle = s.to_fhir()
    validate(bundle)
    json.dumps(bundle)
    services = [x for x in bundle["entry"] if x["resource"]["resourceType"] == "ServiceRequest"]
    assert len(services) == sum(1 for e in s if e.kind != "dose")


def test_fhir_medication_requests_per_phase(full_plan: Schedule) -> None:
    bundle = full_plan.to_fhir(subject={"reference": "Patient/123"})
    validate(bundle)
    requests = [
        x["resource"]
        for x in bundle["entry"]
        if x["resource"]["resourceType"] == "MedicationRequest"
    ]
    # IVIg loading; azathioprine 75, 100, 150 mg; ciclosporin start and maintenance
    assert [
        (
            r["medicationCodeableConcept"]["text"],
            r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"],
        )
        for r in requests
    ] == [
        ("IVIg", 30),
        ("azathioprine", 75),
        ("azathioprine", 100),
        ("azathioprine", 150),
        ("ciclosporin", 175),
        ("ciclosporin", 100),
    ]
    aza = requests[1]["dosageInstruction"][0]
    assert aza["timing"]["repeat"] == {
        "boundsPeriod": {"start": "2026-12-19", "end": "2027-02-12"},  # 56 days from 19 Dec
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
    }
    assert aza["doseAndRate"][0]["doseQuantity"] == {
        "value": 75.0,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert aza["route"] == {
        "coding": [{"system": "http://snomed.info/sct", "code": "26643006",
                    "display": "Oral route"}],
        "text": "oral",
    }
    cic = requests[4]["dosageInstruction"][0]
    assert cic["timing"]["repeat"]["frequency"] == 2  # 175 mg twice daily
    ivig_rate = requests[0]["dosageInstruction"][0]["doseAndRate"][0]
    assert ivig_rate["doseQuantity"]["code"] == "g"
    assert ivig_rate["rateRange"]["high"]["code"] == "mL/h"
    assert all(r["subject"] == {"reference": "Patient/123"} for r in requests)


def test_fhir_pulses_and_windows(pulses: Schedule) -> None:
    bundle = pulses.to_fhir()
    validate(bundle)
    (request,) = [
        x["resource"]
        for x in bundle["entry"]
        if x["resource"]["resourceType"] == "MedicationRequest"
    ]
    repeat = request["dosageInstruction"][0]["timing"]["repeat"]
    assert (repeat["period"], repeat["periodUnit"]) == (4, "wk")  # every 28 days
    assert any("20 g threshold" in n["text"] for n in request["note"])
    nadir = next(
        x["resource"]
        for x in bundle["entry"]
        if "nadir" in x["resource"].get("code", {}).get("text", "")
    )
    assert nadir["occurrencePeriod"] == {"start": "2026-12-11", "end": "2026-12-15"}


def test_fhir_irregular_dates_listed() -> None:
    poor = Patient(weight="72 kg", tpmt="poor", nudt15="normal")
    s = schedule(azathioprine(poor, override="no alternative tolerated"), start=START, months=1)
    bundle = s.to_fhir()
    validate(bundle)
    timing = bundle["entry"][0]["resource"]["dosageInstruction"][0]["timing"]
    assert timing["event"][:3] == ["2026-12-01", "2026-12-03", "2026-12-05"]  # three a week
    assert len(timing["event"]) == 14
    repeat = timing["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (3, 1, "wk")
    text = bundle["entry"][0]["resource"]["dosageInstruction"][0]["text"]
    assert text.startswith("14.4 mg three times a week")  # 144 mg / 10, never "daily"


def test_fhir_subject_checked(full_plan: Schedule) -> None:
    with pytest.raises(InputRangeError):
        full_plan.to_fhir(subject="Patient/123")  # type: ignore[arg-type]


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(SECOND_AGENTS), st.integers(1, 18))
def test_fhir_validates_for_any_plan(second: str, months: int) -> None:
    validate(plan(P, start=START, second_agent=second, months=months).to_fhir())


# ---------------------------------------------------------------------------------------------
# Plot


def test_plot_writes_png(pulses: Schedule, tmp_path: Path) -> None:
    target = tmp_path / "plan.png"
    fig = pulses.plot(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    axes = fig.get_axes()
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["cyclophosphamide"]
    assert len(axes) == 2  # the lanes and the cumulative-dose axis
    assert max(axes[1].get_lines()[0].get_ydata()) == pytest.approx(12 * 1.870829, abs=1e-3)


def test_plot_without_path_and_bad_path(full_plan: Schedule, tmp_path: Path) -> None:
    fig = full_plan.plot()
    labels = [t.get_text() for t in fig.get_axes()[0].get_yticklabels()]
    assert labels == ["IVIg", "azathioprine", "ciclosporin"]
    with pytest.raises(InputRangeError):
        full_plan.plot(tmp_path / "missing" / "plan.png")


def test_import_loads_no_optional_export_library() -> None:
    code = (
        "import sys, plexodose; s = plexodose.schedule(plexodose.ivig("
        "plexodose.Patient.example()), start='2026-12-01'); s.to_text(); s.to_csv(); "
        "s.to_fhir(); print(sorted(m for m in ('icalendar', 'matplotlib', 'fhir') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ivig_schedule_exports_validate() -> None:
    s = schedule(
        ivig(P), start=START, maintenance=ivig(P, g_per_kg_day=1, days=1), maintenance_count=3
    )
    bundle = s.to_fhir()
    validate(bundle)
    maintenance = [
        x["resource"]
        for x in bundle["entry"]
        if x["resource"]["resourceType"] == "MedicationRequest"
    ][1]
    repeat = maintenance["dosageInstruction"][0]["timing"]["repeat"]
    assert (repeat["period"], repeat["periodUnit"]) == (3, "wk")  # every 21 days
    assert repeat["boundsPeriod"] == {"start": "2026-12-22", "end": "2027-02-02"}  # day 21..63


def test_ics_carries_the_schedule_warnings(full_plan: Schedule) -> None:
    import icalendar

    cal = icalendar.Calendar.from_ical(full_plan.to_ics(stamp=STAMP))
    description = str(cal.get("description"))  # RFC 7986 calendar DESCRIPTION
    assert all(f"WARNING: {w}" in description for w in full_plan.warnings)


def test_ics_writer_escapes_and_folds_like_the_rfc() -> None:
    import icalendar

    from plexodose._exports.ics import _fold, _text

    value = "µg, mcg; a\\b\n" + "é" * 60  # commas, semicolons, backslash, newline, 2-byte chars
    line = _fold("DESCRIPTION:" + _text(value))
    assert all(len(part.encode()) <= 75 for part in line.split("\r\n"))
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n{line}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]) == value
