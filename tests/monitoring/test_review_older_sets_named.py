"""An older set's result acts once, and its finding names the set's date; lab values are
shown as the laboratory reported them, with plexodose's unit beside them."""

from __future__ import annotations

from plexodose import Labs, Patient, review
from plexodose._monitoring import thresholds as rules

U = "x10^9/L"
LATEST = Labs(date="2027-01-10", wbc=f"6 {U}", neutrophils=f"4 {U}", platelets=f"200 {U}",
              alt="20 U/L", ast="20 U/L", albumin="40 g/L")


def test_an_older_egfr_below_25_reduces_once_with_its_date() -> None:
    # eGFR 20 of 2027-01-01 (the latest eGFR; the set of 2027-01-10 has none): 20 < 25, so
    # 3,000 mg/day is reduced to 1 g twice daily: one finding (was two, the same words twice)
    older = Labs(date="2027-01-01", egfr="20 mL/min/1.73 m^2")
    r = review("mycophenolate", LATEST, history=[older], on="2027-01-11",
               current_dose="3 g/day")
    renal = [f for f in r.reasons if f.source == rules.MYCOPHENOLATE_LOW_EGFR]
    assert [(f.action, f.text) for f in renal] == [(
        "reduce", "results of 2027-01-01: eGFR 20 mL/min/1.73 m^2 is below 25: at most 1 g twice "
        "daily (2,000 mg/day): reduce 3,000 mg/day to 1 g twice daily, and repeat in 1 week")]
    assert (r.action, r.proposed_amount) == ("reduce", 2000.0)
    # the shared eGFR < 60 rule on the same older set names the date too
    assert ("repeat", "results of 2027-01-01: eGFR 20 mL/min/1.73 m^2 is below 60: repeat in "
            "1 week (once; the eGFR alone never withholds)") in [(f.action, f.text) for f in r.reasons]


def test_an_older_creatinine_gives_the_egfr_once_named_as_typed() -> None:
    # 300 umol/L / 88.4 = 3.394 mg/dL; CKD-EPI 2021, male 60: 142 x (3.394/0.9)^-1.2 x 0.9938^60
    # = 142 x 0.2033 x 0.6885 = 19.9 < 25: reduce, once; the creatinine shown as typed
    older = Labs(date="2027-01-01", creatinine="300 umol/L")
    r = review("mycophenolate", LATEST, history=[older], on="2027-01-11", current_dose="3 g/day",
               patient=Patient.example(), baseline="1 mg/dL")
    renal = [f.text for f in r.reasons if f.source == rules.MYCOPHENOLATE_LOW_EGFR]
    assert renal == [
        "results of 2027-01-01: eGFR 19.9 mL/min/1.73 m^2 (CKD-EPI 2021 from the creatinine "
        "300 umol/L (3.394 mg/dL) of the results of 2027-01-01, age 60, male) is below 25: at most "
        "1 g twice daily (2,000 mg/day): reduce 3,000 mg/day to 1 g twice daily, and repeat in 1 week"]
    # the creatinine rise on the same set: (3.394 - 1) / 1 = 239.4 % above the baseline
    assert any(f.text.startswith("results of 2027-01-01: creatinine 300 umol/L (3.394 mg/dL) is "
                                 "239.4 % above the baseline 1 mg/dL") for f in r.reasons)


def test_the_latest_sets_egfr_acts_without_a_date() -> None:
    # eGFR 20 in the latest set itself: the finding is the review's own, no date prefix
    latest = Labs(date="2027-01-10", wbc=f"6 {U}", egfr="20 mL/min/1.73 m^2")
    r = review("mycophenolate", latest, on="2027-01-11", current_dose="3 g/day")
    renal = [f.text for f in r.reasons if f.source == rules.MYCOPHENOLATE_LOW_EGFR]
    assert renal == ["eGFR 20 mL/min/1.73 m^2 is below 25: at most 1 g twice daily (2,000 mg/day): "
                     "reduce 3,000 mg/day to 1 g twice daily, and repeat in 1 week"]


def test_a_count_typed_per_microlitre_is_shown_as_typed() -> None:
    # 3,200 /uL / 1,000 = 3.2 x10^9/L < 3.5: withhold; the reason shows both spellings
    latest = Labs(date="2027-01-10", wbc="3200 /uL")
    r = review("azathioprine", latest, on="2027-01-11")
    assert r.action == "withhold"
    assert r.reasons[0].text == ("WBC 3200 /uL (3.2 x10^9/L) is below 3.5 x10^9/L: withhold and "
                                 "discuss with the specialist team")
