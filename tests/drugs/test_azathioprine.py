"""Azathioprine: weight-based dose, the 150 mg cap, CPIC genotype rules, allopurinol, renal."""

from __future__ import annotations

import pytest
from hand_computed import approx, steps

import plexodose
import plexodose._core.sources as src
from plexodose import (
    CATALOGUE,
    ContraindicationError,
    DoseRangeError,
    InputRangeError,
    OralProduct,
    Patient,
    azathioprine,
)

# female 80 y, 50 kg, 160 cm: IBW 45.5 + 2.3 x (160/2.54 - 60) = 52.38 > 50, so actual weight
# CrCl at SCr 2: (140 - 80) x 50 / (72 x 2) x 0.85 = 17.7 mL/min
ELDERLY = dict(
    weight="50 kg", height="160 cm", sex="female", age=80, tpmt="normal", nudt15="normal"
)


EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


def _renal_patient(scr):
    # male 170 cm: IBW 65.94 kg > 60 kg actual, so CrCl uses 60 kg: (140 - 80) x 60 / (72 x SCr)
    return Patient(weight="60 kg", height="170 cm", sex="male", age=80,
                   serum_creatinine=f"{scr} mg/dL", tpmt="normal", nudt15="normal")


def test_example_patient() -> None:
    r = azathioprine(Patient.example())
    # 2 mg/kg x 72 kg = 144 mg/day; 25 mg steps -> 150 mg (3 x 50 mg)
    assert r.daily_dose.m_as("mg/day") == pytest.approx(144.0)
    assert r.per_dose.m_as("mg") == pytest.approx(144.0)
    assert not r.cap_applied
    assert r.dispensed is not None
    assert r.dispensed.amount == 150.0
    assert r.dispensed.units == ((50.0, 3),)
    assert r.frequency == "daily"


def test_cap_is_applied_and_reported() -> None:
    r = azathioprine(Patient(weight="90 kg", tpmt="normal", nudt15="normal"))
    # 2 x 90 = 180 -> capped at 150
    assert r.daily_dose.m_as("mg/day") == 150.0
    assert r.cap_applied
    assert "limit: 150 mg per day, seed maximum (applied)" in repr(r)


def test_override_never_lifts_the_cap() -> None:
    r = azathioprine(Patient.example(), mg_per_kg_day=2.5, override="trial protocol")
    assert r.daily_dose.m_as("mg/day") == 150.0  # 2.5 x 72 = 180 -> 150
    with pytest.raises(DoseRangeError, match=r"mg_per_kg_day 2\.5"):
        azathioprine(Patient.example(), mg_per_kg_day=2.5)


@pytest.mark.parametrize(
    ("tpmt", "nudt15", "expected_mg"),
    [
        # Changed 2026-12-07 (CPIC applied once to N, smallest multiple of 25 mg in range):
        ("intermediate", "normal", 50.0),  # 30 % of 144 = 43.2 -> 50 (<= 0.8 x 144 = 115.2)
        ("normal", "possible_intermediate", 50.0),
        ("intermediate", "intermediate", 50.0),  # 20 % of 144 = 28.8 -> 50 (<= 0.5 x 144 = 72)
        ("indeterminate", "normal", 50.0),  # dosed as intermediate until measured: 43.2 -> 50
    ],
)
def test_genotype_reductions(tpmt: str, nudt15: str, expected_mg: float) -> None:
    p = Patient(weight="72 kg", tpmt=tpmt, nudt15=nudt15)
    assert azathioprine(p).daily_dose.m_as("mg/day") == pytest.approx(expected_mg)


def test_chosen_fraction_must_be_in_cpic_range() -> None:
    p = Patient(weight="72 kg", tpmt="intermediate", nudt15="normal")
    # 0.5 x 144 = 72 -> the next multiple of 25 mg, 75 (<= 0.8 x 144 = 115.2); changed 2026-12-07
    assert azathioprine(p, genotype_fraction=0.5).daily_dose.m_as("mg/day") == pytest.approx(75.0)
    with pytest.raises(DoseRangeError, match="genotype_fraction"):
        azathioprine(p, genotype_fraction=0.9)
    with pytest.raises(ContraindicationError, match="genotype_fraction"):
        azathioprine(Patient.example(), genotype_fraction=0.5)


def test_poor_metabolizer_is_refused_unless_overridden() -> None:
    p = Patient(weight="72 kg", tpmt="poor", nudt15="normal")
    with pytest.raises(ContraindicationError, match="non-thiopurine"):
        azathioprine(p)
    r = azathioprine(p, override="no alternative tolerated")
    # 144 mg / 10 = 14.4 mg three times a week; average 14.4 x 3 / 7 = 6.17 mg/day
    assert r.per_dose.m_as("mg") == pytest.approx(14.4)
    assert r.daily_dose.m_as("mg/day") == pytest.approx(14.4 * 3 / 7)
    assert r.frequency == "three times a week"
    assert r.dispensed is None  # never rounded up to tablets (CPIC malignancy regimen)
    assert any("not rounded up to tablets" in w for w in r.warnings)


def test_unknown_genotype_warns() -> None:
    r = azathioprine(Patient(weight="72 kg"))
    assert any("TPMT and NUDT15 status not given" in w for w in r.warnings)


def test_allopurinol_quarters_the_dose() -> None:
    r = azathioprine(Patient.example(), allopurinol=True)
    assert r.daily_dose.m_as("mg/day") == pytest.approx(36.0)  # 144 / 4


@pytest.mark.parametrize(
    ("creatinine", "expected_mg"),
    [
        ("2 mg/dL", 100 * 0.75),  # CrCl 17.7 (10-50) -> 75 % of 2 x 50
        ("5 mg/dL", 100 * 0.5),  # CrCl 60 x 50 / 360 x 0.85 = 7.1 (< 10) -> 50 %
        ("0.7 mg/dL", 100.0),  # CrCl 60 x 50 / 50.4 x 0.85 = 50.6 -> no change
    ],
)
def test_renal_reduction(creatinine: str, expected_mg: float) -> None:
    r = azathioprine(Patient(**ELDERLY, serum_creatinine=creatinine))
    assert r.daily_dose.m_as("mg/day") == pytest.approx(expected_mg)


def test_two_doses_a_day_split_and_round_each_dose() -> None:
    r = azathioprine(Patient.example(), doses_per_day=2)
    assert r.per_dose.m_as("mg") == pytest.approx(72.0)  # 144 / 2
    assert r.dispensed is not None and r.dispensed.amount == 75.0  # nearest 25 mg


def test_yes_no_options_refuse_anything_but_booleans() -> None:
    from plexodose import InputRangeError

    with pytest.raises(InputRangeError, match="allopurinol"):
        azathioprine(Patient.example(), allopurinol="yes")  # type: ignore[arg-type]


def test_minor_on_override_is_flagged_on_every_result() -> None:
    p = Patient(weight="50 kg", age=16, minor_override="paediatric neurology approved")
    assert any("under 18" in w and "paediatric neurology approved" in w
               for w in azathioprine(p).warnings)


def test_reductions_are_shares_of_the_capped_normal_dose() -> None:
    p = Patient(weight="100 kg", tpmt="intermediate", nudt15="normal")
    r = azathioprine(p)
    # normal dose 2 x 100 = 200 -> capped 150; CPIC start 30 % of it = 45 mg (not 30 % of 200)
    # -> the smallest multiple of 25 mg at or above it, 50 mg (changed 2026-12-07)
    assert r.daily_dose.m_as("mg/day") == pytest.approx(50.0)
    assert r.cap_applied


@pytest.mark.parametrize(
    ("basis", "expected_mg"),
    [
        # female 60 y, 100 kg, 160 cm, SCr 1.8 mg/dL; IBW 45.5 + 2.3 x (160/2.54 - 60) = 52.38 kg
        ("auto", 150 * 0.75),  # CrCl (80 x 52.38) / (72 x 1.8) x 0.85 = 27.5 -> 75 % of 150
        ("ideal", 150 * 0.75),
        # adjusted 52.38 + 0.4 x 47.62 = 71.43 kg: CrCl 37.5 -> still 10-50: 75 %
        ("adjusted", 150 * 0.75),
        ("actual", 150.0),  # CrCl (80 x 100) / 129.6 x 0.85 = 52.5 > 50: no reduction
    ],
)
def test_crcl_weight_basis(basis: str, expected_mg: float) -> None:
    p = Patient(weight="100 kg", height="160 cm", sex="female", age=60, serum_creatinine="1.8 mg/dL",
                tpmt="normal", nudt15="normal")
    assert azathioprine(p, crcl_weight=basis).daily_dose.m_as("mg/day") == pytest.approx(expected_mg)


def test_crcl_weight_is_validated() -> None:
    from plexodose import InputRangeError

    with pytest.raises(InputRangeError) as info:
        azathioprine(Patient.example(), crcl_weight="lean")
    assert info.value.field == "crcl_weight"


def test_azathioprine_example_derivation_and_dispensing():
    """Mutation killer (docs/mutation.md): the example patient's azathioprine derivation word for
    word, with its dispensing, sources and fields."""
    r = azathioprine(EX)
    # 2 x 72 = 144 mg/day; CrCl with ideal weight 70.4646 kg: 80 x 70.4646 / 72 = 78.3 mL/min
    assert steps(r) == [
        "2 mg/kg/day x 72 kg (actual weight) = 144 mg/day",
        "creatinine clearance (Cockcroft-Gault, ideal weight 70.46 kg, creatinine 1 mg/dL): "
        "78.3 mL/min",
        "dispensed per dose: 150 mg (azathioprine tablets, rounded to the nearest; +6 mg)",
        # 1 and 1.5 x 72 = 72 and 108 mg -> 75 and 100 mg (nearest 25 mg), below 150 mg
        "label titration as plan() lays it out (this calculator at 1 then 1.5 mg/kg/day): "
        "75 mg daily, then 100 mg daily, then this dose (150 mg a dosing day)",
        "full effect takes 3-6 months",
    ]
    assert r.daily_dose_mg == 144 and r.per_dose_mg == 144 and not r.cap_applied
    assert r.cap_mg_per_day == 150 and r.days_per_week == 7 and r.doses_per_day == 1
    assert r.dispensed.units == ((50.0, 3),)  # 144 -> nearest 25 mg = 150 = 3 x 50
    assert r.sources == (src.SEED_AZATHIOPRINE, src.CPIC_THIOPURINES, src.DEVINE,
                         src.COCKCROFT_GAULT, src.CRCL_WEIGHT_GAP, src.AZATHIOPRINE_LABEL,
                         src.SEED_DURATION)
    assert r.warnings == () and r.override is None and r.dosing_weight_kg == 72


def test_azathioprine_cap_exactly_and_above():
    """Mutation killer (docs/mutation.md): the 150 mg/day cap at and above it, per day and per dose
    when the day is split in two."""
    at = azathioprine(Patient(weight="75 kg", age=40))  # 2 x 75 = 150: at the cap, not capped
    assert at.daily_dose_mg == 150 and not at.cap_applied
    over = azathioprine(Patient(weight="90 kg", age=40))  # 180 -> 150
    assert over.daily_dose_mg == 150 and over.cap_applied
    assert "capped at 150 mg/day (from 180 mg)" in steps(over)
    twice = azathioprine(Patient(weight="90 kg", age=40), doses_per_day=2)  # 75 mg twice
    assert twice.per_dose_mg == 75 and twice.dispensed.amount == 75
    assert twice.dispensed.units == ((50.0, 1), (25.0, 1))
    # per dose 150 / 2 = 75 is the most a dose may be: 70 mg/dose rounds to 75, not above
    r = azathioprine(Patient(weight="70 kg", age=40), doses_per_day=2)  # 140 / 2 = 70 -> 75
    assert r.dispensed.amount == 75


def test_azathioprine_genotype_reductions():
    """Mutation killer (docs/mutation.md): the CPIC reductions for one and both genes, the range of
    a chosen fraction, allopurinol on top, and the warning for a dose tablets cannot make, word
    for word."""
    one = azathioprine(Patient(weight="100 kg", tpmt="intermediate", nudt15="normal"), doses_per_day=2)
    # 2 x 100 = 200, capped at the normal dose 150; one gene reduced: 30 % of 150 = 45 mg/day;
    # twice daily, so whole 25 mg tablets a dose: the next multiple of 50, 50 mg (25 mg twice)
    # (changed 2026-12-07: 22.5 mg a dose, which no tablet makes, is gone)
    assert one.daily_dose_mg == approx(50.0) and one.per_dose_mg == approx(25.0)
    assert one.cap_applied
    assert steps(one)[:4] == [
        "2 mg/kg/day x 100 kg (actual weight) = 200 mg/day",
        "capped at 150 mg/day (from 200 mg)",
        "reduced metabolizer (TPMT intermediate): start at 30 % of the normal dose (CPIC 30 % to "
        "80 %); "
        "2-4 weeks to steady state",
        "reduced range: N 150 mg x 0.3 = 45 mg up to x 0.8 = 120 mg per day",
    ]
    assert one.dispensed is not None and one.dispensed.amount == 25.0
    # 120 x 0.5 (both genes, chosen 50 %) x 0.25 (allopurinol) = 15 mg, range up to
    # 120 x 0.5 x 1/3 = 20 mg: no multiple of 25 mg inside -> refused by default (2026-12-07)
    with pytest.raises(ContraindicationError, match="no whole multiple of 25 mg"):
        azathioprine(Patient(weight="60 kg", tpmt="intermediate", nudt15="possible_intermediate"),
                     allopurinol=True, genotype_fraction=0.5)
    both = azathioprine(Patient(weight="60 kg", tpmt="intermediate", nudt15="possible_intermediate"),
                        allopurinol=True, genotype_fraction=0.5, override="haematologist")
    assert both.daily_dose_mg == approx(25.0)  # on override: one 25 mg tablet daily
    assert "with allopurinol: one quarter of the dose" in steps(both)
    assert ("reduced metabolizer (TPMT intermediate, NUDT15 possible intermediate): start at 50 % "
            "of the normal dose (CPIC 20 % to 50 %); 2-4 weeks to steady state") in steps(both)
    with pytest.raises(DoseRangeError) as info:  # 0.6 is outside CPIC's 20-50 % for both genes
        azathioprine(Patient(weight="60 kg", tpmt="intermediate", nudt15="intermediate"),
                     genotype_fraction=0.6)
    assert info.value.field == "genotype_fraction"
    with pytest.raises(InputRangeError) as info:
        azathioprine(Patient(weight="60 kg", tpmt="intermediate"), genotype_fraction="0.5")
    assert info.value.field == "genotype_fraction"
    normal = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="normal"),
                          genotype_fraction=1)  # 1 is the normal dose: allowed
    assert normal.daily_dose_mg == 120


def test_azathioprine_allopurinol_alone():
    """Mutation killer (docs/mutation.md): allopurinol alone quarters the dose and cites its
    sources."""
    r = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="normal"), allopurinol=True)
    assert r.daily_dose_mg == approx(30.0)  # 120 x 0.25
    assert src.RANGE_LOW_END_GAP in r.sources and src.AZATHIOPRINE_LABEL in r.sources


def test_azathioprine_poor_and_indeterminate():
    """Mutation killer (docs/mutation.md): a poor metabolizer is refused unless overridden (10-fold
    reduction, three days a week), an indeterminate TPMT is dosed as intermediate, an unknown
    genotype is warned."""
    poor = Patient(weight="60 kg", tpmt="normal", nudt15="poor")
    with pytest.raises(ContraindicationError) as info:
        azathioprine(poor)
    assert str(info.value).startswith("poor metabolizer (NUDT15): CPIC advises")
    r = azathioprine(poor, override="no alternative")
    # 120 x 0.1 = 12 mg on 3 days a week -> 12 x 3 / 7 = 5.142857 mg/day on average
    assert r.daily_dose_mg == approx(12 * 3 / 7) and r.per_dose_mg == approx(12.0)
    assert r.days_per_week == 3 and r.override == "no alternative"
    assert r.warnings[0] == ("poor metabolizer (NUDT15): CPIC's regimen for MALIGNANT conditions "
                             "(10-fold reduction, three times a week), borrowed for a "
                             "nonmalignant condition on override: no alternative")
    ind = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="normal"))
    assert ind.daily_dose_mg == approx(50.0)  # as intermediate: 120 x 0.3 = 36 -> 50 (25 mg steps)
    assert ind.warnings[0] == ("TPMT indeterminate: measure TPMT activity; dosed as an "
                               "intermediate metabolizer meanwhile")
    unknown = azathioprine(Patient(weight="60 kg"))
    assert unknown.daily_dose_mg == 120
    assert unknown.warnings[0] == ("TPMT and NUDT15 status not given: test before starting "
                                   "(CPIC); dose not adjusted for genotype")


@pytest.mark.parametrize(("scr", "step", "share"), [
    (0.72, None, 1.0),  # CrCl 3600 / (72 x 0.72) = 69.4: no change
    (0.99, None, 1.0),  # CrCl 50.5: no change
    (1.0, "CrCl 50 mL/min: give 75 % of the dose", 0.75),  # 3600 / 72 = 50: the 10-50 band
    (2.0, "CrCl 25 mL/min: give 75 % of the dose", 0.75),
    (5.0, "CrCl 10 mL/min: give 75 % of the dose", 0.75),  # 3600 / 360 = 10: still 10-50
    (6.0, "CrCl 8.33 mL/min: give 50 % of the dose", 0.5),  # 3600 / 432 = 8.33: below 10
])
def test_azathioprine_renal_bands(scr, step, share):
    """Mutation killer (docs/mutation.md): each Cockcroft-Gault band of the renal rule on each side
    of 50 and 10 mL/min."""
    r = azathioprine(_renal_patient(scr))
    assert r.daily_dose_mg == approx(120 * share)  # 2 mg/kg x 60 kg x share
    if step is None:
        assert src.AZATHIOPRINE_RENAL not in r.sources
    else:
        assert step in steps(r)
        assert src.AZATHIOPRINE_RENAL in r.sources


def test_azathioprine_override_outside_range_recorded():
    """Mutation killer (docs/mutation.md): a rate outside the protocol range is used on override,
    and the warning names the range and the reason."""
    r = azathioprine(Patient(weight="40 kg", age=40), mg_per_kg_day=2.5, override="specialist")
    assert r.daily_dose_mg == 100 and r.override == "specialist"  # 2.5 x 40
    assert r.warnings[0].startswith("mg_per_kg_day 2.5 mg/kg/day is outside the protocol range "
                                    "1-2 mg/kg/day")
    assert r.warnings[0].endswith("used on override: specialist")


def test_azathioprine_custom_strength_never_dispenses_above_the_cap(oral_product):
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): a
    registered strength never dispenses above the daily or the per-dose cap."""
    oral_product("azathioprine", (40,))
    r = azathioprine(Patient(weight="75 kg", age=40))  # 150 mg: nearest 40 is 160 > 150 -> 120
    assert r.dispensed.amount == 120 and r.dispensed.rounded == "down, to stay within the maximum"
    twice = azathioprine(Patient(weight="75 kg", age=40), doses_per_day=2)  # 75 a dose -> 80 > 75
    assert twice.dispensed.amount == 40  # down to a whole 40 mg tablet under 75


def test_azathioprine_override_paths_and_refusals():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing):
    azathioprine's override paths and refusals word for word, with their fields, values and order
    of sources."""
    both_poor = Patient(weight="60 kg", tpmt="poor", nudt15="poor")
    with pytest.raises(ContraindicationError) as info:
        azathioprine(both_poor)
    assert str(info.value) == ("poor metabolizer (TPMT, NUDT15): CPIC advises a non-thiopurine "
                               "alternative for nonmalignant conditions (consider mycophenolate, "
                               "cyclophosphamide or ciclosporin); pass override='reason' for "
                               "CPIC's regimen for malignant conditions (a 10-fold reduction "
                               "three times a week)")
    assert info.value.field == "tpmt" and info.value.value == "poor"
    inter = Patient(weight="60 kg", tpmt="intermediate", nudt15="normal")
    r = azathioprine(inter, genotype_fraction=0.9, override="haematologist")
    # 120 x 0.9 = 108 on override; no multiple of 25 mg in 108-108 -> the largest at or below
    # the upper end: 100 mg (changed 2026-12-07)
    assert r.daily_dose_mg == approx(100.0)
    assert r.warnings[0] == (f"genotype_fraction 0.9 is outside the protocol range 0.3-0.8 "
                             f"({src.CPIC_THIOPURINES}); used on override: haematologist")
    plain = azathioprine(inter)
    # 120 x 0.3 = 36 -> 50 mg, exact in tablets: no rounding warning (changed 2026-12-07)
    assert plain.sources == (src.SEED_AZATHIOPRINE, src.CPIC_THIOPURINES, src.RANGE_LOW_END_GAP,
                             src.CPIC_REDUCED_TABLETS, src.AZATHIOPRINE_LABEL, src.SEED_DURATION)
    assert plain.warnings[0] == ("renal function not estimated (age, sex, serum_creatinine not "
                                 "given): no renal adjustment")
    with pytest.raises(ContraindicationError) as info:
        azathioprine(EX, genotype_fraction=0.5)
    assert str(info.value) == ("genotype_fraction applies to reduced metabolizers only; this "
                               "patient's TPMT/NUDT15 status calls for the normal dose")
    assert info.value.field == "genotype_fraction" and info.value.value == 0.5
    with pytest.raises(InputRangeError) as info:
        azathioprine(EX, genotype_fraction="0.5")
    assert info.value.field == "genotype_fraction"
    over = azathioprine(Patient(weight="40 kg", age=40), mg_per_kg_day=2.5, override="x")
    assert over.warnings[0] == (f"mg_per_kg_day 2.5 mg/kg/day is outside the protocol range "
                                f"1-2 mg/kg/day ({src.SEED_AZATHIOPRINE}); used on override: x")
    assert over.sources[0] == src.SEED_AZATHIOPRINE
    allo = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="normal", age=40),
                        allopurinol=True)
    assert allo.sources.index(src.AZATHIOPRINE_LABEL) < allo.sources.index(src.RANGE_LOW_END_GAP)


def test_genotype_warnings_name_the_gene() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): an indeterminate TPMT
    or NUDT15 warning names its gene, with the right advice and sources."""
    tpmt = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="normal"))
    assert tpmt.warnings[0] == ("TPMT indeterminate: measure TPMT activity; dosed as an "
                                "intermediate metabolizer meanwhile")
    assert src.INDETERMINATE_GAP in tpmt.sources and src.NUDT15_INDETERMINATE not in tpmt.sources
    nudt = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="indeterminate"))
    assert nudt.warnings[0] == ("NUDT15 indeterminate: no NUDT15 activity assay exists; monitor "
                                "blood counts closely; dosed as an intermediate metabolizer")
    assert src.NUDT15_INDETERMINATE in nudt.sources and src.INDETERMINATE_GAP in nudt.sources
    assert ("reduced metabolizer (NUDT15 indeterminate): start at 30 % of the normal dose (CPIC "
            "30 % to 80 %); 2-4 weeks to steady state") in nudt.steps
    both = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="intermediate"))
    assert ("reduced metabolizer (TPMT indeterminate, NUDT15 intermediate): start at 20 % of the "
            "normal dose (CPIC 20 % to 50 %); 2-4 weeks to steady state") in both.steps
    assert both.daily_dose_mg == pytest.approx(25.0)  # 2 x 60 x 20 % = 24 -> 25 (<= 60)


def test_one_gene_untested_is_dosed_on_the_gene_tested() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): one gene untested is
    dosed on the gene tested, and warned; a chosen fraction with no genotype known is refused."""
    r = azathioprine(Patient(weight="60 kg", tpmt="intermediate"))  # NUDT15 not given
    assert r.warnings[0] == ("NUDT15 status not given: test before starting (CPIC); dosed on the "
                             "gene tested")
    assert r.daily_dose_mg == pytest.approx(50.0)  # 120 x 30 % = 36 -> 50 (<= 96)
    with pytest.raises(ContraindicationError, match="is not known"):
        azathioprine(Patient(weight="60 kg"), genotype_fraction=0.5)


def test_class_4_odd_strengths_never_pass_the_azathioprine_cap() -> None:
    """Never silently wrong, class 4 (rounding across a cap): rounding to odd tablet strengths never
    passes the azathioprine cap, per day or per dose."""
    CATALOGUE.register(OralProduct(drug="azathioprine", name="test aza 40", form="tablet",
                                   strengths_mg=(40,), source=src.AZATHIOPRINE_LABEL))
    try:
        r = azathioprine(Patient(weight="75 kg"))  # 150 mg; 160 (4 x 40) would pass: 120
        assert r.dispensed.amount == 120
        twice = azathioprine(Patient(weight="75 kg"), doses_per_day=2)  # 75 a dose: 40
        assert twice.dispensed.amount * 2 <= 150
    finally:
        CATALOGUE.unregister("test aza 40")


def test_class_7_tpmt_indeterminate_with_nudt15_intermediate_is_both_reduced() -> None:
    """Never silently wrong, class 7 (genotype combinations): TPMT indeterminate with NUDT15
    intermediate is dosed as both genes reduced."""
    r = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="intermediate"))
    assert r.daily_dose_mg == pytest.approx(25.0)  # 120 x 20 % = 24 -> 25 (both-intermediate)
    assert any("CPIC 20 % to 50 %" in step for step in r.steps)


def test_class_7_nudt15_indeterminate_advises_monitoring_not_an_assay() -> None:
    """Never silently wrong, class 7 (genotype combinations): an indeterminate NUDT15 advises close
    monitoring (no activity assay exists), not a TPMT assay."""
    r = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="indeterminate"))
    assert r.daily_dose_mg == pytest.approx(50.0)  # one gene as intermediate: 120 x 30 % -> 50
    advice = " ".join(r.warnings)
    assert "no NUDT15 activity assay exists" in advice and "measure TPMT activity" not in advice
    assert src.NUDT15_INDETERMINATE in r.sources
    both = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="indeterminate"))
    assert both.daily_dose_mg == pytest.approx(25.0)  # both as intermediate: 120 x 20 % -> 25


def test_contraindications_name_their_field():
    """Bad-input matrix: refusals that need the right patient data rather than a bad value name
    their field (a poor metabolizer; a genotype fraction for a normal one)."""
    poor = Patient(weight="72 kg", tpmt="poor", nudt15="normal")
    with pytest.raises(ContraindicationError) as info:
        plexodose.azathioprine(poor)
    assert info.value.field == "tpmt"
    with pytest.raises(ContraindicationError) as info:
        plexodose.azathioprine(EX, genotype_fraction=0.5)  # normal metabolizer
    assert info.value.field == "genotype_fraction"
