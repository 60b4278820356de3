"""The schedule generator and plan(): hand-checked dates and doses per drug, and properties."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose
from plexodose import (
    CATALOGUE,
    Event,
    InputRangeError,
    IVIgProduct,
    Patient,
    PlexodoseError,
    Schedule,
    azathioprine,
    ciclosporin,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    ivig,
    mycophenolate,
    plan,
    schedule,
)
from plexodose._core import vocab
from plexodose._dosing import guard as guard
from plexodose._schedule import algorithm as sch_algorithm
from plexodose._schedule import builder as sch_builder
from plexodose._schedule import model as sch_model
from plexodose._schedule import rules as sch_rules

P = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal
START = dt.date(2026, 12, 1)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def doses(s: Schedule, drug: str) -> list[Event]:
    return list(s.filter(drug=drug, kind="dose"))


def amounts(s: Schedule, drug: str) -> list[float]:
    return [e.dose_amount or 0.0 for e in doses(s, drug)]


# ---------------------------------------------------------------------------------------------
# IVIg


def test_ivig_course_hand_checked() -> None:
    s = schedule(ivig(P), start="2026-12-01")
    # 0.4 g/kg/day x 72 kg = 28.8 g a day on 1-5 December; 28.8 x 5 = 144 g
    assert [e.date for e in doses(s, "IVIg")] == [day(n) for n in range(5)]
    assert amounts(s, "IVIg") == pytest.approx([28.8] * 5)
    assert s.total_dose("IVIg").to("g").magnitude == pytest.approx(144)
    assert all(e.route == "IV" and e.volume_ml is None for e in doses(s, "IVIg"))
    # last infusion 5 December + 14 days = 19 December
    (assessment,) = s.filter(kind="assessment")
    assert assessment.date == dt.date(2026, 12, 19)
    assert sch_rules.IVIG_ASSESSMENT_GAP in s.sources


def test_ivig_with_product_volume_and_rates() -> None:
    s = schedule(ivig(P, product="privigen"), start=START)
    first = doses(s, "IVIg")[0]
    # 28.8 g rounds to the nearest 5 g: 30 g; at 10 % that is 30 / 0.1 = 300 mL
    assert first.dose_amount == 30 and first.volume_ml == pytest.approx(300)
    # Privigen's CIDP row (2026-12-07): 0.5 and 8 mg/kg/min x 72 kg x 60 / 100 mg per mL = 21.6
    # and 345.6 mL/h
    assert first.rate_steps_ml_per_h == pytest.approx((21.6, 345.6))
    # 300 mL all at 345.6 mL/h = 0.868 h; all at 21.6 mL/h = 13.89 h
    assert first.infusion_hours == pytest.approx((300 / 345.6, 300 / 21.6))
    assert s.total_dose("IVIg").magnitude == pytest.approx(150)  # 30 g x 5
    assert sch_rules.IVIG_RATE_GAP in s.sources
    assert any("increase as tolerated" in w for w in s.warnings)


def test_ivig_product_with_increments_gives_one_duration() -> None:
    base = CATALOGUE.ivig("gamunex")
    product = IVIgProduct(  # a user's product with its label's steps (the reference has none)
        name="Stepped Gamunex",
        vial_sizes_g=base.vial_sizes_g,
        source=base.source,
        initial_rate_mg_per_kg_min=2,
        max_rate_mg_per_kg_min=8,
        rate_increments_mg_per_kg_min=(4.0,),
        minutes_per_rate_step=30.0,
    )
    first = doses(schedule(ivig(P, product=product), start=START), "IVIg")[0]
    # 2, 4, 8 mg/kg/min x 72 x 60 / 100 = 86.4, 172.8, 345.6 mL/h
    assert first.rate_steps_ml_per_h == pytest.approx((86.4, 172.8, 345.6))
    # 300 mL: 30 min at 86.4 (43.2 mL) + 30 min at 172.8 (86.4 mL), 170.4 mL left at 345.6 mL/h
    hours = 0.5 + 0.5 + 170.4 / 345.6
    assert first.infusion_hours == pytest.approx((hours, hours))


def test_ivig_maintenance_every_three_weeks() -> None:
    s = schedule(
        ivig(P), start=START, maintenance=ivig(P, g_per_kg_day=1, days=1), maintenance_count=2
    )
    maintenance = [e for e in doses(s, "IVIg") if e.phase == "maintenance"]
    # 1 g/kg x 72 kg = 72 g on day 21 and day 42 after the start
    assert [(e.date, e.dose_amount) for e in maintenance] == [(day(21), 72), (day(42), 72)]
    assert s.total_dose("IVIg").magnitude == pytest.approx(144 + 2 * 72)
    assert plexodose._core.sources.IVIG_MAINTENANCE in s.sources


def test_ivig_maintenance_off_label_warns() -> None:
    s = schedule(
        ivig(P),
        start=START,
        maintenance=ivig(P, g_per_kg_day=1, days=2),
        maintenance_count=1,
        maintenance_interval_weeks=4,
    )
    assert any("differs from the label's 1 g/kg" in w for w in s.warnings)
    assert any("differs from the label's 3 weeks" in w for w in s.warnings)
    # 2-day cycle from day 28: 28 and 29
    assert [e.date for e in doses(s, "IVIg")][-2:] == [day(28), day(29)]


# ---------------------------------------------------------------------------------------------
# Azathioprine


def aza_steps(p: Patient = P) -> list[Any]:
    return [azathioprine(p, mg_per_kg_day=1), azathioprine(p, mg_per_kg_day=1.5)]


def test_azathioprine_titration_hand_checked() -> None:
    s = schedule(azathioprine(P), start=START, titration=aza_steps())
    got = doses(s, "azathioprine")
    # 1 mg/kg x 72 = 72 -> 75 mg (tablets of 25) on days 0-55; from week 8 (day 56)
    # 1.5 mg/kg = 108 -> 100 mg; from week 12 (day 84) the target 144 -> 150 mg
    assert got[0].dose_amount == 75 and got[55].dose_amount == 75
    assert (got[56].date, got[56].dose_amount) == (day(56), 100)
    assert (got[84].date, got[84].dose_amount) == (day(84), 150)
    # 6 months: 1 December to 1 June (exclusive) = 182 days
    assert len(got) == (dt.date(2027, 6, 1) - START).days == 182
    # 56 x 75 + 28 x 100 + 98 x 150 = 4,200 + 2,800 + 14,700 = 21,700 mg
    assert s.total_dose("azathioprine").magnitude == pytest.approx(21_700)
    assert max(e.dose_amount or 0 for e in got) <= 150  # never above the cap


def test_azathioprine_monitoring_and_assessments() -> None:
    s = schedule(azathioprine(P), start=START, titration=aza_steps())
    tests = s.filter(kind="monitoring")
    # weekly in month 1, every 2 weeks to week 12 and until the dose (raised at weeks 8 and 12)
    # has been unchanged for 6 weeks (week 18), then every 4 weeks, before day 182 (issue 19)
    weeks = [1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 18, 22]
    panels = [e for e in tests if "CBC and LFTs" in e.description]
    assert [e.date for e in panels] == [day(7 * w) for w in weeks]
    assert [e.date for e in tests if e.description.startswith("serum creatinine")] == [
        day(7 * w) for w in weeks]
    assert len(tests) == 2 * len(weeks)
    # calendar months: 3 months = 1 March, 6 months = 1 June
    assert [e.date for e in s.filter(kind="assessment")] == [
        dt.date(2027, 3, 1),
        dt.date(2027, 6, 1),
    ]


def test_azathioprine_without_titration_warns() -> None:
    s = schedule(azathioprine(P), start=START, months=1)
    assert set(amounts(s, "azathioprine")) == {150}
    assert any("label starts at about 1 mg/kg/day" in w for w in s.warnings)
    assert any("ends before 3 months" in w for w in s.warnings)


def test_azathioprine_titration_timing_configurable_and_checked() -> None:
    s = schedule(azathioprine(P), start=START, titration=aza_steps(), first_step_week=6)
    assert doses(s, "azathioprine")[42].dose_amount == 100  # week 6 = day 42
    s = schedule(azathioprine(P), start=START, titration=aza_steps(), step_weeks=2)
    assert any("differs from the label" in w for w in s.warnings)
    with pytest.raises(InputRangeError) as info:
        schedule(azathioprine(P), start=START, titration=[azathioprine(P)])  # not below target
    assert info.value.field == "titration"
    with pytest.raises(InputRangeError):
        schedule(azathioprine(P), start=START, titration=[mycophenolate(P, mg_per_dose=500)])
    with pytest.raises(InputRangeError):
        schedule(azathioprine(P), start=START, titration=aza_steps()[::-1])  # falling


def test_azathioprine_three_times_a_week() -> None:
    poor = Patient(weight="72 kg", tpmt="poor", nudt15="normal")
    result = azathioprine(poor, override="no alternative tolerated")
    s = schedule(result, start=START, months=1)
    # dosing days 0, 2, 4 of each week (7 x i // 3); 31 days: 5 weeks -> days 0,2,4 x 4 + 28,30
    assert [(e.date - START).days for e in doses(s, "azathioprine")] == [
        0,
        2,
        4,
        7,
        9,
        11,
        14,
        16,
        18,
        21,
        23,
        25,
        28,
        30,
    ]


# ---------------------------------------------------------------------------------------------
# Mycophenolate and ciclosporin


def test_mycophenolate_weekly_steps() -> None:
    steps = [mycophenolate(P, mg_per_dose=500), mycophenolate(P, mg_per_dose=750)]
    s = schedule(mycophenolate(P), start=START, months=1, titration=steps)
    got = doses(s, "mycophenolate")
    # 500 mg twice daily days 0-6, 750 twice daily days 7-13, 1000 twice daily days 14-30
    assert [e.dose_amount for e in got[:7]] == [1000] * 7
    assert [e.dose_amount for e in got[7:14]] == [1500] * 7
    assert {e.dose_amount for e in got[14:]} == {2000} and len(got) == 31
    assert got[14].per_dose.magnitude == 1000 and got[14].doses_per_day == 2
    # 7 x 1,000 + 7 x 1,500 + 17 x 2,000 = 51,500 mg
    assert s.total_dose("mycophenolate mofetil").magnitude == pytest.approx(51_500)
    # SPS (issue 19): every 2 weeks (creatinine and the CBC panel) before day 31
    assert [e.date for e in s.filter(kind="monitoring")] == [day(14)] * 2 + [day(28)] * 2
    assert sch_rules.MYCOPHENOLATE_STEP_GAP in s.sources


def test_ciclosporin_step_down_and_monitoring() -> None:
    s = schedule(
        ciclosporin(P), start=START, months=2, maintenance=ciclosporin(P, mg_per_kg_day=2.5)
    )
    got = doses(s, "ciclosporin")
    # 5 mg/kg x 72 = 360 mg/day = 180 a dose -> 175 mg (25 mg steps) twice daily = 350 mg/day
    # for 4 weeks; then 2.5 mg/kg = 180/day = 90 a dose -> 100 mg twice daily = 200 mg/day
    assert {e.dose_amount for e in got[:28]} == {350} and got[28].date == day(28)
    assert {e.dose_amount for e in got[28:]} == {200}
    # 1 December to 1 February = 62 days: 28 x 350 + 34 x 200 = 9,800 + 6,800 = 16,600 mg
    assert len(got) == 62 and s.total_dose("cyclosporin").magnitude == pytest.approx(16_600)
    tests = s.filter(kind="monitoring")
    creatinine = [e.date for e in tests if "creatinine" in e.description]
    pressure = [e.date for e in tests if "blood pressure" in e.description]
    assert creatinine == [day(d) for d in (0, 14, 28, 42, 56)]  # baseline, every 2 weeks
    # issue 19: blood pressure with the creatinine, every 2 weeks (no weekly BP in the reference)
    assert pressure == [day(d) for d in (0, 14, 28, 42, 56)]
    assert sch_rules.CICLOSPORIN_STEP_GAP in s.sources


def test_ciclosporin_without_maintenance_warns() -> None:
    s = schedule(ciclosporin(P), start=START, months=1)
    assert any("steps down to 2.5-3" in w for w in s.warnings)
    with pytest.raises(InputRangeError):  # maintenance above the start
        schedule(ciclosporin(P, mg_per_kg_day=2.5), start=START, maintenance=ciclosporin(P))
    with pytest.raises(InputRangeError):  # a step-down, not a titration
        schedule(ciclosporin(P), start=START, titration=[ciclosporin(P, mg_per_kg_day=2.5)])


# ---------------------------------------------------------------------------------------------
# Cyclophosphamide


def test_cyclophosphamide_pulses_hand_checked() -> None:
    pulse = cyclophosphamide_iv(P, g_per_m2=1)  # 1 g/m2 x 1.870829 m2 = 1,870.83 mg
    s = schedule(pulse, start=START)
    got = doses(s, "cyclophosphamide")
    assert [e.date for e in got] == [day(28 * k) for k in range(6)]  # every 4 weeks x 6
    # prepared to the whole mg below the 1 g/m2 ceiling (the nearest, 1,871, would pass it)
    assert got[0].dose_amount == 1870.0
    nadirs = [e for e in s.filter(kind="monitoring") if "nadir" in e.description]
    assert [(e.date, e.until) for e in nadirs] == [
        (day(28 * k + 10), day(28 * k + 14)) for k in range(6)
    ]
    cumulative = [q.magnitude for _, q in s.cumulative_dose("cyclophosphamide")]
    assert cumulative == pytest.approx([1870.0 * k for k in range(1, 7)], abs=1e-9)
    assert not any(e.warnings for e in got)  # 11.2 g: below 20 g


def test_cyclophosphamide_threshold_warning_on_the_crossing_pulse() -> None:
    pulse = cyclophosphamide_iv(P, g_per_m2=1)
    s = schedule(pulse, start=START, prior_cyclophosphamide_g=10)
    # 10 g + 5 x 1.870 = 19.35 g before pulse 6, 21.22 g after: pulse 6 reaches 20 g (Travis)
    warned = [e for e in doses(s, "cyclophosphamide") if e.warnings]
    assert [e.date for e in warned] == [day(140)]
    assert "20 g threshold" in warned[0].warnings[0] and "Travis" in warned[0].warnings[0]
    assert s.cumulative_dose("cyclophosphamide")[-1][1].magnitude == pytest.approx(
        10_000 + 6 * 1870.0, abs=1e-9
    )
    assert s.total_dose("cyclophosphamide").magnitude == pytest.approx(6 * 1870.0, abs=1e-9)
    # a configurable threshold: 5 g is reached by pulse 3 (3,740 -> 5,610 mg)
    s = schedule(pulse, start=START, cumulative_thresholds_g=[5])
    assert [e.date for e in doses(s, "cyclophosphamide") if e.warnings] == [day(56)]


def test_cyclophosphamide_oral_cumulative() -> None:
    s = schedule(cyclophosphamide_oral(P), start=START)
    got = doses(s, "cyclophosphamide")
    # 2 mg/kg x 72 = 144 mg a day, dispensed as 25/50 mg tablets (2026-12-07): 150 would pass
    # the seed ceiling of 144 mg, so 125 mg; 20 g is reached on dose 20,000 / 125 = 160 (day 159)
    assert {e.dose_amount for e in got} == {125}
    assert [e.date for e in got if any("threshold" in w for w in e.warnings)] == [day(159)]
    # 182 days x 125 = 22,750 mg: 36 g is not reached
    assert s.total_dose("cyclophosphamide").magnitude == pytest.approx(22_750)
    # issue 19: the French protocol's calendar, every 2 weeks to week 12, then every 4 weeks
    counts = [e.date for e in s.filter(kind="monitoring") if "CBC with platelets" in e.description]
    assert counts == [day(7 * w) for w in (2, 4, 6, 8, 10, 12, 16, 20, 24)]


def test_held_pulse_refused() -> None:
    held = plexodose.cyclophosphamide_next_pulse(cyclophosphamide_iv(P), pre_pulse_wbc="1500 /uL")
    with pytest.raises(InputRangeError):
        schedule(held, start=START)


# ---------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    "start",
    [
        "1/12/2026",
        "2026-02-30",
        "2026-12-01T10:00",
        20261201,
        dt.datetime(2026, 12, 1, 9),
        None,
        "1800-01-01",
        "2026-W49-1",
    ],
)
def test_bad_start_refused(start: Any) -> None:
    with pytest.raises(InputRangeError) as info:
        schedule(ivig(P), start=start)
    assert info.value.field == "start"


@pytest.mark.parametrize(
    "options",
    [
        {"count": 3},
        {"titration": aza_steps()},
        {"months": 3},
        {"prior_cyclophosphamide_g": 2},
        {"maintenance_count": 2},
    ],
)
def test_options_that_do_not_apply_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(InputRangeError):
        schedule(ivig(P), start=START, **options)


@pytest.mark.parametrize(
    "options",
    [
        {"maintenance_count": 2},
        {"count": 3},
        {"cumulative_thresholds_g": [20]},
        {"months": 0},
        {"months": 2.5},
        {"titration": "azathioprine"},
        {"maintenance": ciclosporin(P)},
    ],
)
def test_oral_options_refused(options: dict[str, Any]) -> None:
    with pytest.raises(InputRangeError):
        schedule(azathioprine(P), start=START, **options)


@pytest.mark.parametrize(
    "result", [None, 5, "ivig", P, plexodose.convert_mycophenolate("1000 mg", to="sodium")]
)
def test_wrong_result_refused(result: Any) -> None:
    with pytest.raises(InputRangeError) as info:
        schedule(result, start=START)
    assert info.value.field == "result"


def test_filter_and_total_refuse_unknown_names() -> None:
    s = schedule(ivig(P), start=START)
    for call in (
        lambda: s.filter(drug="aspirin"),
        lambda: s.filter(kind="dosing"),
        lambda: s.total_dose("aspirin"),
        lambda: s.cumulative_dose(3),
    ):
        with pytest.raises(InputRangeError):
            call()
    assert s.total_dose("azathioprine").magnitude == 0  # known drug, none scheduled


def test_schedule_is_immutable_and_sequence_like() -> None:
    s = schedule(ivig(P), start=START)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        s.events = ()  # type: ignore[misc]
    assert len(s) == 6 and s[0].date == START and list(s)[-1].kind == "assessment"
    assert "IVIg" in repr(s) and "28.8 g" in repr(s[0])


# ---------------------------------------------------------------------------------------------
# plan()


def test_plan_decision_points_and_phases() -> None:
    s = plan(P, start="2026-12-01")
    decisions = [e.date for e in s.filter(kind="decision")]
    # IVIg 1-5 Dec, assessed 19 Dec; azathioprine 19 Dec + 6 months = 19 Jun; end 1 Dec 2027
    assert decisions == [dt.date(2026, 12, 19), dt.date(2027, 6, 19), dt.date(2027, 12, 1)]
    aza = doses(s, "azathioprine")
    assert (aza[0].date, aza[-1].date) == (dt.date(2026, 12, 19), dt.date(2027, 6, 18))
    cic = doses(s, "ciclosporin")
    assert (cic[0].date, cic[-1].date) == (dt.date(2027, 6, 19), dt.date(2027, 11, 30))
    # the plan's doses are the calculators' own (as dispensed)
    assert aza[-1].dose_amount == azathioprine(P).dispensed.amount  # type: ignore[union-attr]
    assert doses(s, "IVIg")[0].dose_amount == pytest.approx(ivig(P).daily_dose_g)
    assessed = [
        e.date
        for e in s.filter(drug="azathioprine", kind="assessment")
        if "response assessment" in e.description
    ]
    assert assessed == [dt.date(2027, 3, 19), dt.date(2027, 6, 19)]  # 3 and 6 months


def test_plan_pitfalls_are_warnings() -> None:
    s = plan(P, start=START)
    text = " ".join(s.warnings).lower()
    for phrase in (
        "neoplastic or compressive",
        "3-6 months",
        "neuropathic pain",
        "never stop immunotherapy abruptly",
        "electrodiagnostic",
        "steroids",
    ):
        assert phrase in text
    restudies = [e.description for e in s.filter(kind="assessment")]
    assert sum("repeat MRI" in d for d in restudies) == 2
    assert sch_rules.SEED_PITFALLS in s.sources and sch_rules.SEED_ALGORITHM in s.sources


@pytest.mark.parametrize("second", vocab.SECOND_AGENTS)
def test_plan_each_second_agent(second: str) -> None:
    refractory = "cyclophosphamide_iv" if second == "azathioprine" else "ciclosporin"
    if second.startswith("cyclophosphamide"):
        refractory = "ciclosporin"
    s = plan(P, start=START, second_agent=second, refractory_agent=refractory)
    assert doses(s, sch_algorithm._drug_of(second)) and doses(s, sch_algorithm._drug_of(refractory))


def test_plan_refusals() -> None:
    cases = [
        dict(second_agent="cyclophosphamide_iv", refractory_agent="cyclophosphamide_oral"),
        dict(second_agent="rituximab"),
        dict(refractory_agent="azathioprine"),
        dict(months=0),
        dict(months="12"),
    ]
    for options in cases:
        with pytest.raises(InputRangeError):
            plan(P, start=START, **options)  # type: ignore[arg-type]
    with pytest.raises(InputRangeError):
        plan("patient", start=START)  # type: ignore[arg-type]
    with pytest.raises(PlexodoseError):  # IV cyclophosphamide needs height for BSA
        plan(Patient(weight="82 kg"), start=START, second_agent="cyclophosphamide_iv")


def test_short_plans() -> None:
    s = plan(P, start=START, months=3)
    assert not doses(s, "ciclosporin")
    assert any("before the refractory decision" in w for w in s.warnings)
    assert s.filter(kind="decision")[-1].date == dt.date(2027, 3, 1)
    assert max(e.date for e in doses(s, "azathioprine")) == dt.date(2027, 2, 28)


# ---------------------------------------------------------------------------------------------
# Properties

weights = st.floats(min_value=40, max_value=150).map(
    lambda w: Patient(
        weight=f"{w:.1f} kg",
        height="170 cm",
        sex="female",
        age=50,
        serum_creatinine="0.8 mg/dL",
        tpmt="normal",
        nudt15="normal",
    )
)
starts = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))


@given(
    weights,
    st.sampled_from([(0.4, 5), (1.0, 1), (1.0, 2)]),
    st.sampled_from([None, "privigen", "gamunex"]),
    starts,
)
def test_ivig_total_equals_course_total(
    p: Patient, regimen: tuple[float, int], product: str | None, start: dt.date
) -> None:
    course = ivig(p, g_per_kg_day=regimen[0], days=regimen[1], product=product)
    s = schedule(course, start=start)
    assert math.isclose(s.total_dose("IVIg").magnitude, course.total_dose.magnitude, rel_tol=1e-12)
    assert len(doses(s, "IVIg")) == course.days
    # each infusion carries the course's daily ceiling (1 g/kg/day x dosing weight) and holds it
    ceiling = course.limits[0].amount
    assert ceiling == course.dosing_weight_kg * 1.0
    assert all(e.max_per_day == ceiling and e.dose_amount <= ceiling for e in doses(s, "IVIg"))
    assert all(e.max_per_dose == ceiling for e in doses(s, "IVIg"))  # one infusion a day
    assert min(e.date for e in s) == start


oral_results = st.sampled_from(
    [
        lambda p: azathioprine(p),
        lambda p: mycophenolate(p),
        lambda p: ciclosporin(p),
        lambda p: cyclophosphamide_oral(p),
    ]
)


@given(weights, oral_results, st.integers(1, 12), starts)
def test_oral_course_properties(p: Patient, make: Any, months: int, start: dt.date) -> None:
    result = make(p)
    s = schedule(result, start=start, months=months)
    drug = sch_rules.ORAL[result.drug][0]
    end = sch_builder.add_months(start, months)
    got = doses(s, drug)
    assert all(start <= e.date < end for e in got)  # doses inside the course
    assert all(e.date >= start for e in s)  # nothing before the start
    assert len(got) == (end - start).days  # one dosing day each day
    per_day = (
        result.dispensed.amount if result.dispensed else result.per_dose_mg
    ) * result.doses_per_day
    assert math.isclose(s.total_dose(drug).magnitude, per_day * len(got), rel_tol=1e-9)
    running = [q.magnitude for _, q in s.cumulative_dose(drug)]
    assert running == sorted(running)
    # each dosing day carries the result's own daily limit (what to_fhir() writes) and holds it
    assert result.cap_mg_per_day is not None
    assert all(e.max_per_day == result.cap_mg_per_day for e in got)
    assert all(e.dose_amount is not None and e.dose_amount <= e.max_per_day for e in got)
    most = guard.per_dose_bound(result.limits, result.doses_per_day)
    assert all(e.max_per_dose == most for e in got)
    assert all(e.per_dose.magnitude <= most * (1 + 1e-12) for e in got)


@given(
    st.floats(0.3, 1.0),
    st.integers(1, 30),
    st.sampled_from([2.0, 3.0, 4.0]),
    st.lists(st.floats(1, 120), max_size=4),
    st.one_of(st.just(0.0), st.floats(1e-9, 60)),  # none, or at least the smallest plain number
    starts,
)
def test_pulse_threshold_warnings_exactly_on_crossings(
    g: float, count: int, weeks: float, thresholds: list[float], prior: float, start: dt.date
) -> None:
    pulse = cyclophosphamide_iv(P, g_per_m2=g, interval_weeks=weeks)
    s = schedule(
        pulse,
        start=start,
        count=count,
        cumulative_thresholds_g=thresholds or None,
        prior_cyclophosphamide_g=prior,
    )
    limits = sorted(set(thresholds)) if thresholds else [20.0, 36.0, 50.0]
    running = prior * 1000
    points = s.cumulative_dose("cyclophosphamide")
    assert len(points) == count
    for event, (when, total) in zip(doses(s, "cyclophosphamide"), points, strict=True):
        before, running = running, running + pulse.prepared_mg  # the pulses as prepared
        assert when == event.date and math.isclose(total.magnitude, running, rel_tol=1e-12)
        crossed = [t for t in limits if before < t * 1000 <= running]
        assert len(event.warnings) == len(crossed)  # a warning exactly for each crossing
        assert before <= running  # non-decreasing
    assert all(e.date >= start for e in s)


@given(
    weights,
    st.sampled_from(vocab.SECOND_AGENTS),
    st.sampled_from(["ciclosporin", "cyclophosphamide_oral", "cyclophosphamide_iv"]),
    st.integers(1, 24),
    starts,
)
def test_plan_properties(
    p: Patient, second: str, refractory: str, months: int, start: dt.date
) -> None:
    if second.startswith("cyclophosphamide") and refractory.startswith("cyclophosphamide"):
        refractory = "ciclosporin"
    s = plan(p, start=start, second_agent=second, refractory_agent=refractory, months=months)
    end = sch_builder.add_months(start, months)
    assert all(start <= e.date for e in s)
    assert all(e.date < end for e in s.filter(kind="dose"))
    assert [e.date for e in s] == sorted(e.date for e in s)
    for drug in sch_model.DRUGS:
        running = [q.magnitude for _, q in s.cumulative_dose(drug)]
        assert running == sorted(running)
        assert all(e.dose_amount and e.dose_amount > 0 for e in doses(s, drug))
        # a dosing day never holds more than its limit (IV pulses: a per-pulse limit, no daily)
        for e in doses(s, drug):
            assert (e.max_per_day is None) == (e.route == "IV" and drug != "IVIg"), e
            assert e.max_per_day is None or e.dose_amount <= e.max_per_day * (1 + 1e-12), e
            assert e.max_per_dose is not None, e  # every calculator's result has a limit
            assert e.dose_amount / e.doses_per_day <= e.max_per_dose * (1 + 1e-12), e


@given(starts, st.integers(0, 120))
def test_add_months_never_early(start: dt.date, months: int) -> None:
    later = sch_builder.add_months(start, months)
    assert (later.year - start.year) * 12 + later.month - start.month in (months, months + 1)
    assert later >= start
    if later.month != (start.month - 1 + months) % 12 + 1:  # moved on: the day did not exist
        assert later.day == 1


def test_ivig_product_without_vials_still_gets_volume_and_rates() -> None:
    # Gammagard Liquid has vials since 2026-12-07: a product with its rates and no vials
    base = CATALOGUE.ivig("gammagard")
    bare = IVIgProduct(name="Bare", vial_sizes_g=(), source=base.source,
                       initial_rate_mg_per_kg_min=0.8, max_rate_mg_per_kg_min=9)
    course = ivig(P, product=bare)
    first = doses(schedule(course, start=START), "IVIg")[0]
    # 28.8 g (not rounded) / 0.1 g/mL = 288 mL; 0.8 and 9 mg/kg/min x 72 x 60 / 100
    assert first.volume_ml == pytest.approx(288)
    assert first.rate_steps_ml_per_h == pytest.approx((34.56, 388.8))


@pytest.mark.parametrize(
    ("increments", "minutes", "field"),
    [
        ((9.0,), 30.0, "rate_increments_mg_per_kg_min"),  # above the 8 mg/kg/min maximum
        ((4.0, 3.0), 30.0, "rate_increments_mg_per_kg_min"),  # not rising
        ((4.0,), 0.0, "minutes_per_rate_step"),
        (("x",), 30, "rate_increments_mg_per_kg_min"),
        ((4.0,), None, "minutes_per_rate_step"),  # steps without their minutes
        ((), 30.0, "minutes_per_rate_step"),  # minutes without steps
    ],
)
def test_bad_rate_increments_refused(increments: tuple[Any, ...], minutes: Any, field: str) -> None:
    base = CATALOGUE.ivig("gamunex")
    with pytest.raises(InputRangeError) as info:
        product = IVIgProduct(
            name="Bad steps",
            vial_sizes_g=base.vial_sizes_g,
            source=base.source,
            initial_rate_mg_per_kg_min=2,
            max_rate_mg_per_kg_min=8,
            rate_increments_mg_per_kg_min=increments,
            minutes_per_rate_step=minutes,
        )
        schedule(ivig(P, product=product), start=START)
    assert info.value.field == field


def test_prior_exposure_already_past_a_threshold_is_warned() -> None:
    s = schedule(cyclophosphamide_iv(P), start=START, prior_cyclophosphamide_g=55)
    # 55 g before the first pulse: past the 50 g threshold (Travis 1995) before anything is given
    assert any("already at or above the 50 g threshold" in w for w in s.warnings)


def test_steps_for_another_patient_are_refused() -> None:
    other = Patient(weight="40 kg", tpmt="normal", nudt15="normal")
    with pytest.raises(InputRangeError, match="same patient") as info:
        schedule(azathioprine(P), start=START, titration=[azathioprine(other, mg_per_kg_day=1)])
    assert info.value.field == "titration"


# ---------------------------------------------------------------------------------------------
# Monitoring issue: at-risk IVIg, phase warnings, layout


def test_at_risk_ivig_pump_is_never_escalated() -> None:
    from plexodose._core import sources as src
    from plexodose._monitoring import thresholds as rules

    # Gamunex-C has no at-risk figure (2026-12-07): its initial 2 mg/kg/min held,
    # 2 x 72 kg x 60 / 100 mg per mL = 86.4 mL/h
    gamunex = ivig(P, product="gamunex-c", risk_factors=("diabetes",))
    first = doses(schedule(gamunex, start=START), "IVIg")[0]
    assert first.rate_steps_ml_per_h == pytest.approx((86.4,))
    assert first.infusion_hours == pytest.approx((300 / 86.4, 300 / 86.4))  # 30 g = 300 mL
    assert "not escalated" in first.description
    # Privigen has no at-risk figure: its initial 0.5 mg/kg/min held, 0.5 x 72 x 60 / 100 = 21.6 mL/h
    at_risk = ivig(P, product="privigen", risk_factors=("diabetes", "prior_thrombosis"))
    s = schedule(at_risk, start=START)
    assert doses(s, "IVIg")[0].rate_steps_ml_per_h == pytest.approx((21.6,))
    assert src.IVIG_AT_RISK_RATE in s.sources and rules.IVIG_BOXED_WARNING in s.sources
    assert any("diabetes; prior thrombosis" in w and "never escalated" in w for w in s.warnings)
    # no risk factors: the usual start and maximum (CIDP row, 8 x 72 x 0.6 = 345.6 mL/h)
    plain = schedule(ivig(P, product="privigen"), start=START)
    assert doses(plain, "IVIg")[0].rate_steps_ml_per_h == pytest.approx((21.6, 345.6))


def test_each_phase_warnings_once_on_that_phase() -> None:
    s = plan(P, start=START, months=14)
    rounding = [w for w in s.warnings if "rounding to whole capsules" in w]
    # the maintenance phase's rounding warning is listed once, under the maintenance phase only
    assert len(rounding) == len(set(rounding))
    for text in rounding:
        phase = text.split(":")[0]
        carriers = [e for e in s.filter(kind="dose") if text in e.warnings]
        assert len(carriers) == 1 and phase.endswith(carriers[0].phase)
    maintenance = [w for w in s.warnings if "(90 -> 100 mg)" in w]
    assert all(w.startswith("ciclosporin, maintenance:") for w in maintenance)


def test_schedule_layout_exporters_depend_on_the_model_only() -> None:
    import ast
    from pathlib import Path

    root = Path(plexodose.__file__).parent
    exporters = sorted((root / "_interop").glob("*.py"))
    assert len(exporters) >= 8
    for path in exporters:
        imported = {
            node.module
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        schedule_modules = {m for m in imported if m.startswith("plexodose._schedule")}
        # the event model, and the schedule's rule constants (data): never the algorithm
        assert schedule_modules <= {"plexodose._schedule.model", "plexodose._schedule.rules"}, (
            path.name)
    model = ast.parse((root / "_schedule" / "model.py").read_text())
    model_imports = {n.module for n in ast.walk(model) if isinstance(n, ast.ImportFrom)}
    calculators = {"plexodose._drugs.ivig", "plexodose._drugs.azathioprine", "plexodose._drugs.ciclosporin",
                   "plexodose._drugs.cyclophosphamide", "plexodose._drugs.mycophenolate"}
    assert not model_imports & calculators
    assert {p.stem for p in (root / "_schedule").glob("*.py")} >= {
        "model", "courses", "algorithm", "monitoring", "replanning"}


def test_same_patient_error_has_no_float_noise() -> None:
    heavy = Patient(weight="158 lb", tpmt="normal", nudt15="normal")  # 158 x 0.45359237 kg
    with pytest.raises(InputRangeError) as info:
        schedule(azathioprine(P), start=START, titration=[azathioprine(heavy, mg_per_kg_day=1)])
    assert "71.667594 kg" in str(info.value) and "72 kg" in str(info.value)


def test_at_risk_ivig_pump_rises_to_the_product_s_own_figure() -> None:
    """Issue 19 (2026-12-07): the schedule's at-risk pump is the calculator's at-risk rate, not
    the withdrawn 2 mg/kg/min cap: Panzyga's label figure is 3.3 mg/kg/min."""
    course = ivig(P, product="panzyga", risk_factors=("diabetes",))
    first = doses(schedule(course, start=START), "IVIg")[0]
    # 1 mg/kg/min x 72 kg x 60 / 100 mg per mL = 43.2 mL/h, then 3.3 x 72 x 0.6 = 142.56 mL/h
    assert first.rate_steps_ml_per_h == pytest.approx((43.2, 142.56))
