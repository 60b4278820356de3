"""Issue 19, class 9 (linear re-planning): replan checks its results once and hands each review
a window of them; the reviews it makes are, field for field, the reviews made one at a time on
the plain history (equality, not time: the timing is in benchmarks/bench.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plexodose import Labs, Patient, azathioprine, ciclosporin, replan, review, schedule
from plexodose._monitoring.rules import Past

P = Patient.example()
START = dt.date(2027, 1, 1)
ON = dt.date(2029, 12, 31)
N = 420  # 60 weeks of daily results


def _azathioprine_results(n: int = N) -> list[Labs]:
    """A week of results cycles through the quantities, so each review reads older sets (each
    quantity's latest result), trends over weeks and the eGFR rule's previous result."""
    out = []
    for i in range(n):
        day, week = START + dt.timedelta(days=1 + i), i // 7
        kind = i % 7
        values: dict[str, str] = {
            0: {"wbc": f"{7.0 - 0.4 * (week % 4):.1f} x10^9/L", "neutrophils": "4 x10^9/L",
                "platelets": f"{300 - 20 * (week % 4)} x10^9/L"},
            1: {"alt": f"{20 + 5 * (week % 3)} U/L", "ast": "25 U/L"},
            2: {"albumin": f"{40 - (week % 4)} g/L", "mcv": "92 fL"},
            3: {"creatinine": "1.1 mg/dL",
                "egfr": f"{55 if week % 5 in (0, 1) else 75} mL/min/1.73 m2"},
            4: {"wbc": "6.5 x10^9/L"},
            5: {"eosinophils": "0.2 x10^9/L"},
            6: {"neutrophils": "3.8 x10^9/L"},
        }[kind]
        out.append(Labs(date=day, **values))
    return out


def _one_at_a_time(s: Any, drug: str, results: list[Labs], **options: Any) -> list[Any]:
    """The plain definition: one review per result, on the whole history since the first dose,
    the current dose that day, each judged on its own date (the last on ON)."""
    doses = s.filter(kind="dose")
    first = doses[0].date
    out = []
    for i, labs in enumerate(results):
        dose = [e for e in doses if e.date <= labs.date][-1]
        out.append(review(
            drug, labs, history=[h for h in results[:i] if h.date >= first], started=first,
            on=ON if i == len(results) - 1 else labs.date,
            current_dose=f"{dose.dose_amount * dose.days_per_week / 7} mg/day", **options))
    return out


def test_replan_linear_many_results_equal_the_reviews_one_at_a_time() -> None:
    s = schedule(azathioprine(P), start=START, months=24)
    results = _azathioprine_results()
    new = replan(s, results, baseline="1.0 mg/dL", on=ON)
    want = _one_at_a_time(s, "azathioprine", results, baseline="1.0 mg/dL")
    assert len(new.reviews) == N
    assert new.reviews == tuple(want)  # every field: action, reasons, notes, judgements, dates
    actions = {r.action for r in new.reviews}
    assert actions == {"continue", "flag", "repeat"}  # nothing in these results changes a dose
    # Platelets each week: 300, 280, 260, then 240 on 2027-01-23 (i = 21, day 22): three falls
    # of less than 10 % each (300 -> 280 is -6.7 %), so no trend of three falls over 10 %; the
    # last three strictly falling: a gradual fall, flagged (BSR 2017).
    r = new.reviews[21]
    assert r.date == dt.date(2027, 1, 23) and r.action == "flag"
    assert any(f.text.startswith("platelets falling (280 x10^9/L, 260 x10^9/L, 240 x10^9/L)")
               for f in r.reasons)
    # Week 0 eGFR 55 (2027-01-05): below 60 the first time: repeat in 1 week (Jan 12).
    first_low = new.reviews[3]
    assert first_low.action == "repeat" and first_low.next_check == dt.date(2027, 1, 12)
    # Week 1 eGFR 55 again (2027-01-12), creatinine 1.1 not more than 30 % above 1.0: a note,
    # no second repeat (the previous eGFR is read from the index of the history).
    again = new.reviews[10]
    assert any("again, with creatinine not more than 30 %" in n for n in again.notes)
    # The last result (a Saturday's eosinophils) is judged on ON, 2 years later: repeat.
    assert new.reviews[-1].action == "repeat"


def test_replan_linear_ciclosporin_pressure_reads_the_previous_reading() -> None:
    """Blood pressure above 140/90 on two sets of every three: each such reading looks back to
    the last reading (an index look-up): after a normal one, measure again (repeat); after one
    above, two readings above: treat the hypertension (flag)."""
    s = schedule(ciclosporin(P), start=START, months=12)
    results = [Labs(date=START + dt.timedelta(days=1 + i), blood_pressure=(
        "150/95 mmHg" if i % 3 else "130/80 mmHg"), potassium="4.5 mmol/L") for i in range(210)]
    new = replan(s, results, on=ON)
    assert new.reviews == tuple(_one_at_a_time(s, "ciclosporin", results))
    # i = 1 (2027-01-03): 150/95 after 130/80: repeat; i = 2: 150/95 after 150/95: treat (flag)
    assert [r.action for r in new.reviews[:6]] == [
        "continue", "repeat", "flag", "continue", "repeat", "flag"]


def test_replan_linear_window_reads_only_its_own_results() -> None:
    days = [START + dt.timedelta(days=k) for k in range(6)]
    results = [Labs(date=d, wbc=f"{5 + k} x10^9/L") if k % 2 == 0 else
               Labs(date=d, alt=f"{20 + k} U/L") for k, d in enumerate(days)]
    whole = Past(results)
    window = whole.window(1, 4)  # Jan 2 (alt 21), Jan 3 (wbc 7), Jan 4 (alt 23)
    assert list(window) == results[1:4] and len(window) == 3
    assert window[0] is results[1] and window[-1] is results[3] and window[1:] == tuple(results[2:4])
    assert list(reversed(window)) == results[3:0:-1]
    with pytest.raises(IndexError):
        window[3]
    assert window.last("wbc", 3) == [7.0]  # wbc 5 (Jan 1) and 9 (Jan 5) are outside
    assert window.last("alt", 1) == [23.0] and window.last("alt", 5) == [21.0, 23.0]
    assert window.latest("wbc") is results[2] and window.latest("platelets") is None
    assert list(window.before(dt.date(2027, 1, 4))) == results[1:3]
    assert len(window.before(START)) == 0
    # newest first: Jan 4 holds the latest alt, Jan 3 the latest wbc
    assert window.latest_sets(()) == [(results[3], ["alt"]), (results[2], ["wbc"])]
    assert window.latest_sets(("alt",)) == [(results[2], ["wbc"])]
    assert Past.of(window) is window  # checked when made: not checked again
    assert Past.of(results).last("wbc", 2) == [7.0, 9.0]  # a list is checked and indexed
