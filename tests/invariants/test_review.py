"""Review properties: no dose on a withhold or stop, a reduction never raises the dose, worse
results never give a milder action, and normal results continue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from plexodose import Labs, review
from plexodose._monitoring.review import severity

DAY = dt.date(2027, 3, 1)
BEFORE = dt.date(2027, 2, 15)
DRUGS = ("azathioprine", "mycophenolate", "ciclosporin", "cyclophosphamide oral")

# name -> (low, high, unit, direction in which the value gets worse)
RANGES: dict[str, tuple[float, float, str, int]] = {
    "wbc": (0.5, 15.0, "x10^9/L", -1),
    "neutrophils": (0.2, 10.0, "x10^9/L", -1),
    "platelets": (20.0, 500.0, "x10^9/L", -1),
    "eosinophils": (0.0, 2.0, "x10^9/L", +1),
    "alt": (5.0, 400.0, "U/L", +1),
    "ast": (5.0, 400.0, "U/L", +1),
    "albumin": (15.0, 50.0, "g/L", -1),
    "mcv": (70.0, 130.0, "fL", +1),
    "creatinine": (0.5, 3.0, "mg/dL", +1),
    "egfr": (10.0, 120.0, "mL/min/1.73 m^2", -1),
    "potassium": (3.0, 7.0, "mmol/L", +1),
}
NORMAL: dict[str, tuple[float, float]] = {
    "wbc": (3.5, 11.0),
    "neutrophils": (1.6, 7.5),
    "platelets": (140.0, 450.0),
    "eosinophils": (0.0, 0.5),
    "alt": (5.0, 100.0),
    "ast": (5.0, 100.0),
    "albumin": (30.0, 50.0),
    "mcv": (80.0, 105.0),
    "creatinine": (0.8, 1.2),  # within 20 % of the 1.0 mg/dL baseline
    "egfr": (60.0, 120.0),
    "potassium": (3.5, 5.5),
}


def _text(name: str, value: float) -> str:
    return f"{value:.4g} {RANGES[name][2]}"


@st.composite
def results(draw: Any, ranges: dict[str, tuple[float, float]] | None = None) -> dict[str, float]:
    names = draw(st.sets(st.sampled_from(sorted(RANGES)), min_size=1))
    out = {}
    for name in names:
        low, high = (ranges or {k: v[:2] for k, v in RANGES.items()})[name]
        out[name] = draw(st.floats(low, high, allow_nan=False))
    return out


def _labs(day: dt.date, values: dict[str, float], pressure: tuple[int, int] | None) -> Labs:
    extra = {} if pressure is None else {"blood_pressure": f"{pressure[0]}/{pressure[1]} mmHg"}
    return Labs(date=day, **{k: _text(k, v) for k, v in values.items()}, **extra)


pressures = st.one_of(st.none(), st.tuples(st.integers(95, 200), st.integers(50, 94)))


# a current dose inside each drug's absolute limit (azathioprine 150, oral cyclophosphamide 200
# mg/day): a review refuses one above it (dosing-rules.md, "Screening an order someone else wrote")
CURRENT = {"azathioprine": "150 mg/day", "cyclophosphamide oral": "200 mg/day"}


def _review(drug: str, latest: Labs, previous: Labs | None, **options: Any) -> Any:
    return review(drug, latest, history=[] if previous is None else [previous], baseline="1.0 mg/dL",
                  on=DAY, current_dose=CURRENT.get(drug, "400 mg/day"), **options)


@given(
    drug=st.sampled_from(DRUGS),
    now=results(),
    before=st.one_of(st.none(), results()),
    pressure=pressures,
    reductions=st.integers(0, 2),
    uncontrolled=st.booleans(),
)
def test_no_dose_on_withhold_or_stop_and_reductions_never_raise(
    drug: str, now: dict[str, float], before: dict[str, float] | None,
    pressure: tuple[int, int] | None, reductions: int, uncontrolled: bool,
) -> None:
    previous = None if before is None else _labs(BEFORE, before, pressure)
    r = _review(drug, _labs(DAY, now, pressure), previous, reductions=reductions,
                uncontrolled_hypertension=uncontrolled)
    if r.action in ("withhold", "stop"):
        assert r.proposed_dose is None and r.proposed_text == ""
    if r.action == "reduce" and r.proposed_amount is not None and drug == "ciclosporin":
        assert 0 < r.proposed_amount <= 400 * 0.75 + 1e-9  # at least 25 % less than 400 mg/day
        assert r.proposed_amount >= 400 * 0.5 - 1e-9  # and never past the label's 50 %
    assert r.next_check >= DAY
    assert all(f.source in r.sources for f in r.reasons)
    assert r.action == max((f.action for f in r.reasons), key=severity)


@given(
    drug=st.sampled_from(DRUGS),
    now=results(),
    before=st.one_of(st.none(), results()),
    pressure=pressures,
    name=st.sampled_from(sorted(RANGES)),
    factor=st.floats(1.0, 3.0),
)
def test_worse_results_never_give_a_milder_action(
    drug: str, now: dict[str, float], before: dict[str, float] | None,
    pressure: tuple[int, int] | None, name: str, factor: float,
) -> None:
    previous = None if before is None else _labs(BEFORE, before, None)
    if name not in now:
        return
    low, high, _, worse = RANGES[name]
    bad = dict(now)
    bad[name] = min(max(now[name] * factor if worse > 0 else now[name] / factor, low), high)
    if (bad[name] - now[name]) * worse < 0:
        return  # clamping moved it the other way
    mild = _review(drug, _labs(DAY, now, pressure), previous)
    severe = _review(drug, _labs(DAY, bad, pressure), previous)
    assert severity(severe.action) >= severity(mild.action), (mild, severe)


@given(drug=st.sampled_from(DRUGS), now=results(NORMAL), systolic=st.integers(95, 140),
       diastolic=st.integers(50, 90))
def test_normal_results_continue(drug: str, now: dict[str, float], systolic: int, diastolic: int) -> None:
    if diastolic >= systolic:
        return
    r = _review(drug, _labs(DAY, now, (systolic, diastolic)), None, unjudged="note")
    assert r.action == "continue" and r.proposed_dose is None
