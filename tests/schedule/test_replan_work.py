"""Issue 19, class 9 (work): replan does one pass over the plan, not one per result, and
reviews the IV pulses too (pre-pulse counts within 7 days hold, postpone or halve a pulse)."""

from __future__ import annotations

import datetime as dt

import pytest

from plexodose import Labs, Patient, azathioprine, cyclophosphamide_iv, replan, review, schedule
from plexodose._core import sources as src
from plexodose._schedule import replanning
from plexodose._schedule.rules import PRE_PULSE_CREATININE_GAP

P = Patient.example()
ON = dt.date(2031, 12, 31)
START = dt.date(2027, 1, 1)


def _normal(n: int) -> list[Labs]:
    return [Labs(date=START + dt.timedelta(days=1 + i), wbc=f"{6 + i % 3} x10^9/L",
                 platelets="250 x10^9/L") for i in range(n)]


def test_replan_work_scans_the_events_once_not_once_per_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = schedule(azathioprine(P), start=START, months=12)
    seen = {"n": 0}
    original = replanning._is_oral_dose

    def counted(e: object) -> bool:
        seen["n"] += 1
        return original(e)  # type: ignore[arg-type]

    monkeypatch.setattr(replanning, "_is_oral_dose", counted)
    for n in (20, 200):
        seen["n"] = 0
        new = replan(s, _normal(n), on=ON)
        assert len(new.reviews) == n
        # no result changes a dose: the index is built once, one look at each event
        assert seen["n"] == len(s.events)


def test_replan_work_reviews_equal_one_review_per_result_with_its_history() -> None:
    """The indexed re-plan gives exactly the reviews of the plain definition."""
    s = schedule(azathioprine(P), start=START, months=3)
    results = _normal(30)
    new = replan(s, results, on=ON)
    first = s.filter(kind="dose")[0].date  # 2027-01-01
    for i, (labs, got) in enumerate(zip(results, new.reviews, strict=True)):
        day = labs.date
        dose = [e for e in s.filter(kind="dose") if e.date <= day][-1]
        on = ON if i == len(results) - 1 else day  # an earlier result is judged on its own date
        want = review("azathioprine", labs, history=results[:i], started=first, on=on,
                      current_dose=f"{dose.dose_amount} mg/day")
        assert (got.action, got.reasons, got.next_check) == (
            want.action, want.reasons, want.next_check)


def _pulses() -> object:
    # 0.75 g/m2 x 1.8708 m2 = 1,403.1 mg every 4 weeks: Jan 1, Jan 29, Feb 26 2027
    return schedule(cyclophosphamide_iv(P), start=START, count=3)


def test_replan_pulse_postponed_on_low_neutrophils_two_days_before() -> None:
    s = _pulses()
    pulse = s.filter(kind="dose")[1]
    # 0.75 g/m2 x 1.8708 m2 = 1,403.12 mg, prepared to the whole mg
    assert pulse.date == dt.date(2027, 1, 29) and pulse.dose_amount == 1403.0
    new = replan(s, [Labs(date="2027-01-27", neutrophils="0.3 x10^9/L")], on=ON)
    assert [e.date for e in new.filter(kind="dose")] == [dt.date(2027, 1, 1), dt.date(2027, 2, 26)]
    (decision,) = new.filter(kind="decision")
    assert decision.date == dt.date(2027, 1, 27)
    assert decision.description.startswith("POSTPONE the cyclophosphamide IV pulse of 2027-01-29")
    assert "neutrophils 0.3 x10^9/L are below 1.5 x10^9/L" in decision.description
    removed, added = new.changes()
    # the pulse, its pre-pulse WBC (Jan 29) and its nadir check (Jan 29 + 10 = Feb 8) go;
    # pulse 3 (Feb 26) is replaced by itself with its running total counted again
    assert sorted((e.date, e.kind) for e in removed) == [
        (dt.date(2027, 1, 29), "dose"), (dt.date(2027, 1, 29), "monitoring"),
        (dt.date(2027, 2, 8), "monitoring"), (dt.date(2027, 2, 26), "dose")]
    # a repeat of the counts 7 days after the result: Jan 27 + 7 = Feb 3
    assert [(e.date, e.kind) for e in added if e.kind == "monitoring"] == [
        (dt.date(2027, 2, 3), "monitoring")]
    # the cumulative total is counted again: pulse 3 is now the second pulse, 2 x 1,403.1 mg
    last = new.filter(kind="dose")[-1]
    assert last.cumulative_amount == pytest.approx(2 * pulse.dose_amount)
    assert [r.action for r in new.reviews] == ["withhold"]
    assert src.FRENCH_NEUTROPHILS in new.sources
    assert not any("not reviewed" in w for w in new.warnings)


def test_replan_pulse_held_on_wbc_below_2() -> None:
    new = replan(_pulses(), [Labs(date="2027-02-25", wbc="1.8 x10^9/L")], on=ON)
    assert [e.date for e in new.filter(kind="dose")] == [dt.date(2027, 1, 1), dt.date(2027, 1, 29)]
    assert "pre-pulse WBC 1.8 x10^9/L is below 2.0" in new.filter(kind="decision")[0].description
    assert src.CYCLOPHOSPHAMIDE_NADIR in new.sources


def test_replan_pulse_held_on_creatinine_above_500_umol_l() -> None:
    new = replan(_pulses(), [Labs(date="2027-01-29", creatinine="600 umol/L")], on=ON)
    assert dt.date(2027, 1, 29) not in [e.date for e in new.filter(kind="dose")]
    assert PRE_PULSE_CREATININE_GAP in new.sources


def test_replan_pulse_halved_on_wbc_2_to_3() -> None:
    s = _pulses()
    full = s.filter(kind="dose")[2].dose_amount
    new = replan(s, [Labs(date="2027-02-24", wbc="2.5 x10^9/L")], on=ON)
    doses = new.filter(kind="dose")
    assert len(doses) == 3
    # the plan's pulse is prepared to the whole mg: 1,403 / 2 = 701.5, prepared as 702 mg
    assert full == 1403.0
    assert doses[2].dose_amount == 702.0
    assert doses[2].cumulative_amount == pytest.approx(2 * full + 702)  # 1,403 + 1,403 + 702
    assert "702 mg (50 % of 1,403 mg)" in doses[2].description
    assert [r.action for r in new.reviews] == ["reduce"]


def test_replan_pulse_normal_counts_change_nothing_and_far_results_are_not_reviewed() -> None:
    s = _pulses()
    new = replan(s, [Labs(date="2027-01-28", wbc="6 x10^9/L", neutrophils="4 x10^9/L"),
                     Labs(date="2027-02-10", wbc="6 x10^9/L")], on=ON)
    assert new.events == s.events
    assert [r.action for r in new.reviews] == ["continue"]  # Jan 28: the day before pulse 2
    # Feb 10: 16 days before pulse 3 (Feb 26), outside the 7-day pre-pulse window
    assert any(w.startswith("results of 2027-02-10: no oral drug") for w in new.warnings)
