"""A dose recalculated for a new weight answers to that weight's ceiling (not to the limits the
current result carries for the weight it was made at)."""

from __future__ import annotations

from plexodose import Labs, Patient, ciclosporin, review


def test_ciclosporin_recalculated_after_a_weight_gain_is_proposed() -> None:
    before = Patient(weight="72 kg", height="175 cm", sex="male", age=40,
                     serum_creatinine="1 mg/dL")
    now = Patient(weight="80 kg", height="175 cm", sex="male", age=40, serum_creatinine="1 mg/dL")
    current = ciclosporin(before)  # 5 mg/kg/day x 72 kg = 360 mg/day (its limit: 360)
    r = review(current, Labs(date="2027-01-16", creatinine="1 mg/dL"), patient=now,
               on="2027-01-16", baseline="1 mg/dL")
    # 80 / 72 = +11.1 %: recalculate; 5 mg/kg/day x 80 kg = 400 mg/day, within 5 mg/kg/day at
    # 80 kg (it was refused as above the 360 mg/day of the 72 kg result)
    assert r.action == "recalculate"
    assert r.proposed_dose is not None and r.proposed_dose.m_as("mg/day") == 400.0
