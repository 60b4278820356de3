"""Every result names its amount the same way: calculated_dose and dispensed_dose (one
administration), beside the older names, which keep working."""

from __future__ import annotations

from plexodose import (
    Patient,
    azathioprine,
    convert_mycophenolate,
    cyclophosphamide_iv,
    cyclophosphamide_pulse_reduction,
    ivig,
    mycophenolate,
)

EX = Patient.example()


def test_daily_dose_per_administration() -> None:
    r = azathioprine(EX)  # 2 mg/kg x 72 kg = 144 mg, dispensed as 150 mg (6 x 25 mg)
    assert r.calculated_dose.to("mg").magnitude == 144.0
    assert r.dispensed_dose.to("mg").magnitude == 150.0
    assert r.calculated_dose == r.per_dose  # the older name agrees
    m = mycophenolate(EX)  # 1,000 mg twice daily: one administration is 1,000 mg
    assert m.dispensed_dose.to("mg").magnitude == 1000.0


def test_ivig_one_day() -> None:
    r = ivig(EX, product="privigen")  # 0.4 x 72 = 28.8 g, to the nearest 5 g: 30 g
    assert r.calculated_dose.to("g").magnitude == 28.8
    assert r.dispensed_dose.to("g").magnitude == 30.0
    assert r.rounded_daily_dose is not None
    assert r.dispensed_dose.magnitude == r.rounded_daily_dose.magnitude
    plain = ivig(EX)  # no product: not rounded, so the dispensed amount is the calculated one
    assert plain.dispensed_dose == plain.calculated_dose


def test_pulses_and_conversions() -> None:
    pulse = cyclophosphamide_iv(EX)  # 0.75 g/m2 x 1.8708 m2 = 1,403.12 mg
    assert pulse.dispensed_dose.to("mg").magnitude == 1403.0  # prepared to the whole mg
    assert pulse.calculated_dose == pulse.dose
    reduction = cyclophosphamide_pulse_reduction(EX)  # 12.5 mg/kg x 72 kg = 900 mg
    assert reduction.calculated_dose.to("mg").magnitude == 900.0
    conversion = convert_mycophenolate("1000 mg", to="sodium")  # x 0.72
    assert conversion.dispensed_dose.to("mg").magnitude == 720.0
