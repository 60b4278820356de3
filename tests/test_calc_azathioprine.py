"""Azathioprine: weight-based dose, the 150 mg cap, CPIC genotype rules, allopurinol, renal."""

from __future__ import annotations

import pytest

from plexodose import ContraindicationError, DoseRangeError, Patient, azathioprine

# female 80 y, 50 kg, 160 cm: IBW 45.5 + 2.3 x (160/2.54 - 60) = 52.38 > 50, so actual weight
# CrCl at SCr 2: (140 - 80) x 50 / (72 x 2) x 0.85 = 17.7 mL/min
ELDERLY = dict(
    weight="50 kg", height="160 cm", sex="female", age=80, tpmt="normal", nudt15="normal"
)


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
        ("intermediate", "normal", 144 * 0.3),  # one gene reduced: 30 % (CPIC 30-80 %)
        ("normal", "possible_intermediate", 144 * 0.3),
        ("intermediate", "intermediate", 144 * 0.2),  # both genes: 20 % (CPIC 20-50 %)
        ("indeterminate", "normal", 144 * 0.3),  # dosed as intermediate until measured
    ],
)
def test_genotype_reductions(tpmt: str, nudt15: str, expected_mg: float) -> None:
    p = Patient(weight="72 kg", tpmt=tpmt, nudt15=nudt15)
    assert azathioprine(p).daily_dose.m_as("mg/day") == pytest.approx(expected_mg)


def test_chosen_fraction_must_be_in_cpic_range() -> None:
    p = Patient(weight="72 kg", tpmt="intermediate", nudt15="normal")
    assert azathioprine(p, genotype_fraction=0.5).daily_dose.m_as("mg/day") == pytest.approx(72.0)
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
    assert r.dispensed is None  # below half a 25 mg tablet
    assert any("cannot be made" in w for w in r.warnings)


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
    assert r.daily_dose.m_as("mg/day") == pytest.approx(45.0)
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
