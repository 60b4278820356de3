"""Every CSV plexodose writes (a schedule's, the CDS Hooks feedback's) writes a float as the
shortest text that reads back within a relative 1e-12: no float noise such as
32.800000000000004, and integers and text exactly as they are (issue 21, the shell user)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from plexodose import Patient, plan
from plexodose._interop.tabular import FIELDS, csv_number, records
from plexodose.cli import main
from plexodose.service.feedback import write_csv
from plexodose.strategies import patients

START = dt.date(2026, 12, 1)


def test_the_82_kg_plan_s_ivig_dose_reads_back_as_32_8() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["plan", "--weight", "82 kg", "--start", "2026-12-01", "--format", "csv"])
    assert status == 0
    first = next(csv.DictReader(io.StringIO(out.getvalue())))
    # 0.4 g/kg/day x 82 kg = 32.8 g (0.4 * 82 is 32.800000000000004 in binary floats)
    assert first["dose"] == "32.8" and first["per_dose"] == "32.8"
    assert "32.800000000000004" not in out.getvalue()


def check_reads_back(text: float | str, x: object) -> None:
    if isinstance(x, bool) or not isinstance(x, float):
        assert text == ("" if x is None else str(x))  # integers and text untouched
        return
    assert math.isclose(float(text), x, rel_tol=1e-12, abs_tol=0.0), (text, x)


@settings(max_examples=25, deadline=None)
@given(patients())
def test_every_csv_number_reads_back_within_1e_12_of_the_record(patient: Patient) -> None:
    schedule = plan(patient, start=START, months=3)
    rows = list(csv.DictReader(io.StringIO(schedule.to_csv())))
    for row, rec in zip(rows, records(schedule), strict=True):
        assert list(row) == list(FIELDS)
        for field in FIELDS:
            value = rec[field]
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                assert row[field] == "; ".join(value)  # text lists as they were
            elif isinstance(value, list):  # numbers: the rate steps
                cells = row[field].split("; ") if value else []
                assert len(cells) == len(value)
                for cell, item in zip(cells, value, strict=True):
                    check_reads_back(cell, item)
            else:
                check_reads_back(row[field], value)


finite = st.floats(allow_nan=False, allow_infinity=False)


@given(finite)
def test_csv_number_is_the_shortest_text_within_1e_12(x: float) -> None:
    text = csv_number(x)
    assert math.isclose(float(text), x, rel_tol=1e-12, abs_tol=0.0)
    mantissa = text.lower().split("e")[0].lstrip("-").replace(".", "")
    digits = max(1, len(mantissa.strip("0")))  # significant digits written
    if digits > 1:  # one significant digit fewer would not read back
        shorter = float(f"{x:.{digits - 1}g}")
        assert not math.isclose(shorter, x, rel_tol=1e-12, abs_tol=0.0)


def test_csv_number_keeps_a_float_s_form() -> None:
    assert [csv_number(v) for v in (0.4 * 82, 100.0, 0.0, 1 / 3, 2.5e-7)] == [
        "32.8", "100.0", "0.0", "0.333333333333", "2.5e-07"]


def test_the_feedback_csv_writes_floats_short_and_integers_and_text_as_they_are() -> None:
    out = io.StringIO()
    write_csv([{"id": 7, "card": "=1+1", "outcome": "accepted", "received_at": 0.1 + 0.2}], out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    # 0.1 + 0.2 = 0.30000000000000004 -> "0.3"; the formula-like text is quoted, the id kept
    assert (row["id"], row["card"], row["received_at"]) == ("7", "'=1+1", "0.3")
