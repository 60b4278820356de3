"""The results and plans strategies (issue 21, test-suite author): what a downstream suite draws
with ``results()``, ``plans()`` and ``st.from_type`` of the result classes and ``Schedule``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plexodose import CyclophosphamidePulse, DailyDose, IVIgCourse, PlexodoseError, Schedule
from plexodose.strategies import plans, results

ORAL_NAMES = {"azathioprine", "mycophenolate mofetil", "ciclosporin", "cyclophosphamide (oral)"}


@given(st.from_type(DailyDose))
def test_from_type_daily_dose_draws_an_oral_drug_s_result(r: DailyDose) -> None:
    assert isinstance(r, DailyDose) and r.drug in ORAL_NAMES
    cap = r.cap_mg_per_day
    # every cap holds after dispensing: whole tablets a day at or below the tightest limit
    assert cap is None or r.given_per_dose_mg * r.doses_per_day <= cap * (1 + 1e-9)


@given(st.from_type(IVIgCourse), st.from_type(CyclophosphamidePulse))
def test_from_type_draws_ivig_courses_and_pulses(course: IVIgCourse,
                                                  pulse: CyclophosphamidePulse) -> None:
    # IVIg at most 1 g/kg/day of the dosing weight; a pulse at most 1 g/m2 without an override
    assert course.given_daily_dose_g <= course.dosing_weight_kg * (1 + 1e-9)
    assert pulse.g_per_m2 <= 1.0


@pytest.mark.parametrize("drug", ["azathioprine", "mycophenolate", "ciclosporin", "cyclosporin",
                                  "cyclophosphamide_oral", "cyclophosphamide_iv", "ivig"])
def test_results_of_one_drug_are_that_drug_s(drug: str) -> None:
    kinds = {"ivig": IVIgCourse, "cyclophosphamide_iv": CyclophosphamidePulse}

    @settings(max_examples=10)
    @given(results(drug))  # type: ignore[arg-type]
    def drawn(r: Any) -> None:
        assert isinstance(r, kinds.get(drug, DailyDose))
        if isinstance(r, DailyDose):
            assert r.drug.split()[0] in drug.replace("cyclosporin", "ciclosporin")

    drawn()


def test_an_unknown_drug_is_refused_naming_drug() -> None:
    with pytest.raises(PlexodoseError) as caught:
        results("rituximab")  # type: ignore[arg-type]
    assert caught.value.field == "drug"


@settings(max_examples=8, deadline=None)
@given(plans(months=6))
def test_plans_draws_plans_with_their_decisions(s: Schedule) -> None:
    decisions = s.filter(kind="decision")
    # IVIg's response, then the second agent's at 6 months: a 6-month plan has both
    assert len(decisions) >= 2
    assert s.events[0].date <= decisions[0].date


@settings(max_examples=3, deadline=None)
@given(st.from_type(Schedule))
def test_from_type_schedule_draws_a_plan(s: Schedule) -> None:
    assert isinstance(s, Schedule) and s.filter(kind="dose")
