"""The review (``_monitoring/review.py``) at each branch, word for word: issue 19's mutation score.

Each test states one clinical behaviour (monitoring-rules.md "Cyclophosphamide" and "When two
rules apply"; dosing-rules.md "Screening an order someone else wrote" and "A change in weight")
with hand-computed values, and pins what the prescriber reads: the action, the next check and
its words, the proposed dose's text and unit, the reasons and the printed review. When the
wording changes on purpose, change the expected text with it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from plexodose import Labs, Patient, azathioprine, cyclophosphamide_iv, review
from plexodose._core import units as u
from plexodose._core.errors import DoseRangeError, InputRangeError, MissingInputError
from plexodose._monitoring import thresholds as rules

P = Patient.example()  # 72 kg, 175 cm: Mosteller sqrt(72 x 175 / 3600) = sqrt(3.5) = 1.8708 m2
DAY = dt.date(2027, 3, 1)
U = "x10^9/L"
PULSE = cyclophosphamide_iv(P, g_per_m2=0.5)  # 0.5 g/m2 x 1.8708 m2 = 935.41 mg
MICHIGAN = "[guideline] University of Michigan / VA neurology cyclophosphamide protocol"
FRENCH = "[guideline] French national diagnosis and care protocol (PNDS), Box 6: cyclophosphamide"
MESNA = ("give mesna (80-100 % of the cyclophosphamide dose in divided doses, per the local "
         "protocol) and hydration with each pulse: plexodose does not dose mesna")
BSR = ("[guideline] BSR/BHPR 2017 guideline for non-biologic DMARDs, as restated by the NHS "
       "Specialist Pharmacy Service monitoring pages")
NEXT_PULSE = "next pulse = 0.5 g/m2 x 1.8708 m2 = 935.41 mg"


def pulse_review(**values: Any) -> Any:
    options = {k: values.pop(k) for k in ("nadir", "on", "patient", "started", "neutrophils_rule")
               if k in values}
    options.setdefault("on", DAY)
    return review(PULSE, Labs(date=DAY, **values), **options)


def lines(r: Any) -> list[str]:
    """The printed review without its sources block (the sources are pinned as ids)."""
    text = repr(r).splitlines()
    return text[: text.index("  sources:")]


def ids(r: Any) -> list[str]:
    return [s.id for s in r.sources]


# --- IV pulses: the pre-pulse counts and creatinine ------------------------------------------


def test_pre_pulse_wbc_2_to_3_halves_the_pulse_checks_the_nadir_in_10_days() -> None:
    # Michigan: pre-pulse WBC 2,000-3,000/uL gives 50 %: 935.41 x 0.5 = 467.71 mg, prepared 468 mg
    r = pulse_review(wbc=f"2.5 {U}")
    assert (r.action, r.proposed_unit, r.proposed_text) == (
        "reduce", "mg", "468 mg for the next pulse (calculated 467.71 mg)")
    assert r.proposed_amount == 468.0
    assert r.next_check == DAY + dt.timedelta(days=10)  # nadir day 10-14 after the pulse
    assert lines(r) == [
        "cyclophosphamide IV, results of 2027-03-01: Reduce the dose",
        "  proposed dose: 468 mg for the next pulse (calculated 467.71 mg)",
        "  next check: 2027-03-11 (nadir WBC 10-14 days after the pulse)",
        "  reasons:",
        "    - reduce: pre-pulse WBC 2,500/uL is 2,000-3,000: give 50 % (467.71 mg)",
        f"      {MICHIGAN}",
        f"    - continue: {NEXT_PULSE}",
        f"      {MICHIGAN}",
        "  results:",
        f"    - WBC 2.5 {U}: judged by {MICHIGAN}",
        "  notes:",
        f"    ! {MESNA}",
    ]
    assert ids(r) == ["cyclophosphamide.iv.michigan.nadir", "cyclophosphamide.iv.mesna"]


def test_pre_pulse_wbc_below_2_holds_and_repeats_in_a_week_with_no_dose() -> None:
    # Michigan: below 2,000/uL hold; [gap] the repeat a week after a withhold: 2027-03-08
    r = pulse_review(wbc=f"1.9 {U}")
    assert (r.action, r.proposed_amount, r.proposed_unit, r.proposed_text) == ("withhold", None, None, "")
    assert lines(r) == [
        "cyclophosphamide IV, results of 2027-03-01: Withhold and discuss with the specialist team",
        "  proposed dose: none (a restart takes the prescriber's dose)",
        "  next check: 2027-03-08 (repeat the counts; discuss with the specialist team)",
        "  reasons:",
        "    - withhold: pre-pulse WBC 1,900/uL is below 2,000: hold the pulse",
        f"      {MICHIGAN}",
        f"    - continue: {NEXT_PULSE}",
        f"      {MICHIGAN}",
        "  results:",
        f"    - WBC 1.9 {U}: judged by {MICHIGAN}",
    ]
    assert ids(r) == ["cyclophosphamide.iv.michigan.nadir", "review.withhold.repeat"]


def test_neutrophils_below_1_5_postpone_the_pulse_by_default() -> None:
    # French protocol: neutrophils 1.2 < 1.5 x10^9/L on the bolus date: postpone (the default)
    r = pulse_review(neutrophils=f"1.2 {U}")
    assert (r.action, r.proposed_amount, r.next_check) == ("withhold", None, DAY + dt.timedelta(days=7))
    assert [(f.action, f.text, f.source) for f in r.reasons] == [(
        "withhold",
        f"neutrophils 1.2 {U} are below 1.5 {U} on the bolus date: postpone the pulse (the French "
        "protocol's default; neutrophils_rule='cut' gives 75 % instead); a postponement beyond 2 "
        "weeks: discuss another therapy",
        rules.FRENCH_POSTPONE,
    )]
    assert r.judgements == (f"neutrophils 1.2 {U}: judged by {FRENCH}",)
    assert ids(r) == ["cyclophosphamide.iv.review.french_postpone", "review.withhold.repeat"]
    assert r.notes == ()  # no pulse is planned, so no mesna line


def test_neutrophils_1_5_are_not_below_and_the_pulse_goes_ahead() -> None:
    # 1.5 x10^9/L = 1,500/uL is not below 1,500: the pulse is planned at its dose, in 10 days
    # (0.5 g/m2 x 1.87083 m2 = 935.41 mg, prepared 935 mg)
    r = pulse_review(neutrophils=f"1.5 {U}")
    assert (r.action, r.proposed_text) == (
        "continue", "935 mg for the next pulse (calculated 935.41 mg)")
    assert r.next_check == DAY + dt.timedelta(days=10)


def test_neutrophils_cut_rule_gives_75_percent() -> None:
    # neutrophils_rule="cut": 935.41 x 0.75 = 701.56 mg, prepared 702 mg
    r = pulse_review(neutrophils=f"1.2 {U}", neutrophils_rule="cut")
    assert (r.action, r.proposed_text) == (
        "reduce", "702 mg for the next pulse (calculated 701.56 mg)")
    assert r.proposed_amount == 702.0


def test_pre_pulse_creatinine_above_500_umol_holds_the_pulse() -> None:
    # 5.7 mg/dL x 88.4 = 503.88 umol/L > 500: beyond the EULAR table, hold ([gap])
    r = pulse_review(wbc=f"5 {U}", creatinine="5.7 mg/dL")
    assert (r.action, r.proposed_amount, r.next_check) == ("withhold", None, DAY + dt.timedelta(days=7))
    assert r.reasons[0].text == ("pre-pulse creatinine 504 umol/L is above 500 umol/L, beyond the "
                                 "EULAR table: hold the pulse and discuss (dose individually)")
    assert r.reasons[0].source is rules.PRE_PULSE_CREATININE_GAP
    assert r.reasons[2].text == f"judged and within the rules' limits: WBC 5 {U}"
    # 5.6 mg/dL x 88.4 = 495.04 umol/L: not above 500, the pulse goes ahead at 935 mg
    below = pulse_review(wbc=f"5 {U}", creatinine="5.6 mg/dL")
    assert (below.action, below.proposed_text) == (
        "continue", "935 mg for the next pulse (calculated 935.41 mg)")


def test_a_new_bsa_5_percent_away_asks_for_the_recalculated_pulse() -> None:
    # 80 kg, 175 cm: sqrt(80 x 175 / 3600) = 1.9720 m2; |1.9720 - 1.8708| / 1.8708 = 5.4 % >= 5 %:
    # next pulse 0.5 x 1.9720 = 986.01 mg, prepared 986 mg
    r = pulse_review(wbc=f"5 {U}", patient=attrs.evolve(P, weight=u.quantity(80, "kg")))
    assert (r.action, r.proposed_unit, r.proposed_text) == (
        "recalculate", "mg", "986 mg for the next pulse (calculated 986.01 mg)")
    assert r.proposed_amount == 986.0
    assert r.reasons[0].text == (
        "BSA 1.972 m2 (weight 80 kg, height 175 cm) differs by 5.4 % from the 1.871 m2 behind the "
        "last pulse; 5 % or more asks for a recalculation: next pulse 986 mg (0.5 g/m2 x 1.972 m2; "
        "last 935 mg): the prescriber accepts it")
    assert r.next_check == DAY + dt.timedelta(days=10)
    # 74 kg: sqrt(74 x 175 / 3600) = 1.8966 m2, 1.4 % from 1.8708: under 5 %, no recalculation
    same = pulse_review(wbc=f"5 {U}", patient=attrs.evolve(P, weight=u.quantity(74, "kg")))
    assert (same.action, same.proposed_text) == (
        "continue", "935 mg for the next pulse (calculated 935.41 mg)")


# --- IV pulses: the nadir count and its dates -------------------------------------------------


def test_a_nadir_that_is_not_labs_or_has_no_wbc_is_refused_naming_nadir() -> None:
    with pytest.raises(InputRangeError) as wrong:
        pulse_review(wbc=f"5 {U}", nadir=3)
    assert (str(wrong.value), wrong.value.field, wrong.value.value) == (
        "nadir must be a plexodose.Labs with a wbc", "nadir", 3)
    with pytest.raises(MissingInputError) as empty:
        pulse_review(wbc=f"5 {U}", nadir=Labs(date=DAY, neutrophils=f"2 {U}"))
    assert (str(empty.value), empty.value.field) == ("nadir must carry a wbc", "nadir")


def test_a_nadir_after_the_review_the_counts_or_on_the_pulse_day_is_refused() -> None:
    later = DAY + dt.timedelta(days=1)
    with pytest.raises(InputRangeError) as future:
        pulse_review(wbc=f"5 {U}", nadir=Labs(date=later, wbc=f"3 {U}"))
    assert (str(future.value), future.value.field, future.value.value) == (
        "nadir dated 2027-03-02 is after the review date 2027-03-01: a nadir count cannot come "
        "from the future (pass on= the date of the review)", "nadir", later)
    with pytest.raises(InputRangeError) as after:
        pulse_review(wbc=f"5 {U}", nadir=Labs(date=later, wbc=f"3 {U}"), on=later)
    assert (str(after.value), after.value.field, after.value.value) == (
        "nadir dated 2027-03-02 is after the pre-pulse counts (2027-03-01): the nadir follows the "
        "last pulse, before the next one", "nadir", later)
    started = DAY - dt.timedelta(days=14)
    with pytest.raises(InputRangeError) as same_day:
        pulse_review(wbc=f"5 {U}", nadir=Labs(date=started, wbc=f"3 {U}"), started=started)
    assert (str(same_day.value), same_day.value.field, same_day.value.value) == (
        "nadir dated 2027-02-15 is not after the pulse it follows (started 2027-02-15): a nadir "
        "count is dated after its pulse", "nadir", started)
    # on the counts' own date, and the day after the pulse: both accepted
    ok = pulse_review(wbc=f"5 {U}", nadir=Labs(date=DAY, wbc=f"3.5 {U}"),
                      started=DAY - dt.timedelta(days=1))
    assert ok.action == "continue"


def test_a_pulse_review_without_the_last_pulse_is_refused_naming_drug() -> None:
    with pytest.raises(MissingInputError) as caught:
        review("cyclophosphamide iv", Labs(date=DAY, wbc=f"5 {U}"), on=DAY)
    assert (str(caught.value), caught.value.field) == (
        "a cyclophosphamide IV review needs the last pulse: pass its CyclophosphamidePulse as drug",
        "drug")


# --- daily drugs: withhold, restart, the ceiling that could not be checked ---------------------


def test_a_withheld_drug_with_counts_still_low_keeps_the_withhold_and_ignores_the_restart() -> None:
    # WBC 3 < 3.5 (BSR): withhold again; the restart dose is not used; a week's repeat: 03-08
    r = review("azathioprine", Labs(date=DAY, wbc=f"3 {U}"), on=DAY, withheld=True,
               restart_dose="100 mg/day")
    assert lines(r) == [
        "azathioprine, results of 2027-03-01: Withhold and discuss with the specialist team",
        "  proposed dose: none (a restart takes the prescriber's dose)",
        "  next check: 2027-03-08 (discuss with the specialist team now; repeat the tests by then)",
        "  reasons:",
        f"    - withhold: WBC 3 {U} is below 3.5 {U}: withhold and discuss with the specialist team",
        f"      {BSR}",
        "  results:",
        f"    - WBC 3 {U}: judged by {BSR}",
        "  notes:",
        "    ! restart_dose not used: the results do not allow a restart",
    ]


def test_a_current_dose_without_a_patient_is_checked_against_150_mg_only() -> None:
    # no patient: only the seed's 150 mg/day maximum; 100 mg/day is under it, noted as not checked
    r = review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, current_dose="100 mg/day")
    assert (r.action, r.next_check_text) == ("continue", "the regular cadence, every 2 weeks")
    assert r.notes == (
        "current_dose 100 mg/day: the patient's own ceiling could not be checked (no patient: only "
        "the 150 mg/day maximum could be checked, not the genotype, renal or weight range; give "
        "patient=)",)


# --- one answer from several rules; reductions, restarts and a withheld drug --------------------

EGFR = "eGFR 20 mL/min/1.73 m^2"
LOW_EGFR_REDUCE = (f"{EGFR} is below 25: at most 1 g twice daily (2,000 mg/day): reduce 3,000 "
                   "mg/day to 1 g twice daily, and repeat in 1 week")
EGFR_REPEAT = f"{EGFR} is below 60: repeat in 1 week (once; the eGFR alone never withholds)"
RESTART_GAP = "[gap] plexodose (monitoring rules: 'withhold and discuss' never invents a dose)"


def mmf(**options: Any) -> Any:
    labs = options.pop("labs", {"egfr": "20 mL/min/1.73m2"})
    options.setdefault("on", DAY)
    options.setdefault("baseline", "1.0 mg/dL")
    return review("mycophenolate", Labs(date=DAY, **labs), **options)


def test_mycophenolate_egfr_below_25_on_3_g_reduces_to_1_g_twice_daily_and_cites_both_rules() -> None:
    # label: eGFR 20 < 25 on 3,000 > 2,000 mg/day: 1 g twice daily; the shared eGFR < 60 rule's
    # repeat in 1 week (2027-03-08); two actions (reduce, repeat): the one-answer rule is cited
    r = mmf(current_dose="3000 mg/day")
    assert (r.action, r.proposed_amount, r.proposed_unit) == ("reduce", 2000.0, "mg/day")
    assert r.proposed_text == "1,000 mg twice daily (2,000 mg/day), down from 3,000 mg/day"
    assert (r.next_check, r.next_check_text) == (DAY + dt.timedelta(days=7), "after the dose change")
    assert [(f.action, f.text) for f in r.reasons] == [("reduce", LOW_EGFR_REDUCE), ("repeat", EGFR_REPEAT)]
    assert "review.action.highest" in ids(r)
    assert r.notes[1] == ("proposed dose 2,000 mg/day: within this patient's own ceiling (1,000-3,000 "
                          f"mg/day; {EGFR}: below 25, at most 2,000 mg/day)")


def test_a_reduction_without_the_current_dose_is_only_flagged_and_repeated() -> None:
    # no current dose: the 2 g/day limit cannot be compared: flag; the repeat wins (repeat > flag)
    r = mmf()
    assert (r.action, r.proposed_amount, r.next_check_text) == ("repeat", None, "repeat the tests")
    assert r.headline == ("mycophenolate mofetil, results of 2027-03-01: Repeat the test by "
                          "2027-03-08")
    assert r.reasons[1].text == (f"{EGFR} is below 25: at most 1 g twice daily (2,000 mg/day); the "
                                 "current dose was not given, so it could not be checked (give "
                                 "current_dose=)")


def test_a_withheld_drug_whose_results_ask_for_a_reduction_stays_withheld() -> None:
    # a restart takes the prescriber's dose, never a computed reduction: withhold, no dose
    r = mmf(current_dose="3000 mg/day", withheld=True)
    assert (r.action, r.proposed_amount, r.proposed_text) == ("withhold", None, "")
    assert (r.reasons[0].action, r.reasons[0].text, r.reasons[0].source) == (
        "withhold", "the drug is withheld and the results ask for a reduction: a restart takes "
        "the prescriber's dose (restart_dose=)", rules.RESTART_RULE)
    assert r.next_check_text == "discuss with the specialist team now; repeat the tests by then"
    assert ids(r)[-3:] == ["review.restart.explicit_dose", "mycophenolate.review.cadence",
                           "review.withhold.repeat"]


def test_a_withheld_drug_with_normal_results_needs_the_prescribers_restart_dose() -> None:
    r = mmf(labs={"wbc": f"6 {U}"}, withheld=True)
    assert lines(r)[:7] == [
        "mycophenolate mofetil, results of 2027-03-01: Withhold and discuss with the specialist team",
        "  proposed dose: none (a restart takes the prescriber's dose)",
        "  next check: 2027-03-08 (discuss with the specialist team now; repeat the tests by then)",
        "  reasons:",
        "    - withhold: the results allow a restart, but the drug is withheld: a restart takes the "
        "prescriber's dose (restart_dose=)",
        f"      {RESTART_GAP}",
        f"    - continue: every result given is within the rules' limits (WBC 6 {U})",
    ]
    assert ids(r) == ["review.counts.bsr_2017", "mycophenolate.review.low_egfr",
                      "review.restart.explicit_dose", "mycophenolate.review.cadence",
                      "review.withhold.repeat"]


def test_a_restart_at_the_prescribers_dose_is_screened_and_proposed() -> None:
    # 2,000 mg/day inside 1,000-3,000 (eGFR 86.2 from the record: CKD-EPI 2021, creatinine 1
    # mg/dL, 60, male); the regular cadence: 2 weeks, 2027-03-15
    r = mmf(labs={"wbc": f"6 {U}"}, withheld=True, restart_dose="2000 mg/day", patient=P)
    assert (r.action, r.proposed_amount, r.proposed_unit) == ("continue", 2000.0, "mg/day")
    assert lines(r)[:6] == [
        "mycophenolate mofetil, results of 2027-03-01: Continue",
        "  proposed dose: 2,000 mg/day (restart at the prescriber's dose)",
        "  next check: 2027-03-15 (the regular cadence, every 2 weeks)",
        "  reasons:",
        "    - continue: restart at the prescriber's dose",
        f"      {RESTART_GAP}",
    ]
    assert r.notes == (
        "restart_dose 2,000 mg/day: within this patient's own ceiling (1,000-3,000 mg/day; eGFR 86.2 "
        "mL/min/1.73 m^2 (CKD-EPI 2021 from the creatinine 1 mg/dL of the patient's record, age 60, "
        "male))",)


def test_restart_dose_without_withheld_and_a_non_boolean_withheld_are_refused() -> None:
    with pytest.raises(InputRangeError) as restart:
        mmf(labs={"wbc": f"6 {U}"}, restart_dose="2000 mg/day")
    assert (str(restart.value), restart.value.field, restart.value.value) == (
        "restart_dose applies to a withheld drug only (pass withheld=True)", "restart_dose",
        "2000 mg/day")
    with pytest.raises(InputRangeError) as flag:
        mmf(labs={"wbc": f"6 {U}"}, withheld=1)
    assert (str(flag.value), flag.value.field, flag.value.value) == (
        "withheld must be True or False; got 1", "withheld", 1)


# --- the patient's own ceiling a current dose is screened against (dosing-rules.md) ------------


def current(drug: str, dose: str, patient: Patient | None = None) -> tuple[str, ...]:
    r = review(drug, Labs(date=DAY, wbc=f"6 {U}"), on=DAY, baseline="1.0 mg/dL",
               current_dose=dose, patient=patient)
    assert r.action == "continue"
    return r.notes


def test_ciclosporin_ceiling_is_2_5_to_5_mg_per_kg_or_only_the_heaviest_weight_without_one() -> None:
    # no weight: 5 mg/kg/day x 350 kg (the heaviest accepted) is all that can be checked
    assert current("ciclosporin", "300 mg/day") == (
        "current_dose 300 mg/day: the patient's own ceiling could not be checked (no weight: only "
        "5 mg/kg/day of the heaviest weight plexodose accepts (350 kg) could be checked; give "
        "patient=)",)
    # 72 kg: 2.5 x 72 = 180 to 5 x 72 = 360 mg/day; 150 is below the range
    assert current("ciclosporin", "150 mg/day", P) == (
        "current_dose 150 mg/day is below this patient's range (from 180 mg/day: 2.5-5 mg/kg/day at "
        "72 kg)",
        "current_dose 150 mg/day: within this patient's own ceiling (2.5-5 mg/kg/day at 72 kg)")


def test_oral_cyclophosphamide_ceiling_follows_the_creatinine_band() -> None:
    assert current("cyclophosphamide oral", "150 mg/day") == (
        "current_dose 150 mg/day: the patient's own ceiling could not be checked (no weight: only "
        "the 200 mg/day maximum could be checked; give patient=)",)
    # creatinine 1 mg/dL = 88.4 umol/L < 250: 1-2 mg/kg/day x 72 kg = 72-144 mg/day; 50 is below
    assert current("cyclophosphamide oral", "50 mg/day", P)[0] == (
        "current_dose 50 mg/day is below this patient's range (from 72 mg/day: 1-2 mg/kg/day at 72 "
        "kg (creatinine < 250 umol/L), at most 200 mg/day)")
    # creatinine 3 mg/dL x 88.4 = 265.2 umol/L: the 250-500 band, 1.75 x 72 = 126 mg/day maximum
    with pytest.raises(DoseRangeError) as above:
        current("cyclophosphamide oral", "150 mg/day", attrs.evolve(P, serum_creatinine=u.quantity(3.0, "mg/dL")))
    assert str(above.value) == (
        "current_dose 150 mg/day is above the cyclophosphamide (oral) maximum of 126 mg/day (1-1.75 "
        "mg/kg/day at 72 kg (creatinine 250-500 umol/L), at most 200 mg/day); an override does not "
        "lift it")


def test_oral_cyclophosphamide_ceiling_without_a_creatinine_says_not_known_once() -> None:
    # no creatinine anywhere: the 2 mg/kg/day band, 2 x 72 = 144 mg/day; 100 mg/day is within
    assert current("cyclophosphamide oral", "100 mg/day", attrs.evolve(P, serum_creatinine=None)) == (
        "current_dose 100 mg/day: within this patient's own ceiling (1-2 mg/kg/day at 72 kg "
        "(creatinine not known), at most 200 mg/day)",)


def test_mycophenolate_and_azathioprine_ceilings_name_their_ranges() -> None:
    # mycophenolate: 2 x 500 mg a dose = 1,000 mg/day is the low end; eGFR 86.2 from the record
    assert current("mycophenolate", "500 mg/day", P)[0] == (
        "current_dose 500 mg/day is below this patient's range (from 1,000 mg/day: 1,000-3,000 "
        "mg/day; eGFR 86.2 mL/min/1.73 m^2 (CKD-EPI 2021 from the creatinine 1 mg/dL of the "
        "patient's record, age 60, male))")
    # azathioprine, both genes normal, 72 kg: 1-2 mg/kg/day = 72-144, under the 150 cap
    assert current("azathioprine", "50 mg/day", P)[0] == (
        "current_dose 50 mg/day is below this patient's range (from 72 mg/day: 1-2 mg/kg/day at 72 "
        "kg with this patient's renal share, 72 mg-150 mg/day)")
    # TPMT intermediate: CPIC 30-80 % of 2 x 72 = 144: 43.2-115.2 mg/day
    assert current("azathioprine", "100 mg/day", attrs.evolve(P, tpmt="intermediate")) == (
        "current_dose 100 mg/day: within this patient's own ceiling (reduced metabolizer: CPIC's "
        "30 %-80 % of the normal dose, 43.2 mg-115.2 mg/day)",)
    # TPMT poor: CPIC's 10-fold reduction three days a week: 72 x 2 / 10 x 3 / 7 = 6.17 mg/day
    with pytest.raises(DoseRangeError) as poor:
        current("azathioprine", "20 mg/day", attrs.evolve(P, tpmt="poor"))
    assert str(poor.value) == (
        "current_dose 20 mg/day: a poor metabolizer has no protocol range (TPMT/NUDT15 poor "
        "metabolizer: CPIC's reduced regimen is 6.17 mg/day on average (10-fold reduction, three "
        "days a week); this dose is 3.24 times it); pass override='reason' to accept it")


# --- a change in weight (dosing-rules.md, "A change in weight") --------------------------------

RECALCULATED_AT_80 = (
    "weight 80 kg differs by 11.1 % from the 72 kg behind the current dose (150 mg/day, "
    "calculated 144 mg/day); 5 % or more asks for a recalculation: new dose 150 mg/day "
    "(recalculated at 80 kg: 2 mg/kg/day, calculated 150 mg/day, capped; current 150 mg/day at "
    "72 kg): the prescriber accepts it")


def test_azathioprine_at_a_new_weight_proposes_the_recalculated_capped_dose() -> None:
    # 72 kg: 2 x 72 = 144 mg/day, three 50 mg tablets = 150; 80 kg: (80 - 72) / 72 = 11.1 % >= 5 %:
    # 2 x 80 = 160 mg/day, capped at the seed's 150 mg/day
    dose = azathioprine(P)
    r = review(dose, Labs(date=DAY, wbc=f"6 {U}"), on=DAY, patient=attrs.evolve(P, weight=u.quantity(80, "kg")))
    assert (r.action, r.proposed_amount, r.proposed_unit) == ("recalculate", 150.0, "mg/day")
    assert r.proposed_text == ("150 mg/day (recalculated at 80 kg: 2 mg/kg/day, calculated 150 "
                               "mg/day, capped; current 150 mg/day at 72 kg): the prescriber accepts it")
    assert (r.reasons[0].action, r.reasons[0].text, r.reasons[0].source.id) == (
        "recalculate", RECALCULATED_AT_80, "review.recalculate.weight_change")
    # the current dose is screened at the weight behind it (72 kg), the new one at 80 kg
    assert r.notes == (
        "current_dose 150 mg/day: within this patient's own ceiling (1-2 mg/kg/day at 72 kg with "
        "this patient's renal share, 72 mg-150 mg/day)",
        "proposed dose 150 mg/day: within this patient's own ceiling (1-2 mg/kg/day at 80 kg with "
        "this patient's renal share, 75 mg-150 mg/day)")


def test_a_withheld_drug_at_a_new_weight_only_shows_the_recalculated_dose_in_the_notes() -> None:
    r = review(azathioprine(P), Labs(date=DAY, wbc=f"6 {U}"), on=DAY, withheld=True,
               patient=attrs.evolve(P, weight=u.quantity(80, "kg")))
    assert (r.action, r.proposed_amount) == ("withhold", None)
    assert r.notes[1] == RECALCULATED_AT_80
    assert [f.action for f in r.reasons] == ["withhold", "continue"]


# --- inputs: each refusal names its field, value and accepted range ----------------------------

DATE_TEXT = 'must be a date such as "2027-01-16" (an ISO string) or datetime.date(2027, 1, 16)'


@pytest.mark.parametrize(("field", "value", "message"), [
    ("stable_since", DAY + dt.timedelta(days=1), "stable_since is after the results"),
    ("potassium_limit", 8.5, "potassium_limit 8.5 is outside the plausible range 4-8 mmol/L"),
    ("potassium_limit", "x", "potassium_limit must be a plain number such as 0.4 (its unit is in "
     "its name); got str 'x'"),
    ("uln_alt", "2000 U/L", "uln_alt 2000 U/L is outside the plausible range 1-1000 U/L"),
    ("uln_ast", "2000 U/L", "uln_ast 2000 U/L is outside the plausible range 1-1000 U/L"),
    ("uncontrolled_hypertension", 1, "uncontrolled_hypertension must be True or False; got 1"),
    ("pressure_reductions", 11, "pressure_reductions must be from 0 to 10; got 11"),
    ("reductions", 11, "reductions must be from 0 to 10; got 11"),
    ("started", "nonsense", f"started {DATE_TEXT}; got 'nonsense'"),
    ("on", "nonsense", f"on {DATE_TEXT}; got 'nonsense'"),
    ("stable_since", "nonsense", f"stable_since {DATE_TEXT}; got 'nonsense'"),
    ("explained", [3], 'explained must be a list of names, such as ["eosinophils"]; got [3]'),
    ("explained", ["platelets"], "explained may name eosinophils or albumin; got ['platelets']"),
    ("thresholds", "x", "thresholds must be 'bsr2017' or 'local'; got 'x'"),
])
def test_a_bad_option_is_refused_naming_field_value_and_range(field: str, value: Any, message: str) -> None:
    options: dict[str, Any] = {"on": DAY, "baseline": "1.0 mg/dL", field: value}
    with pytest.raises(InputRangeError) as caught:
        review("ciclosporin", Labs(date=DAY, wbc=f"6 {U}"), **options)
    assert (str(caught.value), caught.value.field, caught.value.value) == (message, field, value)


def test_a_current_dose_beside_the_calculators_result_is_refused() -> None:
    with pytest.raises(InputRangeError) as caught:
        review(azathioprine(P), Labs(date=DAY, wbc=f"6 {U}"), on=DAY, current_dose="100 mg/day")
    assert (str(caught.value), caught.value.field, caught.value.value) == (
        "give current_dose or a DailyDose as drug, not both", "current_dose", "100 mg/day")


def test_stable_since_and_history_before_the_start_are_refused_on_the_day_before_only() -> None:
    started = DAY - dt.timedelta(days=10)  # 2027-02-19
    with pytest.raises(InputRangeError) as stable:
        review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, started=started,
               stable_since=started - dt.timedelta(days=1))
    assert (str(stable.value), stable.value.field, stable.value.value) == (
        "stable_since 2027-02-18 is before the start 2027-02-19: a dose cannot be stable since "
        "before it was started (rule: 'stable since' cannot precede the start)", "stable_since",
        dt.date(2027, 2, 18))
    # stable since the start day itself: accepted
    assert review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, started=started,
                  stable_since=started).action == "continue"
    earlier = [Labs(date=DAY - dt.timedelta(days=1), wbc=f"5 {U}")]  # 2027-02-28
    with pytest.raises(InputRangeError) as history:
        review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, started=DAY, history=earlier)
    assert (str(history.value), history.value.field, history.value.value) == (
        "history dated 2027-02-28 is before the treatment it reviews (started 2027-03-01); give "
        "pre-treatment results as baseline=", "history", dt.date(2027, 2, 28))
    # history on the start day: accepted
    assert review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY,
                  started=DAY - dt.timedelta(days=1), history=earlier).action == "continue"


def test_a_pulse_review_without_counts_or_a_nadir_is_refused_naming_labs() -> None:
    with pytest.raises(MissingInputError) as caught:
        pulse_review(creatinine="1 mg/dL")
    assert (str(caught.value), caught.value.field) == (
        "a cyclophosphamide IV review needs the pre-pulse wbc or neutrophils, or the nadir: such as "
        'Labs(date=..., wbc="4.5 x10^9/L")', "labs")


def test_the_cut_rule_cites_the_french_neutrophil_rule_and_keeps_wbc_within() -> None:
    # neutrophils 1.2 < 1.5 with neutrophils_rule="cut": 935.41 x 0.75 = 701.56 mg; WBC 5 is within
    r = pulse_review(wbc=f"5 {U}", neutrophils=f"1.2 {U}", neutrophils_rule="cut")
    assert [(f.action, f.text, f.source.id) for f in r.reasons] == [
        ("reduce", "neutrophils 1,200/uL below 1.5 x10^9/L: cut 25 % (701.56 mg), or postpone",
         "cyclophosphamide.iv.french.neutrophils"),
        ("continue", NEXT_PULSE, "cyclophosphamide.iv.michigan.nadir"),
        ("continue", f"judged and within the rules' limits: WBC 5 {U}", "cyclophosphamide.iv.michigan.nadir"),
    ]
    assert r.judgements == (f"WBC 5 {U}: judged by {MICHIGAN}", f"neutrophils 1.2 {U}: judged by {FRENCH}")
