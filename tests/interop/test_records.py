"""Records, CSV and text of a schedule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from plexodose import Schedule

START = dt.date(2026, 12, 1)


def test_records_are_plain_json(full_plan: Schedule) -> None:
    records = full_plan.to_records()
    assert json.loads(json.dumps(records)) == records  # only JSON types inside
    assert len(records) == len(full_plan)
    first = records[0]
    assert first["date"] == "2026-12-01" and first["drug"] == "IVIg" and first["kind"] == "dose"
    # Privigen (CIDP row since 2026-12-07): 30 g a day, 300 mL, 0.5 and 8 mg/kg/min x 72 kg x 60
    # / 100 = 21.6, 345.6 mL/h
    assert (first["dose"], first["dose_unit"], first["volume_ml"]) == (30, "g", pytest.approx(300))
    assert first["rate_steps_ml_per_h"] == pytest.approx([21.6, 345.6])
    twice = next(r for r in records if r["drug"] == "ciclosporin" and r["kind"] == "dose")
    assert (twice["dose"], twice["per_dose"], twice["doses_per_day"]) == (350, 175, 2)
    # the results' own limits: IVIg 1 g/kg/day x 72 kg; ciclosporin 5 mg/kg/day x 72 kg = 360
    # a day, 180 a dose in two
    assert (first["max_per_dose"], first["max_per_day"]) == (72, 72)
    assert (twice["max_per_dose"], twice["max_per_day"]) == (180, 360)
    test = next(r for r in records if r["kind"] == "monitoring")
    assert (test["max_per_dose"], test["max_per_day"]) == (None, None)


def test_csv_parses_back(full_plan: Schedule) -> None:
    rows = list(csv.DictReader(io.StringIO(full_plan.to_csv())))
    records = full_plan.to_records()
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        assert row["date"] == record["date"] and row["description"] == record["description"]
        assert row["dose"] == ("" if record["dose"] is None else str(record["dose"]))
    assert rows[0]["rate_steps_ml_per_h"] == "21.6; 345.6"  # 0.5 and 8 mg/kg/min x 72 x 0.6
    assert (rows[0]["max_per_dose"], rows[0]["max_per_day"]) == ("72.0", "72.0")  # 1 g/kg x 72


def test_csv_of_pulses_carries_warnings(pulses: Schedule) -> None:
    rows = [r for r in csv.DictReader(io.StringIO(pulses.to_csv())) if r["kind"] == "dose"]
    warned = [r["date"] for r in rows if r["warnings"]]
    assert warned == [(START + dt.timedelta(days=28 * 10)).isoformat()]  # pulse 11, day 280
    # 1 g/m2 x 1.8708 m2 = 1,870.83 mg, prepared to the whole mg below the 1 g/m2 ceiling
    # (the nearest, 1,871, would pass it): 1,870 mg; after pulse 11: 11 x 1,870 = 20,570 mg
    assert float(rows[10]["cumulative"]) == 20570.0


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
