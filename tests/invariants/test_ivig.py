"""IVIg invariants: the 1 g/kg/day ceiling, units, weight, vial rounding, seed regimens."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plexodose import DoseRangeError, MissingInputError, Patient
from plexodose import ivig as _ivig
from plexodose._patient.body import ideal_body_weight_value
from plexodose.strategies import patients, regimens

from ._helpers import assert_dispensed_within_tolerance, assert_traced, close, heavier, rewritten

CEILING = 1.0  # [gap] default maximum: 1 g/kg/day, the highest label single-day dose seen
SEED = {(0.4, 5), (1.0, 1), (1.0, 2)}


def ivig(p, **kwargs):
    """The calculator; an at-risk day longer than 24 hours at the held initial rate is refused
    by default (monitoring-rules.md, IVIg safety, 2026-12-07): such a draw tests nothing here."""
    try:
        return _ivig(p, **kwargs)
    except DoseRangeError as exc:
        assume("more than 24 hours" not in str(exc))
        raise


@given(patients(complete=False), regimens("ivig"))
def test_ceiling_never_exceeded_and_result_traced(p, kwargs):
    if kwargs["weight_basis"] in ("ideal", "adjusted") and (p.height is None or p.sex is None):
        with pytest.raises(MissingInputError):  # that basis needs height and sex
            ivig(p, **kwargs)
        return
    r = ivig(p, **kwargs)
    assert r.daily_dose_g <= CEILING * r.dosing_weight_kg * (1 + 1e-12)
    assert r.dosing_weight_kg <= p.weight_kg  # never dosed on more than the actual weight
    assert_traced(r)
    assert_dispensed_within_tolerance(r.dispensed)
    if r.dispensed is not None:  # the rounded dose stays under the ceiling too
        assert r.dispensed.amount <= CEILING * r.dosing_weight_kg * (1 + 1e-12)


@given(patients(), st.floats(1.0, 10.0, exclude_min=True), st.integers(1, 5),
       st.one_of(st.none(), st.just("haematology advice")))
def test_above_ceiling_refused_even_with_override(p, g, days, why):
    with pytest.raises(DoseRangeError):
        ivig(p, g_per_kg_day=g, days=days, override=why)


@given(patients(), st.floats(0.01, 1.0), st.integers(1, 31))
def test_non_seed_regimen_refused_without_override(p, g, days):
    if (round(g, 12), days) in SEED:
        return
    with pytest.raises(DoseRangeError):
        ivig(p, g_per_kg_day=g, days=days)


@given(patients(), st.floats(1.0, 5.0, exclude_min=True))
def test_raising_the_ceiling_needs_override(p, ceiling):
    with pytest.raises(DoseRangeError) as info:
        ivig(p, max_g_per_kg_day=ceiling)
    assert info.value.field == "max_g_per_kg_day"


def _on_a_threshold(p):
    # Exactly at an obesity threshold (BMI 30, 120 % of IBW, actual == adjusted, 152 cm) a
    # conversion's last-bit rounding can flip the rule: that case has its own test below.
    bmi = p.bmi.magnitude
    ideal = ideal_body_weight_value(p.height_cm, p.sex)
    return any(abs(a - b) <= 1e-9 * b for a, b in
               ((bmi, 30.0), (p.weight_kg / ideal, 1.2), (p.weight_kg, ideal), (p.height_cm, 152.0),
                (p.height_cm, 152.4)))


@given(st.data(), patients(), regimens("ivig"))
def test_dose_invariant_to_input_units(data, p, kwargs):
    assume(not _on_a_threshold(p))
    a, b = ivig(p, **kwargs), ivig(rewritten(data, p), **kwargs)
    assert close(a.daily_dose_g, b.daily_dose_g)
    assert a.weight_basis == b.weight_basis


@given(patients(complete=False), regimens("ivig"),
       st.sampled_from(["actual", "ideal", "adjusted"]), st.floats(0.0, 40.0))
def test_monotone_non_decreasing_in_weight_on_a_fixed_basis(p, kwargs, basis, extra):
    # On a fixed basis the dosing weight never falls as the patient gets heavier. ("auto" can:
    # crossing BMI 30 switches to the lower adjusted weight, by design of the obesity rule.)
    kwargs = {**kwargs, "weight_basis": basis, "product": None}
    if basis != "actual" and (p.height is None or p.sex is None):
        return
    assert ivig(heavier(p, extra), **kwargs).daily_dose_g >= ivig(p, **kwargs).daily_dose_g * (1 - 1e-12)


@given(patients(obese=True), regimens("ivig"))
def test_obese_patient_on_auto_bmi_rule_gets_adjusted_weight(p, kwargs):
    # Since 2026-12-07 only at 152.4 cm or over (Transfusion Ontario); below it, actual weight.
    r = ivig(p, **{**kwargs, "weight_basis": "auto", "auto_rule": "bmi_over_30"})
    if p.height_cm < 152.4:
        assert r.weight_basis == "actual" and r.dosing_weight_kg == p.weight_kg
        return
    assert r.weight_basis == "adjusted"
    assert r.dosing_weight_kg < p.weight_kg


def test_bmi_threshold_is_the_same_in_every_unit():
    kg = Patient(weight="67.5 kg", height="150 cm", sex="female")
    lb = Patient(weight=f"{67.5 / 0.45359237!r} lb", height="150 cm", sex="female")
    assert ivig(kg).weight_basis == ivig(lb).weight_basis == "actual"  # 67.5 / 1.5^2 = 30.0
