"""Ciclosporin and mycophenolate: seed doses, label rules and limits."""

from __future__ import annotations

import pytest

from plexodose import (
    DoseRangeError,
    InputRangeError,
    Patient,
    ciclosporin,
    convert_mycophenolate,
    cyclosporin,
    mycophenolate,
)


def test_ciclosporin_start_dose() -> None:
    r = cyclosporin(Patient.example())
    # 5 mg/kg x 72 kg = 360 mg/day = 180 mg twice daily; capsules 100 + 50 + 25 = 175 mg
    assert r.daily_dose.m_as("mg/day") == pytest.approx(360.0)
    assert r.per_dose.m_as("mg") == pytest.approx(180.0)
    assert r.doses_per_day == 2
    assert r.dispensed is not None and r.dispensed.amount == 175.0
    assert any("4 mg/kg/day maximum" in w for w in r.warnings)
    assert ciclosporin is cyclosporin


def test_ciclosporin_maintenance_has_no_label_warning() -> None:
    r = cyclosporin(Patient.example(), mg_per_kg_day=3)
    assert r.daily_dose.m_as("mg/day") == pytest.approx(216.0)  # 3 x 72
    assert r.dispensed is not None and r.dispensed.amount == 100.0  # 108 -> nearest 25
    assert not any("4 mg/kg/day maximum" in w for w in r.warnings)


@pytest.mark.parametrize(
    ("creatinine", "expected"),
    [
        ("1.3 mg/dL", 360 * 0.5),  # +30 % >= 25 %: reduce by 50 %
        ("1.25 mg/dL", 360 * 0.5),  # exactly +25 %
        ("1.2 mg/dL", 360.0),  # +20 %: unchanged
    ],
)
def test_ciclosporin_creatinine_rise(creatinine: str, expected: float) -> None:
    p = Patient(weight="72 kg", serum_creatinine=creatinine, baseline_creatinine="1 mg/dL")
    assert cyclosporin(p).daily_dose.m_as("mg/day") == pytest.approx(expected)


def test_ciclosporin_rise_rule_settings() -> None:
    p = Patient(weight="72 kg", serum_creatinine="1.3 mg/dL", baseline_creatinine="1 mg/dL")
    r = cyclosporin(p, creatinine_rise_reduction=0.25)
    assert r.daily_dose.m_as("mg/day") == pytest.approx(270.0)  # 360 x 0.75
    with pytest.raises(DoseRangeError, match="creatinine_rise_reduction"):
        cyclosporin(p, creatinine_rise_reduction=0.1)


def test_ciclosporin_range() -> None:
    for rate in (2, 6):
        with pytest.raises(DoseRangeError, match="mg_per_kg_day"):
            cyclosporin(Patient.example(), mg_per_kg_day=rate)


def test_mycophenolate_seed_dose() -> None:
    r = mycophenolate(Patient.example())
    assert r.daily_dose.m_as("mg/day") == 2000.0  # 1,000 mg x 2
    assert r.per_dose.m_as("mg") == 1000.0
    assert r.dispensed is not None and r.dispensed.units == ((500.0, 2),)
    assert "1,000 mg twice daily (2,000 mg/day)" in repr(r)


def test_mycophenolate_limits() -> None:
    assert mycophenolate(Patient.example(), mg_per_dose=1500).daily_dose.m_as("mg/day") == 3000.0
    with pytest.raises(DoseRangeError, match="hard limit"):
        mycophenolate(Patient.example(), mg_per_dose=1600, override="any reason")
    with pytest.raises(DoseRangeError, match="mg_per_dose 400"):
        mycophenolate(Patient.example(), mg_per_dose=400)
    assert (
        mycophenolate(Patient.example(), mg_per_dose=400, override="renal team").daily_dose.m_as(
            "mg/day"
        )
        == 800.0
    )
    with pytest.raises(DoseRangeError, match="doses_per_day 3"):
        mycophenolate(Patient.example(), doses_per_day=3)


def test_mycophenolate_low_egfr_caps_at_1_g_per_dose() -> None:
    # female 70 y, SCr 3 mg/dL: 142 x (3/0.7)^-1.2 x 0.9938^70 x 1.012 = 16.2 < 25
    p = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")
    r = mycophenolate(p, mg_per_dose=1500)
    assert r.per_dose.m_as("mg") == 1000.0
    assert r.cap_applied
    assert any("eGFR 16.2 < 25" in w for w in r.warnings)


def test_mycophenolate_conversion() -> None:
    to_sodium = convert_mycophenolate("1000 mg", to="sodium")
    assert to_sodium.dose.m_as("mg") == pytest.approx(720.0)  # 1000 x 0.72
    assert convert_mycophenolate("720 mg", to="mofetil").dose.m_as("mg") == pytest.approx(1000.0)
    assert any("not interchangeable" in w for w in to_sodium.warnings)
    with pytest.raises(InputRangeError, match="to must be"):
        convert_mycophenolate("1000 mg", to="acid")


def test_overrides_never_pass_the_seed_ceilings() -> None:
    with pytest.raises(DoseRangeError, match="hard limit"):
        cyclosporin(Patient.example(), mg_per_kg_day=6, override="any")
    low = cyclosporin(Patient.example(), mg_per_kg_day=2, override="renal team")
    assert low.daily_dose.m_as("mg/day") == pytest.approx(144.0)  # 2 x 72, below the range
    # 1,500 mg x 4 = 6,000 mg/day: above the 1,500 mg twice daily (3,000 mg/day) maximum
    with pytest.raises(DoseRangeError, match="daily dose 6,000"):
        mycophenolate(Patient.example(), mg_per_dose=1500, doses_per_day=4, override="any")


def test_conversion_limits_are_a_days_protocol_maximum_in_the_given_salt() -> None:
    # most: 1,500 mg twice daily = 3,000 mg mofetil = 3,000 x 0.72 = 2,160 mg sodium; least 1 mg
    assert convert_mycophenolate("3000 mg", to="sodium").dose.m_as("mg") == pytest.approx(2160)
    assert convert_mycophenolate("2160 mg", to="mofetil").dose.m_as("mg") == pytest.approx(3000)
    assert convert_mycophenolate("1 mg", to="sodium").dose.m_as("mg") == pytest.approx(0.72)
    with pytest.raises(DoseRangeError, match="3,000 mg of mycophenolate mofetil") as info:
        convert_mycophenolate("3001 mg", to="sodium")
    assert info.value.field == "dose"
    with pytest.raises(DoseRangeError, match="2,160 mg of mycophenolate sodium"):
        convert_mycophenolate("2161 mg", to="mofetil")
    with pytest.raises(InputRangeError, match=r"dose 0\.99 mg is outside the plausible range 1"):
        convert_mycophenolate("0.99 mg", to="sodium")
