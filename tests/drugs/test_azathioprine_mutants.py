"""Azathioprine: killers for the mutants that survived the 2026-12-07 re-measurement (issue 19):
the CPIC reduction applied once to N in whole 25 mg tablets, at the edges of the patient's
reduced range, and the texts of its refusals and overrides.

N = 2 mg/kg/day x actual weight, at most 150 mg/day; one gene intermediate: 30-80 % of N, both
genes 20-50 %; allopurinol one quarter to one third (dosing-rules.md, Azathioprine).
"""

from __future__ import annotations

import pytest

import plexodose._core.sources as src
from plexodose import ContraindicationError, Patient, azathioprine
from plexodose._dosing.guard import Limit

ONE = {"tpmt": "intermediate", "nudt15": "normal"}
BOTH = {"tpmt": "intermediate", "nudt15": "intermediate"}


def test_reduced_twice_daily_is_whole_25_mg_tablets_a_dose() -> None:
    # 60 kg: N 120 mg; 30 % = 36 mg up to 80 % = 96 mg; two doses a day of whole 25 mg tablets
    # go in steps of 50 mg a day: 50 mg daily (25 mg twice), not 37.5
    r = azathioprine(Patient(weight="60 kg", **ONE), doses_per_day=2)
    assert r.daily_dose_mg == 50.0
    assert r.dispensed is not None and r.dispensed.amount == 25.0


def test_reduced_low_end_exactly_a_multiple_of_25_is_given_as_it_is() -> None:
    # 50 kg: N 100 mg; 50 % of N = 50 mg exactly: 50 mg, not the next tablet up (75 mg)
    r = azathioprine(Patient(weight="50 kg", **ONE), genotype_fraction=0.5)
    assert r.daily_dose_mg == 50.0


def test_reduced_amount_equal_to_the_range_upper_end_is_inside_it() -> None:
    # 50 kg, both genes, 45 %: N 100 mg; 45 mg up to 50 % = 50 mg; 50 mg is "at most 50 % of
    # N": given, not refused
    r = azathioprine(Patient(weight="50 kg", **BOTH), genotype_fraction=0.45)
    assert r.daily_dose_mg == 50.0
    # the range's upper end is the result's own limit (dosing-rules.md, screening)
    assert r.limits[-1] == Limit("upper end of the patient's reduced range", 50.0, "day",
                                 src.CPIC_REDUCED_TABLETS)


def test_reduced_range_with_allopurinol_is_written_with_both_shares() -> None:
    # dosing-rules.md example: 72 kg, TPMT intermediate with allopurinol: 0.30 x 0.25 = 0.075
    # of 144 = 10.8 mg, up to 0.80 x 1/3 = 0.2667 of 144 = 38.4 mg -> 25 mg daily
    r = azathioprine(Patient(weight="72 kg", **ONE), allopurinol=True)
    assert r.daily_dose_mg == 25.0
    assert ("reduced range: N 144 mg x 0.075 = 10.8 mg up to x 0.2667 = 38.4 mg per day"
            in r.steps)


def test_reduced_range_without_a_tablet_refusal_names_the_fraction() -> None:
    # 40 kg, both genes, allopurinol: N 80; 0.2 x 0.25 x 80 = 4 up to 0.5 x 1/3 x 80 = 13.33 mg
    p = Patient(weight="40 kg", **BOTH)
    with pytest.raises(ContraindicationError) as caught:
        azathioprine(p, allopurinol=True)
    assert (caught.value.field, caught.value.value) == ("genotype_fraction", 0.2)
    over = azathioprine(p, allopurinol=True, override="why")
    assert over.daily_dose_mg == 25.0
    assert over.warnings[-1] == ("25 mg daily, outside the reduced range 4-13.33 mg/day (no whole "
                                 "multiple of 25 mg inside it), on override: why")


def test_genotype_fraction_without_a_known_genotype_is_refused_by_name() -> None:
    with pytest.raises(ContraindicationError) as caught:
        azathioprine(Patient(weight="72 kg"), genotype_fraction=0.5)
    assert str(caught.value) == ("genotype_fraction applies to reduced metabolizers only; this "
                                 "patient's TPMT/NUDT15 status is not known")
    with pytest.raises(ContraindicationError) as normal:
        azathioprine(Patient(weight="72 kg", tpmt="normal", nudt15="normal"),
                     genotype_fraction=0.5)
    assert str(normal.value).endswith("status calls for the normal dose")


def test_reduced_a_below_range_request_under_the_reduced_amount_is_given_as_asked() -> None:
    # 50 kg: N 100; 30 % = 30 mg -> 50 mg. 0.5 mg/kg/day x 50 = 25 mg is below the seed range
    # (computed with a warning) and below 50 mg: given as asked, no genotype reduction on it
    r = azathioprine(Patient(weight="50 kg", **ONE), mg_per_kg_day=0.5)
    assert r.daily_dose_mg == 25.0
    assert ("label titration step 25 mg/day is below the reduced amount of 50 mg/day: given as "
            "a step, with no genotype reduction") in r.steps


def test_reduced_a_step_equal_to_the_reduced_amount_is_the_reduced_amount() -> None:
    # 50 kg: 1 mg/kg/day x 50 = 50 mg, the reduced amount itself (50 mg = 50 % of N 100)
    r = azathioprine(Patient(weight="50 kg", **ONE), mg_per_kg_day=1)
    assert r.daily_dose_mg == 50.0
    assert ("50 mg daily from day 1 (50 % of N); hold at least 4 weeks, then adjust by blood "
            "counts") in r.steps


def test_poor_metabolizer_override_cites_the_malignancy_regimen_before_allopurinol() -> None:
    # N 144 / 10 = 14.4 mg x 0.25 (allopurinol) = 3.6 mg on 3 days a week: 3.6 x 3 / 7 a day
    r = azathioprine(Patient(weight="72 kg", tpmt="poor", nudt15="normal"), allopurinol=True,
                     override="why")
    assert r.daily_dose_mg == pytest.approx(3.6 * 3 / 7)
    assert r.sources[:4] == (src.SEED_AZATHIOPRINE, src.CPIC_THIOPURINES,
                             src.CPIC_POOR_MALIGNANCY, src.AZATHIOPRINE_LABEL)


def test_genotype_fraction_below_cpic_range_is_computed_with_a_warning() -> None:
    # below a range is a warning, never a refusal (dosing-rules.md, limits vocabulary):
    # 72 kg, 20 % of N 144 = 28.8 mg -> 50 mg daily (the smallest multiple of 25 mg above it)
    r = azathioprine(Patient(weight="72 kg", **ONE), genotype_fraction=0.2)
    assert r.daily_dose_mg == 50.0
    assert r.warnings[0] == (f"genotype_fraction 0.2 is below the protocol range 0.3-0.8 "
                             f"({src.CPIC_THIOPURINES}): computed as asked")


def test_renal_share_lowers_the_upper_end_of_the_patient_s_range() -> None:
    # male 80 y, 175 cm (IBW 70.465 kg, the lower weight), creatinine 1.5 mg/dL:
    # CrCl (140 - 80) x 70.465 / (72 x 1.5) = 39.1 mL/min, 10-50 -> 75 % [secondary];
    # 144 x 0.75 = 108 mg, and the range's upper end 2 x 72 x 0.75 = 108 mg/day
    r = azathioprine(Patient(weight="72 kg", height="175 cm", sex="male", age=80,
                             serum_creatinine="1.5 mg/dL", tpmt="normal", nudt15="normal"))
    assert r.daily_dose_mg == pytest.approx(108.0)
    assert "after adjustments (x 0.75): 108 mg per dosing day" in r.steps
    assert r.limits[-1] == Limit("upper end of the patient's reduced range", pytest.approx(108.0),
                                 "day", src.AZATHIOPRINE_LABEL)


def test_poor_metabolizer_override_derivation_names_the_borrowed_regimen() -> None:
    # N 144 mg / 10 = 14.4 mg on 3 days a week (CPIC, malignant conditions)
    r = azathioprine(Patient(weight="72 kg", tpmt="poor", nudt15="normal"), override="why")
    assert r.steps[1] == ("poor metabolizer, on override: CPIC's regimen for MALIGNANT "
                          "conditions, borrowed: N 144 mg / 10 = 14.4 mg on 3 days a week")
    assert r.sources[2] == src.CPIC_POOR_MALIGNANCY
    # N / 10 = 14.4 mg is not a whole 25 mg tablet: never rounded up, the form is asked for
    assert r.dispensed is None
    assert r.warnings[-1] == (
        "14.4 mg three times a week is not rounded up to tablets: prescribe the form (for "
        "example an oral liquid); this regimen is CPIC's for malignant conditions, Allow 4-6 "
        "weeks to reach steady state")


def test_a_label_step_below_the_reduced_amount_with_allopurinol_is_given_as_asked() -> None:
    # TPMT intermediate, 72 kg, allopurinol: the CPIC amount is 25 mg (N 144 x 0.3 x 1/4 = 10.8
    # mg, up to 144 x 0.8 x 1/3 = 38.4 mg); the label step 1 mg/kg/day x 72 kg x 1/4 = 18 mg is
    # below it: given as the step asked, no tablet makes it, so the form is asked for (judged
    # and kept: docs/mutation.md); never the 288 mg a division would give
    r = azathioprine(Patient(weight="72 kg", height="175 cm", sex="male", age=60,
                             serum_creatinine="1 mg/dL", **ONE), allopurinol=True,
                     mg_per_kg_day=1)
    assert r.daily_dose_mg == pytest.approx(18.0)
    assert ("label titration step 18 mg/day is below the reduced amount of 25 mg/day: given as "
            "a step, with no genotype reduction") in r.steps
    assert r.dispensed is None
    assert r.warnings[-1] == ("18 mg cannot be made from azathioprine tablets (50, 25 mg): "
                              "dispense another form")
