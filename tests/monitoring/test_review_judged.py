"""Issue 19: every result judged or named as not judged; the right action; the patient's own
ceiling. One test per defect class instance, each value hand-computed in a comment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plexodose import DoseRangeError, Labs, Patient, cyclophosphamide_iv, review
from plexodose._monitoring import rules as judged
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.review import Review

DAY = dt.date(2027, 3, 1)
WEEK_AGO = dt.date(2027, 2, 22)
P = Patient.example()  # 72 kg, 175 cm, male, 60 years, creatinine 1 mg/dL, TPMT/NUDT15 normal


def labs(day: dt.date = DAY, **values: Any) -> Labs:
    return Labs(date=day, **values)


def texts(r: Review) -> list[str]:
    return [f.text for f in r.reasons] + list(r.notes)


def within_claims(r: Review) -> list[str]:
    return [t for t in texts(r) if "within the rules' limits" in t]


# --- 1. "within the rules' limits" only about results a rule read ---------------------------


def test_unjudged_result_is_named_and_never_within() -> None:
    r = review("cyclophosphamide oral", labs(alt="900 U/L"), on=DAY)
    assert r.action == "flag"  # named for the prescriber, by default
    assert r.reasons[0].text.startswith(
        "ALT 900 U/L: not judged: no rule for ALT on cyclophosphamide (oral)")
    assert r.reasons[0].source is rules.UNJUDGED_GAP and rules.UNJUDGED_GAP in r.sources
    assert within_claims(r) == []
    assert r.judgements == ("ALT 900 U/L: not judged: no rule for ALT on cyclophosphamide (oral)",)


def test_unjudged_potassium_and_pressure_on_azathioprine() -> None:
    r = review("azathioprine", labs(wbc="6 x10^9/L", potassium="7.9 mmol/L",
                                    blood_pressure="220/130 mmHg"), on=DAY)
    assert r.action == "flag"
    flagged = [f.text for f in r.reasons if f.action == "flag"]
    assert any(t.startswith("potassium 7.9 mmol/L: not judged") for t in flagged)
    assert any(t.startswith("blood pressure 220/130 mmHg: not judged") for t in flagged)
    # only the WBC, which the BSR rule read, is called within
    assert within_claims(r) == ["judged and within the rules' limits: WBC 6 x10^9/L"]
    noted = review("azathioprine", labs(potassium="7.9 mmol/L"), on=DAY, unjudged="note")
    assert noted.action == "continue" and within_claims(noted) == []
    assert noted.notes == ("potassium 7.9 mmol/L: not judged: no rule for potassium on azathioprine",)


def test_iv_pulse_names_platelets_and_alt_it_does_not_judge() -> None:
    pulse = cyclophosphamide_iv(P, g_per_m2=0.5)  # 0.5 g/m2 x 1.8708 m2 = 935.4 mg
    r = review(pulse, labs(wbc="5 x10^9/L", platelets="10 x10^9/L", alt="900 U/L"), on=DAY)
    assert r.action == "flag"  # no longer a silent "continue" with the full pulse
    assert [f.text.split(":")[0] for f in r.reasons if f.action == "flag"] == [
        "platelets 10 x10^9/L", "ALT 900 U/L"]
    assert within_claims(r) == ["judged and within the rules' limits: WBC 5 x10^9/L"]


def test_iv_pre_pulse_creatinine_above_the_eular_table_holds() -> None:
    pulse = cyclophosphamide_iv(P, g_per_m2=0.5)
    held = review(pulse, labs(wbc="5 x10^9/L", creatinine="520 umol/L"), on=DAY)
    assert held.action == "withhold" and held.proposed_dose is None
    assert held.reasons[0].source is rules.PRE_PULSE_CREATININE_GAP
    at_edge = review(pulse, labs(wbc="5 x10^9/L", creatinine="500 umol/L"), on=DAY)  # in the table
    # 0.5 g/m2 x 1.87083 m2 = 935.41 mg, prepared to the whole mg: 935 mg
    assert at_edge.action == "continue" and at_edge.proposed_amount == 935.0


def test_iv_neutrophils_below_1_5_postpone_by_default() -> None:
    pulse = cyclophosphamide_iv(P, g_per_m2=0.5)
    r = review(pulse, labs(wbc="5 x10^9/L", neutrophils="1.4 x10^9/L"), on=DAY)
    assert r.action == "withhold" and r.proposed_dose is None
    assert rules.FRENCH_POSTPONE in r.sources
    assert not any("next pulse =" in t for t in texts(r))  # no dose shown for a postponed pulse


@pytest.mark.parametrize(
    ("creatinine", "action", "proposed"),
    [
        ("249 umol/L", "continue", None),  # < 250: 2 mg/kg x 72 = 144 mg/day, the current dose
        ("250 umol/L", "reduce", 125.0),  # 250 takes 1.75: 1.75 x 72 = 126 -> 5 x 25 mg = 125
        ("300 umol/L", "reduce", 125.0),
        ("500 umol/L", "reduce", 125.0),  # 500 is in the 250-500 band
        ("520 umol/L", "reduce", 100.0),  # > 500: 1.5 x 72 = 108 -> 4 x 25 mg = 100
    ],
)
def test_oral_cyclophosphamide_creatinine_bands_lower_the_dose(
    creatinine: str, action: str, proposed: float | None
) -> None:
    r = review("cyclophosphamide oral", labs(creatinine=creatinine), on=DAY, patient=P,
               current_dose="144 mg/day")
    assert r.action == action and r.proposed_amount == proposed
    if proposed is not None:
        assert r.reasons[0].source is rules.ORAL_CYCLOPHOSPHAMIDE_CREATININE
    unknown = review("cyclophosphamide oral", labs(creatinine="300 umol/L"), on=DAY)
    assert unknown.action == "flag" and "give patient= (the weight) and current_dose=" in unknown.reasons[0].text


def test_mycophenolate_egfr_below_25_reduces_to_1_g_twice_daily() -> None:
    r = review("mycophenolate", labs(egfr="20 mL/min/1.73 m^2"), on=DAY, current_dose="3000 mg/day")
    assert r.action == "reduce" and r.proposed_amount == 2000.0  # 1,000 mg twice daily
    assert r.next_check == DAY + dt.timedelta(days=7)  # and the shared eGFR repeat in 1 week
    assert any(f.source is rules.MYCOPHENOLATE_LOW_EGFR for f in r.reasons)
    assert any(f.action == "repeat" and f.source is rules.BSR_RENAL for f in r.reasons)
    kept = review("mycophenolate", labs(egfr="20 mL/min/1.73 m^2"), on=DAY, current_dose="2000 mg/day")
    assert kept.action == "repeat" and kept.proposed_dose is None
    # eGFR 25 is not below 25: 3,000 mg/day stands (a repeat for the eGFR below 60 only)
    assert review("mycophenolate", labs(egfr="25 mL/min/1.73 m^2"), on=DAY,
                  current_dose="3000 mg/day").action == "repeat"


def test_what_each_review_reads_is_generated_from_the_rules() -> None:
    table = judged.judged_by()
    assert table["cyclophosphamide (oral)"] == ("wbc", "neutrophils", "platelets", "creatinine")
    assert "potassium" not in table["azathioprine"] and "blood_pressure" not in table["azathioprine"]
    assert "blood_pressure" in table["mycophenolate mofetil"]
    assert table["cyclophosphamide IV"] == ("wbc", "neutrophils", "creatinine")
    # the table and the reviews agree: every result the table names is judged at run time
    every = labs(wbc="6 x10^9/L", neutrophils="4 x10^9/L", eosinophils="0.2 x10^9/L",
                 platelets="250 x10^9/L", alt="30 U/L", ast="30 U/L", albumin="40 g/L",
                 mcv="90 fL", creatinine="1 mg/dL", egfr="80 mL/min/1.73 m^2",
                 potassium="4.5 mmol/L", blood_pressure="120/80 mmHg")
    for drug, name in (("azathioprine", "azathioprine"), ("mycophenolate", "mycophenolate mofetil"),
                       ("ciclosporin", "ciclosporin"),
                       ("cyclophosphamide oral", "cyclophosphamide (oral)")):
        r = review(drug, every, on=DAY, baseline="1 mg/dL", unjudged="note")
        ran = tuple(n for n in every.names() if "judged by" in dict(
            zip(every.names(), r.judgements, strict=True))[n])
        assert set(ran) == set(table[name]), drug


# --- 2. the right action ---------------------------------------------------------------------


def test_stable_ckd_is_not_withheld() -> None:
    ckd = {"creatinine": "1.3 mg/dL", "egfr": "55 mL/min/1.73 m2"}
    r = review("azathioprine", labs(**ckd), history=[labs(WEEK_AGO, **ckd)], baseline="1.3 mg/dL",
               on=DAY)
    # creatinine 0 % above baseline; eGFR < 60 already repeated once: no withhold, no repeat
    assert r.action == "continue" and any("no further repeat" in n for n in r.notes)
    assert rules.RENAL_STABLE_GAP in r.sources
    assert within_claims(r) == ["judged and within the rules' limits: creatinine 1.3 mg/dL"]
    first = review("azathioprine", labs(**ckd), baseline="1.3 mg/dL", on=DAY)
    assert first.action == "repeat" and first.next_check == DAY + dt.timedelta(days=7)
    # still more than 30 % above baseline on the repeat: 1.7 / 1.3 = +30.8 %: withhold
    up = review("azathioprine", labs(creatinine="1.7 mg/dL", egfr="45 mL/min/1.73 m2"),
                history=[labs(WEEK_AGO, creatinine="1.7 mg/dL")], baseline="1.3 mg/dL", on=DAY)
    assert up.action == "withhold"


def test_a_fall_of_exactly_10_percent_is_not_more_than_10_percent() -> None:
    assert 5.85 < 6.5 * 0.9  # the float noise: 6.5 x 0.9 = 5.8500000000000005
    assert not judged.fell_more_than(6.5, 5.85)  # (6.5 - 5.85) / 6.5 = 0.1 exactly
    assert judged.fell_more_than(6.5, 5.84)
    # 9.0 -> 7.9 (-12.2 %) -> 6.5 (-17.7 %) -> 5.85 (-10 % exactly): not three falls over 10 %
    past = [labs(DAY - dt.timedelta(days=14 * k), wbc=v)
            for k, v in ((3, "9.0 x10^9/L"), (2, "7.9 x10^9/L"), (1, "6.5 x10^9/L"))]
    r = review("azathioprine", labs(wbc="5.85 x10^9/L"), history=past, on=DAY)
    assert r.action == "flag" and rules.TREND_FLAG not in r.sources  # the gradual-fall flag only
    assert rules.BSR_TRENDS in r.sources
    more = review("azathioprine", labs(wbc="5.84 x10^9/L"), history=past, on=DAY)
    assert rules.TREND_FLAG in more.sources


def test_three_falls_in_range_flag_not_stop() -> None:
    # 8 -> 7 (-12.5 %) -> 6 (-14.3 %) -> 5 (-16.7 %) x10^9/L, 5 still above 3.5
    past = [labs(DAY - dt.timedelta(days=14 * k), wbc=f"{v} x10^9/L") for k, v in ((3, 8), (2, 7), (1, 6))]
    r = review("azathioprine", labs(wbc="5 x10^9/L"), history=past, on=DAY)
    assert r.action == "flag" and r.reasons[0].source is rules.TREND_FLAG
    assert "discuss with the specialist team" in r.reasons[0].text
    assert r.next_check == DAY + dt.timedelta(days=14)  # the calendar is unchanged
    # below the threshold: the threshold decides (withhold), the trend is a note
    low = [labs(DAY - dt.timedelta(days=14 * k), wbc=f"{v} x10^9/L") for k, v in ((3, 6), (2, 5), (1, 4))]
    below = review("azathioprine", labs(wbc="3.4 x10^9/L"), history=low, on=DAY)
    assert below.action == "withhold" and all(f.source is not rules.TREND_FLAG for f in below.reasons)


@pytest.mark.parametrize(
    ("now", "before", "reductions", "action", "days"),
    [
        ("1.5 mg/dL", None, 0, "stop", 7),  # +50 %: stop
        ("1.35 mg/dL", None, 0, "repeat", 7),  # a first rise of 35 %: repeat in 1 week
        ("1.35 mg/dL", "1.3 mg/dL", 0, "withhold", 7),  # persisting, 35 % > 30 %: withhold
        ("1.28 mg/dL", "1.26 mg/dL", 0, "reduce", 14),  # persisting, 28 %: reduce 25-50 %
        ("1.3 mg/dL", "1.26 mg/dL", 0, "reduce", 14),  # exactly 30 % is not above 30 %
        ("1.28 mg/dL", None, 2, "stop", 7),  # two reductions failed: stop
        ("1.24 mg/dL", "1.3 mg/dL", 0, "continue", 14),  # below 25 %: nothing
    ],
)
def test_ciclosporin_creatinine_one_sequence(
    now: str, before: str | None, reductions: int, action: str, days: int
) -> None:
    history = [] if before is None else [labs(WEEK_AGO, creatinine=before)]
    r = review("ciclosporin", labs(creatinine=now), history=history, baseline="1.0 mg/dL", on=DAY,
               reductions=reductions, current_dose="300 mg/day")
    assert r.action == action
    assert r.next_check == DAY + dt.timedelta(days=days)
    assert len([f for f in r.reasons if f.action not in ("continue", "flag")]) <= 1  # one answer


def test_ciclosporin_egfr_below_60_with_creatinine_below_threshold_one_repeat() -> None:
    first = review("ciclosporin", labs(creatinine="1.1 mg/dL", egfr="55 mL/min/1.73 m2"),
                   baseline="1.0 mg/dL", on=DAY)  # +10 %, below 25 %
    assert first.action == "repeat" and first.next_check == DAY + dt.timedelta(days=7)
    again = review("ciclosporin", labs(creatinine="1.1 mg/dL", egfr="55 mL/min/1.73 m2"),
                   history=[labs(WEEK_AGO, creatinine="1.1 mg/dL", egfr="56 mL/min/1.73 m2")],
                   baseline="1.0 mg/dL", on=DAY)
    assert again.action == "continue"


# --- 3. the patient's own ceiling ---------------------------------------------------------------


POOR = Patient(weight="72 kg", sex="male", age=60, serum_creatinine="1 mg/dL", tpmt="poor", nudt15="normal")
NORMAL = labs(wbc="6 x10^9/L")


def test_poor_metabolizer_restart_needs_a_reason_and_says_how_far_above() -> None:
    with pytest.raises(DoseRangeError, match="poor metabolizer") as caught:
        review("azathioprine", NORMAL, on=DAY, withheld=True, restart_dose="150 mg/day", patient=POOR)
    assert caught.value.field == "restart_dose"
    r = review("azathioprine", NORMAL, on=DAY, withheld=True, restart_dose="150 mg/day", patient=POOR,
               override="specialist team, 2027-02-28")
    # CPIC regimen: 144 mg x 0.1 = 14.4 mg on 3 days a week = 6.171 mg/day; 150 / 6.171 = 24.3
    assert r.proposed_amount == 150.0
    assert any("24.3 times" in n and "accepted on override" in n for n in r.notes)


def test_reduced_metabolizer_restart_above_the_cpic_range() -> None:
    inter = Patient(weight="72 kg", tpmt="intermediate", nudt15="normal")
    # N = 2 x 72 = 144 mg/day; CPIC 30-80 %: 43.2-115.2 mg/day (125 mg, its tablet rounding, counts)
    ok = review("azathioprine", NORMAL, on=DAY, withheld=True, restart_dose="100 mg/day", patient=inter)
    assert ok.proposed_amount == 100.0
    with pytest.raises(DoseRangeError, match="own range"):
        review("azathioprine", NORMAL, on=DAY, withheld=True, restart_dose="150 mg/day", patient=inter)


def test_mycophenolate_restart_uses_egfr_computed_from_creatinine() -> None:
    high = labs(creatinine="4.5 mg/dL")  # male, 60: CKD-EPI 2021 about 14 mL/min/1.73 m^2
    with pytest.raises(DoseRangeError, match="2,000 mg/day"):
        review("mycophenolate", high, on=DAY, baseline="4.4 mg/dL", withheld=True,
               restart_dose="3000 mg/day", patient=P)
    ok = review("mycophenolate", high, on=DAY, baseline="4.4 mg/dL", withheld=True,
                restart_dose="2000 mg/day", patient=P)
    assert ok.proposed_amount == 2000.0
    unknown = review("mycophenolate", high, on=DAY, baseline="4.4 mg/dL", withheld=True,
                     restart_dose="3000 mg/day")
    assert any("renal function not known" in n for n in unknown.notes)
    assert any("could not be checked" in n for n in unknown.notes)


def test_current_doses_above_an_absolute_limit_are_refused() -> None:
    with pytest.raises(DoseRangeError, match="150 mg/day") as caught:
        review("azathioprine", NORMAL, on=DAY, current_dose="300 mg/day")
    assert caught.value.field == "current_dose"
    with pytest.raises(DoseRangeError):  # 5 mg/kg/day of any weight plexodose accepts (350 kg)
        review("ciclosporin", NORMAL, on=DAY, current_dose="5000 mg/day")
    with pytest.raises(DoseRangeError, match="360 mg/day"):  # 5 x 72 kg
        review("ciclosporin", NORMAL, on=DAY, current_dose="400 mg/day", patient=P)
    r = review("ciclosporin", NORMAL, on=DAY, current_dose="360 mg/day", patient=P)
    assert any("within this patient's own ceiling" in n for n in r.notes)
    unchecked = review("azathioprine", NORMAL, on=DAY, current_dose="100 mg/day")
    assert any("could not be checked" in n for n in unchecked.notes)


def test_a_review_always_gives_a_reason() -> None:
    # 1.75 x10^9/L is above BSR 1.6 but below a local 2.0: noted, not called within, still a reason
    r = review("azathioprine", labs(neutrophils="1.75 x10^9/L"), on=DAY)
    assert r.action == "continue" and within_claims(r) == []
    assert r.reasons[0].text.startswith("no rule asks for a change")


def test_allopurinol_quarter_is_the_patients_azathioprine_ceiling() -> None:
    # 72 kg, normal TPMT: 1-2 mg/kg = 72-144 mg/day; with allopurinol a quarter: 18-36 mg/day
    # (36 mg rounds to 25 or 50 mg tablets: 50 mg counts as the edge only if it is the rounding)
    with pytest.raises(DoseRangeError, match="allopurinol"):
        review("azathioprine", NORMAL, on=DAY, withheld=True, restart_dose="100 mg/day", patient=P,
               allopurinol=True)
    ok = review("azathioprine", NORMAL, on=DAY, withheld=True, restart_dose="25 mg/day", patient=P,
                allopurinol=True)
    assert ok.proposed_amount == 25.0
    assert review("azathioprine", NORMAL, on=DAY, withheld=True, restart_dose="100 mg/day",
                  patient=P).proposed_amount == 100.0  # without allopurinol: inside 72-144


def test_a_next_check_already_past_on_the_review_date_is_now() -> None:
    # ALT 150 U/L > 100 on azathioprine: withhold, repeat within 7 days: 2027-02-19 + 7 =
    # 2027-02-26, already past when the results are reviewed on 2027-03-01: due now
    from plexodose import Labs, review

    r = review("azathioprine", Labs(date="2027-02-19", wbc="6 x10^9/L", alt="150 U/L"),
               on="2027-03-01")
    assert r.action == "withhold"
    assert r.next_check.isoformat() == "2027-03-01"
    assert r.next_check_text.startswith("now: ")
    # reviewed the day the results came, the same rule keeps its own date
    same_day = review("azathioprine", Labs(date="2027-02-19", wbc="6 x10^9/L", alt="150 U/L"),
                      on="2027-02-19")
    assert same_day.next_check.isoformat() == "2027-02-26"
    assert not same_day.next_check_text.startswith("now")
