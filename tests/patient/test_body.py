"""Body size and renal function (_patient/body): BMI, BSA, ideal and adjusted weight,
Cockcroft-Gault and CKD-EPI against hand-computed values, and the derived-value guard."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import warnings

import pytest
from hand_computed import approx
from hypothesis import given
from hypothesis import strategies as st

from plexodose import (
    Q_,
    InputRangeError,
    Patient,
    PlexodoseWarning,
    adjusted_body_weight,
    azathioprine,
    bmi,
    bsa,
    creatinine_clearance,
    cyclophosphamide_iv,
    egfr,
    ideal_body_weight,
    ivig,
)
from plexodose._patient import body as body

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


def _refusal(call: object) -> str:
    with pytest.raises(InputRangeError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value)


def test_bmi_and_bsa_formulas() -> None:
    assert bmi(weight="72 kg", height="175 cm").m_as("kg/m**2") == pytest.approx(
        23.5102, abs=1e-4
    )  # 72/1.75^2
    h, w = "175 cm", "72 kg"
    # reference values: Mosteller sqrt(175 x 72 / 3600) = 1.8708, DuBois 1.8704
    assert bsa(height=h, weight=w).m_as("m**2") == pytest.approx(1.870829, abs=1e-6)
    assert bsa(height=h, weight=w, formula="dubois").m_as("m**2") == pytest.approx(1.8704, abs=1e-4)
    # 0.024265 x 175^0.3964 x 72^0.5378 = 1.87497
    assert bsa(height=h, weight=w, formula="haycock").m_as("m**2") == pytest.approx(
        1.87497, abs=1e-5
    )
    # 0.0235 x 175^0.42246 x 72^0.51456 = 1.88092
    assert bsa(height=h, weight=w, formula="gehan_george").m_as("m**2") == pytest.approx(
        1.88092, abs=1e-5
    )
    # 0.0003207 x 175^0.3 x 72000^(0.7285 - 0.0188 x log10 72000) = 1.87939 (weight in grams)
    assert bsa(height=h, weight=w, formula="boyd").m_as("m**2") == pytest.approx(1.87939, abs=1e-5)
    with pytest.raises(InputRangeError, match="formula must be one of"):
        bsa(height=h, weight=w, formula="unknown")


def test_bsa_is_invariant_to_input_units() -> None:
    metric = bsa(height="175 cm", weight="72 kg").m_as("m**2")
    imperial = bsa(height=Q_(175 / 2.54, "inch"), weight=Q_(72 / 0.45359237, "lb")).m_as("m**2")
    assert imperial == pytest.approx(metric, rel=1e-12)


def test_ideal_and_adjusted_body_weight() -> None:
    # male 175 cm: 50 + 2.3 x (175/2.54 - 60) = 70.4646 kg
    assert ideal_body_weight(height="175 cm", sex="male").m_as("kg") == pytest.approx(
        70.4646, abs=1e-4
    )
    # female 165 cm: 45.5 + 2.3 x (165/2.54 - 60) = 56.9094; adjusted 56.9094 + 0.4 x 53.0906 = 78.1457
    assert ideal_body_weight(height="165 cm", sex="female").m_as("kg") == pytest.approx(
        56.9094, abs=1e-4
    )
    adjusted = adjusted_body_weight(weight="110 kg", height="165 cm", sex="female")
    assert adjusted.m_as("kg") == pytest.approx(78.1457, abs=1e-4)


def test_devine_warns_below_60_inches() -> None:
    with pytest.warns(PlexodoseWarning, match="60 inches"):
        ideal_body_weight(height="150 cm", sex="female")


def test_renal_function() -> None:
    # (140 - 60) x 72 / (72 x 1.0) = 80 mL/min; female x 0.85 = 68
    assert creatinine_clearance(
        age=60, weight="72 kg", sex="male", serum_creatinine="1 mg/dL"
    ).m_as("mL/min") == pytest.approx(80.0)
    assert creatinine_clearance(
        age=60, weight="72 kg", sex="female", serum_creatinine="88.4 umol/L"
    ).m_as("mL/min") == pytest.approx(68.0, rel=1e-3)
    # 142 x (1/0.9)^-1.2 x 0.9938^60 = 86.16 (reference: 86.2)
    assert egfr(age=60, sex="male", serum_creatinine="1 mg/dL").magnitude == pytest.approx(
        86.16, abs=0.01
    )
    # female 40 y, 0.6 mg/dL: 142 x (0.6/0.7)^-0.241 x 0.9938^40 x 1.012 = 116.30
    assert egfr(age=40, sex="female", serum_creatinine="0.6 mg/dL").magnitude == pytest.approx(
        116.30, abs=0.01
    )
    assert egfr(age=60, sex="male", serum_creatinine="1 mg/dL").to(
        "mL/min/m**2"
    ).magnitude == pytest.approx(86.16 / 1.73, abs=0.01)
    with pytest.raises(InputRangeError, match="adult"):
        egfr(age=12, sex="male", serum_creatinine="1 mg/dL")


def test_bsa_formulas_hand_computed():
    """Mutation killer (docs/mutation.md): each of the five BSA formulas against its hand-computed
    value, so that a changed constant or exponent fails."""
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
    """Mutation killer (docs/mutation.md): a BSA formula name is matched exactly (a typo or None is
    refused, not guessed) and the refusal lists the choices."""
    with pytest.raises(InputRangeError) as info:
        body.bsa_formula("Mosteller")  # case matters: a typo is refused, not guessed
    assert info.value.value == "Mosteller"
    with pytest.raises(InputRangeError):
        body.bsa_formula(None)
    assert "mosteller, dubois, haycock, gehan_george, boyd" in str(info.value)


def test_bmi_ibw_adjusted_hand_computed():
    """Mutation killer (docs/mutation.md): BMI, the Devine ideal weight of each sex and the adjusted
    weight (factor 0.4, 0.5, 1 and a refused 1.5), hand-computed."""
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
    """Mutation killer (docs/mutation.md): the Devine caution starts strictly below 60 inches (152.4
    cm), word for word, and warns only there."""
    assert body.devine_warning(152.4) is None  # exactly 60 in: no caution
    assert body.devine_warning(152.3) == ("height 152.3 cm is below 60 inches (152.4 cm): the "
                                          "Devine ideal body weight gives odd results there")
    with pytest.warns(PlexodoseWarning, match="below 60 inches"):
        ideal_body_weight(height="150 cm", sex="female")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ideal_body_weight(height="152.4 cm", sex="female")


def test_creatinine_clearance_and_egfr_hand_computed():
    """Mutation killer (docs/mutation.md): Cockcroft-Gault for each sex and CKD-EPI 2021 on each
    side of kappa for each sex, hand-computed."""
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
    """Mutation killer (docs/mutation.md): the adult-only renal equations refuse age 17, naming the
    field, and accept 18."""
    with pytest.raises(InputRangeError) as info:
        egfr(age=17, sex="male", serum_creatinine="1 mg/dL")
    assert info.value.field == "age" and info.value.value == 17
    # 18 is adult: 142 x (1/0.9)^-1.2 x 0.9938^18
    assert egfr(age=18, sex="male", serum_creatinine="1 mg/dL").magnitude == approx(
        142 * (1 / 0.9) ** -1.2 * 0.9938**18)


def test_bsa_formula_errors_name_the_parameter_given():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): a bad BSA formula
    is refused naming the parameter it came in (formula or bsa_formula), unhashable values
    included."""
    for call, field in ((lambda f: bsa(height="175 cm", weight="72 kg", formula=f), "formula"),
                        (lambda f: cyclophosphamide_iv(EX, bsa_formula=f), "bsa_formula")):
        for bad in ("x", ["mosteller"], None):  # a list is unhashable: still a PlexodoseError
            with pytest.raises(InputRangeError) as info:
                call(bad)
            assert info.value.field == field and info.value.value == bad
            assert str(info.value) == (f"{field} must be one of mosteller, dubois, haycock, "
                                       f"gehan_george, boyd; got {bad!r}")


def test_adjusted_weight_factor_messages():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): the
    adjusted-weight factor refusals word for word."""
    kwargs = {"weight": "110 kg", "height": "165 cm", "sex": "female"}
    with pytest.raises(InputRangeError) as info:
        adjusted_body_weight(**kwargs, factor="0.4")
    assert info.value.field == "factor"
    assert str(info.value).startswith("factor must be a plain number")
    with pytest.raises(InputRangeError) as info:
        adjusted_body_weight(**kwargs, factor=1.5)
    assert str(info.value) == "factor 1.5 is outside the plausible range 0-1"


def test_derived_refuses_outside_the_range_and_non_finite_values() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): the derived-value
    guard accepts both ends of its range and refuses NaN, inf and values outside it, naming the
    value, the range and the formula."""
    assert body.derived(0.01, "x", 0.01, 2000, "u", "w") == 0.01  # both ends are inside
    assert body.derived(2000.0, "x", 0.01, 2000, "u", "w") == 2000.0
    with pytest.raises(InputRangeError) as caught:
        body.derived(math.nan, "creatinine clearance", 0.01, 2000, "mL/min", "Cockcroft-Gault")
    assert str(caught.value) == (
        "creatinine clearance nan mL/min is outside the plausible range 0.01-2,000 mL/min "
        "(Cockcroft-Gault): plexodose will not dose on it")
    assert caught.value.field == "creatinine_clearance" and math.isnan(caught.value.value)
    for value in (math.inf, 0.009, 2000.5, -1.0):
        with pytest.raises(InputRangeError):
            body.derived(value, "x", 0.01, 2000, "u", "w")
    with pytest.raises(InputRangeError) as caught:  # 50 + 2.3 x (24 - 60) = -32.8 kg
        ideal_body_weight(height="24 inch", sex="male")
    assert str(caught.value) == (
        "ideal body weight -32.8 kg is outside the plausible range 2-350 kg (Devine at 60.96 cm; "
        "the formula is for adults of 60 inches (152.4 cm) and over: use the actual weight): "
        "plexodose will not dose on it")
    assert caught.value.field == "ideal_body_weight"


def test_checked_kernels_name_what_they_refuse() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): each checked body-size
    kernel refuses under its own name, and gives the kernel's value in range."""
    cases = [
        (lambda: body.clearance_ml_min(139.99, 2, "male", 25), "creatinine clearance"),
        (lambda: body.adjusted_weight_kg(1.0, 1.0), "adjusted body weight"),
        (lambda: body.bsa_m2(body.BSA_FORMULAS["mosteller"], 1.0, 1.0), "BSA"),
        (lambda: body.egfr_ml_min(120, "male", 1e9), "eGFR"),
    ]
    for call, name in cases:
        with pytest.raises(InputRangeError, match=f"^{name} "):
            call()
    # and in range they give the kernel's value
    assert body.clearance_ml_min(60, 72, "male", 1.0) == pytest.approx(80.0)  # 80 x 72 / 72
    assert body.egfr_ml_min(60, "male", 1.0) == pytest.approx(body.egfr_value(60, "male", 1.0))
    assert body.adjusted_weight_kg(110, 56.91) == pytest.approx(56.91 + 0.4 * (110 - 56.91))
    assert body.bsa_m2(body.BSA_FORMULAS["mosteller"], 175, 72) == pytest.approx(math.sqrt(3.5))


def test_each_body_size_refusal_names_its_value_range_and_formula() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): each body-size refusal
    names its value, its plausible range and its formula."""
    # (140 - 139.99) x 2 / (72 x 25) = 1.111e-05 mL/min
    assert _refusal(lambda: body.clearance_ml_min(139.99, 2, "male", 25)) == (
        "creatinine clearance 1.111e-05 mL/min is outside the plausible range 0.01-2,000 mL/min "
        "(Cockcroft-Gault): plexodose will not dose on it")
    assert _refusal(lambda: body.adjusted_weight_kg(1.0, 1.0)) == (  # 1 + 0.4 x 0 = 1 kg
        "adjusted body weight 1 kg is outside the plausible range 2-350 kg (IBW + 0.4 x (actual "
        "- IBW)): plexodose will not dose on it")
    assert _refusal(lambda: body.bsa_m2(body.BSA_FORMULAS["mosteller"], 1.0, 1.0)) == (
        "BSA 0.01667 m2 is outside the plausible range 0.1-6 m2 (body surface area): plexodose "
        "will not dose on it")  # sqrt(1 x 1 / 3600) = 0.016667
    tiny = f"{body.egfr_value(120, 'male', 1e9):,.4g}"
    assert _refusal(lambda: body.egfr_ml_min(120, "male", 1e9)) == (
        f"eGFR {tiny} mL/min/1.73 m2 is outside the plausible range 0.01-2,000 mL/min/1.73 m2 "
        "(CKD-EPI 2021): plexodose will not dose on it")
    assert _refusal(lambda: body.derived(math.inf, "x", 0, 1, "u", "w")).startswith("x inf u ")


def test_devine_caution_rounds_the_height_to_one_decimal_and_male_adjusted_weight() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): Devine's caution shows
    the height to one decimal; a male adjusted weight, hand-computed."""
    assert body.devine_warning(150.26) == (  # 150.26 cm shown as 150.3 (one decimal)
        "height 150.3 cm is below 60 inches (152.4 cm): the Devine ideal body weight gives odd "
        "results there")
    assert body.devine_warning(152.4) is None
    from plexodose import adjusted_body_weight

    # male 175 cm: IBW 50 + 2.3 x (175 / 2.54 - 60) = 70.4646; 70.4646 + 0.4 x (110 - 70.4646)
    male = adjusted_body_weight(weight="110 kg", height="175 cm", sex="male")
    assert male.magnitude == pytest.approx(70.4646 + 0.4 * (110 - 70.4646), abs=1e-3)


def test_class_3_negative_ideal_weight_refused() -> None:
    """Never silently wrong, class 3 (impossible intermediate values): a negative Devine ideal
    weight is refused with the reason, never dosed on."""
    # Devine at 24 inches: 50 + 2.3 x (24 - 60) = -32.8 kg
    with pytest.raises(InputRangeError, match=r"ideal body weight -32\.8 kg .*plausible range"):
        ideal_body_weight(height="24 inch", sex="male")
    short = Patient(weight="40 kg", height="95 cm", sex="female", age=30, serum_creatinine="1 mg/dL")
    # 45.5 + 2.3 x (95 / 2.54 - 60) = -6.48 kg: never a dosing weight
    with pytest.raises(InputRangeError, match="Devine at 95 cm") as caught:
        ivig(short, weight_basis="ideal")
    assert caught.value.field == "ideal_body_weight"
    assert ivig(short, weight_basis="actual").daily_dose_g == pytest.approx(16.0)  # 0.4 x 40
    # Cockcroft-Gault on the lower of actual and ideal weight would be negative: refused, and
    # the actual weight may be asked for instead
    with pytest.raises(InputRangeError, match="ideal body weight"):
        azathioprine(short)
    assert azathioprine(short, crcl_weight="actual").daily_dose_mg == pytest.approx(80.0)  # 2 x 40


@pytest.mark.filterwarnings("ignore::plexodose.PlexodoseWarning")  # Devine below 60 inches
@given(st.floats(50, 250), st.sampled_from(["female", "male"]))
def test_class_3_every_derived_weight_is_positive_or_refused(height_cm: float, sex: str) -> None:
    """Never silently wrong, class 3 (impossible intermediate values): every derived ideal weight is
    positive, or refused naming it."""
    try:
        ideal = ideal_body_weight(height=f"{height_cm} cm", sex=sex)
    except InputRangeError as exc:
        assert exc.field == "ideal_body_weight"
        return
    assert ideal.magnitude >= 2  # the plausibility floor of a weight


def test_class_11_egfr_unpickles_in_a_fresh_process() -> None:
    """Never silently wrong, class 11 (escapes that were not a PlexodoseError): an eGFR, whose unit
    per 1.73 m2 is defined at run time, unpickles in a fresh process."""
    value = egfr(age=60, sex="male", serum_creatinine="1 mg/dL")
    code = ("import pickle, sys; v = pickle.loads(sys.stdin.buffer.read()); "
            "print(round(v.to('mL/min/m**2').magnitude, 2), round(v.magnitude, 2))")
    done = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(value),
                          capture_output=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["49.8", "86.16"]  # 86.16 / 1.73 = 49.8


def test_devine_caution_ignores_unit_conversion_noise_below_60_inches() -> None:
    """Mutation killer (docs/mutation.md, 2026-12-07): 152.39999999999998 cm is 60 inches once
    the conversion noise is settled (9 decimals): no caution there; 152.3 cm still warns."""
    assert body.devine_warning(152.39999999999998) is None
    assert body.devine_warning(152.3) is not None
