"""Patient construction and the body-size and renal formulas, against hand-checked values."""

from __future__ import annotations

import attrs
import pytest

from plexodose import (
    Q_,
    InputRangeError,
    MissingInputError,
    Patient,
    PlexodoseWarning,
    UnitError,
    adjusted_body_weight,
    bmi,
    bsa,
    creatinine_clearance,
    egfr,
    ideal_body_weight,
)


def test_patient_normalises_units() -> None:
    p = Patient(
        weight="158 lb", height="5.9 ft", sex="female", age="60 year", serum_creatinine="80 umol/L"
    )
    assert p.weight.m_as("kg") == pytest.approx(71.66759446)  # 158 x 0.45359237
    assert str(p.weight.units) == "kilogram"
    assert p.height.m_as("cm") == pytest.approx(179.832)  # 5.9 x 30.48
    assert p.sex == "female"
    assert p.age == 60.0
    assert p.serum_creatinine.m_as("mg/dL") == pytest.approx(0.90496)  # 80 x 113.12 / 10,000
    for variant, word in (("Female ", "female"), ("M", "male"), ("F", "female")):
        with pytest.raises(InputRangeError, match=f"type '{word}'"):  # spelled out, never guessed
            Patient(weight="72 kg", sex=variant)


def test_patient_is_frozen_and_evolvable() -> None:
    p = Patient.example()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.weight = Q_(80, "kg")  # type: ignore[misc]
    heavier = attrs.evolve(p, weight="80 kg")
    assert heavier.weight_kg == 80.0
    assert heavier.height == p.height


def test_patient_repr_round_trips() -> None:
    p = Patient.example()
    assert eval(repr(p), {"Patient": Patient}) == p


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"weight": 72}, UnitError, "weight"),
        ({"weight": "1 kg"}, InputRangeError, "weight"),  # below 2 kg
        ({"weight": "400 kg"}, InputRangeError, "weight"),
        ({"weight": "-72 kg"}, InputRangeError, "weight"),
        ({"weight": "0 kg"}, InputRangeError, "weight"),
        ({"weight": "72 kg", "height": "2.6 m"}, InputRangeError, "height"),
        ({"weight": "72 kg", "height": 175}, UnitError, "height"),
        ({"weight": "72 kg", "age": 121}, InputRangeError, "age"),
        ({"weight": "72 kg", "age": -1}, InputRangeError, "age"),
        ({"weight": "72 kg", "age": 17}, InputRangeError, "age"),  # adults only by default
        ({"weight": "72 kg", "sex": "x"}, InputRangeError, "sex"),
        ({"weight": "72 kg", "tpmt": "slow"}, InputRangeError, "tpmt"),
        ({"weight": "72 kg", "serum_creatinine": 1.0}, UnitError, "serum_creatinine"),
        ({"weight": "72 kg", "serum_creatinine": "30 mg/dL"}, InputRangeError, "serum_creatinine"),
        ({"weight": None}, MissingInputError, "weight"),
    ],
)
def test_patient_refuses_bad_values(
    kwargs: dict[str, object], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as info:
        Patient(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field  # type: ignore[attr-defined]


def test_minor_needs_an_override_reason() -> None:
    p = Patient(weight="50 kg", age=16, minor_override="paediatric neurology approved")
    assert p.age == 16.0
    with pytest.raises(InputRangeError, match="minor_override"):
        Patient(weight="50 kg", age=16, minor_override="  ")


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
