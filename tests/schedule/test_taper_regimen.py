"""Issue 19, class 7: a taper keeps the regimen (days a week, doses a day, form), never leaves
less than one tablet a dose (that residue joins the stop), and uses azathioprine's labelled step
(25 mg/day every 4 weeks) when none is given (monitoring-rules.md, "Stopping and tapering")."""

from __future__ import annotations

import datetime as dt

import pytest

import plexodose._core.sources as src
from plexodose import InputRangeError, Patient, azathioprine, mycophenolate, taper

START = dt.date(2027, 6, 1)  # a Tuesday


def test_three_times_a_week_regimen_stays_three_times_a_week() -> None:
    # TPMT poor, 72 kg, on override: N / 10 = 14.4 mg on 3 days a week (no tablets). Step 5 mg
    # a dosing day every 4 weeks: 9.4 then 4.4 mg, each on 3 days a week: 2 x 4 x 3 = 24 doses.
    r = azathioprine(Patient(weight="72 kg", tpmt="poor"), override="no alternative")
    t = taper(r, start=START, step="5 mg", every="4 weeks", until="stop")
    doses = t.filter(kind="dose")
    assert len(doses) == 24
    assert {e.days_per_week for e in doses} == {3}
    assert sorted({round(e.dose_amount, 6) for e in doses}, reverse=True) == [9.4, 4.4]
    # days 0, 2, 4 of each week (i * 7 // 3 for i = 0, 1, 2): Tue, Thu, Sat
    assert [(e.date - START).days for e in doses[:6]] == [0, 2, 4, 7, 9, 11]
    assert all("three times a week" in e.dose_text for e in doses)


def test_a_weekly_step_leaves_no_float_residue() -> None:
    # 150 mg daily, -50 mg/week = -7.142857 mg a day each 4 weeks: 150 - 21 x 7.142857 is
    # 0.000003 mg, float residue, never a step ("0 mcg daily" before). Each dose is whole
    # 25 mg tablets (nearest, never above the step before): the last step is 25 mg (k = 18:
    # 150 - 128.57 = 21.43 -> 25); 3.57 mg (k = 20) is less than one tablet and joins the stop.
    t = taper(azathioprine(Patient.example()), start=START, step="50 mg/week", every="4 weeks",
              until="stop")
    amounts = [e.dose_amount for e in t.filter(kind="dose")]
    assert all(a % 25 == 0 and a >= 25 for a in amounts)
    assert min(amounts) == 25.0
    assert not any("mcg" in e.dose_text for e in t.filter(kind="dose"))
    assert any("less than one 25 mg unit" in w and "stop" in w for w in t.warnings)


def test_azathioprine_default_is_the_label_step() -> None:
    # 72 kg: 144 mg -> 150 mg dispensed; -25 mg every 28 days: 125, 100, 75, 50, 25, stop;
    # 5 steps x 28 days = 140 doses; the decision on day 140.
    t = taper(azathioprine(Patient.example()), start=START, until="stop")
    doses = t.filter(kind="dose")
    assert sorted({e.dose_amount for e in doses}, reverse=True) == [125.0, 100.0, 75.0, 50.0, 25.0]
    assert len(doses) == 140
    (end,) = t.filter(kind="decision")
    assert end.date == START + dt.timedelta(days=140)
    assert src.AZATHIOPRINE_TAPER in t.sources
    assert any("the label's step" in w for w in t.warnings)


def test_no_default_step_for_a_three_day_regimen_or_another_drug() -> None:
    poor = azathioprine(Patient(weight="72 kg", tpmt="poor"), override="no alternative")
    with pytest.raises(InputRangeError, match="fewer than 7 days a week") as caught:
        taper(poor, start=START, until="stop")
    assert caught.value.field == "step"
    with pytest.raises(InputRangeError, match="no source gives a taper step") as caught:
        taper(mycophenolate(Patient.example()), start=START, until="stop")
    assert caught.value.field == "step"


def test_a_residue_below_one_tablet_joins_the_stop() -> None:
    # Mycophenolate 1,000 mg twice daily = 2,000 mg a day; step 800 mg a day (400 mg a dose):
    # 1,200 (600 a dose -> nearest 250 = 500) then 400 (200 a dose, below one 250 mg unit):
    # that step joins the stop.
    t = taper(mycophenolate(Patient.example()), start=START, step="800 mg", every="2 weeks",
              until="stop")
    assert {e.dose_amount for e in t.filter(kind="dose")} == {1000.0}  # 500 mg twice daily
    assert all(e.doses_per_day == 2 for e in t.filter(kind="dose"))
    assert any("less than one 250 mg unit" in w for w in t.warnings)
