"""Word-for-word and boundary checks of the safety rules added for "never silently wrong" and
the monitoring issue: the derived-value guard, the new maxima, IVIg risk factors, the
ciclosporin renal contraindication and the genotype warnings. A deliberate rewording must
update these tests (as for tests/test_mutation_killers.py)."""

from __future__ import annotations

import math

import pytest
from pytest import approx

from plexodose import (
    ContraindicationError,
    DoseRangeError,
    InputRangeError,
    Patient,
    azathioprine,
    ciclosporin,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    cyclophosphamide_pulse_reduction,
    ideal_body_weight,
    ivig,
    mycophenolate,
)
from plexodose._core import sources as src
from plexodose._patient import body as _body

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL
BOXED = ("use the minimum dose, concentration and infusion rate practicable; hydrate before the "
         "infusion; check renal function (creatinine, BUN) before treatment")


# --- the derived-value guard --------------------------------------------------------------------

def test_derived_refuses_outside_the_range_and_non_finite_values() -> None:
    assert _body.derived(0.01, "x", 0.01, 2000, "u", "w") == 0.01  # both ends are inside
    assert _body.derived(2000.0, "x", 0.01, 2000, "u", "w") == 2000.0
    with pytest.raises(InputRangeError) as caught:
        _body.derived(math.nan, "creatinine clearance", 0.01, 2000, "mL/min", "Cockcroft-Gault")
    assert str(caught.value) == (
        "creatinine clearance nan mL/min is outside the plausible range 0.01-2,000 mL/min "
        "(Cockcroft-Gault): plexodose will not dose on it")
    assert caught.value.field == "creatinine_clearance" and math.isnan(caught.value.value)
    for value in (math.inf, 0.009, 2000.5, -1.0):
        with pytest.raises(InputRangeError):
            _body.derived(value, "x", 0.01, 2000, "u", "w")
    with pytest.raises(InputRangeError) as caught:  # 50 + 2.3 x (24 - 60) = -32.8 kg
        ideal_body_weight(height="24 inch", sex="male")
    assert str(caught.value) == (
        "ideal body weight -32.8 kg is outside the plausible range 2-350 kg (Devine at 60.96 cm; "
        "the formula is for adults of 60 inches (152.4 cm) and over: use the actual weight): "
        "plexodose will not dose on it")
    assert caught.value.field == "ideal_body_weight"


def test_checked_kernels_name_what_they_refuse() -> None:
    cases = [
        (lambda: _body.clearance_ml_min(139.99, 2, "male", 25), "creatinine clearance"),
        (lambda: _body.adjusted_weight_kg(1.0, 1.0), "adjusted body weight"),
        (lambda: _body.bsa_m2(_body.BSA_FORMULAS["mosteller"], 1.0, 1.0), "BSA"),
        (lambda: _body.egfr_ml_min(120, "male", 1e9), "eGFR"),
    ]
    for call, name in cases:
        with pytest.raises(InputRangeError, match=f"^{name} "):
            call()
    # and in range they give the kernel's value
    assert _body.clearance_ml_min(60, 72, "male", 1.0) == approx(80.0)  # 80 x 72 / 72
    assert _body.egfr_ml_min(60, "male", 1.0) == approx(_body.egfr_value(60, "male", 1.0))
    assert _body.adjusted_weight_kg(110, 56.91) == approx(56.91 + 0.4 * (110 - 56.91))
    assert _body.bsa_m2(_body.BSA_FORMULAS["mosteller"], 175, 72) == approx(math.sqrt(3.5))


# --- the new maxima ------------------------------------------------------------------------------

def test_oral_cyclophosphamide_cap_text_limits_and_boundary() -> None:
    r = cyclophosphamide_oral(Patient(weight="130 kg"))  # 2 x 130 = 260 -> 200 mg/day
    assert r.steps[:2] == ("2 mg/kg/day x 130 kg (actual weight) = 260 mg/day",
                           "capped at 200 mg/day (from 260 mg)")
    assert [(lim.label, lim.amount, lim.per, lim.source) for lim in r.limits] == [
        ("maximum", 200.0, "day", src.ORAL_CYCLOPHOSPHAMIDE_MAX),
        ("seed ceiling of 2 mg/kg/day", 260.0, "day", src.SEED_CEILING_GAP),  # 2 x 130
    ]
    assert r.cap_applied and r.daily_dose_mg == 200 and r.cap_mg_per_day == 200
    at = cyclophosphamide_oral(Patient(weight="100 kg"))  # 2 x 100 = 200: the maximum itself
    assert at.daily_dose_mg == 200 and not at.cap_applied
    assert "capped at" not in " ".join(at.steps)


def test_cyclops_pulse_cap_texts_and_parameter_checks() -> None:
    p = Patient(weight="130 kg", age=50, serum_creatinine="1 mg/dL")
    r = cyclophosphamide_pulse_reduction(p)  # 15 mg/kg x 130 kg = 1,950 mg -> 1,200 mg
    assert r.steps == ("age 50, creatinine 88 umol/L: 15 of 15 mg/kg -> 15 mg/kg x 130 kg = "
                       "1,950 mg", "capped at 1,200 mg per pulse (from 1,950 mg)")
    assert r.warnings[0] == "1,950 mg is above the 1,200 mg per-pulse maximum: 1,200 mg given"
    assert r.limits[0].label == "per-pulse maximum" and r.limits[0].amount == 1200
    assert r.limits[0].per == "dose" and r.limits[0].source == src.CYCLOPS_PULSE_MAX
    assert r.dose.magnitude == 1200 and r.reduced_mg_per_kg == 15 and r.fraction == 1
    assert repr(r).splitlines()[0] == ("cyclophosphamide pulse: 1,200 mg (15 mg/kg, 100 % of "
                                       "15 mg/kg, capped)")
    at = cyclophosphamide_pulse_reduction(Patient(weight="80 kg", age=50,
                                                  serum_creatinine="1 mg/dL"))
    assert at.dose_mg == 1200 and not at.cap_applied  # 15 x 80 = 1,200: the maximum itself
    with pytest.raises(DoseRangeError) as caught:
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1300)
    assert caught.value.field == "max_pulse_mg" and "outside the protocol range 1-1,200 mg" in str(
        caught.value)
    over = cyclophosphamide_pulse_reduction(p, max_pulse_mg=1300, override="summary's 1.5 g")
    assert over.dose_mg == 1300 and over.override == "summary's 1.5 g"
    with pytest.raises(DoseRangeError, match="above the hard limit of 1,500 mg"):
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1500.5, override="x")
    assert cyclophosphamide_pulse_reduction(p, max_pulse_mg=1500, override="x").dose_mg == 1500
    small = cyclophosphamide_pulse_reduction(p, max_pulse_mg=1)  # the range's low end: allowed
    assert small.dose_mg == 1
    with pytest.raises(InputRangeError, match="greater than zero"):
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=0)


def test_iv_pulse_limit_is_1_6_g_per_m2_of_the_dosing_bsa() -> None:
    r = cyclophosphamide_iv(EX)  # ceiling 1.6 g/m2 x 1,000 x 1.8708 m2 = 2,993.3 mg
    (lim,) = r.limits
    assert (lim.label, lim.per, lim.source) == ("ceiling of 1.6 g/m2", "dose",
                                               src.CYCLOPHOSPHAMIDE_NADIR)
    assert lim.amount == approx(1600 * math.sqrt(3.5))
    capped = cyclophosphamide_iv(Patient(weight="120 kg", height="190 cm", age=50,
                                         serum_creatinine="1 mg/dL"), bsa_cap="2 m**2")
    assert capped.limits[0].amount == approx(3200.0)  # 1.6 x 1,000 x the capped 2 m2


def test_mycophenolate_limits_and_low_egfr_step() -> None:
    r = mycophenolate(EX)
    assert [(lim.label, lim.amount, lim.per) for lim in r.limits] == [
        ("protocol maximum", 1500.0, "dose"), ("protocol maximum", 3000.0, "day")]
    low = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")  # eGFR 16.2
    three = mycophenolate(low, doses_per_day=3, override="trial")
    # 2,000 / 3 = 666.7 mg a dose (the calculated dose); 750 would pass: 500 dispensed
    assert ("eGFR 16.2 < 25: at most 2,000 mg a day, whatever the number of doses: 666.7 mg x 3 "
            "= 2,000 mg/day (limited to 666.7 mg per dose)") in three.steps
    assert three.warnings[1] == "eGFR 16.2 < 25: limited to 2,000 mg a day"  # after the override
    assert three.limits[-1].label == "eGFR < 25 maximum" and three.limits[-1].amount == 2000


# --- IVIg risk factors ----------------------------------------------------------------------------

def test_ivig_risk_factors_from_the_patient_and_flags() -> None:
    old = Patient(weight="72 kg", height="175 cm", sex="male", age=70, serum_creatinine="1 mg/dL")
    r = ivig(old, product="privigen", risk_factors=["diabetes", "prior_thrombosis", "diabetes"])
    assert r.risk_factors == ("age 70 (over 65)", "diabetes", "prior thrombosis")  # once each
    # Privigen starts at 0.5 mg/kg/min, below 2: 0.5 x 72 kg x 60 / 100 mg per mL = 21.6 mL/h
    assert r.warnings == (
        f"renal and thrombosis risk (age 70 (over 65); diabetes; prior thrombosis): {BOXED}",
        "at-risk patient: keep the pump at most 0.5 mg/kg/min (21.6 mL/h of Privigen 10 %), the "
        "lower of its initial rate and 2 mg/kg/min: do not escalate",
    )
    assert src.IVIG_BOXED_WARNING in r.sources and src.IVIG_RISK_RATE_GAP in r.sources
    assert "renal and thrombosis risk: age 70 (over 65); diabetes; prior thrombosis" in repr(r)
    gamunex = ivig(EX, product="gamunex", risk_factors=["sepsis"])  # starts at 2: min(2, 2) = 2
    assert gamunex.warnings[-1].startswith(  # 2 x 72 x 60 / 100 = 86.4 mL/h
        "at-risk patient: keep the pump at most 2 mg/kg/min (86.4 mL/h of Gamunex-C 10 %)")
    no_product = ivig(Patient(weight="72 kg", age=66))
    assert no_product.risk_factors == ("age 66 (over 65)",)
    assert no_product.warnings[-1] == (
        "at-risk patient: do not escalate the pump rate past the product's initial rate or "
        "2 mg/kg/min, whichever is lower")
    assert ivig(Patient(weight="72 kg", age=65)).risk_factors == ()  # over 65, not at 65
    assert not any("risk" in w for w in ivig(EX).warnings)  # no risk factor: no warning


def test_ivig_renal_risk_from_egfr_below_60() -> None:
    # female 70 y, creatinine 3 mg/dL: eGFR 16.2 < 60; age 70 > 65 too
    low = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")
    assert ivig(low).risk_factors == ("age 70 (over 65)", "eGFR 16.2 mL/min/1.73 m2 (below 60)")
    assert src.CKD_EPI_2021 in ivig(low).sources
    # 40 y, creatinine 1.2 mg/dL (male): eGFR about 76, not a risk factor
    fine = Patient(weight="72 kg", sex="male", age=40, serum_creatinine="1.2 mg/dL")
    assert ivig(fine).risk_factors == ()
    minor = Patient(weight="50 kg", sex="female", age=16, serum_creatinine="3 mg/dL",
                    minor_override="paediatric team")
    assert ivig(minor).risk_factors == ()  # the eGFR equation is for adults


def test_ivig_risk_flags_are_checked() -> None:
    with pytest.raises(InputRangeError) as caught:
        ivig(EX, risk_factors="diabetes")
    assert str(caught.value) == ("risk_factors must be a list such as ['diabetes']; got "
                                 "'diabetes'") and caught.value.field == "risk_factors"
    with pytest.raises(InputRangeError) as caught:
        ivig(EX, risk_factors=5)
    assert caught.value.field == "risk_factors"
    with pytest.raises(InputRangeError) as caught:
        ivig(EX, risk_factors=["gout"])
    assert str(caught.value).startswith("risk_factors: 'gout' is not one of diabetes, "
                                        "prior_thrombosis, hypercoagulable_condition")
    assert caught.value.value == "gout"


def test_ivig_round_to_g_range_and_limit() -> None:
    for step in (0.5, 40):
        assert ivig(EX, product="gamunex", round_to_g=step).dispensed is not None
    for step in (0.49, 40.1):
        with pytest.raises(InputRangeError, match="round_to_g"):
            ivig(EX, product="gamunex", round_to_g=step)
    (lim,) = ivig(EX).limits  # 1 g/kg/day x 72 kg = 72 g a day
    assert (lim.label, lim.amount, lim.per, lim.source) == (
        "ceiling of 1 g/kg/day", 72.0, "day", src.IVIG_MAX_DAILY_GAP)
    exact = ivig(Patient(weight="75 kg"), product="privigen")  # 0.4 x 75 = 30 g: exact
    assert not any(s.startswith("course as dispensed") for s in exact.steps)


# --- ciclosporin renal contraindication ----------------------------------------------------------

def test_ciclosporin_is_not_started_below_egfr_60() -> None:
    low = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")  # eGFR 16.2
    with pytest.raises(ContraindicationError) as caught:
        ciclosporin(low)
    assert str(caught.value) == (
        "eGFR 16.2 mL/min/1.73 m2 is below 60: ciclosporin is contraindicated in abnormal renal "
        "function; pass override='reason' to give it anyway")
    assert (caught.value.field, caught.value.value) == ("serum_creatinine", 3.0)
    r = ciclosporin(low, override="renal team")
    assert r.warnings[0] == ("eGFR 16.2 mL/min/1.73 m2 is below 60: ciclosporin is "
                             "contraindicated in abnormal renal function; given on override: "
                             "renal team")
    assert r.sources[2:4] == (src.CICLOSPORIN_CONTRAINDICATIONS, src.CICLOSPORIN_EGFR_GAP)
    # eGFR just at or above 60 starts without a reason: male 60 y, creatinine 1.3 mg/dL
    # (142 x (1.3/0.9)^-1.2 x 0.9938^60 = 62.3)
    assert ciclosporin(Patient(weight="72 kg", sex="male", age=60,
                               serum_creatinine="1.3 mg/dL")).daily_dose_mg == approx(360)
    unknown = ciclosporin(Patient(weight="72 kg"))  # renal function unknown: said, not refused
    assert unknown.warnings[0] == ("renal function not estimated (age, sex, serum_creatinine not "
                                   "given): no check of renal function before ciclosporin")


def test_ciclosporin_limit_label_and_reduced_step() -> None:
    r = ciclosporin(EX)  # 5 mg/kg/day x 72 kg = 360 mg/day ceiling
    (lim,) = r.limits
    assert (lim.label, lim.amount, lim.per, lim.source) == (
        "seed ceiling of 5 mg/kg/day", 360.0, "day", src.SEED_CEILING_GAP)
    cut = ciclosporin(Patient(weight="80 kg", serum_creatinine="1.3 mg/dL",
                              baseline_creatinine="1 mg/dL"), mg_per_kg_day=3,
                      creatinine_rise_reduction=0.25)
    # 3 x 80 = 240; +30 %: cut 25 % -> 240 x 0.75 = 180 mg/day
    assert "reduced: 240 mg/day x 0.75 = 180 mg/day" in cut.steps
    assert cut.daily_dose_mg == approx(180.0)


# --- genotype warnings -----------------------------------------------------------------------------

def test_genotype_warnings_name_the_gene() -> None:
    tpmt = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="normal"))
    assert tpmt.warnings[0] == ("TPMT indeterminate: measure TPMT activity; dosed as an "
                                "intermediate metabolizer meanwhile")
    assert src.INDETERMINATE_GAP in tpmt.sources and src.NUDT15_INDETERMINATE not in tpmt.sources
    nudt = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="indeterminate"))
    assert nudt.warnings[0] == ("NUDT15 indeterminate: no NUDT15 activity assay exists; monitor "
                                "blood counts closely; dosed as an intermediate metabolizer")
    assert src.NUDT15_INDETERMINATE in nudt.sources and src.INDETERMINATE_GAP in nudt.sources
    assert ("reduced metabolizer (NUDT15 indeterminate): start at 30 % of the normal dose (CPIC "
            "30 % to 80 %); 2-4 weeks to steady state") in nudt.steps
    both = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="intermediate"))
    assert ("reduced metabolizer (TPMT indeterminate, NUDT15 intermediate): start at 20 % of the "
            "normal dose (CPIC 20 % to 50 %); 2-4 weeks to steady state") in both.steps
    assert both.daily_dose_mg == approx(24.0)  # 2 x 60 x 20 %


# --- refusal texts and derivation steps, word for word ---------------------------------------------

def _refusal(call: object) -> str:
    with pytest.raises(InputRangeError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value)


def test_each_body_size_refusal_names_its_value_range_and_formula() -> None:
    # (140 - 139.99) x 2 / (72 x 25) = 1.111e-05 mL/min
    assert _refusal(lambda: _body.clearance_ml_min(139.99, 2, "male", 25)) == (
        "creatinine clearance 1.111e-05 mL/min is outside the plausible range 0.01-2,000 mL/min "
        "(Cockcroft-Gault): plexodose will not dose on it")
    assert _refusal(lambda: _body.adjusted_weight_kg(1.0, 1.0)) == (  # 1 + 0.4 x 0 = 1 kg
        "adjusted body weight 1 kg is outside the plausible range 2-350 kg (IBW + 0.4 x (actual "
        "- IBW)): plexodose will not dose on it")
    assert _refusal(lambda: _body.bsa_m2(_body.BSA_FORMULAS["mosteller"], 1.0, 1.0)) == (
        "BSA 0.01667 m2 is outside the plausible range 0.1-6 m2 (body surface area): plexodose "
        "will not dose on it")  # sqrt(1 x 1 / 3600) = 0.016667
    tiny = f"{_body.egfr_value(120, 'male', 1e9):,.4g}"
    assert _refusal(lambda: _body.egfr_ml_min(120, "male", 1e9)) == (
        f"eGFR {tiny} mL/min/1.73 m2 is outside the plausible range 0.01-2,000 mL/min/1.73 m2 "
        "(CKD-EPI 2021): plexodose will not dose on it")
    assert _refusal(lambda: _body.derived(math.inf, "x", 0, 1, "u", "w")).startswith("x inf u ")


def test_ivig_ideal_and_adjusted_step_and_an_explicit_basis() -> None:
    obese = Patient(weight="110 kg", height="165 cm", sex="female", age=50)
    # IBW 45.5 + 2.3 x (165 / 2.54 - 60) = 56.909; adjusted 56.909 + 0.4 x (110 - 56.909) = 78.146
    adjusted = ivig(obese, weight_basis="adjusted")
    assert adjusted.steps[0] == ("ideal body weight (Devine, female, 165 cm) = 56.909 kg; adjusted"
                                 " = 56.909 + 0.4 x (110 - 56.909) = 78.146 kg")
    assert adjusted.weight_basis == "adjusted" and adjusted.dosing_weight_kg == approx(78.146, abs=1e-3)
    assert src.DEVINE in adjusted.sources
    ideal = ivig(obese, weight_basis="ideal")
    assert ideal.weight_basis == "ideal" and ideal.dosing_weight_kg == approx(56.909, abs=1e-3)
    with pytest.raises(InputRangeError) as caught:
        ivig(obese, weight_basis="obese")  # type: ignore[arg-type]
    assert str(caught.value) == ("weight_basis must be one of auto, actual, ideal, adjusted; got "
                                 "'obese'")
    with pytest.raises(InputRangeError) as caught:
        ivig(obese, auto_rule="bmi_over_35")  # type: ignore[arg-type]
    assert str(caught.value) == ("auto_rule must be one of bmi_over_30, over_120_percent_ibw, "
                                 "australia_2026; got 'bmi_over_35'")
    short = ivig(Patient(weight="50 kg", height="150 cm", sex="female", age=40),
                 weight_basis="ideal")  # below 60 inches: Devine's caution, cited
    assert short.warnings[0].startswith("height 150 cm is below 60 inches")
    assert src.DEVINE in short.sources


def test_australian_rule_uses_the_patient_s_own_ideal_weight() -> None:
    # male 175 cm: IBW 70.46 kg; 68 kg is below it, so actual (a female IBW, 65.96, would not be)
    p = Patient(weight="68 kg", height="175 cm", sex="male", age=40)
    r = ivig(p, auto_rule="australia_2026")
    assert (r.weight_basis, r.weight_basis_reason) == (
        "actual", "actual weight is below adjusted weight (Australian rule)")
    assert src.AUSTRALIA_2026 in r.sources
    assert r.warnings[0] == ("the Australian rule excludes pregnancy: use actual weight in a "
                             "pregnant patient")


def test_ivig_round_to_g_refusal_and_risk_fields() -> None:
    assert _refusal(lambda: ivig(EX, product="gamunex", round_to_g=0.49)) == (
        "round_to_g 0.49 is outside the plausible range 0.5-40 g")
    with pytest.raises(InputRangeError) as caught:
        ivig(EX, risk_factors="diabetes")
    assert caught.value.value == "diabetes"
    with pytest.raises(InputRangeError) as caught:
        ivig(EX, risk_factors=["gout"])
    assert caught.value.field == "risk_factors"
    # an adult of exactly 18: the eGFR is estimated (female, creatinine 3 mg/dL: well below 60)
    young = Patient(weight="60 kg", sex="female", age=18, serum_creatinine="3 mg/dL")
    assert any(f.startswith("eGFR ") for f in ivig(young).risk_factors)


def test_pulse_reduction_parameter_errors_name_max_pulse_mg() -> None:
    p = Patient(weight="70 kg", age=50, serum_creatinine="1 mg/dL")
    for bad in ("1200", 0, -5):
        with pytest.raises(InputRangeError) as caught:
            cyclophosphamide_pulse_reduction(p, max_pulse_mg=bad)  # type: ignore[arg-type]
        assert caught.value.field == "max_pulse_mg"
    with pytest.raises(DoseRangeError) as caught:
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1501, override="x")
    assert caught.value.field == "max_pulse_mg"
    assert src.CYCLOPS_PULSE_MAX in cyclophosphamide_pulse_reduction(
        p, max_pulse_mg=1300, override="x").sources


def test_one_gene_untested_is_dosed_on_the_gene_tested() -> None:
    r = azathioprine(Patient(weight="60 kg", tpmt="intermediate"))  # NUDT15 not given
    assert r.warnings[0] == ("NUDT15 status not given: test before starting (CPIC); dosed on the "
                             "gene tested")
    assert r.daily_dose_mg == approx(36.0)  # 120 x 30 %
    with pytest.raises(ContraindicationError, match="is not known"):
        azathioprine(Patient(weight="60 kg"), genotype_fraction=0.5)


def test_devine_caution_rounds_the_height_to_one_decimal_and_male_adjusted_weight() -> None:
    assert _body.devine_warning(150.26) == (  # 150.26 cm shown as 150.3 (one decimal)
        "height 150.3 cm is below 60 inches (152.4 cm): the Devine ideal body weight gives odd "
        "results there")
    assert _body.devine_warning(152.4) is None
    from plexodose import adjusted_body_weight

    # male 175 cm: IBW 50 + 2.3 x (175 / 2.54 - 60) = 70.4646; 70.4646 + 0.4 x (110 - 70.4646)
    male = adjusted_body_weight(weight="110 kg", height="175 cm", sex="male")
    assert male.magnitude == approx(70.4646 + 0.4 * (110 - 70.4646), abs=1e-3)


def test_a_pulse_held_with_a_dose_or_given_without_one_is_refused() -> None:
    pulse = cyclophosphamide_iv(EX)  # 0.75 x 1.8708 m2 = 1,403 mg, given
    with pytest.raises(DoseRangeError, match="a held cyclophosphamide pulse of 1403"):
        pulse._evolve(held=True)
    with pytest.raises(DoseRangeError, match=r"cyclophosphamide pulse came out as 0\.0"):
        pulse._evolve(dose_mg=0.0)
