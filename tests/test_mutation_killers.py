"""Hand-computed cases that pin every branch and boundary of the calculation modules.

Written to kill the mutants mutmut makes of _ivig, _azathioprine, _cyclophosphamide,
_ciclosporin, _mycophenolate, _body and _dispense (docs/mutation.md): each expected value is
worked out by hand in the comment beside it. The derivation text is checked word for word
where it carries a number or a decision, because clinicians read it.
"""

from __future__ import annotations

import math
import warnings

import pytest

import plexodose._core.sources as src
from plexodose import (
    ContraindicationError,
    DoseRangeError,
    InputRangeError,
    MissingInputError,
    Patient,
    PlexodoseError,
    PlexodoseWarning,
    adjusted_body_weight,
    azathioprine,
    bmi,
    bsa,
    ciclosporin,
    convert_mycophenolate,
    creatinine_clearance,
    cyclophosphamide_iv,
    cyclophosphamide_next_pulse,
    cyclophosphamide_oral,
    cyclophosphamide_pulse_reduction,
    egfr,
    ideal_body_weight,
    ivig,
    mycophenolate,
)
from plexodose._dosing import dispense as disp
from plexodose._dosing.trace import step_text
from plexodose._patient import body as body

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


def steps(result):
    return [step_text(s) for s in result.steps]


def approx(value, rel=1e-9):
    return pytest.approx(value, rel=rel)


# --- body size and renal function --------------------------------------------------------

def test_bsa_formulas_hand_computed():
    # 175 cm, 72 kg. Mosteller sqrt(175 x 72 / 3600) = sqrt(3.5) = 1.870829
    assert body.BSA_FORMULAS["mosteller"](175, 72) == approx(math.sqrt(3.5))
    # DuBois 0.007184 x 175^0.725 x 72^0.425 = 1.870403
    assert body.BSA_FORMULAS["dubois"](175, 72) == approx(1.8704031272337285)
    # Haycock 0.024265 x 175^0.3964 x 72^0.5378 = 1.874969
    assert body.BSA_FORMULAS["haycock"](175, 72) == approx(1.8749685814934542)
    # Gehan & George 0.0235 x 175^0.42246 x 72^0.51456 = 1.880922
    assert body.BSA_FORMULAS["gehan_george"](175, 72) == approx(1.8809217380969214)
    # Boyd, weight in grams: exponent 0.7285 - 0.0188 x log10(72000) = 0.637182;
    # 0.0003207 x 175^0.3 x 72000^0.637182 = 1.879386
    assert body.BSA_FORMULAS["boyd"](175, 72) == approx(1.879385766217884)
    assert bsa(height="175 cm", weight="72 kg", formula="boyd").magnitude == approx(1.879385766217884)
    assert str(bsa(height="175 cm", weight="72 kg").units) == "meter ** 2"


def test_bsa_formula_name_checked():
    with pytest.raises(InputRangeError) as info:
        body.bsa_formula("Mosteller")  # case matters: a typo is refused, not guessed
    assert info.value.value == "Mosteller"
    with pytest.raises(InputRangeError):
        body.bsa_formula(None)
    assert "mosteller, dubois, haycock, gehan_george, boyd" in str(info.value)


def test_bmi_ibw_adjusted_hand_computed():
    assert bmi(weight="72 kg", height="175 cm").magnitude == approx(72 / 1.75**2)  # 23.5102
    # Devine female 165 cm: 45.5 + 2.3 x (165 / 2.54 - 60) = 45.5 + 2.3 x 4.96063 = 56.9094
    assert ideal_body_weight(height="165 cm", sex="female").magnitude == approx(56.90944881889762)
    # male 175 cm: 50 + 2.3 x (68.8976 - 60) = 70.4646
    assert ideal_body_weight(height="175 cm", sex="male").magnitude == approx(70.46456692913384)
    # adjusted, factor 0.4: 56.9094 + 0.4 x (110 - 56.9094) = 78.1457
    adj = adjusted_body_weight(weight="110 kg", height="165 cm", sex="female")
    assert adj.magnitude == approx(56.90944881889762 + 0.4 * (110 - 56.90944881889762))
    # factor 0.5 is honoured: 56.9094 + 0.5 x 53.0906 = 83.4547
    half = adjusted_body_weight(weight="110 kg", height="165 cm", sex="female", factor=0.5)
    assert half.magnitude == approx(56.90944881889762 + 0.5 * (110 - 56.90944881889762))
    assert adjusted_body_weight(weight="110 kg", height="165 cm", sex="female",
                                factor=1).magnitude == approx(110)
    with pytest.raises(InputRangeError) as info:
        adjusted_body_weight(weight="110 kg", height="165 cm", sex="female", factor=1.5)
    assert info.value.field == "factor" and info.value.value == 1.5


def test_devine_warning_boundary_at_60_inches():
    assert body.devine_warning(152.4) is None  # exactly 60 in: no caution
    assert body.devine_warning(152.3) == ("height 152.3 cm is below 60 inches (152.4 cm): the "
                                          "Devine ideal body weight gives odd results there")
    with pytest.warns(PlexodoseWarning, match="below 60 inches"):
        ideal_body_weight(height="150 cm", sex="female")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ideal_body_weight(height="152.4 cm", sex="female")


def test_creatinine_clearance_and_egfr_hand_computed():
    # (140 - 60) x 72 / (72 x 1.0) = 80 mL/min
    crcl = creatinine_clearance(age=60, weight="72 kg", sex="male", serum_creatinine="1 mg/dL")
    assert crcl.magnitude == approx(80.0)
    assert str(crcl.units) == "milliliter / minute"
    # female: (140 - 40) x 60 / (72 x 1.2) x 0.85 = 59.0278
    assert creatinine_clearance(age=40, weight="60 kg", sex="female",
                                serum_creatinine="1.2 mg/dL").magnitude == approx(59.02777777777778)
    # male 60 y, 1.0 mg/dL: 142 x (1/0.9)^-1.2 x 0.9938^60 = 86.2 (reference value)
    assert egfr(age=60, sex="male", serum_creatinine="1 mg/dL").magnitude == approx(
        142 * (1 / 0.9) ** -1.2 * 0.9938**60)
    # male below kappa: 0.6 / 0.9 < 1, so 142 x (0.6/0.9)^-0.302 x 0.9938^40
    assert body.egfr_value(40, "male", 0.6) == approx(142 * (0.6 / 0.9) ** -0.302 * 0.9938**40)
    # female below kappa: 142 x (0.6/0.7)^-0.241 x 0.9938^50 x 1.012 = 109.283
    assert body.egfr_value(50, "female", 0.6) == approx(109.28301133784741)
    # female above kappa: 142 x (2.0/0.7)^-1.2 x 0.9938^50 x 1.012 = 29.8745
    assert body.egfr_value(50, "female", 2.0) == approx(29.874464588650877)


def test_renal_equations_refuse_minors_at_17_accept_18():
    with pytest.raises(InputRangeError) as info:
        egfr(age=17, sex="male", serum_creatinine="1 mg/dL")
    assert info.value.field == "age" and info.value.value == 17
    # 18 is adult: 142 x (1/0.9)^-1.2 x 0.9938^18
    assert egfr(age=18, sex="male", serum_creatinine="1 mg/dL").magnitude == approx(
        142 * (1 / 0.9) ** -1.2 * 0.9938**18)


# --- dispensing ----------------------------------------------------------------------------

def test_round_to_step_nearest_tie_and_maximum():
    assert disp.round_to_step(112.5, 25, 1e9) == (100.0, 12.5, "to the nearest")  # a tie: down
    assert disp.round_to_step(112.6, 25, 1e9) == (125.0, 12.5, "to the nearest")  # 4.504 -> 5
    assert disp.round_to_step(112.4, 25, 1e9) == (100.0, 12.5, "to the nearest")
    assert disp.round_to_step(150, 25, 150) == (150.0, 12.5, "to the nearest")  # equal: allowed
    assert disp.round_to_step(144, 25, 149.9) == (125.0, 25.0, "down, to stay within the maximum")
    # a maximum that is a float hair below a whole step still allows that step: 150 x (1 - 1e-13)
    assert disp.round_to_step(150, 25, 150 * (1 - 1e-13))[0] == 150.0
    assert disp.round_to_step(170, 25, 150 * (1 - 1e-13)) == (150.0, 25.0,
                                                              "down, to stay within the maximum")


def test_compose_fewest_units_and_impossible_amounts():
    assert disp.compose(8, (6.0, 4.0, 1.0)) == ((4.0, 2),)  # 4 + 4 beats greedy 6 + 1 + 1
    assert disp.compose(30, (20.0,)) is None  # 30 is not a multiple of 20
    assert disp.compose(27.5, (40.0, 20.0, 10.0, 5.0, 2.5, 1.0)) == ((20.0, 1), (5.0, 1), (2.5, 1))
    assert disp._quantum((2.5, 1.0)) == 0.5  # gcd(2500, 1000) / 1000
    assert disp._quantum(()) == 1.0


def test_dispense_result_fields_and_refusals():
    d = disp.dispense(144, product="tabs", form="tablet", unit="mg", sizes=(50.0, 25.0),
                      maximum=150)
    assert d == disp.Dispensed(product="tabs", form="tablet", unit="mg", units=((50.0, 3),),
                               amount=150.0, calculated=144,
                               rounded="to the nearest", step=25.0)
    assert d.tolerance == 12.5  # half of the 25 mg step, rounded to the nearest
    down = disp.dispense(140, product="t", form="t", unit="mg", sizes=(25.0,), maximum=140)
    assert (down.amount, down.tolerance) == (125.0, 25.0)  # 150 > 140: down a whole step
    assert d.rounding_error == 6 and d.rounding_error_fraction == approx(6 / 144)
    assert d.count == 3 and d.dose.magnitude == 150 and str(d.dose.units) == "milligram"
    # below the smallest strength: nothing dispensable
    assert disp.dispense(20, product="t", form="t", unit="mg", sizes=(25.0,), maximum=1e9) is None
    # exactly the smallest strength is dispensable
    assert disp.dispense(25, product="t", form="t", unit="mg", sizes=(25.0,), maximum=1e9).amount == 25
    assert disp.dispense(30, product="t", form="t", unit="mg", sizes=(), maximum=1e9) is None


# --- IVIg -------------------------------------------------------------------------------------

def test_ivig_example_patient_derivation():
    r = ivig(EX)
    # BMI 72 / 1.75^2 = 23.5 <= 30: actual weight; the ideal weight is not needed, so not shown
    assert steps(r) == [
        "dosing weight: actual body weight 72 kg (BMI 23.5 is not above 30)",
        "daily dose = 0.4 g/kg/day x 72 kg = 28.8 g/day",  # 0.4 x 72
        "course = 28.8 g/day x 5 days = 144 g",  # 28.8 x 5
    ]
    assert r.warnings == ()
    assert r.sources == (src.SEED_IVIG, src.IVIG_MAX_DAILY_GAP, src.TRANSFUSION_ONTARIO)
    assert (r.weight_basis, r.weight_basis_reason) == ("actual", "BMI 23.5 is not above 30")
    assert r.total_dose_g == approx(144.0) and r.days == 5 and r.g_per_kg_day == 0.4
    assert r.override is None and r.dispensed is None and r.product is None


def test_ivig_obese_adjusted_weight_rounded_to_privigen_vials():
    p = Patient(weight="110 kg", height="165 cm", sex="female", age=50)
    r = ivig(p, product="privigen")
    # IBW 56.9094; adjusted 78.1457 kg; 0.4 x 78.1457 = 31.2583 g/day -> nearest 5 g = 30 g
    assert r.weight_basis == "adjusted" and r.weight_basis_reason == "BMI 40.4 is above 30"
    assert r.daily_dose_g == approx(0.4 * (56.90944881889762 + 0.4 * (110 - 56.90944881889762)))
    assert r.dispensed.amount == 30.0 and r.dispensed.units == ((20.0, 1), (10.0, 1))
    assert r.dispensed.tolerance == 2.5 and r.dispensed.unit == "g" and r.dispensed.form == "vials"
    assert steps(r)[-2:] == [
        "rounded in 5 g steps (to the nearest): 30 g/day = 1 x 20 g + 1 x 10 g of Privigen 10 %",
        "course as dispensed = 30 g/day x 5 days = 150 g",  # the headline's figure, derived
    ]
    assert r.total_dose_g == 150.0  # 30 g x 5 days, the dispensed amount
    assert r.sources[-1] == src.PRIVIGEN_LABEL
    assert r.warnings == ()  # 30 vs 31.26 is -4 %, within 10 %


def test_ivig_rounding_beyond_ten_percent_is_not_done():
    # 20 kg x 0.4 = 8 g: the nearest 5 g is 10 g, +25 %, outside 10 % of the order
    r = ivig(Patient(weight="20 kg"), product="privigen")
    assert r.dispensed is None and r.daily_dose_g == approx(8.0)
    assert r.warnings[-1] == ("8 g cannot be made of Privigen 10 % vials within 10 % of the "
                              "order: dose not rounded; dispense it as calculated or choose "
                              "another product")


def test_ivig_vials_cannot_be_made_and_product_without_vials():
    # 0.4 x 9 kg = 3.6 g/day, below Privigen's smallest (5 g) vial: nothing is dispensed
    r = ivig(Patient(weight="9 kg"), product="privigen")
    assert r.dispensed is None
    assert r.warnings[-1] == ("3.6 g cannot be made of Privigen 10 % vials within 10 % of the "
                              "order: dose not rounded; dispense it as calculated or choose "
                              "another product")
    g = ivig(EX, product="gammagard")
    assert g.dispensed is None
    assert "has no vial sizes in the catalogue: dose not rounded" in g.warnings[-1]


def test_ivig_bmi_30_exactly_is_not_obese_and_just_above_is():
    at = ivig(Patient(weight="120 kg", height="200 cm", sex="male"))  # 120 / 2^2 = 30.0
    assert at.weight_basis == "actual" and at.weight_basis_reason == "BMI 30 is not above 30"
    above = ivig(Patient(weight="122 kg", height="200 cm", sex="male"))  # BMI 30.5
    assert above.weight_basis == "adjusted"
    # IBW male 200 cm: 50 + 2.3 x (78.7402 - 60) = 93.1024; adjusted + 0.4 x (122 - 93.1024)
    assert above.dosing_weight_kg == approx(93.10236220472441 + 0.4 * (122 - 93.10236220472441))


def test_ivig_over_120_percent_ibw_rule():
    # male 175 cm: IBW 70.4646; 1.2 x IBW = 84.5575 kg
    under = ivig(Patient(weight="84 kg", height="175 cm", sex="male"), auto_rule="over_120_percent_ibw")
    assert under.weight_basis == "actual"
    assert under.weight_basis_reason == "actual weight is 119.2 % of ideal, not above 120 %"  # 84 / 70.4646
    over = ivig(Patient(weight="85 kg", height="175 cm", sex="male"), auto_rule="over_120_percent_ibw")
    assert over.weight_basis == "adjusted"
    assert over.weight_basis_reason == "actual weight is 120.6 % of ideal, above 120 %"  # 85 / 70.4646
    assert src.US_IVIG_ORDER_SETS in over.sources and src.TRANSFUSION_ONTARIO not in over.sources


def test_ivig_australian_rule_branches():
    rule = {"auto_rule": "australia_2026"}
    short = ivig(Patient(weight="100 kg", height="150 cm", sex="female", age=30), **rule)
    assert short.weight_basis_reason == "under 152 cm (Australian rule)"
    assert short.warnings == (
        "height 150 cm is below 60 inches (152.4 cm): the Devine ideal body weight gives odd "
        "results there",
        "the Australian rule excludes pregnancy: use actual weight in a pregnant patient")
    at_152 = ivig(Patient(weight="100 kg", height="152 cm", sex="female", age=30), **rule)
    assert at_152.weight_basis == "adjusted"  # 152 cm is not under 152 cm
    adult = ivig(Patient(weight="100 kg", height="170 cm", sex="female", age=18), **rule)
    assert adult.weight_basis == "adjusted"
    assert adult.weight_basis_reason == "adjusted weight by default (Australian rule)"
    minor = ivig(Patient(weight="100 kg", height="170 cm", sex="female", age=17,
                         minor_override="specialist advice"), **rule)
    assert minor.weight_basis_reason == "under 18 years (Australian rule)"
    no_age = ivig(Patient(weight="100 kg", height="170 cm", sex="female"), **rule)
    assert no_age.weight_basis == "adjusted"
    # thin: IBW female 170 cm = 45.5 + 2.3 x 6.9291 = 61.437; adjusted 61.437 + 0.4 x (50 - 61.437)
    # = 56.862 > 50, so the actual weight is lower and is used
    thin = ivig(Patient(weight="50 kg", height="170 cm", sex="female", age=40), **rule)
    assert thin.weight_basis_reason == "actual weight is below adjusted weight (Australian rule)"
    assert src.AUSTRALIA_2026 in thin.sources


def test_ivig_fixed_bases_and_missing_data():
    assert ivig(EX, weight_basis="actual").weight_basis_reason == "as requested"
    ideal = ivig(EX, weight_basis="ideal")
    assert (ideal.weight_basis, ideal.weight_basis_reason) == ("ideal", "as requested")
    assert ideal.dosing_weight_kg == approx(70.46456692913384)
    thin = ivig(Patient(weight="45 kg", height="175 cm", sex="male"), weight_basis="ideal")
    assert thin.weight_basis_reason == "actual weight is below the ideal weight"
    assert thin.dosing_weight_kg == 45
    equal = ivig(Patient(weight="70.46456692913384 kg", height="175 cm", sex="male"),
                 weight_basis="ideal")
    assert equal.weight_basis == "ideal"  # actual == ideal: not below it
    with pytest.raises(MissingInputError) as info:
        ivig(Patient(weight="72 kg", sex="male"), weight_basis="adjusted")
    assert info.value.field == "height" and "adjusted body weight" in str(info.value)
    with pytest.raises(MissingInputError) as info:
        ivig(Patient(weight="72 kg", height="175 cm"), weight_basis="ideal")
    assert info.value.field == "sex" and "ideal body weight" in str(info.value)
    no_sex = ivig(Patient(weight="72 kg", height="175 cm"))
    assert no_sex.weight_basis_reason == "height or sex not given"
    assert no_sex.warnings == ("height and sex are needed to check for obesity: actual body "
                               "weight used",)


def test_ivig_regimens_override_and_totals():
    one = ivig(EX, g_per_kg_day=1, days=2)  # seed: 1 g/kg x 2 days = 2 g/kg, the usual total
    assert one.daily_dose_g == 72 and one.total_dose_g == 144 and one.warnings == ()
    r = ivig(Patient(weight="72 kg"), g_per_kg_day=1, days=3, override="trial")
    assert r.override == "trial"
    assert r.warnings[0] == ("g_per_kg_day 1 for 3 days is not a seed regimen (0.4 g/kg/day x 5 "
                             "days, or 1 g/kg/day x 1-2 days); used on override: trial")
    assert r.warnings[-1] == "course total 3 g/kg is above the usual 2 g/kg"  # 1 x 3
    assert steps(r)[-1] == "course = 72 g/day x 3 days = 216 g"
    assert ivig(EX, g_per_kg_day=0.4, days=31, override="x").days == 31
    with pytest.raises(InputRangeError) as info:
        ivig(EX, g_per_kg_day=0.4, days=32, override="x")
    assert info.value.field == "days"
    with pytest.raises(DoseRangeError) as info:
        ivig(EX, g_per_kg_day=0.4, days=4)
    assert info.value.field == "g_per_kg_day" and info.value.value == 0.4
    assert ivig(EX, g_per_kg_day=0.4 + 1e-10, days=5).g_per_kg_day == approx(0.4)


def test_ivig_ceiling_rules():
    lowered = ivig(EX, g_per_kg_day=0.4, days=5, max_g_per_kg_day=0.4)  # equal to the dose: ok
    assert lowered.daily_dose_g == approx(28.8)
    with pytest.raises(DoseRangeError) as info:
        ivig(EX, g_per_kg_day=1, days=1, max_g_per_kg_day=0.5)
    assert info.value.field == "g_per_kg_day" and "an override does not lift it" in str(info.value)
    raised = ivig(EX, g_per_kg_day=1, days=1, max_g_per_kg_day=2, override="trial")
    assert raised.daily_dose_g == 72
    with pytest.raises(DoseRangeError) as info:
        ivig(EX, max_g_per_kg_day=1.0000001)
    assert info.value.value == approx(1.0000001)
    assert ivig(EX, max_g_per_kg_day=1).daily_dose_g == approx(28.8)  # 1 is the default itself


# --- every calculator names the field at fault (the bad-input matrix covers the rest) ----------

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


@pytest.mark.parametrize(("function", "kwargs", "field", "value"), FIELD_CASES,
                         ids=[f"{f.__name__}-{k}" for f, k, _, _ in FIELD_CASES])
def test_calculators_name_the_field_and_value(function, kwargs, field, value):
    with pytest.raises(PlexodoseError) as info:
        function(EX, **kwargs)
    assert info.value.field == field
    assert info.value.value == value
    assert field in str(info.value)


def test_next_pulse_and_conversion_name_their_fields():
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


# --- azathioprine -----------------------------------------------------------------------------

def test_azathioprine_example_derivation_and_dispensing():
    r = azathioprine(EX)
    # 2 x 72 = 144 mg/day; CrCl with ideal weight 70.4646 kg: 80 x 70.4646 / 72 = 78.3 mL/min
    assert steps(r) == [
        "2 mg/kg/day x 72 kg (actual weight) = 144 mg/day",
        "creatinine clearance (Cockcroft-Gault, ideal weight 70.465 kg, creatinine 1 mg/dL): "
        "78.3 mL/min",
        "dispensed per dose: 150 mg (azathioprine tablets, rounded to the nearest; +6 mg)",
        "full effect takes 3-6 months",
    ]
    assert r.daily_dose_mg == 144 and r.per_dose_mg == 144 and not r.cap_applied
    assert r.cap_mg_per_day == 150 and r.days_per_week == 7 and r.doses_per_day == 1
    assert r.dispensed.units == ((50.0, 3),)  # 144 -> nearest 25 mg = 150 = 3 x 50
    assert r.sources == (src.SEED_AZATHIOPRINE, src.CPIC_THIOPURINES, src.DEVINE,
                         src.COCKCROFT_GAULT, src.CRCL_WEIGHT_GAP, src.AZATHIOPRINE_LABEL,
                         src.SEED_DURATION)
    assert r.warnings == () and r.override is None and r.dosing_weight_kg == 72


def test_azathioprine_cap_exactly_and_above():
    at = azathioprine(Patient(weight="75 kg", age=40))  # 2 x 75 = 150: at the cap, not capped
    assert at.daily_dose_mg == 150 and not at.cap_applied
    over = azathioprine(Patient(weight="90 kg", age=40))  # 180 -> 150
    assert over.daily_dose_mg == 150 and over.cap_applied
    assert "capped at 150 mg/day (from 180 mg)" in steps(over)
    twice = azathioprine(Patient(weight="90 kg", age=40), doses_per_day=2)  # 75 mg twice
    assert twice.per_dose_mg == 75 and twice.dispensed.amount == 75
    assert twice.dispensed.units == ((50.0, 1), (25.0, 1))
    # per dose 150 / 2 = 75 is the most a dose may be: 70 mg/dose rounds to 75, not above
    r = azathioprine(Patient(weight="70 kg", age=40), doses_per_day=2)  # 140 / 2 = 70 -> 75
    assert r.dispensed.amount == 75


def test_azathioprine_genotype_reductions():
    one = azathioprine(Patient(weight="100 kg", tpmt="intermediate", nudt15="normal"), doses_per_day=2)
    # 2 x 100 = 200, capped at the normal dose 150; one gene reduced: 30 % of 150 = 45 mg/day
    assert one.daily_dose_mg == approx(45.0) and one.per_dose_mg == approx(22.5)
    assert one.cap_applied
    assert steps(one)[:4] == [
        "2 mg/kg/day x 100 kg (actual weight) = 200 mg/day",
        "capped at 150 mg/day (from 200 mg)",
        "reduced metabolizer (TPMT intermediate): start at 30 % of the normal dose (CPIC 30 % to "
        "80 %); "
        "2-4 weeks to steady state",
        "after adjustments (x 0.3): 45 mg per dosing day",
    ]
    assert one.warnings[-1] == ("22.5 mg cannot be made from azathioprine tablets (50, 25 mg): "
                                "dispense another form")
    both = azathioprine(Patient(weight="60 kg", tpmt="intermediate", nudt15="possible_intermediate"),
                        allopurinol=True, genotype_fraction=0.5)
    # 120 x 0.5 (both genes, chosen 50 %) x 0.25 (allopurinol) = 15 mg
    assert both.daily_dose_mg == approx(15.0)
    assert "with allopurinol: one quarter of the dose" in steps(both)
    assert ("reduced metabolizer (TPMT intermediate, NUDT15 possible intermediate): start at 50 % "
            "of the normal dose (CPIC 20 % to 50 %); 2-4 weeks to steady state") in steps(both)
    assert both.warnings[-1] == ("15 mg cannot be made from azathioprine tablets (50, 25 mg): "
                                 "dispense another form")
    with pytest.raises(DoseRangeError) as info:  # 0.6 is outside CPIC's 20-50 % for both genes
        azathioprine(Patient(weight="60 kg", tpmt="intermediate", nudt15="intermediate"),
                     genotype_fraction=0.6)
    assert info.value.field == "genotype_fraction"
    with pytest.raises(InputRangeError) as info:
        azathioprine(Patient(weight="60 kg", tpmt="intermediate"), genotype_fraction="0.5")
    assert info.value.field == "genotype_fraction"
    normal = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="normal"),
                          genotype_fraction=1)  # 1 is the normal dose: allowed
    assert normal.daily_dose_mg == 120


def test_azathioprine_allopurinol_alone():
    r = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="normal"), allopurinol=True)
    assert r.daily_dose_mg == approx(30.0)  # 120 x 0.25
    assert src.RANGE_LOW_END_GAP in r.sources and src.AZATHIOPRINE_LABEL in r.sources


def test_azathioprine_poor_and_indeterminate():
    poor = Patient(weight="60 kg", tpmt="normal", nudt15="poor")
    with pytest.raises(ContraindicationError) as info:
        azathioprine(poor)
    assert str(info.value).startswith("poor metabolizer (NUDT15): CPIC advises")
    r = azathioprine(poor, override="no alternative")
    # 120 x 0.1 = 12 mg on 3 days a week -> 12 x 3 / 7 = 5.142857 mg/day on average
    assert r.daily_dose_mg == approx(12 * 3 / 7) and r.per_dose_mg == approx(12.0)
    assert r.days_per_week == 3 and r.override == "no alternative"
    assert r.warnings[0] == ("poor metabolizer (NUDT15): 10-fold reduction three times a week, "
                             "on override: no alternative")
    ind = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="normal"))
    assert ind.daily_dose_mg == approx(36.0)  # treated as intermediate: 120 x 0.3
    assert ind.warnings[0] == ("TPMT indeterminate: measure TPMT activity; dosed as an "
                               "intermediate metabolizer meanwhile")
    unknown = azathioprine(Patient(weight="60 kg"))
    assert unknown.daily_dose_mg == 120
    assert unknown.warnings[0] == ("TPMT and NUDT15 status not given: test before starting "
                                   "(CPIC); dose not adjusted for genotype")


def _renal_patient(scr):
    # male 170 cm: IBW 65.94 kg > 60 kg actual, so CrCl uses 60 kg: (140 - 80) x 60 / (72 x SCr)
    return Patient(weight="60 kg", height="170 cm", sex="male", age=80,
                   serum_creatinine=f"{scr} mg/dL", tpmt="normal", nudt15="normal")


@pytest.mark.parametrize(("scr", "step", "share"), [
    (0.72, None, 1.0),  # CrCl 3600 / (72 x 0.72) = 69.4: no change
    (0.99, None, 1.0),  # CrCl 50.5: no change
    (1.0, "CrCl 50 mL/min: give 75 % of the dose", 0.75),  # 3600 / 72 = 50: the 10-50 band
    (2.0, "CrCl 25 mL/min: give 75 % of the dose", 0.75),
    (5.0, "CrCl 10 mL/min: give 75 % of the dose", 0.75),  # 3600 / 360 = 10: still 10-50
    (6.0, "CrCl 8.33 mL/min: give 50 % of the dose", 0.5),  # 3600 / 432 = 8.33: below 10
])
def test_azathioprine_renal_bands(scr, step, share):
    r = azathioprine(_renal_patient(scr))
    assert r.daily_dose_mg == approx(120 * share)  # 2 mg/kg x 60 kg x share
    if step is None:
        assert src.AZATHIOPRINE_RENAL not in r.sources
    else:
        assert step in steps(r)
        assert src.AZATHIOPRINE_RENAL in r.sources


def test_azathioprine_override_outside_range_recorded():
    r = azathioprine(Patient(weight="40 kg", age=40), mg_per_kg_day=2.5, override="specialist")
    assert r.daily_dose_mg == 100 and r.override == "specialist"  # 2.5 x 40
    assert r.warnings[0].startswith("mg_per_kg_day 2.5 mg/kg/day is outside the protocol range "
                                    "1-2 mg/kg/day")
    assert r.warnings[0].endswith("used on override: specialist")


# --- mycophenolate ----------------------------------------------------------------------------

LOW = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")
# eGFR female 70 y, 3 mg/dL: 142 x (3/0.7)^-1.2 x 0.9938^70 x 1.012 = 16.2 (< 25)


def test_mycophenolate_example_and_low_egfr():
    r = mycophenolate(EX)
    assert steps(r) == [
        "1,000 mg x 2 doses a day = 2,000 mg/day",
        "eGFR (CKD-EPI 2021): 86.2 mL/min/1.73 m2",
        "dispensed per dose: 1,000 mg (mycophenolate mofetil tablets and capsules, rounded to "
        "the nearest; exact)",
        "response typically in 4-6 weeks; continue at least 3-4 weeks",
    ]
    assert r.cap_mg_per_day == 3000 and not r.cap_applied and r.dosing_weight_kg is None
    assert r.sources == (src.SEED_MYCOPHENOLATE, src.MYCOPHENOLATE_TITRATION, src.CKD_EPI_2021,
                         src.MYCOPHENOLATE_LABEL)
    capped = mycophenolate(LOW, mg_per_dose=1500)
    assert capped.per_dose_mg == 1000 and capped.daily_dose_mg == 2000 and capped.cap_applied
    assert capped.cap_mg_per_day == 2000  # the label's daily limit below eGFR 25
    assert capped.warnings == ("eGFR 16.2 < 25: limited to 2,000 mg a day",)
    assert src.MYCOPHENOLATE_RENAL in capped.sources
    at = mycophenolate(LOW, mg_per_dose=1000)  # at the limit: respected, not capped
    assert at.per_dose_mg == 1000 and not at.cap_applied
    assert ("eGFR 16.2 < 25: at most 2,000 mg a day, whatever the number of doses: 1,000 mg x 2 "
            "= 2,000 mg/day (respected)") in steps(at)
    assert egfr(age=70, sex="female", serum_creatinine="3 mg/dL").magnitude == approx(
        142 * (3 / 0.7) ** -1.2 * 0.9938**70 * 1.012)


def test_mycophenolate_doses_per_day_and_override():
    r = mycophenolate(EX, doses_per_day=3, override="trial")
    assert r.daily_dose_mg == 3000 and r.override == "trial"  # 1000 x 3
    assert steps(r)[0] == "1,000 mg x 3 doses a day = 3,000 mg/day"
    assert r.cap_mg_per_day == 3000  # 1500 x 3 = 4,500 per dose, but 3,000 a day at most
    assert mycophenolate(EX, doses_per_day=1, override="x").daily_dose_mg == 1000
    with pytest.raises(DoseRangeError) as info:  # 1000 x 4 = 4,000 mg/day > 1500 x 2 = 3,000
        mycophenolate(EX, doses_per_day=4, override="x")
    assert info.value.field == "daily dose" and info.value.value == 4000
    assert mycophenolate(EX, mg_per_dose=1500).per_dose_mg == 1500  # the maximum itself


def test_mycophenolate_conversion():
    c = convert_mycophenolate("1000 mg", to="sodium")
    assert c.to_mg == approx(720.0) and c.from_mg == 1000  # 1000 x 720 / 1000
    assert (c.from_drug, c.to_drug) == ("mycophenolate mofetil", "mycophenolate sodium")
    assert steps(c) == ["1,000 mg mycophenolate mofetil x 0.72 = 720 mg mycophenolate sodium"]
    assert c.warnings == ("the two salts are not interchangeable without clinical supervision "
                          "(labels)",)
    back = convert_mycophenolate("720 mg", to="mofetil")
    assert back.to_mg == approx(1000.0)  # 720 x 1000 / 720
    assert steps(back) == ["720 mg mycophenolate sodium x 1.3889 = 1,000 mg mycophenolate mofetil"]
    assert c.sources == (src.MYCOPHENOLATE_SODIUM, src.MYCOPHENOLATE_LABEL)


# --- ciclosporin ------------------------------------------------------------------------------

def test_ciclosporin_example_derivation():
    r = ciclosporin(EX)
    # 5 x 72 = 360 mg/day; 180 mg a dose -> nearest 25 mg = 175 (100 + 50 + 25)
    assert steps(r) == [
        "eGFR (CKD-EPI 2021): 86.2 mL/min/1.73 m2",  # at least 60: ciclosporin may start (label)
        "5 mg/kg/day: the seed's starting dose",
        "5 mg/kg/day x 72 kg (actual weight) = 360 mg/day, in two doses",
        "dispensed per dose: 175 mg (ciclosporin capsules, rounded to the nearest; -5 mg)",
        "check creatinine every 2 weeks for 3 months, then monthly; blood pressure weekly for a "
        "month, then monthly",
    ]
    assert r.warnings == (
        "5 mg/kg/day is above the US label's 4 mg/kg/day maximum (the label starts at 2.5 "
        "mg/kg/day); the seed's start is higher",
        "baseline and current creatinine are both needed to apply the creatinine-rise rule")
    assert r.daily_dose_mg == 360 and r.per_dose_mg == 180 and r.doses_per_day == 2
    assert r.dispensed.units == ((100.0, 1), (50.0, 1), (25.0, 1))
    assert r.sources == (src.SEED_CICLOSPORIN, src.CKD_EPI_2021, src.CICLOSPORIN_LABEL)


@pytest.mark.parametrize(("rate", "phase"), [
    (2.5, "2.5 mg/kg/day: maintenance (2.5-3 mg/kg/day)"),
    (3, "3 mg/kg/day: maintenance (2.5-3 mg/kg/day)"),
    (3.5, "3.5 mg/kg/day: between the seed's start and maintenance doses"),
    (4, "4 mg/kg/day: between the seed's start and maintenance doses"),
    (4.5, "4.5 mg/kg/day: between the seed's start and maintenance doses"),
])
def test_ciclosporin_phases_and_label_maximum(rate, phase):
    r = ciclosporin(Patient(weight="50 kg"), mg_per_kg_day=rate)
    assert steps(r)[0] == phase
    assert r.daily_dose_mg == approx(rate * 50)
    above_label = any("above the US label's 4 mg/kg/day" in w for w in r.warnings)
    assert above_label == (rate > 4)


def test_ciclosporin_creatinine_rise():
    p = Patient(weight="80 kg", serum_creatinine="1.25 mg/dL", baseline_creatinine="1 mg/dL")
    r = ciclosporin(p, mg_per_kg_day=3)  # rise 1.25 / 1 - 1 = 25 % >= 25 %: cut 50 %
    assert r.daily_dose_mg == approx(120.0)  # 3 x 80 x 0.5
    assert "creatinine 1.25 mg/dL vs baseline 1 mg/dL: +25 %" in steps(r)
    assert "reduced: 240 mg/day x 0.5 = 120 mg/day" in steps(r)  # the derivation shows the cut
    assert ("creatinine has risen 25 % (at least 25 %) above baseline: dose reduced by 50 %"
            in r.warnings)
    assert src.RANGE_LOW_END_GAP in r.sources
    ra = ciclosporin(p, mg_per_kg_day=2.5, creatinine_rise_threshold=0.3,
                     creatinine_rise_reduction=0.25)  # RA threshold 30 %: 25 % is below it
    assert ra.daily_dose_mg == approx(200.0)
    assert not any("risen" in w for w in ra.warnings)
    cut25 = ciclosporin(Patient(weight="80 kg", serum_creatinine="1.3 mg/dL",
                                baseline_creatinine="1 mg/dL"), mg_per_kg_day=2.5,
                        creatinine_rise_threshold=0.3, creatinine_rise_reduction=0.25)
    assert cut25.daily_dose_mg == approx(150.0)  # rise 30 %: 2.5 x 80 x 0.75
    fall = ciclosporin(Patient(weight="80 kg", serum_creatinine="0.8 mg/dL",
                               baseline_creatinine="1 mg/dL"), mg_per_kg_day=2.5)
    assert fall.daily_dose_mg == approx(200.0)
    assert "creatinine 0.8 mg/dL vs baseline 1 mg/dL: -20 %" in steps(fall)


# --- cyclophosphamide -------------------------------------------------------------------------

MESNA = ("give mesna (80-100 % of the cyclophosphamide dose in divided doses, per the local "
         "protocol) and hydration with each pulse: plexodose does not dose mesna")

def test_cyclophosphamide_oral_creatinine_bands():
    r = cyclophosphamide_oral(EX)
    assert r.daily_dose_mg == 144 and r.doses_per_day == 1 and r.dosing_weight_kg == 72
    # 36 g at 144 mg/day: 36000 / 144 = 250 days
    assert r.warnings[0] == "at 144 mg/day the cumulative dose reaches 36 g after 250 days"
    assert r.sources == (src.SEED_CYCLOPHOSPHAMIDE, src.ORAL_CYCLOPHOSPHAMIDE_MAX,
                         src.FAURSCHOU_2008, src.TRAVIS_1995, src.SEED_DURATION)
    mid = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="300 umol/L"))
    assert mid.daily_dose_mg == approx(122.5)  # >= 250 umol/L: 1.75 x 70
    assert steps(mid)[0] == "creatinine 300 umol/L (250-500): at most 1.75 mg/kg/day"
    high = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="600 umol/L"))
    assert high.daily_dose_mg == approx(105.0)  # >= 500 umol/L: 1.5 x 70
    low_rate = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="600 umol/L"),
                                     mg_per_kg_day=1.5)
    assert low_rate.daily_dose_mg == approx(105.0)  # already at the limit: unchanged
    assert src.CYCLOPHOSPHAMIDE_ORAL_RENAL not in low_rate.sources
    # 251 umol/L is in the 1.75 band; 249 is not (250 itself: see the end of this file)
    at251 = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="251 umol/L"))
    assert at251.daily_dose_mg == approx(122.5)
    at249 = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="249 umol/L"))
    assert at249.daily_dose_mg == approx(140.0)
    at500 = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="500 umol/L"))
    assert at500.daily_dose_mg == approx(122.5)  # 251-500 (as the reference writes it): 1.75
    at501 = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="501 umol/L"))
    assert at501.daily_dose_mg == approx(105.0)  # above 500: 1.5 x 70
    assert steps(at501)[0] == "creatinine 501 umol/L (> 500): at most 1.5 mg/kg/day"
    none = cyclophosphamide_oral(Patient(weight="70 kg"))
    assert none.warnings[0] == ("serum creatinine not given: the creatinine limit on oral dosing "
                                "is not checked")
    ov = cyclophosphamide_oral(Patient(weight="70 kg"), mg_per_kg_day=0.8, override="trial")
    assert ov.override == "trial" and ov.daily_dose_mg == approx(56.0)  # 0.8 x 70
    with pytest.raises(DoseRangeError):  # above the seed's 2 mg/kg/day: never, even overridden
        cyclophosphamide_oral(Patient(weight="70 kg"), mg_per_kg_day=2.5, override="trial")


def test_cyclophosphamide_iv_example_and_cap():
    r = cyclophosphamide_iv(EX)
    # BSA sqrt(175 x 72 / 3600) = 1.8708; 0.75 x 1000 x 1.8708 = 1,403.1 mg; 36000 / 1403.1 -> 26
    assert steps(r) == [
        "BSA (mosteller, 175 cm, 72 kg) = 1.8708 m2",
        "pulse = 0.75 g/m2 x 1.8708 m2 = 1,403.1 mg, every 4 weeks",
        "check WBC at the nadir (day 10-14); the cumulative dose reaches 36 g after 26 such pulses",
    ]
    assert r.dose_mg == approx(750 * math.sqrt(3.5)) and r.interval_weeks == 4
    assert r.bsa_formula == "mosteller" and r.bsa_cap_m2 is None and not r.held
    # age 60 and creatinine 88 umol/L: the 60-70 row, 12.5 / 15 = 83.3 %, offered not applied
    assert r.warnings == ("EULAR/CYCLOPS reduces pulses to 83.3 % for age 60 and creatinine 88 "
                          "umol/L; pass age_renal_reduction=True to apply it", MESNA)
    assert r.sources == (src.SEED_CYCLOPHOSPHAMIDE, src.BSA, src.EULAR_CYCLOPS, src.FAURSCHOU_2008,
                         src.MESNA_HYDRATION)
    big = Patient(weight="120 kg", height="190 cm", age=50, serum_creatinine="1 mg/dL")
    capped = cyclophosphamide_iv(big, g_per_m2=1, bsa_cap="2 m**2", interval_weeks=2)
    # BSA sqrt(190 x 120 / 3600) = 2.5166 > cap 2 -> 1 x 1000 x 2 = 2,000 mg; 36000/2000 = 18
    assert capped.dose_mg == 2000 and capped.bsa_cap_m2 == 2 and capped.dosing_bsa_m2 == 2
    assert "BSA capped at 2 m2 (explicit cap)" in steps(capped)
    assert steps(capped)[-1].endswith("after 18 such pulses")
    assert src.BSA_CAP in capped.sources and capped.warnings == (MESNA,)
    under = cyclophosphamide_iv(EX, bsa_cap="2 m**2")  # 1.8708 under the cap: not capped
    assert under.dose_mg == approx(750 * math.sqrt(3.5))
    assert not any(s.startswith("BSA capped") for s in steps(under))
    exact = cyclophosphamide_iv(Patient(weight="72 kg", height="200 cm", age=50,
                                        serum_creatinine="1 mg/dL"), bsa_cap="2 m**2")
    assert exact.bsa_m2 == 2.0 and not any(s.startswith("BSA capped") for s in steps(exact))
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_iv(Patient(weight="72 kg"))
    assert info.value.field == "height"


def test_cyclophosphamide_iv_eular_reduction():
    p = Patient(weight="72 kg", height="175 cm", age=65, serum_creatinine="350 umol/L")
    offered = cyclophosphamide_iv(p)
    assert offered.dose_mg == approx(750 * math.sqrt(3.5))
    applied = cyclophosphamide_iv(p, age_renal_reduction=True)
    # age 60-70 and creatinine 300-500: 10 of 15 mg/kg = 66.7 %: 1,403.1 x 10 / 15 = 935.41 mg
    assert applied.dose_mg == approx(750 * math.sqrt(3.5) * 10 / 15)
    assert ("EULAR/CYCLOPS reduction for age 65 and creatinine 350 umol/L: 66.7 % of the pulse "
            "(the table's mg/kg shares, applied to a g/m2 pulse)" in steps(applied))
    assert "reduced pulse: 935.41 mg" in steps(applied)
    assert steps(applied)[-1].endswith("after 39 such pulses")  # 36000 / 935.41 = 38.5 -> 39
    young = cyclophosphamide_iv(Patient(weight="72 kg", height="175 cm", age=40,
                                        serum_creatinine="1 mg/dL"), age_renal_reduction=True)
    assert young.dose_mg == approx(750 * math.sqrt(3.5)) and young.warnings == (MESNA,)
    high = Patient(weight="72 kg", height="175 cm", age=65, serum_creatinine="600 umol/L")
    with pytest.raises(ContraindicationError) as info:  # asked for a reduction the table lacks
        cyclophosphamide_iv(high, age_renal_reduction=True)
    assert info.value.field == "serum_creatinine"
    above = cyclophosphamide_iv(high)  # not asked: full pulse, with the warning
    assert above.dose_mg == approx(750 * math.sqrt(3.5))
    assert above.warnings[0].startswith("creatinine 600 umol/L is above 500: the EULAR table")
    no_age = cyclophosphamide_iv(Patient(weight="72 kg", height="175 cm",
                                         serum_creatinine="1 mg/dL"))
    assert no_age.warnings == ("age or creatinine not given: the EULAR age/creatinine reduction "
                               "is not checked", MESNA)
    no_scr = cyclophosphamide_iv(Patient(weight="72 kg", height="175 cm", age=65))
    assert no_scr.warnings == no_age.warnings


@pytest.mark.parametrize(("age", "umol", "mg_per_kg"), [
    (59, 100, 15.0), (59, 299, 15.0), (59, 301, 12.5), (59, 500, 12.5),  # < 60
    (60, 100, 12.5), (70, 100, 12.5), (70, 301, 10.0),  # 60-70 (70 itself is in this row)
    (71, 100, 10.0), (71, 400, 7.5),  # > 70
])
def test_pulse_reduction_table(age, umol, mg_per_kg):
    r = cyclophosphamide_pulse_reduction(
        Patient(weight="60 kg", age=age, serum_creatinine=f"{umol} umol/L"))
    assert r.reduced_mg_per_kg == approx(mg_per_kg)
    assert r.dose.magnitude == approx(mg_per_kg * 60)
    assert r.fraction == approx(mg_per_kg / 15)


def test_pulse_reduction_text_and_override():
    r = cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=75, serum_creatinine="400 umol/L"))
    assert steps(r) == ["age 75, creatinine 400 umol/L: 7.5 of 15 mg/kg -> 7.5 mg/kg x 60 kg = 450 mg"]
    assert r.sources == (src.EULAR_CYCLOPS, src.CYCLOPS_PULSE_MAX, src.MESNA_HYDRATION)
    assert r.override is None and r.dose_mg == 450 and not r.cap_applied
    p = Patient(weight="60 kg", age=50, serum_creatinine="600 umol/L")
    with pytest.raises(ContraindicationError) as info:
        cyclophosphamide_pulse_reduction(p)
    assert info.value.field == "serum_creatinine"
    ov = cyclophosphamide_pulse_reduction(p, override="no choice")
    assert ov.reduced_mg_per_kg == 12.5 and ov.override == "no choice"  # the 300-500 column
    assert ov.warnings == ("creatinine 600 umol/L is above the table; 300-500 column used on "
                           "override: no choice", MESNA)
    at500 = cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50,
                                                     serum_creatinine="500 umol/L"))
    assert at500.reduced_mg_per_kg == 12.5 and at500.warnings == (MESNA,)
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50))
    assert info.value.field == "serum_creatinine"
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", serum_creatinine="1 mg/dL"))
    assert info.value.field == "age"


FIRST = cyclophosphamide_iv(EX, g_per_m2=0.5)  # 0.5 x 1000 x 1.8708 = 935.41 mg
BSA_EX = math.sqrt(3.5)


def test_next_pulse_nadir_titration():
    up = cyclophosphamide_next_pulse(FIRST, nadir_wbc="3500 /uL")
    assert up.g_per_m2 == 0.625 and up.dose_mg == approx(625 * BSA_EX)  # 0.5 x 1.25
    assert steps(up) == ["nadir WBC 3,500/uL is above the 2,000 target: raise 25 % -> 0.625 g/m2",
                         "next pulse = 0.625 g/m2 x 1.8708 m2 = 1,169.3 mg"]
    at = cyclophosphamide_next_pulse(FIRST, nadir_wbc="2000 /uL")  # at the target: kept
    assert at.g_per_m2 == 0.5
    assert steps(at)[0] == "nadir WBC 2,000/uL is at the 2,000 target: keep 0.5 g/m2"
    assert cyclophosphamide_next_pulse(FIRST, nadir_wbc="2001 /uL").g_per_m2 == 0.625
    cut = cyclophosphamide_next_pulse(FIRST, nadir_wbc="1999 /uL")
    assert cut.g_per_m2 == approx(0.4)  # 0.5 x (1 - 0.2)
    assert steps(cut)[0] == "nadir WBC 1,999/uL is below 2,000: cut 20 % -> 0.4 g/m2"
    assert src.RANGE_LOW_END_GAP in cut.sources
    cut10 = cyclophosphamide_next_pulse(FIRST, nadir_wbc="1500 /uL", cut_fraction=0.1)
    assert cut10.g_per_m2 == approx(0.45)  # 0.5 x 0.9
    assert up.interval_weeks == FIRST.interval_weeks and up.bsa_formula == "mosteller"


def test_next_pulse_ceiling():
    near = cyclophosphamide_iv(EX, g_per_m2=0.9)
    held = cyclophosphamide_next_pulse(near, nadir_wbc="3500 /uL")  # 1.125 > 1: held at 1
    assert held.g_per_m2 == 1.0 and held.dose_mg == approx(1000 * BSA_EX)
    assert steps(held)[0].startswith("nadir WBC 3,500/uL: a 25 % rise would pass 1 g/m2")
    exact = cyclophosphamide_iv(EX, g_per_m2=0.8)
    assert cyclophosphamide_next_pulse(exact, nadir_wbc="3500 /uL").g_per_m2 == 1.0  # 0.8 x 1.25
    over = cyclophosphamide_next_pulse(near, nadir_wbc="3500 /uL", override="refractory")
    assert over.g_per_m2 == approx(1.125) and over.override == "refractory"
    top = cyclophosphamide_next_pulse(over, nadir_wbc="3500 /uL", override="refractory")
    assert top.g_per_m2 == approx(1.40625)  # 1.125 x 1.25, under 1.6
    capped = cyclophosphamide_next_pulse(top, nadir_wbc="3500 /uL", override="refractory")
    assert capped.g_per_m2 == 1.6  # 1.40625 x 1.25 = 1.758 > 1.6: held at the ceiling


def test_next_pulse_pre_pulse_counts():
    full = 500 * BSA_EX  # 935.41 mg
    hold = cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="1999 /uL")
    assert hold.held and hold.dose_mg == 0.0
    assert hold.warnings == ("pre-pulse WBC 1,999/uL is below 2,000: hold the pulse",)
    half = cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="2000 /uL")
    assert half.dose_mg == approx(full / 2) and not half.held
    assert half.warnings == ("pre-pulse WBC 2,000/uL is 2,000-3,000: give 50 % (467.71 mg)", MESNA)
    assert cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="3000 /uL").dose_mg == approx(full / 2)
    whole = cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="3001 /uL")
    assert whole.dose_mg == approx(full) and whole.warnings == (MESNA,)
    neut = cyclophosphamide_next_pulse(FIRST, pre_pulse_neutrophils="1499 /uL")
    assert neut.dose_mg == approx(full * 0.75)  # cut 25 %
    assert neut.warnings == ("neutrophils 1,499/uL below 1.5 x10^9/L: cut 25 % (701.56 mg), or "
                             "postpone", MESNA)
    assert src.FRENCH_NEUTROPHILS in neut.sources
    ok = cyclophosphamide_next_pulse(FIRST, pre_pulse_neutrophils="1500 /uL")
    assert ok.dose_mg == approx(full)
    both = cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="1000 /uL",
                                       pre_pulse_neutrophils="500 /uL")
    assert both.held and both.dose_mg == 0.0 and len(both.warnings) == 1  # held: no cut on top


# --- creatinine thresholds typed in umol/L (found here; fixed in the core, 6d82ed7) ----------

@pytest.mark.parametrize(("check", "expected"), [
    # oral: >= 250 umol/L limits the rate to 1.75 mg/kg/day -> 1.75 x 70 = 122.5 mg
    (lambda: cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="250 umol/L"))
     .daily_dose_mg, 122.5),
    # oral: 500 umol/L is still the 251-500 band: 1.75 x 70 = 122.5 mg
    (lambda: cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="500 umol/L"))
     .daily_dose_mg, 122.5),
    # EULAR: age 59 and creatinine 300 umol/L is the 300-500 column: 12.5 mg/kg
    (lambda: cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=59,
                                                      serum_creatinine="300 umol/L"))
     .reduced_mg_per_kg, 12.5),
])
def test_creatinine_thresholds_typed_in_umol_per_litre(check, expected):
    assert check() == approx(expected)


# --- second round: override paths, exact refusals, catalogue-dependent dispensing -----------

from plexodose import CATALOGUE, CyclophosphamidePulse, OralProduct  # noqa: E402

TEST_SOURCE = src.Source("label", "test product", "test strengths")


@pytest.fixture
def oral_product():
    """Put a test-only oral product in place of a drug's own; restore the catalogue after."""
    swapped = []

    def register(drug, strengths):
        default = CATALOGUE.oral(drug)
        if default is not None:
            CATALOGUE.unregister(default.name)
        test = OralProduct(drug=drug, name=f"test {drug}", form="tablet", strengths_mg=strengths,
                           source=TEST_SOURCE)
        CATALOGUE.register(test)
        swapped.append((test, default))

    yield register
    for test, default in swapped:
        CATALOGUE.unregister(test.name)
        if default is not None:
            CATALOGUE.register(default)


def test_azathioprine_custom_strength_never_dispenses_above_the_cap(oral_product):
    oral_product("azathioprine", (40,))
    r = azathioprine(Patient(weight="75 kg", age=40))  # 150 mg: nearest 40 is 160 > 150 -> 120
    assert r.dispensed.amount == 120 and r.dispensed.rounded == "down, to stay within the maximum"
    twice = azathioprine(Patient(weight="75 kg", age=40), doses_per_day=2)  # 75 a dose -> 80 > 75
    assert twice.dispensed.amount == 40  # down to a whole 40 mg tablet under 75


def test_cyclophosphamide_oral_dispensed_with_a_registered_product(oral_product):
    oral_product("cyclophosphamide", (50,))
    # 2 mg/kg x 72 = 144 mg is the seed's ceiling itself: the nearest 50 (150) would pass it,
    # so it rounds down to 100 mg (-30.6 %, warned)
    r = cyclophosphamide_oral(EX)
    assert r.dispensed.amount == 100 and r.dispensed.product == "test cyclophosphamide"
    assert r.dispensed.rounded == "down, to stay within the maximum"
    assert any("-30.6 %" in w for w in r.warnings)
    lower = cyclophosphamide_oral(EX, mg_per_kg_day=1.5)  # 108 mg -> nearest 50 = 100 (ceiling 144)
    assert lower.dispensed.amount == 100 and lower.dispensed.rounded == "to the nearest"
    assert r.drug == "cyclophosphamide (oral)"


def test_the_catalogue_is_restored_after_a_swap():
    # runs after the swaps above (file order): the reference has no oral cyclophosphamide
    assert CATALOGUE.oral("cyclophosphamide") is None
    assert CATALOGUE.oral("azathioprine").strengths_mg == (50.0, 25.0)


def test_cumulative_days_rounded_down():
    # 2 x 72.03 = 144.06 mg/day: 36000 / 144.06 = 249.9 -> 249 whole days
    r = cyclophosphamide_oral(Patient(weight="72.03 kg"))
    assert any(w.endswith("reaches 36 g after 249 days") for w in r.warnings)


def test_results_carry_drug_names_and_flags():
    assert azathioprine(EX).drug == "azathioprine"
    assert ciclosporin(EX).drug == "ciclosporin" and ciclosporin(EX).dosing_weight_kg == 72
    assert mycophenolate(EX).cap_applied is False
    assert cyclophosphamide_next_pulse(FIRST, nadir_wbc="3000 /uL").held is False
    assert ivig(EX, weight_basis="actual").weight_basis == "actual"
    assert ivig(EX, product="privigen").dispensed.product == "Privigen 10 %"


def test_ivig_exact_boundaries_of_the_obesity_rules():
    # male 152.4 cm = 60 in: IBW 50 + 2.3 x 0 = 50 kg exactly
    at_120 = ivig(Patient(weight="60 kg", height="152.4 cm", sex="male"),
                  auto_rule="over_120_percent_ibw")  # 60 / 50 = 1.2: not above 120 %
    assert at_120.weight_basis == "actual"
    # actual 50 = IBW 50 = adjusted 50: the Australian rule keeps adjusted (actual not below)
    equal = ivig(Patient(weight="50 kg", height="152.4 cm", sex="male", age=40),
                 auto_rule="australia_2026")
    assert equal.weight_basis == "adjusted"
    minor = ivig(Patient(weight="100 kg", height="170 cm", sex="female", age=17,
                         minor_override="specialist advice"), auto_rule="australia_2026")
    assert minor.weight_basis == "actual"
    assert minor.warnings[0] == ("patient is under 18: adult protocol applied on override: "
                                 "specialist advice")


def test_ivig_hard_cap_message():
    with pytest.raises(DoseRangeError) as info:
        ivig(EX, g_per_kg_day=1, days=1, max_g_per_kg_day=0.5)
    assert str(info.value) == (f"g_per_kg_day 1 g/kg/day is above the hard limit of 0.5 g/kg/day "
                               f"({src.IVIG_MAX_DAILY_GAP}); an override does not lift it")


def test_azathioprine_override_paths_and_refusals():
    both_poor = Patient(weight="60 kg", tpmt="poor", nudt15="poor")
    with pytest.raises(ContraindicationError) as info:
        azathioprine(both_poor)
    assert str(info.value) == ("poor metabolizer (TPMT, NUDT15): CPIC advises a non-thiopurine "
                               "alternative; pass override='reason' for a 10-fold reduction "
                               "given three times a week")
    assert info.value.field == "tpmt" and info.value.value == "poor"
    inter = Patient(weight="60 kg", tpmt="intermediate", nudt15="normal")
    r = azathioprine(inter, genotype_fraction=0.9, override="haematologist")
    assert r.daily_dose_mg == approx(108.0)  # 120 x 0.9
    assert r.warnings[0] == (f"genotype_fraction 0.9 is outside the protocol range 0.3-0.8 "
                             f"({src.CPIC_THIOPURINES}); used on override: haematologist")
    plain = azathioprine(inter)
    assert plain.sources == (src.SEED_AZATHIOPRINE, src.CPIC_THIOPURINES, src.RANGE_LOW_END_GAP,
                             src.AZATHIOPRINE_LABEL, src.ROUNDING_WARNING_GAP, src.SEED_DURATION)
    assert plain.warnings[0] == ("renal function not estimated (age, sex, serum_creatinine not "
                                 "given): no renal adjustment")
    with pytest.raises(ContraindicationError) as info:
        azathioprine(EX, genotype_fraction=0.5)
    assert str(info.value) == ("genotype_fraction applies to reduced metabolizers only; this "
                               "patient's TPMT/NUDT15 status calls for the normal dose")
    assert info.value.field == "genotype_fraction" and info.value.value == 0.5
    with pytest.raises(InputRangeError) as info:
        azathioprine(EX, genotype_fraction="0.5")
    assert info.value.field == "genotype_fraction"
    over = azathioprine(Patient(weight="40 kg", age=40), mg_per_kg_day=2.5, override="x")
    assert over.warnings[0] == (f"mg_per_kg_day 2.5 mg/kg/day is outside the protocol range "
                                f"1-2 mg/kg/day ({src.SEED_AZATHIOPRINE}); used on override: x")
    assert over.sources[0] == src.SEED_AZATHIOPRINE
    allo = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="normal", age=40),
                        allopurinol=True)
    assert allo.sources.index(src.AZATHIOPRINE_LABEL) < allo.sources.index(src.RANGE_LOW_END_GAP)


def test_ciclosporin_override_paths():
    p = Patient(weight="50 kg")
    r = ciclosporin(p, mg_per_kg_day=2, creatinine_rise_threshold=0.2,
                    creatinine_rise_reduction=0.6, override="transplant team")
    assert r.daily_dose_mg == 100 and r.override == "transplant team"  # 2 x 50
    assert r.warnings[:3] == (
        f"mg_per_kg_day 2 mg/kg/day is outside the protocol range 2.5-5 mg/kg/day "
        f"({src.SEED_CICLOSPORIN}); used on override: transplant team",
        f"creatinine_rise_threshold 0.2 is outside the protocol range 0.25-0.3 "
        f"({src.CICLOSPORIN_LABEL}); used on override: transplant team",
        f"creatinine_rise_reduction 0.6 is outside the protocol range 0.25-0.5 "
        f"({src.CICLOSPORIN_LABEL}); used on override: transplant team",
    )
    with pytest.raises(DoseRangeError) as info:  # above the seed's 5 mg/kg/day: never
        ciclosporin(p, mg_per_kg_day=6, override="transplant team")
    assert info.value.field == "mg_per_kg_day"
    # a rise computed as a ratio: 1.5 / 1.2 - 1 = 25 % (a product 1.5 x 1.2 - 1 would be 80 %)
    rise = ciclosporin(Patient(weight="80 kg", serum_creatinine="1.5 mg/dL",
                               baseline_creatinine="1.2 mg/dL"), mg_per_kg_day=2.5,
                       creatinine_rise_threshold=0.3)
    assert rise.daily_dose_mg == approx(200.0)  # 25 % < 30 %: not reduced
    assert "creatinine 1.5 mg/dL vs baseline 1.2 mg/dL: +25 %" in steps(rise)


def test_mycophenolate_override_paths_and_messages():
    low = mycophenolate(EX, mg_per_dose=250, override="starting low")
    assert low.per_dose_mg == 250
    assert low.warnings[0] == (f"mg_per_dose 250 mg is outside the protocol range 500-1,500 mg "
                               f"({src.MYCOPHENOLATE_TITRATION}); used on override: starting low")
    three = mycophenolate(EX, doses_per_day=3, override="trial")
    assert three.warnings[0] == (f"doses_per_day 3 is outside the protocol range 2 "
                                 f"({src.SEED_MYCOPHENOLATE}); used on override: trial")
    with pytest.raises(DoseRangeError) as info:
        mycophenolate(EX, mg_per_dose=1600, override="x")
    assert str(info.value) == (f"mg_per_dose 1,600 mg is above the hard limit of 1,500 mg "
                               f"({src.MYCOPHENOLATE_TITRATION}); an override does not lift it")
    unknown = mycophenolate(Patient(weight="60 kg"))
    assert unknown.warnings[0] == ("renal function not estimated (age, sex, serum_creatinine not "
                                   "given): no check of the eGFR < 25 limit")


def test_cyclophosphamide_iv_messages_and_overrides():
    with pytest.raises(InputRangeError) as info:
        cyclophosphamide_iv(EX, bsa_cap="3.5 m**2")
    assert str(info.value) == "bsa_cap 3.5 m**2 is outside the plausible range 1-3 m**2"
    with pytest.raises(DoseRangeError) as info:
        cyclophosphamide_iv(EX, g_per_m2=1.7, override="x")
    assert str(info.value) == (f"g_per_m2 1.7 g/m2 is above the hard limit of 1.6 g/m2 "
                               f"({src.CYCLOPHOSPHAMIDE_NADIR}); an override does not lift it")
    r = cyclophosphamide_iv(EX, g_per_m2=1.2, interval_weeks=6, override="refractory")
    assert r.override == "refractory" and r.dose_mg == approx(1200 * BSA_EX)
    assert r.warnings[:2] == (
        f"g_per_m2 1.2 g/m2 is outside the protocol range 0.3-1 g/m2 "
        f"({src.SEED_CYCLOPHOSPHAMIDE}); used on override: refractory",
        f"interval_weeks 6 weeks is outside the protocol range 2-4 weeks "
        f"({src.SEED_CYCLOPHOSPHAMIDE}); used on override: refractory",
    )
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_iv(Patient(weight="72 kg"))
    assert str(info.value) == "BSA for IV cyclophosphamide needs the patient's height"
    above = cyclophosphamide_iv(Patient(weight="72 kg", height="175 cm", age=65,
                                        serum_creatinine="600 umol/L"))
    assert src.EULAR_CYCLOPS in above.sources
    with pytest.raises(ContraindicationError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50,
                                                 serum_creatinine="600 umol/L"))
    assert info.value.value == approx(600.0)


def test_pulse_reduction_override_and_missing_messages():
    r = cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50, serum_creatinine="1 mg/dL"),
                                         mg_per_kg=10, override="smaller pulses")
    assert r.reduced_mg_per_kg == 10 and r.standard_mg_per_kg == 10  # < 60 y, < 300: 15/15 x 10
    assert r.warnings[0] == (f"mg_per_kg 10 mg/kg is outside the protocol range 15 mg/kg "
                             f"({src.EULAR_CYCLOPS}); used on override: smaller pulses")
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", serum_creatinine="1 mg/dL"))
    assert str(info.value) == "the EULAR pulse reduction needs the patient's age"
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50))
    assert str(info.value) == "the EULAR pulse reduction needs the patient's serum_creatinine"


def _pulse(g_per_m2, bsa_cap=None):
    return CyclophosphamidePulse(g_per_m2=g_per_m2, bsa_m2=2.5, bsa_formula="mosteller",
                                 bsa_cap_m2=bsa_cap, dose_mg=g_per_m2 * 1000 * 2.5,
                                 interval_weeks=4, _steps=("built by hand",), warnings=(),
                                 _cited=(src.BSA,))


def test_next_pulse_refusals_and_carried_fields():
    with pytest.raises(InputRangeError) as info:
        cyclophosphamide_next_pulse(EX, nadir_wbc="3000 /uL")
    assert str(info.value) == "previous must be the CyclophosphamidePulse of the last pulse"
    with pytest.raises(DoseRangeError) as info:  # a hand-made pulse above the ceiling
        cyclophosphamide_next_pulse(_pulse(2.0), pre_pulse_wbc="5000 /uL", override="x")
    assert info.value.field == "next pulse g_per_m2"
    assert str(info.value) == (f"next pulse g_per_m2 2 g/m2 is above the hard limit of 1.6 g/m2 "
                               f"({src.CYCLOPHOSPHAMIDE_NADIR}); an override does not lift it")
    capped = cyclophosphamide_next_pulse(_pulse(0.5, bsa_cap=2.0), nadir_wbc="3000 /uL")
    assert capped.bsa_cap_m2 == 2.0 and capped.dose_mg == approx(625 * 2.0)  # 0.625 x 2 m2
    wide = cyclophosphamide_next_pulse(FIRST, nadir_wbc="1000 /uL", cut_fraction=0.3,
                                       override="deep nadir")
    assert wide.g_per_m2 == approx(0.35)  # 0.5 x 0.7
    assert wide.warnings[0] == (f"cut_fraction 0.3 is outside the protocol range 0.1-0.2 "
                                f"({src.CYCLOPHOSPHAMIDE_NADIR}); used on override: deep nadir")
    exact = cyclophosphamide_next_pulse(cyclophosphamide_iv(EX, g_per_m2=0.8), nadir_wbc="3000 /uL")
    assert steps(exact)[0] == "nadir WBC 3,000/uL is above the 2,000 target: raise 25 % -> 1 g/m2"


# --- third round: the remaining non-equivalent survivors (docs/mutation.md) -----------------

def test_bsa_formula_errors_name_the_parameter_given():
    for call, field in ((lambda f: bsa(height="175 cm", weight="72 kg", formula=f), "formula"),
                        (lambda f: cyclophosphamide_iv(EX, bsa_formula=f), "bsa_formula")):
        for bad in ("x", ["mosteller"], None):  # a list is unhashable: still a PlexodoseError
            with pytest.raises(InputRangeError) as info:
                call(bad)
            assert info.value.field == field and info.value.value == bad
            assert str(info.value) == (f"{field} must be one of mosteller, dubois, haycock, "
                                       f"gehan_george, boyd; got {bad!r}")


def test_adjusted_weight_factor_messages():
    kwargs = {"weight": "110 kg", "height": "165 cm", "sex": "female"}
    with pytest.raises(InputRangeError) as info:
        adjusted_body_weight(**kwargs, factor="0.4")
    assert info.value.field == "factor"
    assert str(info.value).startswith("factor must be a plain number")
    with pytest.raises(InputRangeError) as info:
        adjusted_body_weight(**kwargs, factor=1.5)
    assert str(info.value) == "factor 1.5 is outside the plausible range 0-1"


def test_absolute_ceilings_name_field_unit_and_source():
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


def test_conversion_dose_field_and_drug_name():
    with pytest.raises(PlexodoseError) as info:
        convert_mycophenolate("5 kg/m", to="sodium")
    assert info.value.field == "dose"
    assert mycophenolate(EX).drug == "mycophenolate mofetil"


def test_dispense_nothing_when_rounding_down_leaves_zero_and_small_units_allowed():
    # 30 mg: nearest 25 mg is above the 20 mg maximum; down to a whole 25 mg step is 0: nothing
    assert disp.dispense(30, product="t", form="t", unit="mg", sizes=(25.0,), maximum=20) is None
    # 0.6 mg of 0.5 mg units: one unit of 0.5 mg (an amount below 1 is still dispensable)
    half = disp.dispense(0.6, product="t", form="t", unit="mg", sizes=(0.5,), maximum=1e9)
    assert half.amount == 0.5 and half.units == ((0.5, 1),)


def test_mycophenolate_custom_strength_never_dispensed_above_the_renal_limit(oral_product):
    oral_product("mycophenolate", (600,))
    r = mycophenolate(LOW, mg_per_dose=1000)  # eGFR 16.2 < 25: at most 1,000 mg a dose
    # 1,000 / 600 = 1.67: the nearest 600 mg multiple is 1,200, above the limit: down to 600
    assert r.dispensed.amount == 600 and r.dispensed.rounded == "down, to stay within the maximum"


def test_iv_interval_shorter_than_two_weeks_refused_even_with_override():
    with pytest.raises(DoseRangeError) as info:
        cyclophosphamide_iv(EX, interval_weeks=1, override="x")
    assert info.value.field == "interval_weeks" and info.value.value == 1.0
    assert str(info.value).startswith("interval_weeks 1 is shorter than the seed's 2 weeks (")


HIGH_CREATININE = Patient(weight="72 kg", height="175 cm", age=65, serum_creatinine="600 umol/L")


def test_iv_reduction_above_the_table_uses_the_300_500_column_on_override():
    r = cyclophosphamide_iv(HIGH_CREATININE, age_renal_reduction=True, override="x")
    # age 65, column 300-500 on override: 10 of 15 mg/kg -> 1,403.1 x 10 / 15 = 935.41 mg
    assert r.dose_mg == approx(750 * BSA_EX * 10 / 15) and r.override == "x"


def test_iv_reduction_above_the_table_is_warned():
    # found here, fixed in the core (3949044): the override's use of the table is said
    r = cyclophosphamide_iv(HIGH_CREATININE, age_renal_reduction=True, override="x")
    assert r.warnings == ("creatinine 600 umol/L is above the EULAR table; its 300-500 column is "
                          "used on override: x", MESNA)


def test_each_rule_cites_its_source_when_it_applies():
    mid = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="300 umol/L"))
    assert src.CYCLOPHOSPHAMIDE_ORAL_RENAL in mid.sources
    p = Patient(weight="72 kg", height="175 cm", age=65, serum_creatinine="350 umol/L")
    assert src.EULAR_CYCLOPS in cyclophosphamide_iv(p, age_renal_reduction=True).sources
    at = mycophenolate(LOW, mg_per_dose=1000)  # the eGFR < 25 limit respected, still cited
    assert src.MYCOPHENOLATE_RENAL in at.sources
    vials = ivig(EX, weight_basis="actual", product="privigen")  # 5 g rounding: Ontario
    assert src.TRANSFUSION_ONTARIO in vials.sources


def test_next_pulse_above_the_seed_ceiling_is_warned_on_override():
    near = cyclophosphamide_iv(EX, g_per_m2=0.9)
    over = cyclophosphamide_next_pulse(near, nadir_wbc="3500 /uL", override="refractory")
    assert over.warnings == (
        f"next pulse g_per_m2 1.125 g/m2 is outside the protocol range 0-1 g/m2 "
        f"({src.SEED_CYCLOPHOSPHAMIDE}); used on override: refractory", MESNA)  # 0.9 x 1.25
    # the seed is cited first even when no phase or rule step cites it (3.5 mg/kg/day)
    assert ciclosporin(Patient(weight="50 kg"), mg_per_kg_day=3.5).sources[0] == src.SEED_CICLOSPORIN


def test_sources_in_the_order_the_rules_applied():
    # each rule's source is cited where the rule is used, so the order is the derivation's
    ind = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="normal"))
    assert ind.sources == (src.SEED_AZATHIOPRINE, src.CPIC_THIOPURINES, src.INDETERMINATE_GAP,
                           src.RANGE_LOW_END_GAP, src.AZATHIOPRINE_LABEL,
                           src.ROUNDING_WARNING_GAP, src.SEED_DURATION)
    small = ivig(Patient(weight="20 kg"), product="privigen")  # not roundable within 10 %
    assert small.sources == (src.SEED_IVIG, src.IVIG_MAX_DAILY_GAP, src.PRIVIGEN_LABEL,
                             src.US_ROUNDING)
    rise = ciclosporin(Patient(weight="80 kg", serum_creatinine="1.25 mg/dL",
                               baseline_creatinine="1 mg/dL"), mg_per_kg_day=3)
    assert rise.sources == (src.SEED_CICLOSPORIN, src.CICLOSPORIN_LABEL, src.RANGE_LOW_END_GAP,
                            src.ROUNDING_WARNING_GAP)
    fall = ciclosporin(Patient(weight="80 kg", serum_creatinine="0.8 mg/dL",
                               baseline_creatinine="1 mg/dL"), mg_per_kg_day=2.5)
    assert fall.sources == (src.SEED_CICLOSPORIN, src.CICLOSPORIN_LABEL)
    high = ciclosporin(Patient(weight="50 kg"), mg_per_kg_day=4.5)  # above the label's 4
    assert high.sources == (src.SEED_CICLOSPORIN, src.CICLOSPORIN_LABEL, src.ROUNDING_WARNING_GAP)
