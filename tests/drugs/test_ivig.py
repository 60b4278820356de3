"""IVIg courses: regimens, weight bases, vial rounding, refusals."""

from __future__ import annotations

import math

import pytest
from hand_computed import approx, steps

import plexodose
import plexodose._core.sources as src
from plexodose import (
    DoseRangeError,
    InputRangeError,
    IVIgProduct,
    MissingInputError,
    Patient,
    PlexodoseError,
    ivig,
)
from plexodose.cli import main

OBESE = Patient(weight="110 kg", height="165 cm", sex="female", age=50)  # BMI 40.4


EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


BOXED = ("use the minimum dose, concentration and infusion rate practicable; hydrate before the "
         "infusion; check renal function (creatinine, BUN) before treatment")

# Unknown is not safe (issue 18): an IVIg course names unknown age or renal function first
NOT_KNOWN = "renal and thrombosis risk not excluded: "
AT_RISK_UNTIL_KNOWN = (": until known, treat as at risk (minimum dose, concentration and infusion "
                       "rate practicable; hydrate; check renal function before treatment)")


def _refusal(call: object) -> str:
    with pytest.raises(InputRangeError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value)


def test_default_course_on_the_example_patient() -> None:
    course = ivig(Patient.example())
    # BMI 72 / 1.75^2 = 23.5 -> actual weight; 0.4 x 72 = 28.8 g/day; x 5 = 144 g
    assert course.weight_basis == "actual"
    assert course.daily_dose.m_as("g/day") == pytest.approx(28.8)
    assert course.total_dose.m_as("g") == pytest.approx(144.0)
    assert course.days == 5
    assert course.vials == ()
    assert course.steps and course.sources
    assert "28.8 g daily for 5 days" in repr(course)


def test_one_gram_regimens_are_in_protocol() -> None:
    for days in (1, 2):
        course = ivig(Patient.example(), g_per_kg_day=1, days=days)
        assert course.total_dose.m_as("g") == pytest.approx(72.0 * days)  # 1 g/kg x 72 kg x days


def test_obese_patient_gets_adjusted_weight_by_bmi_rule() -> None:
    course = ivig(OBESE)
    # IBW 56.9094, adjusted 56.9094 + 0.4 x (110 - 56.9094) = 78.1457; x 0.4 = 31.2583 g/day
    assert course.weight_basis == "adjusted"
    assert course.dosing_weight.m_as("kg") == pytest.approx(78.1457, abs=1e-4)
    assert course.daily_dose.m_as("g/day") == pytest.approx(31.2583, abs=1e-4)
    assert "BMI 40.4 is above 30" in course.weight_basis_reason


@pytest.mark.parametrize(
    ("rule", "patient", "basis"),
    [
        ("over_120_percent_ibw", OBESE, "adjusted"),  # 110 / 56.91 = 193 % of IBW
        ("over_120_percent_ibw", Patient.example(), "actual"),  # 72 / 70.46 = 102 %
        ("australia_2026", OBESE, "adjusted"),
        (
            "australia_2026",
            Patient(weight="90 kg", height="150 cm", sex="female", age=50),
            "actual",
        ),  # under 152 cm
        (
            "australia_2026",
            Patient(weight="50 kg", height="175 cm", sex="male", age=50),
            "actual",
        ),  # actual below adjusted
    ],
)
def test_auto_rules(rule: str, patient: Patient, basis: str) -> None:
    assert ivig(patient, auto_rule=rule).weight_basis == basis


def test_explicit_bases_never_exceed_actual_weight() -> None:
    ideal = ivig(Patient.example(), weight_basis="ideal")
    # IBW 70.4646 < 72 actual -> 0.4 x 70.4646 = 28.1858 g/day
    assert ideal.daily_dose.m_as("g/day") == pytest.approx(28.1858, abs=1e-4)
    thin = Patient(weight="55 kg", height="180 cm", sex="male", age=40)  # IBW 74.9
    assert ivig(thin, weight_basis="ideal").dosing_weight.m_as("kg") == 55.0
    assert ivig(thin, weight_basis="ideal").weight_basis == "actual"


def test_auto_without_height_uses_actual_weight_and_says_so() -> None:
    course = ivig(Patient(weight="120 kg"))
    assert course.weight_basis == "actual"
    assert any("height and sex are needed" in w for w in course.warnings)
    with pytest.raises(MissingInputError, match="height"):
        ivig(Patient(weight="120 kg"), weight_basis="adjusted")


def test_short_patient_gets_the_devine_warning() -> None:
    course = ivig(Patient(weight="60 kg", height="150 cm", sex="female", age=40))
    assert any("below 60 inches" in w for w in course.warnings)


def test_product_rounds_to_nearest_5_g_and_makes_up_vials() -> None:
    course = ivig(Patient.example(), product="Privigen")
    # 28.8 g -> nearest 5 g = 30 g = 20 + 10 g vials; +1.2 g (+4.2 %); 300 mL at 10 %
    assert course.rounded_daily_dose.m_as("g/day") == 30.0
    assert [(q.m_as("g"), n) for q, n in course.vials] == [(20.0, 1), (10.0, 1)]
    assert course.dispensed is not None
    assert course.dispensed.rounding_error == pytest.approx(1.2)
    assert course.daily_volume_ml == pytest.approx(300.0)
    assert course.total_dose.m_as("g") == 150.0  # 30 g x 5 days


def test_rounding_never_passes_the_daily_ceiling() -> None:
    course = ivig(OBESE, g_per_kg_day=1, days=2, product="gamunex")
    # 1 x 78.1457 = 78.15 g; nearest 5 g = 80 > 1 g/kg ceiling -> down to 75 g
    assert course.rounded_daily_dose.m_as("g/day") == 75.0
    assert course.dispensed is not None and course.dispensed.rounded.startswith("down")


def test_product_without_vial_sizes_is_not_rounded() -> None:
    # Gammagard Liquid has vials since 2026-12-07: a user product without sizes is not rounded.
    bare = IVIgProduct(name="Bare IVIg 10 %", vial_sizes_g=(), source=src.GAMMAGARD_LABEL)
    course = ivig(Patient.example(), product=bare)
    assert course.dispensed is None
    assert any("no vial sizes" in w for w in course.warnings)


def test_off_protocol_regimen_needs_an_override() -> None:
    with pytest.raises(DoseRangeError, match="not a seed regimen"):
        ivig(Patient.example(), g_per_kg_day=0.5, days=5)
    course = ivig(Patient.example(), g_per_kg_day=0.5, days=5, override="neurologist request")
    assert course.daily_dose.m_as("g/day") == pytest.approx(36.0)  # 0.5 x 72
    assert any("neurologist request" in w for w in course.warnings)
    assert any("2.5 g/kg is above the usual 2 g/kg" in w for w in course.warnings)


def test_daily_ceiling_is_not_lifted_by_an_override_alone() -> None:
    with pytest.raises(DoseRangeError, match="hard limit"):
        ivig(Patient.example(), g_per_kg_day=2, days=1, override="Kawasaki-style dosing")
    course = ivig(
        Patient.example(),
        g_per_kg_day=2,
        days=1,
        max_g_per_kg_day=2,
        override="Kawasaki-style dosing",
    )
    assert course.daily_dose.m_as("g/day") == pytest.approx(144.0)  # 2 x 72
    with pytest.raises(DoseRangeError, match="max_g_per_kg_day"):
        ivig(Patient.example(), max_g_per_kg_day=2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"g_per_kg_day": "0.4"},
        {"g_per_kg_day": 0},
        {"g_per_kg_day": -0.4},
        {"g_per_kg_day": float("nan")},
        {"days": 2.5},
        {"days": 0},
        {"weight_basis": "lean"},
        {"auto_rule": "bmi"},
        {"product": "unknown brand"},
        {"override": ""},
    ],
)
def test_bad_arguments_raise_plexodose_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(PlexodoseError):
        ivig(Patient.example(), **kwargs)  # type: ignore[arg-type]


def test_patient_must_be_a_patient() -> None:
    with pytest.raises(InputRangeError, match=r"patient must be a plexodose\.Patient"):
        ivig({"weight": "72 kg"})  # type: ignore[arg-type]


def test_volume_without_vial_rounding_uses_the_calculated_dose() -> None:
    bare = IVIgProduct(name="Bare IVIg 10 %", vial_sizes_g=(), source=src.GAMMAGARD_LABEL)
    course = ivig(Patient.example(), product=bare)
    assert course.daily_volume_ml == pytest.approx(288.0)  # 28.8 g / 0.1 g per mL
    assert ivig(Patient.example()).daily_volume_ml is None


def test_ivig_rounding_stays_within_10_percent_or_is_not_done() -> None:
    light = Patient(weight="45 kg")  # 0.4 x 45 = 18 g/day
    # Privigen (5 g vials): 20 g is +11 %, 15 g is -17 %: not rounded, and said so
    privigen = ivig(light, product="privigen")
    assert privigen.dispensed is None
    assert any("within 10 %" in w for w in privigen.warnings)
    # Gamunex-C has 1 g and 2.5 g bottles: 18 g exactly = 10 + 5 + 3 x 1 g
    gamunex = ivig(light, product="gamunex")
    assert gamunex.dispensed is not None and gamunex.dispensed.amount == 18.0


def test_raised_ivig_ceiling_has_a_limit_too() -> None:
    with pytest.raises(DoseRangeError, match="hard limit"):
        ivig(Patient.example(), g_per_kg_day=3, days=1, max_g_per_kg_day=3, override="any")


def test_ivig_example_patient_derivation():
    """Mutation killer (docs/mutation.md): the example patient's IVIg derivation word for word, with
    its sources and fields."""
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
    """Mutation killer (docs/mutation.md): an obese patient is dosed on adjusted weight and rounded
    to Privigen vials; the course total is the dispensed amount."""
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
    # 30 vs 31.26 is -4 %, within 10 %; no creatinine given: renal function named as not known
    assert r.warnings == (NOT_KNOWN + "renal function not known (serum_creatinine not given)"
                          + AT_RISK_UNTIL_KNOWN,)


def test_ivig_rounding_beyond_ten_percent_is_not_done():
    """Mutation killer (docs/mutation.md): a dose that vials cannot make within 10 % of the order is
    left as calculated, and the warning says so word for word."""
    # 20 kg x 0.4 = 8 g: the nearest 5 g is 10 g, +25 %, outside 10 % of the order
    r = ivig(Patient(weight="20 kg"), product="privigen")
    assert r.dispensed is None and r.daily_dose_g == approx(8.0)
    assert r.warnings[-1] == ("8 g cannot be made of Privigen 10 % vials within 10 % of the "
                              "order: dose not rounded; dispense it as calculated or choose "
                              "another product")


def test_ivig_vials_cannot_be_made_and_product_without_vials():
    """Mutation killer (docs/mutation.md): a dose below the smallest vial, and a product without
    vial sizes, are not rounded and are warned."""
    # 0.4 x 9 kg = 3.6 g/day, below Privigen's smallest (5 g) vial: nothing is dispensed
    r = ivig(Patient(weight="9 kg"), product="privigen")
    assert r.dispensed is None
    assert r.warnings[-1] == ("3.6 g cannot be made of Privigen 10 % vials within 10 % of the "
                              "order: dose not rounded; dispense it as calculated or choose "
                              "another product")
    bare = IVIgProduct(name="Bare IVIg 10 %", vial_sizes_g=(), source=src.GAMMAGARD_LABEL)
    g = ivig(EX, product=bare)
    assert g.dispensed is None
    assert "has no vial sizes in the catalogue: dose not rounded" in g.warnings[-1]
    # Gammagard Liquid 1, 2.5, 5, 10, 20, 30 g (2026-12-07): 28.8 g -> 30 g, one 30 g vial
    assert ivig(EX, product="gammagard").dispensed.units == ((30.0, 1),)


def test_ivig_bmi_30_exactly_is_not_obese_and_just_above_is():
    """Mutation killer (docs/mutation.md): BMI exactly 30 is not obese (actual weight); just above
    it is (adjusted weight, hand-computed)."""
    at = ivig(Patient(weight="120 kg", height="200 cm", sex="male"))  # 120 / 2^2 = 30.0
    assert at.weight_basis == "actual" and at.weight_basis_reason == "BMI 30 is not above 30"
    above = ivig(Patient(weight="122 kg", height="200 cm", sex="male"))  # BMI 30.5
    assert above.weight_basis == "adjusted"
    # IBW male 200 cm: 50 + 2.3 x (78.7402 - 60) = 93.1024; adjusted + 0.4 x (122 - 93.1024)
    assert above.dosing_weight_kg == approx(93.10236220472441 + 0.4 * (122 - 93.10236220472441))


def test_ivig_over_120_percent_ibw_rule():
    """Mutation killer (docs/mutation.md): the 120 %-of-ideal rule on each side of its boundary,
    with its reason text and source."""
    # male 175 cm: IBW 70.4646; 1.2 x IBW = 84.5575 kg
    under = ivig(Patient(weight="84 kg", height="175 cm", sex="male"), auto_rule="over_120_percent_ibw")
    assert under.weight_basis == "actual"
    assert under.weight_basis_reason == "actual weight is 119.2 % of ideal, not above 120 %"  # 84 / 70.4646
    over = ivig(Patient(weight="85 kg", height="175 cm", sex="male"), auto_rule="over_120_percent_ibw")
    assert over.weight_basis == "adjusted"
    assert over.weight_basis_reason == "actual weight is 120.6 % of ideal, above 120 %"  # 85 / 70.4646
    assert src.US_IVIG_ORDER_SETS in over.sources and src.TRANSFUSION_ONTARIO not in over.sources


def test_ivig_australian_rule_branches():
    """Mutation killer (docs/mutation.md): every branch of the Australian rule (under 152 cm, at 152
    cm, adult, minor, no age, actual below adjusted) with its reason and warnings."""
    rule = {"auto_rule": "australia_2026"}
    short = ivig(Patient(weight="100 kg", height="150 cm", sex="female", age=30), **rule)
    assert short.weight_basis_reason == "under 152 cm (Australian rule)"
    assert short.warnings[1:] == (  # [0]: renal function not known (no creatinine)
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
    """Mutation killer (docs/mutation.md): the explicit weight bases (actual, ideal, below and equal
    to ideal), and the height or sex each needs named when missing."""
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
    assert no_sex.warnings[1:] == ("height and sex are needed to check for obesity: actual body "
                               "weight used",)


def test_ivig_regimens_override_and_totals():
    """Mutation killer (docs/mutation.md): seed regimens, an overridden regimen with its warnings
    and total, the 31-day limit and the tolerance of the regimen match."""
    one = ivig(EX, g_per_kg_day=1, days=2)  # seed: 1 g/kg x 2 days = 2 g/kg, the usual total
    assert one.daily_dose_g == 72 and one.total_dose_g == 144 and one.warnings == ()
    r = ivig(Patient(weight="72 kg"), g_per_kg_day=1, days=3, override="trial")
    assert r.override == "trial"
    assert r.warnings[1] == ("g_per_kg_day 1 for 3 days is not a seed regimen (0.4 g/kg/day x 5 "
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
    """Mutation killer (docs/mutation.md): the daily ceiling: equal is allowed, an override alone
    does not lift it, a raised ceiling needs one, and the default is 1 g/kg/day."""
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


def test_ivig_exact_boundaries_of_the_obesity_rules():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): the
    obesity rules exactly at their boundaries (120 % of ideal, actual equal to adjusted, a minor
    on override)."""
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
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): the
    IVIg hard-cap refusal word for word."""
    with pytest.raises(DoseRangeError) as info:
        ivig(EX, g_per_kg_day=1, days=1, max_g_per_kg_day=0.5)
    assert str(info.value) == (f"g_per_kg_day 1 g/kg/day is above the hard limit of 0.5 g/kg/day "
                               f"({src.IVIG_MAX_DAILY_GAP}); an override does not lift it")


def test_ivig_risk_factors_from_the_patient_and_flags() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): IVIg risk factors (the
    monitoring issue) from the patient and the flags, once each, with the boxed warning and the
    pump-rate limit."""
    old = Patient(weight="72 kg", height="175 cm", sex="male", age=70, serum_creatinine="1 mg/dL")
    r = ivig(old, product="privigen", risk_factors=["diabetes", "prior_thrombosis", "diabetes"])
    assert r.risk_factors == ("age 70 (over 65)", "diabetes", "prior thrombosis")  # once each
    # Changed 2026-12-07: Privigen has no at-risk figure, so its initial 0.5 mg/kg/min is held:
    # 0.5 x 72 kg x 60 / 100 mg per mL = 21.6 mL/h; 30 g = 30,000 mg / (0.5 x 72) = 833.3 min
    # = 13 h 53 min, more than 8 hours: a warning.
    assert r.warnings == (
        f"renal and thrombosis risk (age 70 (over 65); diabetes; prior thrombosis): {BOXED}",
        "at-risk patient: Privigen 10 % at 0.5 mg/kg/min (21.6 mL/h), not escalated, its initial "
        "rate held: the label says only 'minimum rate practicable'; each day's 30 g takes "
        "13 h 53 min",
        "each day's infusion takes up to 13 h 53 min at the at-risk rate, more than 8 hours",
    )
    assert src.IVIG_BOXED_WARNING in r.sources and src.IVIG_AT_RISK_RATE in r.sources
    assert "renal and thrombosis risk: age 70 (over 65); diabetes; prior thrombosis" in repr(r)
    gamunex = ivig(EX, product="gamunex", risk_factors=["sepsis"])  # no figure: 2 held
    assert gamunex.warnings[-1].startswith(  # 2 x 72 x 60 / 100 = 86.4 mL/h
        "at-risk patient: Gamunex-C 10 % at 2 mg/kg/min (86.4 mL/h), not escalated")
    no_product = ivig(Patient(weight="72 kg", age=66))
    assert no_product.risk_factors == ("age 66 (over 65)",)
    assert no_product.warnings[-1] == (
        "at-risk patient: no product chosen, so no rate: hold the product's initial rate, or "
        "keep within its own at-risk figure where its label gives one")
    assert ivig(Patient(weight="72 kg", age=65)).risk_factors == ()  # over 65, not at 65
    assert not any("risk" in w for w in ivig(EX).warnings)  # no risk factor: no warning


def test_ivig_renal_risk_from_egfr_below_60() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): an eGFR below 60 is an
    IVIg renal risk factor; a minor's eGFR is not estimated."""
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
    """Safety rule, word for word and at its boundary (never silently wrong): the IVIg risk flags
    are checked and refused by name."""
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
    """Safety rule, word for word and at its boundary (never silently wrong): the range of
    round_to_g, the IVIg daily limit, and no 'as dispensed' step when the rounding is exact."""
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


def test_ivig_ideal_and_adjusted_step_and_an_explicit_basis() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): the ideal and adjusted
    weight step, an explicit basis, the choice refusals, and Devine's caution cited."""
    obese = Patient(weight="110 kg", height="165 cm", sex="female", age=50)
    # IBW 45.5 + 2.3 x (165 / 2.54 - 60) = 56.909; adjusted 56.909 + 0.4 x (110 - 56.909) = 78.146,
    # written to 2 decimals as the block's dosing weight is (56.91 + 0.4 x 53.09 = 78.146: 78.15)
    adjusted = ivig(obese, weight_basis="adjusted")
    assert adjusted.steps[0] == ("ideal body weight (Devine, female, 165 cm) = 56.91 kg; adjusted"
                                 " = 56.91 + 0.4 x (110 - 56.91) = 78.15 kg")
    assert "dosing weight: 78.15 kg, adjusted body weight" in str(adjusted)
    assert adjusted.weight_basis == "adjusted" and adjusted.dosing_weight_kg == pytest.approx(78.146, abs=1e-3)
    assert src.DEVINE in adjusted.sources
    ideal = ivig(obese, weight_basis="ideal")
    assert ideal.weight_basis == "ideal" and ideal.dosing_weight_kg == pytest.approx(56.909, abs=1e-3)
    with pytest.raises(InputRangeError) as caught:
        ivig(obese, weight_basis="obese")  # type: ignore[arg-type]
    assert str(caught.value) == ("weight_basis must be one of auto, actual, ideal, adjusted; got "
                                 "'obese'")
    with pytest.raises(InputRangeError) as caught:
        ivig(obese, auto_rule="bmi_over_35")  # type: ignore[arg-type]
    assert str(caught.value) == ("auto_rule must be one of bmi_over_30, over_120_percent_ibw, "
                                 "australia_2026, ontario_all_adults; got 'bmi_over_35'")
    short = ivig(Patient(weight="50 kg", height="150 cm", sex="female", age=40),
                 weight_basis="ideal")  # below 60 inches: Devine's caution, cited
    assert short.warnings[1].startswith("height 150 cm is below 60 inches")  # [0]: no creatinine
    assert src.DEVINE in short.sources


def test_australian_rule_uses_the_patient_s_own_ideal_weight() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): the Australian rule
    compares with the patient's own (sex-specific) ideal weight."""
    # male 175 cm: IBW 70.46 kg; 68 kg is below it, so actual (a female IBW, 65.96, would not be)
    p = Patient(weight="68 kg", height="175 cm", sex="male", age=40)
    r = ivig(p, auto_rule="australia_2026")
    assert (r.weight_basis, r.weight_basis_reason) == (
        "actual", "actual weight is below adjusted weight (Australian rule)")
    assert src.AUSTRALIA_2026 in r.sources
    assert r.warnings[1] == ("the Australian rule excludes pregnancy: use actual weight in a "
                             "pregnant patient")


def test_ivig_round_to_g_refusal_and_risk_fields() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): the round_to_g refusal
    and the fields of the risk-factor refusals; an adult of exactly 18 gets an eGFR."""
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


def test_class_3_a_weight_the_dose_does_not_use_does_not_refuse_it() -> None:
    """Never silently wrong, class 3 (impossible intermediate values): an impossible derived weight
    that the dose does not use does not refuse the dose."""
    # BMI 40 / 0.95^2 = 44.3: obese, so adjusted weight, which needs the ideal weight: refused;
    # a short patient who is not obese needs no ideal weight at all
    short_lean = Patient(weight="20 kg", height="95 cm", sex="female", age=30)
    assert ivig(short_lean).weight_basis == "actual"  # BMI 22.2: IBW never computed
    assert not any("ideal" in step for step in ivig(short_lean).steps)


def test_class_11_subnormal_rounding_step_refused() -> None:
    """Never silently wrong, class 11 (escapes that were not a PlexodoseError): a subnormal rounding
    step is refused, by the library and by the command line (exit 3, never 1)."""
    with pytest.raises(InputRangeError) as caught:
        ivig(EX, product="privigen", round_to_g=5e-324)
    assert caught.value.field == "round_to_g"
    status = main(["dose", "ivig", "--weight", "72 kg", "--product", "privigen",
                   "--round-to-g", "1e-320"])
    assert status == 3  # a refusal, never 1 (an internal error)


def test_class_13_headline_and_derivation_state_the_dispensed_course() -> None:
    """Never silently wrong, class 13 (text that contradicted the numbers): the headline and the
    derivation state the dispensed course."""
    r = ivig(EX, product="privigen")  # 28.8 g -> 30 g/day (20 + 10 g vials); 30 x 5 = 150 g
    assert repr(r).splitlines()[0] == "IVIg: 30 g daily for 5 days (total 150 g)"
    assert "course as dispensed = 30 g/day x 5 days = 150 g" in r.steps


@pytest.mark.parametrize("value", ["5 g", -5, math.nan, None])
def test_ivig_refuses_malformed_round_to_g_without_product(value):
    """Regression, a gap the bad-input matrix found (fixed in the core, 856a0d6): a malformed
    round_to_g is refused even without a product."""
    with pytest.raises(InputRangeError):
        plexodose.ivig(EX, round_to_g=value)
