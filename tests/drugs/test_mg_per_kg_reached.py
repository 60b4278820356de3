"""A daily dose states the mg/kg/day it gives as dispensed, the calculated figure beside it
where rounding or a cap changed it (issue 21): 150 mg for 71.67 kg is 2.09, not 2."""

from __future__ import annotations

from plexodose import Patient, azathioprine, ciclosporin, mycophenolate


def weight_line(result: object) -> str:
    return next(line.strip() for line in repr(result).splitlines() if "dosing weight" in line)


def test_azathioprine_at_158_lb() -> None:
    # 2 mg/kg x 71.66759446 kg = 143.34 mg; dispensed 150 mg (3 x 50): 150 / 71.66759446 = 2.093
    dose = azathioprine(Patient(weight="158 lb", tpmt="normal", nudt15="normal"))
    assert weight_line(dose) == "dosing weight: 71.67 kg (2.09 mg/kg/day reached; calculated 2)"
    assert dose.mg_per_kg_day == 2.0  # the attribute stays the calculated figure


def test_the_example_patient() -> None:
    # 144 mg calculated, 150 mg dispensed: 150 / 72 = 2.083
    assert weight_line(azathioprine(Patient.example())) == (
        "dosing weight: 72 kg (2.08 mg/kg/day reached; calculated 2)")


def test_twice_daily() -> None:
    # 5 mg/kg x 72 kg = 360 mg/day, 180 mg a dose; dispensed 175 mg twice: 350 / 72 = 4.861
    assert weight_line(ciclosporin(Patient.example())) == (
        "dosing weight: 72 kg (4.86 mg/kg/day reached; calculated 5)")


def test_nothing_beside_it_when_the_dispensed_dose_gives_the_same_figure() -> None:
    # 2 mg/kg x 75 kg = 150 mg = 3 x 50 mg: exact, and at the 150 mg/day cap
    dose = azathioprine(Patient(weight="75 kg", tpmt="normal", nudt15="normal"))
    assert weight_line(dose) == "dosing weight: 75 kg (2 mg/kg/day reached)"


def test_a_fixed_dose_has_no_dosing_weight_line() -> None:
    assert "dosing weight" not in repr(mycophenolate(Patient.example()))
