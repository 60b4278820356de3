"""A pulse given above 1 g/m2 on a stated reason can be reviewed on that reason; an older
measured eGFR counts when a newer creatinine cannot give one."""

from __future__ import annotations

import pytest

from plexodose import DoseRangeError, Labs, Patient, cyclophosphamide_iv, review
from plexodose._monitoring import thresholds as rules

U = "x10^9/L"


def test_a_pulse_above_1_g_per_m2_is_reviewed_on_the_override_it_was_given_on() -> None:
    # example BSA (Mosteller) sqrt(175 x 72 / 3600) = 1.8708 m2; last pulse 1.2 g/m2 on a reason;
    # nadir 3.5 x10^9/L >= 2: raise 25 % -> 1.5, which the Michigan step rule holds at 1.4 g/m2
    # (from 1.4 the raise is limited): 1.4 x 1.8708 = 2,619.16 mg, prepared as 2,619 mg
    last = cyclophosphamide_iv(Patient.example(), g_per_m2=1.2, override="Michigan step")
    nadir = Labs(date="2027-01-12", wbc=f"3.5 {U}")
    pre = Labs(date="2027-01-28", wbc=f"5 {U}", neutrophils=f"3 {U}")
    r = review(last, pre, nadir=nadir, on="2027-01-29", override="Michigan step")
    assert (r.action, r.proposed_amount) == ("continue", 2619.0)
    assert r.proposed_text == "2,619 mg for the next pulse (calculated 2,619.16 mg)"
    assert any("used on override: Michigan step" in note for note in r.notes)
    # without the reason the review refuses, naming the option it takes
    with pytest.raises(DoseRangeError, match="pass override='reason'"):
        review(last, pre, nadir=nadir, on="2027-01-29")


def test_an_older_egfr_counts_when_the_newer_creatinine_has_no_age_and_sex() -> None:
    # eGFR 20 of 2027-01-01; creatinine 300 umol/L of 2027-01-05 with no patient (no age, no
    # sex: no CKD-EPI): the renal limit uses the eGFR of 2027-01-01: 20 < 25, 3 g/day -> 2 g/day
    sets = [Labs(date="2027-01-01", egfr="20 mL/min/1.73 m^2"),
            Labs(date="2027-01-05", creatinine="300 umol/L")]
    r = review("mycophenolate", Labs(date="2027-01-10", wbc=f"6 {U}"), history=sets,
               on="2027-01-11", current_dose="3 g/day", baseline="1 mg/dL")
    assert (r.action, r.proposed_amount) == ("reduce", 2000.0)
    renal = [f.text for f in r.reasons if f.source == rules.MYCOPHENOLATE_LOW_EGFR]
    assert renal == ["results of 2027-01-01: eGFR 20 mL/min/1.73 m^2 is below 25: at most 1 g "
                     "twice daily (2,000 mg/day): reduce 3,000 mg/day to 1 g twice daily, and "
                     "repeat in 1 week"]
    # the proposed dose is screened on that eGFR (the current dose on the record alone)
    assert ("proposed dose 2,000 mg/day: within this patient's own ceiling (1,000-3,000 mg/day; "
            "eGFR 20 mL/min/1.73 m^2 (the results of 2027-01-01): below 25, at most 2,000 "
            "mg/day)") in r.notes


def test_an_older_egfr_that_would_not_restrict_never_replaces_a_newer_creatinine() -> None:
    # eGFR 60 of 2027-01-01, then creatinine 3 mg/dL of 2027-01-10 with no age or sex (no
    # CKD-EPI): the newer result leaves renal function not known; the older 60 (not below 25)
    # must not stand in for it: no eGFR, the limit named as not checked, 3 g/day not passed
    sets = [Labs(date="2027-01-01", egfr="60 mL/min/1.73 m^2"),
            Labs(date="2027-01-10", creatinine="3 mg/dL")]
    r = review("mycophenolate", Labs(date="2027-01-12", wbc=f"6 {U}"), history=sets,
               on="2027-01-13", current_dose="3 g/day", baseline="1 mg/dL")
    assert r.proposed_amount is None
    assert ("renal function not known (no eGFR, and no creatinine with the patient's age and "
            "sex): the eGFR < 25 limit of 2 g/day could not be checked") in r.notes


def test_a_pulse_given_without_a_reason_is_not_raised_past_1_g_per_m2_by_a_review() -> None:
    # last pulse 1 g/m2 given without an override; nadir 3.5 >= 2 asks for +25 % = 1.25 g/m2,
    # but the seed's 1 g/m2 holds without the pulse's own reason: 1 x 1.8708 = 1,870.83 mg,
    # prepared 1,871 mg -> 1,870 mg (the nearest would pass the 1 g/m2 ceiling: down)
    last = cyclophosphamide_iv(Patient.example(), g_per_m2=1.0)
    nadir = Labs(date="2027-01-12", wbc=f"3.5 {U}")
    pre = Labs(date="2027-01-28", wbc=f"5 {U}", neutrophils=f"3 {U}")
    r = review(last, pre, nadir=nadir, on="2027-01-29", override="patient request")
    assert (r.action, r.proposed_amount) == ("continue", 1870.0)
    assert r.proposed_text == "1,870 mg for the next pulse (calculated 1,870.83 mg)"


def test_a_next_pulse_limited_by_the_michigan_step_is_never_prepared_past_it() -> None:
    # 60 kg, 175 cm: BSA sqrt(175 x 60 / 3600) = 1.7078 m2; last 1.4 g/m2 on a reason; nadir
    # 3.5: +25 % = 1.75, the step allows 1.4 + 0.1 = 1.5 g/m2 = 2,561.74 mg: prepared 2,561 mg
    # (the nearest, 2,562, would pass the step)
    from plexodose import cyclophosphamide_next_pulse

    p = Patient(weight="60 kg", height="175 cm", sex="male", age=50, serum_creatinine="1 mg/dL")
    last = cyclophosphamide_iv(p, g_per_m2=1.4, override="Michigan step")
    nxt = cyclophosphamide_next_pulse(last, nadir_wbc="3500 /uL", override="Michigan step")
    assert nxt.g_per_m2 == 1.5
    assert round(nxt.dose_mg, 2) == 2561.74
    assert nxt.prepared_mg == 2561.0
