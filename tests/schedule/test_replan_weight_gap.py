"""Issue 19, the 5 % weight rule in replan: a known gap (docs/monitoring.md). A Schedule does
not record the weight behind its doses, so replan cannot compare a new weight with it; given
patient=, it says so instead of staying silent."""

from __future__ import annotations

from plexodose import Labs, Patient, azathioprine, mycophenolate, replan, schedule

P = Patient.example()  # 72 kg
HEAVIER = Patient(weight="90 kg", height="175 cm", sex="male", age=60,
                  serum_creatinine="1 mg/dL", tpmt="normal", nudt15="normal")
RESULT = [Labs(date="2027-01-15", wbc="6 x10^9/L")]


def _warned(s: object, **options: object) -> list[str]:
    new = replan(s, RESULT, on="2027-01-16", **options)  # type: ignore[arg-type]
    return [w for w in new.warnings if w.startswith("weight not compared")]


def test_replan_weight_gap_is_named_when_a_patient_is_given() -> None:
    s = schedule(azathioprine(P), start="2027-01-01", months=3)
    # 90 kg is 25 % above the 72 kg behind the plan ((90 - 72) / 72 = 0.25): review() would
    # recalculate; replan cannot know the 72 kg, and says so
    new = replan(s, RESULT, on="2027-01-16", patient=HEAVIER)
    assert [r.action for r in new.reviews] == ["continue"]
    assert _warned(s, patient=HEAVIER) == [
        "weight not compared: replan cannot apply the 5 % weight rule (clinical rules, 'A "
        "change in weight'): the plan does not record the weight or BSA its doses were "
        "calculated on; review each calculator result with patient= for the new dose beside the "
        "current one, or plan again"]
    assert _warned(s) == []  # no patient: no weight to compare, nothing claimed


def test_replan_weight_gap_not_named_for_a_fixed_dose() -> None:
    # mycophenolate is a fixed dose: the weight rule does not apply to it (reference)
    s = schedule(mycophenolate(P), start="2027-01-01", months=3)
    assert _warned(s, patient=HEAVIER) == []
