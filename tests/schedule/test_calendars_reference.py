"""Issue 19, class 6: each drug's monitoring calendar is the reference's table
(monitoring-rules.md: azathioprine cadence, ciclosporin in addition, mycophenolate,
cyclophosphamide), walked date by date, and a property over plans from plexodose.strategies."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from plexodose import Patient, Schedule, ciclosporin, cyclophosphamide_oral, plan, schedule
from plexodose._core import vocab
from plexodose._schedule import rules as sch_rules
from plexodose._schedule.monitoring import CALENDARS
from plexodose.strategies import patients

P = Patient.example()
START = dt.date(2026, 12, 1)
# plan(P, start=START): IVIg Dec 1-5, decision 14 days after the last infusion = Dec 19; the
# second agent runs Dec 19 - Jun 18 (6 months), the refractory agent from Jun 19 to Dec 1.
SECOND, SWITCH, END = dt.date(2026, 12, 19), dt.date(2027, 6, 19), dt.date(2027, 12, 1)


def _days(start: dt.date, days: list[int]) -> list[dt.date]:
    return [start + dt.timedelta(days=d) for d in days]


def _tests(s: Schedule, drug: str, text: str) -> list[dt.date]:
    return [e.date for e in s.filter(drug=drug, kind="monitoring") if text in e.description]


def test_calendars_reference_azathioprine_two_weeks_after_each_increase() -> None:
    s = plan(P, start=START)
    # increases at day 56 (Feb 13, 1.5 mg/kg) and day 84 (Mar 13, 2 mg/kg): weekly to day 28,
    # every 2 weeks to day 84 and until 6 weeks after the last increase (84 + 42 = 126), then
    # every 4 weeks (154), before the switch on day 182
    days = [7, 14, 21, 28, 42, 56, 70, 84, 98, 112, 126, 154]
    want = _days(SECOND, days)
    assert want[-1] == dt.date(2027, 5, 22) and want[6] == dt.date(2027, 2, 27)  # 2 weeks after
    assert _tests(s, "azathioprine", "CBC and LFTs") == want
    assert [e.date for e in s.filter(drug="azathioprine", kind="monitoring")
            if e.description.startswith("serum creatinine")] == want
    week14 = [e for e in s.filter(drug="azathioprine", kind="monitoring") if e.date == want[8]]
    assert all(e.description.endswith("week 14, after the dose change of week 12") for e in week14)
    assert sch_rules.AZATHIOPRINE_MONITORING_SPS in s.sources


def test_calendars_reference_ciclosporin_all_tests_together_every_2_weeks() -> None:
    s = plan(P, start=START)
    # the seed's schedule: 5 mg/kg/day for 4 weeks, then 2.5: all tests at weeks 2, 4, 6, 8, 10
    # and 12, then every 4 weeks (16, 20), before the end of the plan (day 165)
    want = _days(SWITCH, [14, 28, 42, 56, 70, 84, 112, 140])
    assert want[0] == dt.date(2027, 7, 3) and want[-1] == dt.date(2027, 11, 6)
    panel = [e for e in s.filter(drug="ciclosporin", kind="monitoring")
             if e.description.startswith("blood pressure")]
    assert [e.date for e in panel] == want
    for test in ("FBC", "ALT or AST", "albumin", "glucose", "potassium", "magnesium"):
        assert all(test in e.description for e in panel), test
    creatinine = [e.date for e in s.filter(drug="ciclosporin", kind="monitoring")
                  if e.description.startswith("serum creatinine")]
    assert creatinine == want
    assert [e.date for e in s.filter(drug="ciclosporin", kind="monitoring")
            if e.description.startswith("lipids")] == [dt.date(2027, 7, 17)]  # once, day 28
    assert _tests(s, "ciclosporin", "before the first dose") == [SWITCH]
    assert {sch_rules.CICLOSPORIN_MONITORING, sch_rules.CICLOSPORIN_MONITORING_SPS,
            sch_rules.CICLOSPORIN_CALENDAR_GAP} <= set(s.sources)


def test_calendars_reference_ciclosporin_dose_change_in_the_monthly_phase_restarts() -> None:
    maintenance = ciclosporin(P, mg_per_kg_day=2.5)
    s = schedule(ciclosporin(P), start=START, months=7, maintenance=maintenance,
                 maintenance_week=20)
    # Dec 1 to Jul 1 = 212 days; the dose changes on day 140. 2-weekly to 84, monthly 112 and
    # 140 (the change day), then 2-weekly again to 140 + 42 = 182, then monthly: 210
    want = _days(START, [14, 28, 42, 56, 70, 84, 112, 140, 154, 168, 182, 210])
    assert _tests(s, "ciclosporin", "blood pressure, FBC") == want


def test_calendars_reference_mycophenolate_sps_default() -> None:
    s = plan(P, start=START, second_agent="mycophenolate")
    # steps on days 7 and 14 (500 -> 750 -> 1,000 mg twice daily): every 2 weeks until the dose
    # has been unchanged 6 weeks (14 + 42 = 56), then every 12 weeks (56 + 84 = 140)
    want = _days(SECOND, [14, 28, 42, 56, 140])
    assert want == [dt.date(2027, 1, 2), dt.date(2027, 1, 16), dt.date(2027, 1, 30),
                    dt.date(2027, 2, 13), dt.date(2027, 5, 8)]
    assert _tests(s, "mycophenolate", "CBC, ALT or AST and albumin") == want
    assert sch_rules.MYCOPHENOLATE_MONITORING in s.sources
    assert s.filter(drug="mycophenolate", kind="monitoring")[0].date != SECOND + dt.timedelta(7)


def test_calendars_reference_oral_cyclophosphamide_has_blood_counts() -> None:
    s = plan(P, start=START, refractory_agent="cyclophosphamide_oral")
    # every 2 weeks for 12 weeks, then every 4 weeks: counts, creatinine, urine for blood
    want = _days(SWITCH, [14, 28, 42, 56, 70, 84, 112, 140])
    assert _tests(s, "cyclophosphamide", "CBC with platelets and urine for blood") == want
    assert [e.date for e in s.filter(drug="cyclophosphamide", kind="monitoring")
            if e.description.startswith("serum creatinine")] == want
    assert sch_rules.ORAL_CYCLOPHOSPHAMIDE_MONITORING in s.sources
    alone = schedule(cyclophosphamide_oral(P), start=START, months=1)
    assert not any("blood-count calendar" in w for w in alone.warnings)


AGENTS = st.sampled_from([(a, b) for a in vocab.SECOND_AGENTS for b in vocab.REFRACTORY_AGENTS
                          if not (a.startswith("cyclophosphamide") and b.startswith("cyclophosphamide"))])


@settings(max_examples=30, deadline=None)
@given(patients(renal_impairment=False, tpmt="normal", nudt15="normal"), AGENTS,
       st.integers(1, 24))
def test_calendars_reference_property_over_plans(
    p: Patient, agents: tuple[str, str], months: int
) -> None:
    s = plan(p, start=START, second_agent=agents[0], refractory_agent=agents[1], months=months)
    for drug, calendar in CALENDARS.items():
        doses = [e for e in s.filter(drug=drug, kind="dose") if e.route == "oral"]
        if not doses:
            continue
        first, end = doses[0].date, doses[-1].date + dt.timedelta(days=1)
        changes = [(b.date - first).days for a, b in itertools.pairwise(doses)
                   if a.dose_amount != b.dose_amount]
        visits = [(d - first).days for d in _tests(s, drug, calendar.panel)]
        assert visits == sorted(set(visits)) and all(0 < v < (end - first).days for v in visits)
        # creatinine at every visit, on the same day as the rest of the panel
        creatinine = [(e.date - first).days for e in s.filter(drug=drug, kind="monitoring")
                      if e.description.startswith("serum creatinine")]
        assert creatinine == visits
        # a test at most 2 weeks after each dose change still inside the course
        for c in changes:
            if c + 14 < (end - first).days:
                assert any(c < v <= c + 14 for v in visits), (drug, c, visits)
        # 2-weekly phase, then never more than the table's longer interval
        phase_end = max([calendar.two_weekly_to, *(c + 42 for c in changes)])
        for a, b in zip([0, *visits], visits, strict=False):
            assert b - a <= (14 if a < phase_end else calendar.then_days), (drug, a, b)
        if calendar.opening:
            assert visits[: len(calendar.opening)] == [
                d for d in calendar.opening if d < (end - first).days]


def test_calendars_reference_mycophenolate_cellcept_is_an_option_cited_as_the_label() -> None:
    from plexodose import mycophenolate

    steps = [mycophenolate(P, mg_per_dose=500), mycophenolate(P, mg_per_dose=750)]
    default = schedule(mycophenolate(P), start=START, months=6, titration=steps)
    chosen = schedule(mycophenolate(P), start=START, months=6, titration=steps,
                      monitoring="cellcept")
    # SPS: steps on days 7 and 14 -> every 2 weeks to 14 + 42 = 56, then every 12 weeks (140)
    assert _tests(default, "mycophenolate", "CBC, ALT or AST") == _days(START, [14, 28, 42, 56, 140])
    # CellCept: weekly for 4 weeks, twice monthly to week 12, then monthly, before day 182
    assert _tests(chosen, "mycophenolate", "CBC (mycophenolate, CellCept") == _days(
        START, [7, 14, 21, 28, 42, 56, 70, 84, 112, 140, 168])
    assert sch_rules.CELLCEPT_MONITORING in chosen.sources
    assert sch_rules.MYCOPHENOLATE_MONITORING not in chosen.sources
    assert sch_rules.CELLCEPT_MONITORING not in default.sources
    assert schedule(mycophenolate(P), start=START, monitoring="sps").events == schedule(
        mycophenolate(P), start=START).events


def test_calendars_reference_monitoring_option_refused_elsewhere() -> None:
    import pytest

    from plexodose import azathioprine
    from plexodose._core.errors import InputRangeError

    with pytest.raises(InputRangeError, match="monitoring applies to mycophenolate only"):
        schedule(azathioprine(P), start=START, monitoring="cellcept")
    with pytest.raises(InputRangeError) as info:
        schedule(ciclosporin(P), start=START, monitoring="weekly")  # type: ignore[arg-type]
    assert info.value.field == "monitoring"
