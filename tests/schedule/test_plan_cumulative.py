"""Cumulative cyclophosphamide in a plan: from the record or a stated total, never zero unknown."""

from __future__ import annotations

from plexodose import Patient, cyclophosphamide_iv, plan, schedule

EX = Patient.example()
START = "2027-01-04"


def _unknown(s: object) -> bool:
    return any("cumulative dose not known" in w for w in s.warnings)  # type: ignore[attr-defined]


def test_a_plan_without_prior_exposure_says_not_known() -> None:
    s = plan(EX, start=START, second_agent="cyclophosphamide_iv")
    assert _unknown(s)


def test_a_stated_zero_is_known() -> None:
    s = plan(EX, start=START, second_agent="cyclophosphamide_iv", prior_cyclophosphamide_g=0)
    assert not _unknown(s)


def test_the_plan_counts_from_the_record_and_warns_at_20_g() -> None:
    # 12 pulses of 1,250 mg = 15 g in the record; the plan's pulses are 1,403 mg (0.75 g/m2 x
    # 1.8708 m2): 15 + 1.403 x 3 = 19.21 g, + 1.403 = 20.61 g: the 4th pulse reaches 20 g
    history = [(f"2025-{m:02d}-10", "cyclophosphamide_iv", "1,250 mg") for m in range(1, 13)]
    s = plan(EX, start=START, second_agent="cyclophosphamide_iv",
             cyclophosphamide_history=history)
    assert not _unknown(s)
    pulses = [e for e in s.events if e.drug == "cyclophosphamide" and e.kind == "dose"]
    assert round(pulses[0].cumulative_amount / 1000, 3) == round(15 + 1.4031, 3)
    reached = [i for i, e in enumerate(pulses) if any("20 g threshold" in w for w in e.warnings)]
    assert reached == [3]


def test_schedule_takes_the_record_and_a_stated_total_together() -> None:
    pulse = cyclophosphamide_iv(EX)
    s = schedule(pulse, start=START, count=1, prior_cyclophosphamide_g=2,
                 cyclophosphamide_history=[("2026-06-01", "cyclophosphamide oral", "100 mg")])
    first = next(e for e in s.events if e.kind == "dose")
    # 2 g stated + 0.1 g in the record + this pulse as prepared (1,403.12 mg -> 1,403 mg)
    assert first.cumulative_amount == 2100 + 1403.0
    assert pulse.prepared_mg == 1403.0
    assert not _unknown(s)
