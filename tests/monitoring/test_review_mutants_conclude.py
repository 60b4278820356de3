"""One answer from the rules (``_conclude``), word for word: issue 19's mutation score.

monitoring-rules.md "Ciclosporin" (a confirmed 25 % rise: reduce by 25-50 %, whole capsules),
"Cyclophosphamide" (oral: the creatinine bands, whole 25 mg tablets, never up), "When two rules
apply" and the withhold/restart gaps (a withheld drug restarts only at the prescriber's dose).
Hand-computed values in the comments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from plexodose import Labs, Patient, cyclosporin, review
from plexodose._core import units as u
from plexodose._core.errors import InputRangeError

P = Patient.example()  # 72 kg, 175 cm, 60, male, creatinine 1 mg/dL
DAY = dt.date(2027, 3, 1)
U = "x10^9/L"
RISE = [Labs(date=DAY - dt.timedelta(days=7), creatinine="1.27 mg/dL")]  # 2027-02-22
RAISED = Labs(date=DAY, creatinine="1.27 mg/dL")  # (1.27 - 1.0) / 1.0 = 27 %: 25-30 %
CONFIRMED = ("creatinine 1.27 mg/dL is 27 % above the pre-treatment 1 mg/dL (25 % or more), "
             "confirmed on repeat: reduce the dose by 50 % (25-50 %)")
ONE_BASELINE = "the label asks for two pre-treatment creatinines (the baseline is their mean); one was given"


def ciclosporin_rise(drug: Any = "ciclosporin", **options: Any) -> Any:
    return review(drug, RAISED, on=DAY, baseline="1.0 mg/dL", history=RISE, **options)


def test_a_confirmed_ciclosporin_rise_reduces_to_whole_capsules_and_cites_the_capsule_gap() -> None:
    # 350 mg/day (2 x 175) less 50 % = 175, 87.5 a dose: 100 mg twice daily = 200 mg/day, the
    # whole-capsule dose inside a 25-50 % reduction: (350 - 200) / 350 = 42.9 % less
    r = ciclosporin_rise(cyclosporin(P), patient=P)
    assert (r.action, r.proposed_amount, r.proposed_unit) == ("reduce", 200.0, "mg/day")
    assert r.proposed_text == "100 mg twice daily (200 mg/day), down from 350 mg/day (42.9 % less)"
    assert (r.next_check, r.next_check_text) == (DAY + dt.timedelta(days=14), "after the dose change")
    assert [(f.action, f.text) for f in r.reasons] == [("reduce", CONFIRMED)]
    assert r.notes == (
        "current_dose 350 mg/day: within this patient's own ceiling (2.5-5 mg/kg/day at 72 kg)",
        ONE_BASELINE,
        "proposed dose 200 mg/day: within this patient's own ceiling (2.5-5 mg/kg/day at 72 kg)")
    assert [s.id for s in r.sources][-4:] == [
        "ciclosporin.review.creatinine", "dosing.reduction.larger",
        "ciclosporin.review.reduced_capsules", "ciclosporin.review.cadence"]


def test_a_ciclosporin_reduction_without_the_current_dose_asks_for_it() -> None:
    r = ciclosporin_rise()
    assert (r.action, r.proposed_amount, r.proposed_text) == ("reduce", None, "")
    assert r.notes == (ONE_BASELINE, 'no proposed dose: give the current dose (current_dose="300 '
                       'mg/day" or the DailyDose as drug)')


def test_a_ciclosporin_reduction_with_no_whole_capsule_inside_25_to_50_percent_is_discussed() -> None:
    # 50 mg/day (2 x 25): 25-50 % less is 25-37.5 mg/day, 12.5-18.75 mg a dose: no 25 mg capsule
    r = ciclosporin_rise(current_dose="50 mg/day")
    assert (r.action, r.proposed_amount) == ("reduce", None)
    assert r.notes[-1] == ("no whole-capsule dose lies inside a 25-50 % reduction: discuss the dose "
                           "with the specialist team")


def test_an_oral_cyclophosphamide_band_with_no_whole_tablet_proposes_no_dose() -> None:
    # creatinine 6 mg/dL x 88.4 = 530 umol/L, the > 500 band: 1.5 mg/kg/day x 16 kg = 24 mg/day;
    # 25 mg/day is above it, and no whole 25 mg tablet fits under 24: nothing is proposed
    small = attrs.evolve(P, weight=u.quantity(16, "kg"))
    r = review("cyclophosphamide oral", Labs(date=DAY, creatinine="6 mg/dL"), on=DAY, patient=small,
               current_dose="25 mg/day", baseline="1 mg/dL")
    assert (r.action, r.proposed_amount, r.next_check_text) == ("reduce", None, "after the dose change")
    assert r.reasons[0].text == ("creatinine 530 umol/L is in the > 500 umol/L band: at most 1.5 "
                                 "mg/kg/day (24 mg/day at 16 kg): reduce 25 mg/day to it")
    assert r.notes[-2:] == (
        "no whole 25 mg tablet dose lies within the band: discuss the dose with the specialist team",
        "no dose proposed: discuss the dose with the specialist team")


def test_a_withheld_ciclosporin_whose_results_ask_for_a_reduction_ignores_the_restart_dose() -> None:
    r = ciclosporin_rise(current_dose="300 mg/day", patient=P, withheld=True, restart_dose="200 mg/day")
    assert (r.action, r.proposed_amount, r.next_check) == ("withhold", None, DAY + dt.timedelta(days=7))
    assert [(f.action, f.text) for f in r.reasons] == [
        ("withhold", "the drug is withheld and the results ask for a reduction: a restart takes the "
         "prescriber's dose (restart_dose=)"),
        ("reduce", CONFIRMED)]
    assert r.notes[-1] == "restart_dose not used: the results do not allow a restart"


def test_a_ciclosporin_restart_without_a_weight_is_refused() -> None:
    with pytest.raises(InputRangeError) as caught:
        review("ciclosporin", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, withheld=True,
               restart_dose="200 mg/day")
    assert (str(caught.value), caught.value.field, caught.value.value) == (
        "restart_dose: ciclosporin's ceiling is 5 mg/kg/day of the patient's weight: give the "
        "calculator's DailyDose as drug (or patient=), so the dose can be checked against it",
        "restart_dose", 200.0)
    # with the patient: 200 mg/day inside 2.5-5 mg/kg/day x 72 = 180-360: restarted
    r = review("ciclosporin", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, withheld=True,
               restart_dose="200 mg/day", patient=P)
    assert (r.action, r.proposed_amount, r.proposed_text) == (
        "continue", 200.0, "200 mg/day (restart at the prescriber's dose)")


def test_a_result_only_noted_under_bsr_leaves_no_rule_asking_for_a_change() -> None:
    # neutrophils 1.8: not below BSR's 1.6, below a local 2.0: noted, so no finding: continue
    r = review("azathioprine", Labs(date=DAY, neutrophils=f"1.8 {U}"), on=DAY)
    assert r.action == "continue"
    assert [(f.action, f.text, f.source.id) for f in r.reasons] == [(
        "continue", "no rule asks for a change; the notes say what the rules found",
        "azathioprine.review.cadence")]
    assert r.notes == (f"neutrophils 1.8 {U}: a local protocol (< 2 {U}) would withhold; this review "
                       "uses the BSR 2017 threshold",)


def test_the_regular_cadence_names_its_weeks() -> None:
    # started 2026-06-01, stable since 2026-09-01 (monitoring-rules.md): azathioprine past month
    # 3 and stable 6 weeks: monthly, 28 days = 4 weeks (2027-03-29); mycophenolate stable for 6
    # weeks after its first 3 months: every 12 weeks, 84 days (2027-05-24)
    aza = review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, started="2026-06-01",
                 stable_since="2026-09-01")
    assert (aza.next_check, aza.next_check_text) == (dt.date(2027, 3, 29),
                                                     "the regular cadence, every 4 weeks")
    mmf = review("mycophenolate", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, started="2026-06-01",
                 stable_since="2026-09-01")
    assert (mmf.next_check, mmf.next_check_text) == (dt.date(2027, 5, 24),
                                                     "the regular cadence, every 12 weeks")


def test_two_different_actions_cite_the_one_answer_rule_and_one_action_does_not() -> None:
    # WBC 3 < 3.5 withholds; potassium has no azathioprine rule: flagged; the highest answers
    both = review("azathioprine", Labs(date=DAY, wbc=f"3 {U}", potassium="6.5 mmol/L"), on=DAY)
    assert (both.action, both.proposed_unit) == ("withhold", None)
    assert [s.id for s in both.sources] == [
        "review.counts.bsr_2017", "review.results.unjudged", "review.action.highest",
        "azathioprine.review.cadence", "review.withhold.repeat"]
    one = review("azathioprine", Labs(date=DAY, wbc=f"3 {U}"), on=DAY)
    assert "review.action.highest" not in [s.id for s in one.sources]


def test_a_creatinine_within_limits_cites_the_rule_that_judged_it() -> None:
    # creatinine 1 mg/dL on a 1 mg/dL baseline: 0 % rise, within the BSR renal rule
    r = review("azathioprine", Labs(date=DAY, creatinine="1 mg/dL"), on=DAY, baseline="1 mg/dL")
    assert [(f.action, f.text) for f in r.reasons] == [
        ("continue", "every result given is within the rules' limits (creatinine 1 mg/dL)")]
    assert [s.id for s in r.sources] == ["review.counts.bsr_2017", "azathioprine.review.cadence",
                                         "review.renal.bsr_2017"]


def test_a_withheld_drug_still_withheld_without_a_restart_dose_notes_nothing_about_it() -> None:
    r = review("azathioprine", Labs(date=DAY, wbc=f"3 {U}"), on=DAY, withheld=True)
    assert (r.action, r.notes) == ("withhold", ())


def test_an_implausible_restart_dose_is_refused_naming_restart_dose() -> None:
    with pytest.raises(InputRangeError) as caught:
        review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, withheld=True,
               restart_dose="0.5 mg/day")
    assert (str(caught.value), caught.value.field, caught.value.value) == (
        "restart_dose 0.5 mg/day is outside the plausible range 1-5000 mg/day", "restart_dose",
        "0.5 mg/day")


def test_a_reduced_dose_answers_to_the_results_own_cap_at_a_weight_just_moved() -> None:
    # ciclosporin made at 72 kg: its own cap 5 x 72 = 360 mg/day; at 74 kg (2.8 %, no
    # recalculation) the patient's 5 x 74 = 370 is higher, so the result's 360 is the ceiling
    r = ciclosporin_rise(cyclosporin(P), patient=attrs.evolve(P, weight=u.quantity(74, "kg")))
    assert (r.action, r.proposed_amount) == ("reduce", 200.0)
    assert r.notes[-1] == ("proposed dose 200 mg/day: within this patient's own ceiling (2.5-5 "
                           "mg/kg/day at 74 kg; the result's own limits)")


def test_an_older_set_within_limits_keeps_the_latest_sets_reduction() -> None:
    # potassium 4 mmol/L of 2027-02-22 is the latest potassium: within; the confirmed creatinine
    # rise of the latest set still proposes 200 mg/day
    history = [Labs(date=DAY - dt.timedelta(days=7), creatinine="1.27 mg/dL", potassium="4 mmol/L")]
    r = review(cyclosporin(P), RAISED, on=DAY, baseline="1.0 mg/dL", history=history, patient=P)
    assert (r.action, r.proposed_amount) == ("reduce", 200.0)
    assert [(f.action, f.text) for f in r.reasons] == [
        ("reduce", CONFIRMED),
        ("continue", "judged and within the rules' limits: potassium 4 mmol/L (2027-02-22)")]
