"""Ciclosporin invariants: mg/kg x actual weight in two doses, units, weight, rounding, range."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plexodose import ContraindicationError, DoseRangeError
from plexodose import ciclosporin as _ciclosporin
from plexodose import cyclosporin as _cyclosporin
from plexodose._patient.body import egfr_value
from plexodose.strategies import patients, regimens

from ._helpers import assert_dispensed_within_tolerance, assert_traced, close, heavier, rewritten


def _renal_ok(p):
    known = None not in (p.age, p.sex, p.creatinine_mg_dl)
    return not known or egfr_value(p.age, p.sex, p.creatinine_mg_dl) >= 60


def ciclosporin(p, **kwargs):
    """The calculator, with the reason the label asks for when eGFR is below 60."""
    return _ciclosporin(p, **kwargs, **({} if _renal_ok(p) else {"override": "renal team agreed"}))


def cyclosporin(p, **kwargs):
    return _cyclosporin(p, **kwargs, **({} if _renal_ok(p) else {"override": "renal team agreed"}))


@given(patients(), regimens("ciclosporin"))
def test_not_started_below_egfr_60_without_a_reason(p, kwargs):
    if _renal_ok(p):
        assert _ciclosporin(p, **kwargs).daily_dose_mg > 0
    else:
        with pytest.raises(ContraindicationError, match="below 60"):
            _ciclosporin(p, **kwargs)


@given(patients(complete=False), regimens("ciclosporin"))
def test_dose_within_protocol_and_traced(p, kwargs):
    r = ciclosporin(p, **kwargs)
    # Never more than the chosen mg/kg/day x actual weight; a creatinine rise only lowers it.
    assert r.daily_dose_mg <= kwargs["mg_per_kg_day"] * p.weight_kg * (1 + 1e-12)
    assert r.daily_dose_mg >= kwargs["mg_per_kg_day"] * p.weight_kg * (1 - 0.5) * (1 - 1e-12)
    assert r.doses_per_day == 2
    assert_traced(r)
    assert_dispensed_within_tolerance(r.dispensed)


@given(patients(), regimens("cyclosporin"))
def test_both_spellings_agree(p, kwargs):
    assert ciclosporin(p, **kwargs).daily_dose_mg == cyclosporin(p, **kwargs).daily_dose_mg


@given(st.data(), patients(), regimens("ciclosporin"))
def test_dose_invariant_to_input_units(data, p, kwargs):
    assert close(ciclosporin(p, **kwargs).daily_dose_mg,
                 ciclosporin(rewritten(data, p), **kwargs).daily_dose_mg)


@given(patients(complete=False), regimens("ciclosporin"), st.floats(0.0, 40.0))
def test_monotone_non_decreasing_in_weight(p, kwargs, extra):
    assert (ciclosporin(heavier(p, extra), **kwargs).daily_dose_mg
            >= ciclosporin(p, **kwargs).daily_dose_mg * (1 - 1e-12))


@given(patients(), st.floats(5.0, 1e6, exclude_min=True))
def test_rate_outside_protocol_refused_without_override(p, rate):
    # Above the range: refused (below it is a warning since 2026-12-07, the next test).
    with pytest.raises(DoseRangeError) as info:
        _ciclosporin(p, mg_per_kg_day=rate)
    assert info.value.field == "mg_per_kg_day"


@given(patients(), st.floats(0.5, 2.5, exclude_max=True))
def test_rate_below_protocol_computed_with_a_warning(p, rate):
    try:
        r = _ciclosporin(p, mg_per_kg_day=rate)
    except ContraindicationError:  # a renal start refusal: not this test's subject
        assume(False)
        raise
    assert any("below the protocol range 2.5-5 mg/kg/day" in w for w in r.warnings)


@given(patients(), st.sampled_from(["creatinine_rise_threshold", "creatinine_rise_reduction"]),
       st.floats(0.01, 0.2))
def test_rule_parameters_outside_label_refused_without_override(p, name, value):
    with pytest.raises(DoseRangeError) as info:
        _ciclosporin(p, **{name: value})
    assert info.value.field == name
