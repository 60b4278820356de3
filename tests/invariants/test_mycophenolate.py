"""Mycophenolate invariants: 1500 mg a dose, 1000 mg a dose when eGFR < 25, units, rounding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import DoseRangeError, egfr, mycophenolate
from plexodose.strategies import patients, regimens

from ._helpers import assert_dispensed_within_tolerance, assert_traced, close, rewritten

MAX_PER_DOSE = 1500.0  # [secondary] eTG maximum 1500 mg twice daily
LOW_EGFR = 25.0  # [label] GFR < 25 mL/min/1.73 m2: at most 1 g twice daily
LOW_EGFR_MAX = 1000.0


def _egfr(p):
    if None in (p.age, p.sex, p.serum_creatinine):
        return None
    return egfr(age=p.age, sex=p.sex, serum_creatinine=p.serum_creatinine).magnitude


@given(patients(complete=False), regimens("mycophenolate"))
def test_caps_never_exceeded_and_result_traced(p, kwargs):
    r = mycophenolate(p, **kwargs)
    assert r.per_dose_mg <= MAX_PER_DOSE
    value = _egfr(p)
    if value is not None and value < LOW_EGFR:
        assert r.per_dose_mg <= LOW_EGFR_MAX
        assert r.cap_applied == (kwargs["mg_per_dose"] > LOW_EGFR_MAX)
    assert_traced(r)
    assert_dispensed_within_tolerance(r.dispensed)
    if r.dispensed is not None:
        assert r.dispensed.amount <= (LOW_EGFR_MAX if value is not None and value < LOW_EGFR
                                      else MAX_PER_DOSE)


@given(patients(renal_impairment=True, elderly=True), st.floats(1000.0, 1500.0))
def test_low_egfr_limit_applies_in_renal_impairment(p, dose):
    r = mycophenolate(p, mg_per_dose=dose)
    if _egfr(p) < LOW_EGFR:
        assert r.per_dose_mg == LOW_EGFR_MAX if dose > LOW_EGFR_MAX else r.per_dose_mg == dose
    else:
        assert close(r.per_dose_mg, dose)


@given(patients(), st.floats(1500.0, 1e6, exclude_min=True),
       st.one_of(st.none(), st.just("trial protocol")))
def test_above_1500_mg_refused_even_with_override(p, dose, why):
    with pytest.raises(DoseRangeError) as info:
        mycophenolate(p, mg_per_dose=dose, override=why)
    assert info.value.field == "mg_per_dose"


@given(patients(), st.floats(0.001, 500.0, exclude_max=True))
def test_below_protocol_computed_with_a_warning(p, dose):
    # Changed 2026-12-07: below the range is a warning naming it, never a refusal.
    r = mycophenolate(p, mg_per_dose=dose)
    assert any("below the protocol range 500-1,500 mg" in w for w in r.warnings)


@given(patients(), st.sampled_from([1, 3, 4]))
def test_other_than_twice_daily_refused_without_override(p, per_day):
    with pytest.raises(DoseRangeError) as info:
        mycophenolate(p, doses_per_day=per_day)
    # 4 x 1000 mg also passes the 3,000 mg/day hard limit, which is checked first
    assert info.value.field == ("daily dose" if per_day == 4 else "doses_per_day")


@given(st.data(), patients(), regimens("mycophenolate"))
def test_dose_invariant_to_input_units(data, p, kwargs):
    assert close(mycophenolate(p, **kwargs).daily_dose_mg,
                 mycophenolate(rewritten(data, p), **kwargs).daily_dose_mg)
