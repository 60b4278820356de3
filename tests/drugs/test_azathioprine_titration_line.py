"""azathioprine(p) names the titration plan() lays out (issue 21): the line's mg are the plan's
first doses, from the same code (plexodose._drugs.azathioprine.azathioprine_titration)."""

from __future__ import annotations

import pickle
import re

import pytest

from plexodose import Patient, azathioprine, plan

EX = Patient.example()  # 72 kg, TPMT and NUDT15 normal


def _line(result: object) -> str:
    return next(s for s in result.steps if s.startswith("label titration"))  # type: ignore[attr-defined]


def _plan_doses(p: Patient) -> list[float]:
    """The distinct azathioprine amounts of a plan, in the order given."""
    s = plan(p, start="2026-12-01")
    amounts = [e.dose_amount for e in s.filter(drug="azathioprine", kind="dose")]
    return list(dict.fromkeys(amounts))


@pytest.mark.parametrize("weight", ["50 kg", "72 kg", "90 kg", "110 kg"])
def test_the_lines_mg_are_the_plans_doses(weight: str) -> None:
    p = Patient(weight=weight, age=60, tpmt="normal", nudt15="normal")
    said = [float(m.replace(",", "")) for m in re.findall(r"([0-9,.]+) mg",
                                                          _line(azathioprine(p)).split("): ")[1])]
    assert said == _plan_doses(p)  # the steps, then the target a dosing day


def test_normal_metabolizer_by_hand() -> None:
    # 1 x 72 = 72 -> 75 mg; 1.5 x 72 = 108 -> 100 mg; 2 x 72 = 144 -> 150 mg (nearest 25 mg)
    assert _line(azathioprine(EX)).endswith(
        ": 75 mg daily, then 100 mg daily, then this dose (150 mg a dosing day)")
    assert _plan_doses(EX) == [75.0, 100.0, 150.0]


def test_a_reduced_metabolizer_starts_at_the_amount_on_day_1() -> None:
    p = Patient(weight="72 kg", tpmt="intermediate", nudt15="normal")
    # N 144 mg x 30 % = 43.2 mg -> 50 mg daily from day 1; the 1 and 1.5 mg/kg steps are 50 mg too
    assert _line(azathioprine(p)).endswith(": none below this dose: 50 mg a dosing day from day 1")
    assert _plan_doses(p) == [50.0]


def test_the_line_is_in_the_views_and_survives_pickling() -> None:
    r = azathioprine(EX)
    assert "75 mg daily, then 100 mg daily" in r._repr_html_()
    assert "75 mg daily, then 100 mg daily" in r._repr_markdown_()
    assert _line(pickle.loads(pickle.dumps(r))) == _line(r)
    assert _line(r) in r.to_dict()["steps"]
