"""What every calculator's result promises, across the drugs: the guard's limits and hard
ceilings, refusals naming the field, drug names and flags, sources in the order the
rules applied, fresh quantities, frozen and picklable results."""

from __future__ import annotations

import math
import pickle
import random
import subprocess
import sys
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plexodose
import plexodose._core.sources as src
from plexodose import (
    Q_,
    ContraindicationError,
    DoseRangeError,
    InputRangeError,
    Patient,
    PlexodoseError,
    Source,
    azathioprine,
    ciclosporin,
    convert_mycophenolate,
    cyclophosphamide_iv,
    cyclophosphamide_next_pulse,
    cyclophosphamide_oral,
    cyclophosphamide_pulse_reduction,
    cyclosporin,
    ivig,
    mycophenolate,
    plan,
)
from plexodose.strategies import patients, regimens

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


FIELD_CASES = [
    (ivig, {"g_per_kg_day": -1}, "g_per_kg_day", -1.0),
    (ivig, {"g_per_kg_day": "0.4"}, "g_per_kg_day", "0.4"),
    (ivig, {"days": 0}, "days", 0),
    (ivig, {"round_to_g": 0}, "round_to_g", 0.0),
    (ivig, {"round_to_g": "5"}, "round_to_g", "5"),
    (ivig, {"max_g_per_kg_day": 0}, "max_g_per_kg_day", 0.0),
    (ivig, {"max_g_per_kg_day": "1"}, "max_g_per_kg_day", "1"),
    (ivig, {"weight_basis": "lean"}, "weight_basis", "lean"),
    (ivig, {"auto_rule": "bmi>30"}, "auto_rule", "bmi>30"),
    (azathioprine, {"mg_per_kg_day": 0}, "mg_per_kg_day", 0.0),
    (azathioprine, {"mg_per_kg_day": "2"}, "mg_per_kg_day", "2"),
    (azathioprine, {"doses_per_day": 3}, "doses_per_day", 3),
    (azathioprine, {"allopurinol": "yes"}, "allopurinol", "yes"),
    (cyclophosphamide_oral, {"mg_per_kg_day": 0}, "mg_per_kg_day", 0.0),
    (cyclophosphamide_oral, {"mg_per_kg_day": "2"}, "mg_per_kg_day", "2"),
    (cyclophosphamide_iv, {"g_per_m2": 0}, "g_per_m2", 0.0),
    (cyclophosphamide_iv, {"g_per_m2": "1"}, "g_per_m2", "1"),
    (cyclophosphamide_iv, {"interval_weeks": 0}, "interval_weeks", 0.0),
    (cyclophosphamide_iv, {"interval_weeks": "4"}, "interval_weeks", "4"),
    (cyclophosphamide_iv, {"bsa_cap": "0.5 m**2"}, "bsa_cap", "0.5 m**2"),
    (cyclophosphamide_iv, {"bsa_cap": "3.5 m**2"}, "bsa_cap", "3.5 m**2"),
    (cyclophosphamide_iv, {"bsa_cap": "2 kg"}, "bsa_cap", "2 kg"),
    (cyclophosphamide_iv, {"age_renal_reduction": 1}, "age_renal_reduction", 1),
    (cyclophosphamide_pulse_reduction, {"mg_per_kg": 0}, "mg_per_kg", 0.0),
    (cyclophosphamide_pulse_reduction, {"mg_per_kg": "15"}, "mg_per_kg", "15"),
    (ciclosporin, {"mg_per_kg_day": 0}, "mg_per_kg_day", 0.0),
    (ciclosporin, {"mg_per_kg_day": "5"}, "mg_per_kg_day", "5"),
    (ciclosporin, {"creatinine_rise_threshold": 0}, "creatinine_rise_threshold", 0),
    (ciclosporin, {"creatinine_rise_reduction": 0}, "creatinine_rise_reduction", 0),
    (mycophenolate, {"mg_per_dose": 0}, "mg_per_dose", 0.0),
    (mycophenolate, {"mg_per_dose": "1000"}, "mg_per_dose", "1000"),
    (mycophenolate, {"doses_per_day": 0}, "doses_per_day", 0),
    (mycophenolate, {"doses_per_day": 5, "override": "x"}, "doses_per_day", 5),
]


LOW = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")
# eGFR female 70 y, 3 mg/dL: 142 x (3/0.7)^-1.2 x 0.9938^70 x 1.012 = 16.2 (< 25)


FIRST = cyclophosphamide_iv(EX, g_per_m2=0.5)  # 0.5 x 1000 x 1.8708 = 935.41 mg


CALCULATORS = {
    "ivig": ivig,
    "azathioprine": azathioprine,
    "cyclophosphamide_oral": cyclophosphamide_oral,
    "cyclophosphamide_iv": cyclophosphamide_iv,
    "ciclosporin": ciclosporin,
    "mycophenolate": mycophenolate,
    "cyclophosphamide_pulse_reduction": cyclophosphamide_pulse_reduction,
}


def _overridden(drug: str) -> st.SearchStrategy[dict[str, Any]]:
    """Regimens outside the protocol, each with a reason: the hard limits must still hold."""
    reason = st.just({"override": "prescriber's decision"})
    wide = {
        "ivig": st.fixed_dictionaries({"g_per_kg_day": st.floats(0.1, 1.0),
                                       "days": st.integers(1, 4),
                                       "product": st.sampled_from((None, "privigen", "gamunex"))}),
        "azathioprine": st.fixed_dictionaries({"mg_per_kg_day": st.floats(0.2, 4.0),
                                               "doses_per_day": st.sampled_from((1, 2))}),
        "cyclophosphamide_oral": st.fixed_dictionaries({"mg_per_kg_day": st.floats(0.2, 2.0)}),
        "cyclophosphamide_iv": st.fixed_dictionaries({"g_per_m2": st.floats(0.1, 1.6),
                                                      "interval_weeks": st.floats(2.0, 8.0)}),
        "ciclosporin": st.fixed_dictionaries({"mg_per_kg_day": st.floats(0.5, 5.0)}),
        "mycophenolate": st.fixed_dictionaries({"mg_per_dose": st.floats(100, 1000),
                                                "doses_per_day": st.integers(1, 3)}),
        "cyclophosphamide_pulse_reduction": st.fixed_dictionaries(
            {"max_pulse_mg": st.floats(100, 1500)}),
    }[drug]
    return st.tuples(wide, reason).map(lambda pair: {**pair[0], **pair[1]})


def _per_dose(result: Any) -> tuple[float, float, int]:
    """(calculated, given) per administration and administrations a dosing day."""
    if hasattr(result, "daily_dose_g"):
        return result.daily_dose_g, result.given_daily_dose_g, 1
    if hasattr(result, "per_dose_mg"):
        return result.per_dose_mg, result.given_per_dose_mg, result.doses_per_day
    return result.dose_mg, result.dose_mg, 1


def _guard_holds(result: Any) -> None:
    calculated, given, per_day = _per_dose(result)
    for amount in (calculated, given):
        assert math.isfinite(amount) and amount > 0
    for lim in getattr(result, "limits", ()):
        for amount in (calculated, given):
            total = amount if lim.per == "dose" else amount * per_day
            assert total <= lim.amount * (1 + 1e-9), (lim, amount)
    weight = getattr(result, "dosing_weight_kg", None)
    assert weight is None or (math.isfinite(weight) and weight > 0)
    assert result.steps and result.sources and all(isinstance(s, Source) for s in result.sources)
    if getattr(result, "dispensed", None) is not None:
        assert result.dispensed.calculated == pytest.approx(calculated, rel=1e-12)


def test_overrides_never_pass_the_seed_ceilings() -> None:
    with pytest.raises(DoseRangeError, match="hard limit"):
        cyclosporin(Patient.example(), mg_per_kg_day=6, override="any")
    low = cyclosporin(Patient.example(), mg_per_kg_day=2, override="renal team")
    assert low.daily_dose.m_as("mg/day") == pytest.approx(144.0)  # 2 x 72, below the range
    # 1,500 mg x 4 = 6,000 mg/day: above the 1,500 mg twice daily (3,000 mg/day) maximum
    with pytest.raises(DoseRangeError, match="daily dose 6,000"):
        mycophenolate(Patient.example(), mg_per_dose=1500, doses_per_day=4, override="any")


@pytest.mark.parametrize(("function", "kwargs", "field", "value"), FIELD_CASES,
                         ids=[f"{f.__name__}-{k}" for f, k, _, _ in FIELD_CASES])
def test_calculators_name_the_field_and_value(function, kwargs, field, value):
    """Mutation killer (docs/mutation.md): every calculator's refusal names the field at fault and
    carries the value given (the bad-input matrix covers the rest)."""
    with pytest.raises(PlexodoseError) as info:
        function(EX, **kwargs)
    assert info.value.field == field
    assert info.value.value == value
    assert field in str(info.value)


def test_next_pulse_and_conversion_name_their_fields():
    """Mutation killer (docs/mutation.md): the next-pulse and mycophenolate conversion refusals name
    their field and value; a missing count says what to give."""
    pulse = cyclophosphamide_iv(EX)
    for name in ("nadir_wbc", "pre_pulse_wbc", "pre_pulse_neutrophils"):
        with pytest.raises(InputRangeError) as info:
            cyclophosphamide_next_pulse(pulse, **{name: "-5 /uL"})
        assert info.value.field == name and info.value.value == "-5 /uL"
    with pytest.raises(InputRangeError) as info:
        cyclophosphamide_next_pulse(pulse, nadir_wbc="3000 /uL", cut_fraction=0)
    assert info.value.field == "cut_fraction"
    with pytest.raises(InputRangeError) as info:
        cyclophosphamide_next_pulse(pulse)
    assert info.value.field == "nadir_wbc"
    assert str(info.value) == ('give nadir_wbc, pre_pulse_wbc or pre_pulse_neutrophils, such as '
                               '"2500 /uL"')
    with pytest.raises(InputRangeError) as info:
        cyclophosphamide_next_pulse(EX, nadir_wbc="3000 /uL")
    assert info.value.field == "previous" and info.value.value is EX
    with pytest.raises(InputRangeError) as info:
        convert_mycophenolate("0 mg", to="sodium")
    assert info.value.field == "dose"
    with pytest.raises(InputRangeError) as info:
        convert_mycophenolate("500 mg", to="Sodium")
    assert info.value.field == "to" and info.value.value == "Sodium"


def test_results_carry_drug_names_and_flags():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): every
    result carries its drug name and its flags."""
    assert azathioprine(EX).drug == "azathioprine"
    assert ciclosporin(EX).drug == "ciclosporin" and ciclosporin(EX).dosing_weight_kg == 72
    assert mycophenolate(EX).cap_applied is False
    assert cyclophosphamide_next_pulse(FIRST, nadir_wbc="3000 /uL").held is False
    assert ivig(EX, weight_basis="actual").weight_basis == "actual"
    assert ivig(EX, product="privigen").dispensed.product == "Privigen 10 %"


def test_absolute_ceilings_name_field_unit_and_source():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): each absolute
    ceiling's refusal names the field, the unit and the source."""
    gap = src.SEED_CEILING_GAP
    cases = [
        (lambda: mycophenolate(EX, doses_per_day=4, override="x"),
         f"daily dose 4,000 mg is above the hard limit of 3,000 mg "
         f"({src.MYCOPHENOLATE_TITRATION}); an override does not lift it"),
        (lambda: cyclophosphamide_oral(EX, mg_per_kg_day=2.5, override="x"),
         f"mg_per_kg_day 2.5 mg/kg/day is above the hard limit of 2 mg/kg/day ({gap}); an "
         "override does not lift it"),
        (lambda: ciclosporin(EX, mg_per_kg_day=6, override="x"),
         f"mg_per_kg_day 6 mg/kg/day is above the hard limit of 5 mg/kg/day ({gap}); an "
         "override does not lift it"),
        (lambda: ivig(EX, max_g_per_kg_day=2.5, override="x"),
         f"max_g_per_kg_day 2.5 g/kg/day is above the hard limit of 2 g/kg/day ({gap}); an "
         "override does not lift it"),
    ]
    for call, message in cases:
        with pytest.raises(DoseRangeError) as info:
            call()
        assert str(info.value) == message


def test_each_rule_cites_its_source_when_it_applies():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): each rule cites
    its source when it applies, even when its limit is respected."""
    mid = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="300 umol/L"))
    assert src.CYCLOPHOSPHAMIDE_ORAL_RENAL in mid.sources
    p = Patient(weight="72 kg", height="175 cm", age=65, serum_creatinine="350 umol/L")
    assert src.EULAR_CYCLOPS in cyclophosphamide_iv(p, age_renal_reduction=True).sources
    at = mycophenolate(LOW, mg_per_dose=1000)  # the eGFR < 25 limit respected, still cited
    assert src.MYCOPHENOLATE_RENAL in at.sources
    vials = ivig(EX, weight_basis="actual", product="privigen")  # 5 g rounding: Ontario
    assert src.TRANSFUSION_ONTARIO in vials.sources


def test_sources_in_the_order_the_rules_applied():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): each rule's
    source is cited where the rule is used, so the order of the sources is the derivation's."""
    ind = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="normal"))
    # 120 x 0.3 = 36 -> 50 mg (CPIC's reduced amount in whole 25 mg tablets since 2026-12-07):
    # exact in tablets, so no rounding warning.
    assert ind.sources == (src.SEED_AZATHIOPRINE, src.CPIC_THIOPURINES, src.INDETERMINATE_GAP,
                           src.RANGE_LOW_END_GAP, src.CPIC_REDUCED_TABLETS,
                           src.AZATHIOPRINE_LABEL, src.SEED_DURATION)
    small = ivig(Patient(weight="20 kg"), product="privigen")  # not roundable within 10 %
    assert small.sources == (src.SEED_IVIG, src.IVIG_BOXED_WARNING,  # age, renal function unknown
                             src.IVIG_MAX_DAILY_GAP, src.PRIVIGEN_LABEL, src.US_ROUNDING)
    rise = ciclosporin(Patient(weight="80 kg", serum_creatinine="1.25 mg/dL",
                               baseline_creatinine="1 mg/dL"), mg_per_kg_day=3)
    assert rise.sources == (src.SEED_CICLOSPORIN, src.CICLOSPORIN_LABEL, src.RANGE_LOW_END_GAP,
                            src.ROUNDING_WARNING_GAP)
    fall = ciclosporin(Patient(weight="80 kg", serum_creatinine="0.8 mg/dL",
                               baseline_creatinine="1 mg/dL"), mg_per_kg_day=2.5)
    assert fall.sources == (src.SEED_CICLOSPORIN, src.CICLOSPORIN_LABEL)
    high = ciclosporin(Patient(weight="50 kg"), mg_per_kg_day=4.5)  # above the label's 4
    assert high.sources == (src.SEED_CICLOSPORIN, src.CICLOSPORIN_LABEL, src.ROUNDING_WARNING_GAP)


def test_class_1_results_hand_out_fresh_quantities() -> None:
    """Never silently wrong, class 1 (a returned object that was a live handle): results and
    schedules hand out fresh Quantities: one changed in place changes neither the result nor its
    text."""
    course = ivig(EX, product="privigen")  # 28.8 g -> 30 g: 20 g + 10 g vials
    text = repr(course)
    for q, other in ((course.daily_dose, "kg/day"), (course.total_dose, "kg"),
                     (course.rounded_daily_dose, "mg/h"), (course.dosing_weight, "lb"),
                     (course.vials[0][0], "mg"), (course.dispensed.dose, "oz")):
        q.ito(other)  # in place, to another unit
    assert repr(course) == text
    assert course.rounded_daily_dose == Q_(30, "g/day") and course.total_dose == Q_(150, "g")
    dose = azathioprine(EX)
    got = dose.daily_dose
    got *= 10  # an in-place operation on what it got back
    assert dose.daily_dose == Q_(144, "mg/day")  # 2 mg/kg x 72 kg, unchanged
    s = plan(EX, start="2026-12-01")
    before = s.total_dose("IVIg")
    for event in s.filter(kind="dose"):
        event.dose.ito("kg")
    assert s.total_dose("IVIg") == before == Q_(144, "g")  # 28.8 g x 5 days


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data(), patients(complete=False), st.sampled_from(sorted(CALCULATORS)), st.booleans())
def test_property_the_guard_holds_for_every_result(data: Any, p: Patient, drug: str,
                                                   override: bool) -> None:
    """Never silently wrong, property: the guard's rules hold for every result over the public
    strategies, overrides included; a refusal is always allowed, a wrong result never."""
    kwargs = data.draw(_overridden(drug) if override else regimens(drug))
    try:
        result = CALCULATORS[drug](p, **kwargs)
    except PlexodoseError:
        return  # a refusal is always allowed: what is never allowed is a wrong result
    _guard_holds(result)


def test_property_results_equal_after_pickling_in_a_fresh_process() -> None:
    """Never silently wrong, property (class 11): results pickle, and read the same in a fresh
    process."""
    rng = random.Random(8)
    results: list[Any] = []
    while len(results) < 60:
        p = Patient(weight=f"{rng.uniform(40, 140):.1f} kg", height=f"{rng.uniform(150, 200):.0f} cm",
                    sex=rng.choice(["female", "male"]), age=rng.randint(18, 90),
                    serum_creatinine=f"{rng.uniform(0.5, 2.5):.2f} mg/dL",
                    tpmt=rng.choice(["normal", "intermediate"]), nudt15="normal")
        drug = rng.choice(sorted(CALCULATORS))
        try:
            results.append(CALCULATORS[drug](p))
        except PlexodoseError:
            continue
    code = ("import pickle, sys, json; rs = pickle.loads(sys.stdin.buffer.read()); "
            "print(json.dumps([[repr(r), r.to_json()] for r in rs]))")
    done = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(results),
                          capture_output=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    import json

    assert json.loads(done.stdout) == [[repr(r), r.to_json()] for r in results]
    assert [pickle.loads(pickle.dumps(r)) for r in results] == results


def test_results_are_frozen() -> None:
    """Never silently wrong: results are frozen, a patient's data may still refuse a drug, and the
    package has a version."""
    r = azathioprine(EX)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        r.daily_dose_mg = 1000.0  # type: ignore[misc]
    with pytest.raises(ContraindicationError):  # and a patient's data may still refuse a drug
        ciclosporin(LOW)
    assert plexodose.__version__
