"""Cyclophosphamide invariants: the 1.6 g/m2 ceiling, units, weight and BSA, protocol ranges."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import (
    ContraindicationError,
    DoseRangeError,
    cyclophosphamide_iv,
    cyclophosphamide_next_pulse,
    cyclophosphamide_oral,
)
from plexodose.strategies import patients, regimens

from ._helpers import assert_traced, close, heavier, rewritten

UMOL_PER_MG_DL = 1e4 / 113.12  # creatinine 113.12 g/mol: 1 mg/dL = 88.4 umol/L


def _iv(p, **kwargs):
    """cyclophosphamide_iv, or None above the EULAR table: above 500 umol/L no pulse is given
    without an override (dosing-rules.md), reduced or not."""
    refused = (kwargs.get("override") is None and p.creatinine_mg_dl is not None
               and p.creatinine_mg_dl * UMOL_PER_MG_DL > 500)
    if refused:
        with pytest.raises(ContraindicationError):
            cyclophosphamide_iv(p, **kwargs)
        return None
    return cyclophosphamide_iv(p, **kwargs)

HARD_CEILING = 1.6  # [guideline] Michigan protocol: absolute ceiling 1.6 g/m2
SEED_CEILING = 1.0  # [seed] 0.3-1 g/m2


@given(patients(complete=False).filter(lambda p: p.height is not None), regimens("cyclophosphamide_iv"))
def test_iv_pulse_within_ceiling_and_traced(p, kwargs):
    r = _iv(p, **kwargs)
    if r is None:
        return
    assert r.g_per_m2 <= SEED_CEILING
    assert r.dose_mg <= HARD_CEILING * 1000 * r.dosing_bsa_m2
    assert r.dose_mg <= r.g_per_m2 * 1000 * r.dosing_bsa_m2 * (1 + 1e-12)  # reductions only lower
    assert_traced(r)


@given(patients(), regimens("cyclophosphamide_iv"),
       st.lists(st.sampled_from(["1000 /uL", "2500 /uL", "4000 /uL", "9000 /uL"]), min_size=1,
                max_size=8),
       st.one_of(st.none(), st.just("refractory disease")))
def test_titrated_pulses_never_pass_the_ceiling(p, kwargs, nadirs, why):
    pulse = _iv(p, **kwargs)
    if pulse is None:
        return
    for nadir in nadirs:
        pulse = cyclophosphamide_next_pulse(pulse, nadir_wbc=nadir, override=why)
        assert pulse.g_per_m2 <= (HARD_CEILING if why else SEED_CEILING) * (1 + 1e-12)
        assert pulse.dose_mg <= HARD_CEILING * 1000 * pulse.dosing_bsa_m2 * (1 + 1e-12)
        assert_traced(pulse)


@given(patients(), st.floats(1.6, 100.0, exclude_min=True),
       st.one_of(st.none(), st.just("refractory disease")))
def test_above_hard_ceiling_refused_even_with_override(p, g, why):
    with pytest.raises(DoseRangeError) as info:
        cyclophosphamide_iv(p, g_per_m2=g, override=why)
    assert info.value.field == "g_per_m2"


@given(patients(), st.floats(1.0, 1.6, exclude_min=True))
def test_iv_rate_outside_seed_refused_without_override(p, g):
    # Above 1 g/m2: refused without an override (below 0.3 is a warning since 2026-12-07).
    with pytest.raises(DoseRangeError):
        cyclophosphamide_iv(p, g_per_m2=g)


@given(patients(), st.floats(0.05, 0.3, exclude_max=True))
def test_iv_rate_below_seed_computed_with_a_warning(p, g):
    r = _iv(p, g_per_m2=g)
    if r is None:  # above the EULAR table: no pulse without an override
        return
    assert any("below the protocol range 0.3-1 g/m2" in w for w in r.warnings)


@given(patients(), st.floats(0.01, 2.0, exclude_max=True))
def test_interval_outside_seed_refused_without_override(p, weeks):
    # Under 2 weeks: refused, override or not; over 4 weeks is a warning (next test).
    with pytest.raises(DoseRangeError) as info:
        cyclophosphamide_iv(p, interval_weeks=weeks)
    assert info.value.field == "interval_weeks"


@given(patients(), st.floats(4.0, 52.0, exclude_min=True))
def test_interval_longer_than_seed_computed_with_a_warning(p, weeks):
    r = _iv(p, interval_weeks=weeks)
    if r is None:  # above the EULAR table: no pulse without an override
        return
    assert any("longer than the seed's 4 weeks" in w for w in r.warnings)


@given(st.data(), patients(), regimens("cyclophosphamide_iv"))
def test_iv_dose_invariant_to_input_units(data, p, kwargs):
    a = _iv(p, **kwargs)
    if a is not None:
        assert close(a.dose_mg, _iv(rewritten(data, p), **kwargs).dose_mg)


@given(patients(), regimens("cyclophosphamide_iv"), st.floats(0.0, 40.0))
def test_iv_monotone_non_decreasing_in_weight_and_bsa(p, kwargs, extra):
    light, heavy = _iv(p, **kwargs), _iv(heavier(p, extra), **kwargs)
    if light is None:
        return
    assert heavy.bsa_m2 >= light.bsa_m2 * (1 - 1e-12)
    assert heavy.dose_mg >= light.dose_mg * (1 - 1e-12)


@given(patients(complete=False), regimens("cyclophosphamide_oral"))
def test_oral_dose_within_seed_range_and_traced(p, kwargs):
    r = cyclophosphamide_oral(p, **kwargs)
    # 1-2 mg/kg/day of actual weight; creatinine only lowers the rate (to 1.75 or 1.5 mg/kg/day);
    # never above 200 mg/day (EULAR 2009 / EUVAS summaries).
    assert r.daily_dose_mg <= min(kwargs["mg_per_kg_day"] * p.weight_kg, 200) * (1 + 1e-12)
    lowest = min(min(kwargs["mg_per_kg_day"], 1.5) * p.weight_kg, 200)
    assert r.daily_dose_mg >= lowest * (1 - 1e-12)
    assert r.cap_applied == (min(kwargs["mg_per_kg_day"], 2) * p.weight_kg > 200 and r.daily_dose_mg == 200)
    assert_traced(r)


@given(patients(complete=False), regimens("cyclophosphamide_oral"), st.floats(0.0, 40.0))
def test_oral_monotone_non_decreasing_in_weight(p, kwargs, extra):
    assert (cyclophosphamide_oral(heavier(p, extra), **kwargs).daily_dose_mg
            >= cyclophosphamide_oral(p, **kwargs).daily_dose_mg * (1 - 1e-12))


@given(st.data(), patients(), regimens("cyclophosphamide_oral"))
def test_oral_dose_invariant_to_input_units(data, p, kwargs):
    assert close(cyclophosphamide_oral(p, **kwargs).daily_dose_mg,
                 cyclophosphamide_oral(rewritten(data, p), **kwargs).daily_dose_mg)


@given(patients(), st.floats(2.0, 1e6, exclude_min=True))
def test_oral_rate_outside_seed_refused_without_override(p, rate):
    # Above 2 mg/kg/day: refused (below 1 is a warning since 2026-12-07, the next test).
    with pytest.raises(DoseRangeError):
        cyclophosphamide_oral(p, mg_per_kg_day=rate)


@given(patients(), st.floats(0.1, 1.0, exclude_max=True))
def test_oral_rate_below_seed_computed_with_a_warning(p, rate):
    r = cyclophosphamide_oral(p, mg_per_kg_day=rate)
    assert any("below the protocol range 1-2 mg/kg/day" in w for w in r.warnings)
