"""Ciclosporin: the seed's start and maintenance doses, the creatinine-rise rule, the label's
maximum and renal contraindication, rounding at the ceiling."""

from __future__ import annotations

import pytest
from hand_computed import approx, steps

import plexodose._core.sources as src
from plexodose import (
    ContraindicationError,
    DoseRangeError,
    Patient,
    ciclosporin,
    cyclosporin,
)

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


def test_ciclosporin_start_dose() -> None:
    r = cyclosporin(Patient.example())
    # 5 mg/kg x 72 kg = 360 mg/day = 180 mg twice daily; capsules 100 + 50 + 25 = 175 mg
    assert r.daily_dose.m_as("mg/day") == pytest.approx(360.0)
    assert r.per_dose.m_as("mg") == pytest.approx(180.0)
    assert r.doses_per_day == 2
    assert r.dispensed is not None and r.dispensed.amount == 175.0
    assert any("4 mg/kg/day maximum" in w for w in r.warnings)
    assert ciclosporin is cyclosporin


def test_ciclosporin_maintenance_has_no_label_warning() -> None:
    r = cyclosporin(Patient.example(), mg_per_kg_day=3)
    assert r.daily_dose.m_as("mg/day") == pytest.approx(216.0)  # 3 x 72
    assert r.dispensed is not None and r.dispensed.amount == 100.0  # 108 -> nearest 25
    assert not any("4 mg/kg/day maximum" in w for w in r.warnings)


@pytest.mark.parametrize(
    ("creatinine", "expected"),
    [
        ("1.3 mg/dL", 360 * 0.5),  # +30 % >= 25 %: reduce by 50 %
        ("1.25 mg/dL", 360 * 0.5),  # exactly +25 %
        ("1.2 mg/dL", 360.0),  # +20 %: unchanged
    ],
)
def test_ciclosporin_creatinine_rise_at_25_percent(creatinine: str, expected: float) -> None:
    p = Patient(weight="72 kg", serum_creatinine=creatinine, baseline_creatinine="1 mg/dL")
    assert cyclosporin(p).daily_dose.m_as("mg/day") == pytest.approx(expected)


def test_ciclosporin_rise_rule_settings() -> None:
    p = Patient(weight="72 kg", serum_creatinine="1.3 mg/dL", baseline_creatinine="1 mg/dL")
    r = cyclosporin(p, creatinine_rise_reduction=0.25)
    assert r.daily_dose.m_as("mg/day") == pytest.approx(270.0)  # 360 x 0.75
    with pytest.raises(DoseRangeError, match="creatinine_rise_reduction"):
        cyclosporin(p, creatinine_rise_reduction=0.1)


def test_ciclosporin_range() -> None:
    with pytest.raises(DoseRangeError, match="mg_per_kg_day"):
        cyclosporin(Patient.example(), mg_per_kg_day=6)
    # Below the range: computed with a warning (2026-12-07): 2 x 72 = 144 mg/day
    low = cyclosporin(Patient.example(), mg_per_kg_day=2)
    assert low.daily_dose_mg == 144 and "below the protocol range" in low.warnings[0]


def test_ciclosporin_example_derivation():
    """Mutation killer (docs/mutation.md): the example patient's ciclosporin derivation and warnings
    word for word, with its dispensing and sources."""
    r = ciclosporin(EX)
    # 5 x 72 = 360 mg/day; 180 mg a dose -> nearest 25 mg = 175 (100 + 50 + 25)
    assert steps(r) == [
        "eGFR (CKD-EPI 2021): 86.2 mL/min/1.73 m2",  # at least 60: ciclosporin may start (label)
        "5 mg/kg/day: the seed's starting dose",
        "5 mg/kg/day x 72 kg (actual weight) = 360 mg/day, in two doses",
        "dispensed per dose: 175 mg (ciclosporin capsules, rounded to the nearest; -5 mg)",
        # the corrected reference has one calendar and no weekly blood pressure
        "monitor creatinine every 2 weeks for the first 3 months, then monthly (label); blood "
        "pressure, FBC, LFTs, albumin and glucose with it: the calendar of plan() and schedule()",
    ]
    assert r.warnings == (
        "5 mg/kg/day is above the US label's 4 mg/kg/day maximum (the label starts at 2.5 "
        "mg/kg/day); the seed's start is higher",
        "baseline and current creatinine are both needed to apply the creatinine-rise rule")
    assert r.daily_dose_mg == 360 and r.per_dose_mg == 180 and r.doses_per_day == 2
    assert r.dispensed.units == ((100.0, 1), (50.0, 1), (25.0, 1))
    assert r.sources == (src.SEED_CICLOSPORIN, src.CKD_EPI_2021, src.CICLOSPORIN_LABEL)


@pytest.mark.parametrize(("rate", "phase"), [
    (2.5, "2.5 mg/kg/day: maintenance (2.5-3 mg/kg/day)"),
    (3, "3 mg/kg/day: maintenance (2.5-3 mg/kg/day)"),
    (3.5, "3.5 mg/kg/day: between the seed's start and maintenance doses"),
    (4, "4 mg/kg/day: between the seed's start and maintenance doses"),
    (4.5, "4.5 mg/kg/day: between the seed's start and maintenance doses"),
])
def test_ciclosporin_phases_and_label_maximum(rate, phase):
    """Mutation killer (docs/mutation.md): the phase named for each rate, and the US label's 4
    mg/kg/day warning only above it."""
    r = ciclosporin(Patient(weight="50 kg"), mg_per_kg_day=rate)
    assert steps(r)[0] == phase
    assert r.daily_dose_mg == approx(rate * 50)
    above_label = any("above the US label's 4 mg/kg/day" in w for w in r.warnings)
    assert above_label == (rate > 4)


def test_ciclosporin_creatinine_rise():
    """Mutation killer (docs/mutation.md): the creatinine-rise rule at its threshold, with another
    threshold and cut, and a fall, each shown in the derivation."""
    p = Patient(weight="80 kg", serum_creatinine="1.25 mg/dL", baseline_creatinine="1 mg/dL")
    r = ciclosporin(p, mg_per_kg_day=3)  # rise 1.25 / 1 - 1 = 25 % >= 25 %: cut 50 %
    assert r.daily_dose_mg == approx(120.0)  # 3 x 80 x 0.5
    assert "creatinine 1.25 mg/dL vs baseline 1 mg/dL: +25 %" in steps(r)
    assert "reduced: 240 mg/day x 0.5 = 120 mg/day" in steps(r)  # the derivation shows the cut
    assert ("creatinine has risen 25 % (at least 25 %) above baseline: dose reduced by 50 %"
            in r.warnings)
    assert src.RANGE_LOW_END_GAP in r.sources
    ra = ciclosporin(p, mg_per_kg_day=2.5, creatinine_rise_threshold=0.3,
                     creatinine_rise_reduction=0.25)  # RA threshold 30 %: 25 % is below it
    assert ra.daily_dose_mg == approx(200.0)
    assert not any("risen" in w for w in ra.warnings)
    cut25 = ciclosporin(Patient(weight="80 kg", serum_creatinine="1.3 mg/dL",
                                baseline_creatinine="1 mg/dL"), mg_per_kg_day=2.5,
                        creatinine_rise_threshold=0.3, creatinine_rise_reduction=0.25)
    assert cut25.daily_dose_mg == approx(150.0)  # rise 30 %: 2.5 x 80 x 0.75
    fall = ciclosporin(Patient(weight="80 kg", serum_creatinine="0.8 mg/dL",
                               baseline_creatinine="1 mg/dL"), mg_per_kg_day=2.5)
    assert fall.daily_dose_mg == approx(200.0)
    assert "creatinine 0.8 mg/dL vs baseline 1 mg/dL: -20 %" in steps(fall)


def test_ciclosporin_override_paths():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing):
    ciclosporin's override warnings word for word, the hard limit, and the creatinine rise
    computed as a ratio."""
    p = Patient(weight="50 kg")
    r = ciclosporin(p, mg_per_kg_day=2, creatinine_rise_threshold=0.2,
                    creatinine_rise_reduction=0.6, override="transplant team")
    assert r.daily_dose_mg == 100 and r.override == "transplant team"  # 2 x 50
    assert r.warnings[:3] == (
        f"mg_per_kg_day 2 mg/kg/day is below the protocol range 2.5-5 mg/kg/day "
        f"({src.SEED_CICLOSPORIN}): computed as asked",
        f"creatinine_rise_threshold 0.2 is outside the protocol range 0.25-0.3 "
        f"({src.CICLOSPORIN_LABEL}); used on override: transplant team",
        f"creatinine_rise_reduction 0.6 is outside the protocol range 0.25-0.5 "
        f"({src.CICLOSPORIN_LABEL}); used on override: transplant team",
    )
    with pytest.raises(DoseRangeError) as info:  # above the seed's 5 mg/kg/day: never
        ciclosporin(p, mg_per_kg_day=6, override="transplant team")
    assert info.value.field == "mg_per_kg_day"
    # a rise computed as a ratio: 1.5 / 1.2 - 1 = 25 % (a product 1.5 x 1.2 - 1 would be 80 %)
    rise = ciclosporin(Patient(weight="80 kg", serum_creatinine="1.5 mg/dL",
                               baseline_creatinine="1.2 mg/dL"), mg_per_kg_day=2.5,
                       creatinine_rise_threshold=0.3)
    assert rise.daily_dose_mg == approx(200.0)  # 25 % < 30 %: not reduced
    assert "creatinine 1.5 mg/dL vs baseline 1.2 mg/dL: +25 %" in steps(rise)


def test_ciclosporin_is_not_started_below_egfr_60() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): the ciclosporin renal
    contraindication: not started below eGFR 60 unless overridden; an unknown renal function is
    said, not refused."""
    low = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")  # eGFR 16.2
    with pytest.raises(ContraindicationError) as caught:
        ciclosporin(low)
    assert str(caught.value) == (
        "eGFR 16.2 mL/min/1.73 m2 is below 60: ciclosporin is contraindicated in abnormal renal "
        "function; pass override='reason' to give it anyway")
    assert (caught.value.field, caught.value.value) == ("serum_creatinine", 3.0)
    r = ciclosporin(low, override="renal team")
    assert r.warnings[0] == ("eGFR 16.2 mL/min/1.73 m2 is below 60: ciclosporin is "
                             "contraindicated in abnormal renal function; given on override: "
                             "renal team")
    assert r.sources[2:4] == (src.CICLOSPORIN_CONTRAINDICATIONS, src.CICLOSPORIN_EGFR_GAP)
    # eGFR just at or above 60 starts without a reason: male 60 y, creatinine 1.3 mg/dL
    # (142 x (1.3/0.9)^-1.2 x 0.9938^60 = 62.3)
    assert ciclosporin(Patient(weight="72 kg", sex="male", age=60,
                               serum_creatinine="1.3 mg/dL")).daily_dose_mg == pytest.approx(360)
    unknown = ciclosporin(Patient(weight="72 kg"))  # renal function unknown: said, not refused
    assert unknown.warnings[0] == ("renal function not estimated (age, sex, serum_creatinine not "
                                   "given): no check of renal function before ciclosporin")


def test_ciclosporin_limit_label_and_reduced_step() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): ciclosporin's
    seed-ceiling limit, and the reduced step of a 25 % cut."""
    r = ciclosporin(EX)  # 5 mg/kg/day x 72 kg = 360 mg/day ceiling
    (lim,) = r.limits
    assert (lim.label, lim.amount, lim.per, lim.source) == (
        "seed ceiling of 5 mg/kg/day", 360.0, "day", src.SEED_CEILING_GAP)
    cut = ciclosporin(Patient(weight="80 kg", serum_creatinine="1.3 mg/dL",
                              baseline_creatinine="1 mg/dL"), mg_per_kg_day=3,
                      creatinine_rise_reduction=0.25)
    # 3 x 80 = 240; +30 %: cut 25 % -> 240 x 0.75 = 180 mg/day
    assert "reduced: 240 mg/day x 0.75 = 180 mg/day" in cut.steps
    assert cut.daily_dose_mg == pytest.approx(180.0)


def test_class_4_rounding_goes_down_at_the_ciclosporin_ceiling() -> None:
    """Never silently wrong, class 4 (rounding across a cap): at the ciclosporin ceiling, rounding
    goes down."""
    r = ciclosporin(Patient(weight="77 kg", age=50, sex="male", serum_creatinine="1 mg/dL"))
    # 5 x 77 = 385 mg/day, 192.5 a dose; the nearest 25 mg (200) would give 400 > 385: 175
    assert r.dispensed.amount == 175 and r.dispensed.rounded == "down, to stay within the maximum"
    assert r.dispensed.amount * 2 <= 385
    assert r.cap_mg_per_day == pytest.approx(385.0)
    assert repr(r).startswith(
        "ciclosporin (modified): 175 mg twice daily (350 mg/day); calculated 192.5 mg")


def test_class_13_the_ciclosporin_derivation_shows_the_reduced_dose() -> None:
    """Never silently wrong, class 13 (text that contradicted the numbers): the ciclosporin
    derivation shows the reduced dose."""
    p = Patient(weight="80 kg", serum_creatinine="1.25 mg/dL", baseline_creatinine="1 mg/dL")
    r = ciclosporin(p, mg_per_kg_day=3)  # 3 x 80 = 240; +25 % creatinine: cut 50 % -> 120
    assert "reduced: 240 mg/day x 0.5 = 120 mg/day" in r.steps


def test_ciclosporin_is_never_capped_only_refused_above_the_seed() -> None:
    """Mutation killer (docs/mutation.md, 2026-12-07): a ciclosporin dose is never cut to a cap
    (above 5 mg/kg/day is refused), so ``cap_applied`` is False, even at the ceiling."""
    r = ciclosporin(EX)  # 5 x 72 = 360 mg/day, the seed ceiling itself
    assert r.daily_dose_mg == pytest.approx(360.0)
    assert r.cap_applied is False
