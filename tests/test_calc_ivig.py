"""IVIg courses: regimens, weight bases, vial rounding, refusals."""

from __future__ import annotations

import pytest

from plexodose import (
    DoseRangeError,
    InputRangeError,
    MissingInputError,
    Patient,
    PlexodoseError,
    ivig,
)

OBESE = Patient(weight="110 kg", height="165 cm", sex="female", age=50)  # BMI 40.4


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
    course = ivig(Patient.example(), product="Gammagard")
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
    course = ivig(Patient.example(), product="Gammagard")
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
