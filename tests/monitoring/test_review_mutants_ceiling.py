"""The patient's own ceiling a dose is screened against (``_ceiling``, ``_own_ceiling``,
``_azathioprine_ceiling``), word for word: issue 19's mutation score.

dosing-rules.md "Screening an order someone else wrote": a current dose is screened on the
patient's record; a restart or proposed dose with the new results' renal function. Oral
cyclophosphamide: 1-2 mg/kg/day by creatinine band, at most 200 mg/day; azathioprine: 1-2
mg/kg/day with the renal share (CrCl 10-50 mL/min: 75 %), a quarter to a third with
allopurinol, CPIC's reduced regimen for a poor metabolizer. Hand-computed values in comments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from plexodose import Labs, Patient, azathioprine, cyclophosphamide_oral, cyclosporin, review
from plexodose._core import units as u
from plexodose._core.errors import DoseRangeError

P = Patient.example()  # 72 kg, 175 cm, 60, male, creatinine 1 mg/dL, TPMT/NUDT15 normal
DAY = dt.date(2027, 3, 1)
U = "x10^9/L"


def restart(drug: str, dose: str, creatinine: str, baseline: str, **options: Any) -> Any:
    labs = Labs(date=DAY, wbc=f"6 {U}", creatinine=creatinine)
    return review(drug, labs, on=DAY, patient=P, withheld=True, restart_dose=dose,
                  baseline=baseline, **options)


def test_oral_cyclophosphamide_at_120_kg_stops_at_200_mg_per_day() -> None:
    # 2 mg/kg/day x 120 kg = 240 mg/day, above the 200 mg/day maximum: 200 is the ceiling
    heavy = attrs.evolve(P, weight=u.quantity(120, "kg"))
    with pytest.raises(DoseRangeError) as caught:
        review("cyclophosphamide oral", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, patient=heavy,
               current_dose="210 mg/day")
    assert (str(caught.value), caught.value.field, caught.value.value) == (
        "current_dose 210 mg/day is above the cyclophosphamide (oral) maximum of 200 mg/day (1-2 "
        "mg/kg/day at 120 kg (creatinine < 250 umol/L), at most 200 mg/day); an override does not "
        "lift it", "current_dose", 210.0)


def test_an_oral_cyclophosphamide_restart_answers_to_the_new_creatinine_band() -> None:
    # new creatinine 3 mg/dL x 88.4 = 265.2 umol/L: the 250-500 band, 1.75 x 72 = 126 mg/day
    # (the record's 1 mg/dL would allow 2 x 72 = 144: 140 would pass there)
    with pytest.raises(DoseRangeError) as caught:
        restart("cyclophosphamide oral", "140 mg/day", "3 mg/dL", "1 mg/dL")
    assert (str(caught.value), caught.value.field, caught.value.value) == (
        "restart_dose 140 mg/day is above the cyclophosphamide (oral) maximum of 126 mg/day (1-1.75 "
        "mg/kg/day at 72 kg (creatinine 250-500 umol/L), at most 200 mg/day); an override does not "
        "lift it", "restart_dose", 140.0)
    r = restart("cyclophosphamide oral", "125 mg/day", "3 mg/dL", "1 mg/dL")
    assert (r.action, r.proposed_amount) == ("flag", 125.0)
    assert r.notes == ("restart_dose 125 mg/day: within this patient's own ceiling (1-1.75 "
                       "mg/kg/day at 72 kg (creatinine 250-500 umol/L), at most 200 mg/day)",)


def test_an_azathioprine_restart_answers_to_the_new_creatinines_renal_share() -> None:
    # new creatinine 2 mg/dL: Cockcroft-Gault (140 - 60) x 70.46 kg ideal / (72 x 2) = 39.1
    # mL/min, 10-50: 75 %: 2 x 72 x 0.75 = 108 mg/day at the top (the record's 1 mg/dL: 144)
    r = restart("azathioprine", "100 mg/day", "2 mg/dL", "1.8 mg/dL")
    assert (r.action, r.proposed_amount) == ("continue", 100.0)
    assert r.notes == ("restart_dose 100 mg/day: within this patient's own ceiling (1-2 mg/kg/day at "
                       "72 kg with this patient's renal share, 50 mg-108 mg/day)",)
    with pytest.raises(DoseRangeError) as caught:
        restart("azathioprine", "120 mg/day", "2 mg/dL", "1.8 mg/dL")
    assert str(caught.value) == (
        "restart_dose 120 mg/day: above this patient's own range (up to 108 mg/day: 1-2 mg/kg/day "
        "at 72 kg with this patient's renal share, 50 mg-108 mg/day); pass override='reason' to "
        "accept it")
    # the override accepts it: 120 is under the 150 mg/day cap
    accepted = restart("azathioprine", "120 mg/day", "2 mg/dL", "1.8 mg/dL", override="specialist")
    assert accepted.proposed_amount == 120.0


def test_a_poor_metabolizer_on_allopurinol_is_screened_against_the_reduced_regimen_with_it() -> None:
    # CPIC poor: 10-fold reduction three days a week of N = 2 x 72 = 144, a quarter with
    # allopurinol: 144 / 4 / 10 x 3 / 7 = 1.54 mg/day on average; 5 mg/day is 3.24 times it
    poor = attrs.evolve(P, tpmt="poor")
    with pytest.raises(DoseRangeError) as caught:
        review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, patient=poor,
               current_dose="5 mg/day", allopurinol=True)
    assert str(caught.value) == (
        "current_dose 5 mg/day: a poor metabolizer has no protocol range (TPMT/NUDT15 poor "
        "metabolizer: CPIC's reduced regimen is 1.54 mg/day on average (10-fold reduction, three "
        "days a week); this dose is 3.24 times it); pass override='reason' to accept it")


def test_an_azathioprine_genotype_not_known_is_named_in_the_ceiling() -> None:
    r = review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY,
               patient=attrs.evolve(P, tpmt=None), current_dose="100 mg/day")
    assert r.notes == ("current_dose 100 mg/day: within this patient's own ceiling (1-2 mg/kg/day at "
                       "72 kg with this patient's renal share, 72 mg-150 mg/day; TPMT/NUDT15 not "
                       "known)",)


POOR = attrs.evolve(P, tpmt="poor")
POOR_REGIMEN = ("TPMT/NUDT15 poor metabolizer: CPIC's reduced regimen is 6.17 mg/day on average "
                "(10-fold reduction, three days a week)")  # 2 x 72 / 10 x 3 / 7 = 6.17 mg/day


def test_a_poor_metabolizers_own_regimen_reviewed_on_override_is_accepted_and_cited() -> None:
    # the calculator's poor-metabolizer regimen is not rounded to tablets (no dispensed amount):
    # 14.4 mg on 3 days a week = 14.4 x 3 / 7 = 6.17 mg/day, 1 times CPIC's regimen
    regimen = azathioprine(POOR, override="specialist agreed")
    r = review(regimen, Labs(date=DAY, wbc=f"6 {U}"), on=DAY, patient=POOR, override="specialist agreed")
    assert r.action == "continue"
    assert r.notes == (
        f"current_dose 6.17 mg/day: a poor metabolizer has no protocol range ({POOR_REGIMEN}; the "
        "result's own limits; this dose is 1 times it); accepted on override: specialist agreed",)
    assert [s.id for s in r.sources] == [
        "review.screening.dose", "azathioprine.seed.regimen", "azathioprine.genotype.cpic",
        "azathioprine.renal.crcl", "review.counts.bsr_2017", "azathioprine.review.cadence"]


def test_a_poor_metabolizer_on_override_is_still_refused_above_150_mg() -> None:
    with pytest.raises(DoseRangeError) as caught:
        review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, patient=POOR,
               override="specialist agreed", current_dose="200 mg/day")
    assert (str(caught.value), caught.value.field, caught.value.value) == (
        f"current_dose 200 mg/day is above the azathioprine maximum of 150 mg/day ({POOR_REGIMEN}); "
        "an override does not lift it", "current_dose", 200.0)


def test_azathioprine_without_a_patient_cites_only_the_seed_maximum() -> None:
    r = review("azathioprine", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, current_dose="100 mg/day")
    assert [s.id for s in r.sources] == ["review.screening.dose", "azathioprine.seed.regimen",
                                         "review.counts.bsr_2017", "azathioprine.review.cadence"]


MMF_RANGE = "1,000-3,000 mg/day"  # 2 x 500 mg a dose to 3 g/day (mycophenolate titration)
NOT_KNOWN = (f"{MMF_RANGE}; renal function not known, so the eGFR < 25 limit of 2,000 mg/day is "
             "not checked")


def mmf_current(dose: str, patient: Patient | None = None, **labs: str) -> Any:
    return review("mycophenolate", Labs(date=DAY, wbc=f"6 {U}", **labs), on=DAY, baseline="1.8 mg/dL",
                  current_dose=dose, patient=patient)


def test_a_current_dose_is_screened_on_the_records_egfr_not_the_new_creatinines() -> None:
    # new creatinine 2 mg/dL; the current dose was set on the record's 1 mg/dL: CKD-EPI 2021
    # (60, male) 86.2 mL/min/1.73 m^2
    r = mmf_current("2500 mg/day", P, creatinine="2 mg/dL")
    # the creatinine is read by two rules: both are named
    assert r.judgements[1] == (
        "creatinine 2 mg/dL: judged by [guideline] BSR/BHPR 2017 guideline for non-biologic "
        "DMARDs, as restated by the NHS Specialist Pharmacy Service monitoring pages; [label] "
        "mycophenolate mofetil prescribing information (via secondary summary)")
    assert r.notes == (
        f"current_dose 2,500 mg/day: within this patient's own ceiling ({MMF_RANGE}; eGFR 86.2 "
        "mL/min/1.73 m^2 (CKD-EPI 2021 from the creatinine 1 mg/dL of the patient's record, age "
        "60, male))",)


def test_mycophenolate_without_renal_function_is_checked_against_3_g_only() -> None:
    r = mmf_current("2500 mg/day")
    assert r.notes[0] == (f"current_dose 2,500 mg/day: the patient's own ceiling could not be "
                          f"checked ({NOT_KNOWN})")
    assert [s.id for s in r.sources] == ["review.screening.dose", "mycophenolate.titration.etg",
                                         "mycophenolate.review.low_egfr", "review.counts.bsr_2017",
                                         "mycophenolate.review.cadence"]
    with pytest.raises(DoseRangeError) as caught:
        mmf_current("3500 mg/day")
    assert str(caught.value) == (
        "current_dose 3,500 mg/day is above the mycophenolate mofetil maximum of 3,000 mg/day "
        f"({NOT_KNOWN}); an override does not lift it")


def test_a_measured_egfr_is_named_to_one_decimal() -> None:
    # measured 20.25 < 25: 3,000 mg/day reduced to 2,000; the ceiling names "eGFR 20.2"
    r = review("mycophenolate", Labs(date=DAY, egfr="20.25 mL/min/1.73m2"), on=DAY,
               current_dose="3000 mg/day", baseline="1 mg/dL")
    assert (r.action, r.proposed_amount) == ("reduce", 2000.0)
    assert r.notes[-1] == (f"proposed dose 2,000 mg/day: within this patient's own ceiling "
                           f"({MMF_RANGE}; eGFR 20.2 mL/min/1.73 m^2: below 25, at most 2,000 mg/day)")


@pytest.mark.parametrize("missing", ["sex", "age"])
def test_without_age_or_sex_the_egfr_is_not_computed(missing: str) -> None:
    r = mmf_current("2500 mg/day", attrs.evolve(P, **{missing: None}))
    assert r.notes[0] == (f"current_dose 2,500 mg/day: the patient's own ceiling could not be "
                          f"checked ({NOT_KNOWN})")


@pytest.mark.parametrize(("change", "egfr", "creatinine", "who"), [
    # CKD-EPI 2021 from 1 mg/dL: 18, male (an adult from 18): 111.9
    ({"age": 18}, "111.9", "1", "age 18, male"),
    # 60, female: 64.5
    ({"sex": "female"}, "64.5", "1", "age 60, female"),
    # 88 umol/L / 88.4 = 0.995 mg/dL, named to 3 decimals: 86.6
    ({"serum_creatinine": u.quantity(88, "umol/L")}, "86.6", "0.995", "age 60, male"),
])
def test_the_records_egfr_names_its_creatinine_age_and_sex(
    change: dict[str, Any], egfr: str, creatinine: str, who: str
) -> None:
    r = mmf_current("2500 mg/day", attrs.evolve(P, **change))
    assert r.notes == (
        f"current_dose 2,500 mg/day: within this patient's own ceiling ({MMF_RANGE}; eGFR {egfr} "
        f"mL/min/1.73 m^2 (CKD-EPI 2021 from the creatinine {creatinine} mg/dL of the patient's "
        f"record, {who}))",)


def test_a_restart_above_the_results_own_cap_is_refused() -> None:
    # ciclosporin made at 72 kg caps at 5 x 72 = 360 mg/day; at 74 kg the patient's 370 is
    # higher, so 365 mg/day is above the result's own 360
    with pytest.raises(DoseRangeError) as caught:
        review(cyclosporin(P), Labs(date=DAY, wbc=f"6 {U}"), on=DAY, baseline="1 mg/dL",
               patient=attrs.evolve(P, weight=u.quantity(74, "kg")), withheld=True,
               restart_dose="365 mg/day")
    assert str(caught.value) == (
        "restart_dose 365 mg/day is above the ciclosporin maximum of 360 mg/day (2.5-5 mg/kg/day at "
        "74 kg; the result's own limits); an override does not lift it")


def test_a_recalculated_dose_is_screened_with_the_new_creatinines_band() -> None:
    # 86 kg: (86 - 72) / 72 = 19.4 %: 2 x 86 = 172 mg/day, tablets rounded down to 150; the new
    # creatinine 3 mg/dL x 88.4 = 265 umol/L: 1.75 x 86 = 150.5 mg/day, and 150 is within it
    r = review(cyclophosphamide_oral(P), Labs(date=DAY, wbc=f"6 {U}", creatinine="3 mg/dL"), on=DAY,
               baseline="1 mg/dL", patient=attrs.evolve(P, weight=u.quantity(86, "kg")))
    assert (r.action, r.proposed_amount) == ("recalculate", 150.0)
    assert r.notes[-1] == ("proposed dose 150 mg/day: within this patient's own ceiling (1-1.75 "
                           "mg/kg/day at 86 kg (creatinine 250-500 umol/L), at most 200 mg/day)")


def test_a_stale_set_names_each_result_in_words() -> None:
    # ciclosporin every 14 days at first: a set 30 days old is repeated; blood_pressure is named
    # "blood pressure"
    r = review("ciclosporin", Labs(date=DAY - dt.timedelta(days=30), wbc=f"6 {U}",
                                   blood_pressure="130/80 mmHg"), on=DAY)
    assert (r.action, r.next_check) == ("repeat", DAY)
    assert r.reasons[0].text == (
        "WBC, blood pressure dated 2027-01-30 are 30 days old on 2027-03-01, older than the test "
        "interval of 14 days: repeat before deciding (an old result cannot support continue)")


def screened(drug: str, dose: str, patient: Patient | None = None) -> Any:
    return review(drug, Labs(date=DAY, wbc=f"6 {U}"), on=DAY, current_dose=dose, patient=patient)


def test_oral_cyclophosphamide_without_a_weight_is_checked_against_200_mg_only() -> None:
    r = screened("cyclophosphamide oral", "150 mg/day")
    assert [s.id for s in r.sources] == [
        "review.screening.dose", "cyclophosphamide.oral.limit.daily",
        "cyclophosphamide.oral.review.counts", "cyclophosphamide.oral.review.cadence"]
    with pytest.raises(DoseRangeError) as caught:
        screened("cyclophosphamide oral", "250 mg/day")
    assert str(caught.value) == (
        "current_dose 250 mg/day is above the cyclophosphamide (oral) maximum of 200 mg/day (no "
        "weight: only the 200 mg/day maximum could be checked; give patient=); an override does "
        "not lift it")


def test_oral_cyclophosphamide_with_a_weight_cites_the_seed_and_the_renal_bands() -> None:
    r = screened("cyclophosphamide oral", "100 mg/day", P)
    assert [s.id for s in r.sources] == [
        "review.screening.dose", "cyclophosphamide.seed.regimen", "cyclophosphamide.oral.renal",
        "cyclophosphamide.oral.limit.daily", "cyclophosphamide.oral.review.counts",
        "cyclophosphamide.oral.review.cadence"]


def test_a_creatinine_just_under_250_umol_keeps_the_full_oral_band() -> None:
    # 249.6 umol/L < 250: 2 mg/kg/day (not rounded up into the 250-500 band)
    r = screened("cyclophosphamide oral", "100 mg/day",
                 attrs.evolve(P, serum_creatinine=u.quantity(249.6, "umol/L")))
    assert r.notes == ("current_dose 100 mg/day: within this patient's own ceiling (1-2 mg/kg/day at "
                       "72 kg (creatinine < 250 umol/L), at most 200 mg/day)",)


def test_ciclosporin_ceiling_cites_the_seed_with_a_weight_and_refuses_above_5_mg_per_kg() -> None:
    without = screened("ciclosporin", "300 mg/day")
    assert [s.id for s in without.sources] == [
        "review.screening.dose", "dosing.limit.seed_ceiling", "review.counts.bsr_2017",
        "ciclosporin.label.dose", "ciclosporin.review.cadence"]
    weighed = screened("ciclosporin", "300 mg/day", P)
    assert [s.id for s in weighed.sources] == [
        "review.screening.dose", "ciclosporin.seed.regimen", "dosing.limit.seed_ceiling",
        "review.counts.bsr_2017", "ciclosporin.label.dose", "ciclosporin.review.cadence"]
    # 5 x 72 = 360 mg/day is the absolute ceiling: 400 is refused, an override cannot lift it
    with pytest.raises(DoseRangeError) as caught:
        screened("ciclosporin", "400 mg/day", P)
    assert str(caught.value) == (
        "current_dose 400 mg/day is above the ciclosporin maximum of 360 mg/day (2.5-5 mg/kg/day "
        "at 72 kg); an override does not lift it")


def test_a_proposed_dose_answers_to_an_older_sets_egfr_when_the_latest_has_none() -> None:
    # the latest set has no renal result; eGFR 20 of 2027-02-24 is the latest: below 25, so
    # 3,000 mg/day is reduced to 2,000 and screened against the 2,000 mg/day limit
    r = review("mycophenolate", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, current_dose="3000 mg/day",
               baseline="1 mg/dL", history=[Labs(date=DAY - dt.timedelta(days=5), egfr="20 mL/min/1.73m2")])
    assert (r.action, r.proposed_amount) == ("reduce", 2000.0)
    assert r.notes[-1] == (f"proposed dose 2,000 mg/day: within this patient's own ceiling ({MMF_RANGE}; "
                           "eGFR 20 mL/min/1.73 m^2 (the results of 2027-02-24): below 25, at most "
                           "2,000 mg/day)")


def test_a_restart_answers_to_an_older_sets_creatinine_when_the_latest_has_none() -> None:
    # the latest set has counts only; creatinine 3 mg/dL of 2027-02-26 is the latest: 265 umol/L,
    # the 250-500 band: 1.75 x 72 = 126 mg/day (the record's 1 mg/dL would allow 144)
    with pytest.raises(DoseRangeError) as caught:
        review("cyclophosphamide oral", Labs(date=DAY, wbc=f"6 {U}"), on=DAY, patient=P,
               withheld=True, restart_dose="140 mg/day", baseline="1 mg/dL",
               history=[Labs(date=DAY - dt.timedelta(days=3), creatinine="3 mg/dL")])
    assert str(caught.value) == (
        "restart_dose 140 mg/day is above the cyclophosphamide (oral) maximum of 126 mg/day (1-1.75 "
        "mg/kg/day at 72 kg (creatinine 250-500 umol/L), at most 200 mg/day); an override does not "
        "lift it")
