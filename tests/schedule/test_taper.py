"""taper(): built only from the prescriber's step, interval and floor; never a default."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plexodose import Patient, azathioprine, ciclosporin, plan, taper
from plexodose._core.errors import PlexodoseError
from plexodose._monitoring import thresholds as rules

P = Patient.example()
START = dt.date(2027, 6, 1)


def test_taper_to_stop() -> None:
    # azathioprine 150 mg/day (3 x 50 mg), -50 mg every 4 weeks: 100, 50, then stop
    t = taper(azathioprine(P), start=START, step="50 mg", every="4 weeks", until="stop")
    doses = t.filter(kind="dose")
    assert {e.dose_amount for e in doses} == {100.0, 50.0} and len(doses) == 56  # 2 x 28 days
    assert doses[0].date == START and doses[-1].date == START + dt.timedelta(days=55)
    assert all(e.phase == "taper" for e in doses)
    # the result's own limit, 150 mg/day, in one dose a day
    assert all(e.max_per_day == e.max_per_dose == 150.0 for e in doses)
    (end,) = t.filter(kind="decision")
    assert end.date == START + dt.timedelta(days=56) and "stop" in end.description
    assert rules.TAPER_GAP in t.sources
    assert any("the prescriber's schedule" in w for w in t.warnings)


def test_taper_to_a_floor_twice_daily() -> None:
    # ciclosporin at 300 mg/day (150 mg twice daily), -50 mg/day every 14 days to 200 mg/day
    result = ciclosporin(P, mg_per_kg_day=2.5)  # 2.5 x 72 = 180 mg/day; as dispensed
    per_dose = result.dispensed.amount if result.dispensed else result.per_dose_mg
    daily = per_dose * 2
    # 2.5 x 72 = 180 mg/day -> 100 mg a dose as capsules: 200 mg a day. Since 2026-12-07 a taper
    # keeps the form: a 50 mg/day step is 25 mg a dose (one capsule): 200 -> 150, then the 100 floor
    t = taper(result, start=START, step="50 mg/day", every="14 days", until=f"{daily - 100:g} mg")
    levels = sorted({e.dose_amount for e in t.filter(kind="dose")}, reverse=True)
    assert levels == [daily - 50]  # one step, then the floor
    assert t.filter(kind="dose")[0].doses_per_day == 2
    assert "from here" in t.filter(kind="decision")[0].description


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"step": None, "every": "4 weeks", "until": "stop"}, "step"),
        ({"step": "25 mg", "every": None, "until": "stop"}, "every"),
        ({"step": "25 mg", "every": "4 weeks", "until": None}, "until"),
        ({"step": 25, "every": "4 weeks", "until": "stop"}, "step"),
        ({"step": "25 mg", "every": 4, "until": "stop"}, "every"),
        ({"step": "150 mg", "every": "4 weeks", "until": "stop"}, "step"),  # all at once
        ({"step": "25 mg", "every": "4 weeks", "until": "150 mg"}, "until"),  # not below
        ({"step": "25 mg", "every": "1.5 days", "until": "stop"}, "every"),
        ({"step": "0 mg", "every": "4 weeks", "until": "stop"}, "step"),
        ({"step": "25 mL", "every": "4 weeks", "until": "stop"}, "step"),
        ({"step": "0.5 mg", "every": "1 day", "until": "stop"}, "step"),  # 300 steps
    ],
)
def test_taper_has_no_defaults_and_refuses_bad_steps(options: dict[str, Any], field: str) -> None:
    with pytest.raises(PlexodoseError) as caught:
        taper(azathioprine(P), start=START, **options)
    assert caught.value.field == field


def test_the_plan_points_to_the_taper() -> None:
    s = plan(P, start="2026-12-01")
    assert any("plexodose.taper" in w for w in s.warnings)
    assert "plexodose.taper" in s.filter(kind="decision")[-1].description
