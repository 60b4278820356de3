"""Issue 18: an IVIg course for a patient of unknown age or renal function names them as not
known, never as "no risk factor"."""

from __future__ import annotations

from plexodose import Patient, ivig
from plexodose._core import sources as src


def test_unknown_age_and_renal_function_are_named() -> None:
    course = ivig(Patient(weight="72 kg"))
    assert course.warnings[0] == (
        "renal and thrombosis risk not excluded: age not known (over 65 is a risk factor); renal "
        "function not known (age, sex, serum_creatinine not given): until known, treat as at "
        "risk (minimum dose, concentration and infusion rate practicable; hydrate; check renal "
        "function before treatment)")
    assert src.IVIG_BOXED_WARNING in course.sources


def test_known_age_and_renal_function_add_no_unknown_warning() -> None:
    course = ivig(Patient.example())  # 60 y male, creatinine 1 mg/dL: eGFR 86.2, not at risk
    assert not any("not known" in w for w in course.warnings)
    # at 70 the patient is at risk (over 65): the boxed warning's factor is named
    old = ivig(Patient(weight="72 kg", height="175 cm", sex="male", age=70, serum_creatinine="1 mg/dL"))
    assert old.risk_factors[0] == "age 70 (over 65)"
