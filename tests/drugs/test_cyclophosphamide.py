"""Cyclophosphamide: oral daily dose, BSA-based pulses, EULAR reduction, nadir titration."""

from __future__ import annotations

import math

import pytest
from hand_computed import approx, steps

import plexodose
import plexodose._core.sources as src
from plexodose import (
    ContraindicationError,
    CyclophosphamidePulse,
    DoseRangeError,
    InputRangeError,
    MissingInputError,
    Patient,
    ciclosporin,
    cyclophosphamide_iv,
    cyclophosphamide_next_pulse,
    cyclophosphamide_oral,
    cyclophosphamide_pulse_reduction,
)

BSA_EXAMPLE = (175 * 72 / 3600) ** 0.5  # Mosteller 1.870829 m2


EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


MESNA = ("give mesna (80-100 % of the cyclophosphamide dose in divided doses, per the local "
         "protocol) and hydration with each pulse: plexodose does not dose mesna")


FIRST = cyclophosphamide_iv(EX, g_per_m2=0.5)  # 0.5 x 1000 x 1.8708 = 935.41 mg
BSA_EX = math.sqrt(3.5)


def _pulse(g_per_m2, bsa_cap=None):
    return CyclophosphamidePulse(g_per_m2=g_per_m2, bsa_m2=2.5, bsa_formula="mosteller",
                                 bsa_cap_m2=bsa_cap, dose_mg=g_per_m2 * 1000 * 2.5,
                                 interval_weeks=4, _steps=("built by hand",), warnings=(),
                                 _cited=(src.BSA,))


HIGH_CREATININE = Patient(weight="72 kg", height="175 cm", age=65, serum_creatinine="600 umol/L")


def test_oral_example() -> None:
    r = cyclophosphamide_oral(Patient.example())
    assert r.daily_dose.m_as("mg/day") == pytest.approx(144.0)  # 2 x 72
    # 36,000 mg / 144 mg a day = 250 days to the 36 g threshold
    assert any("36 g after 250 days" in w for w in r.warnings)
    # 25/50 mg tablets since 2026-12-07: 144 mg -> nearest 150 would pass the seed ceiling of
    # 2 x 72 = 144 mg, so down to 125 mg (2 x 50 + 25), with the > 10 % rounding warning
    assert r.dispensed is not None and r.dispensed.amount == 125.0
    assert r.dispensed.units == ((50.0, 2), (25.0, 1))


@pytest.mark.parametrize(
    ("creatinine", "rate", "expected"),
    [
        ("300 umol/L", 2, 1.75 * 72),  # 251-500 umol/L: 1.75 mg/kg = 126 mg
        ("600 umol/L", 2, 1.5 * 72),  # > 500: 1.5 mg/kg = 108 mg
        ("300 umol/L", 1, 1.0 * 72),  # a lower order is kept
        ("200 umol/L", 2, 2.0 * 72),  # < 250: unchanged
    ],
)
def test_oral_creatinine_limit(creatinine: str, rate: float, expected: float) -> None:
    p = Patient(weight="72 kg", serum_creatinine=creatinine)
    assert cyclophosphamide_oral(p, mg_per_kg_day=rate).daily_dose.m_as("mg/day") == pytest.approx(
        expected
    )


def test_oral_range() -> None:
    with pytest.raises(DoseRangeError, match="mg_per_kg_day 3"):
        cyclophosphamide_oral(Patient.example(), mg_per_kg_day=3)


def test_iv_example() -> None:
    r = cyclophosphamide_iv(Patient.example())
    # 0.75 g/m2 x 1.870829 m2 = 1,403.12 mg every 4 weeks
    assert r.bsa.m_as("m**2") == pytest.approx(BSA_EXAMPLE)
    assert r.dose.m_as("mg") == pytest.approx(750 * BSA_EXAMPLE)
    assert r.interval.m_as("week") == 4
    # age 60: EULAR would reduce to 12.5/15: a warning, not applied by default
    assert any("83.3 %" in w for w in r.warnings)  # 12.5 / 15


def test_iv_age_renal_reduction_applied_on_request() -> None:
    r = cyclophosphamide_iv(Patient.example(), age_renal_reduction=True)
    assert r.dose.m_as("mg") == pytest.approx(750 * BSA_EXAMPLE * 12.5 / 15)  # 1,169.27 mg


def test_iv_bsa_cap_and_formula() -> None:
    capped = cyclophosphamide_iv(Patient.example(), bsa_cap="1.8 m**2")
    assert capped.dose.m_as("mg") == pytest.approx(750 * 1.8)  # 1,350 mg
    dubois = cyclophosphamide_iv(Patient.example(), bsa_formula="dubois")
    assert dubois.bsa.m_as("m**2") == pytest.approx(1.8704, abs=1e-4)
    with pytest.raises(InputRangeError, match="bsa_cap"):
        cyclophosphamide_iv(Patient.example(), bsa_cap="5 m**2")


def test_iv_ranges_and_hard_ceiling() -> None:
    with pytest.raises(DoseRangeError, match=r"g_per_m2 1\.2"):
        cyclophosphamide_iv(Patient.example(), g_per_m2=1.2)
    r = cyclophosphamide_iv(Patient.example(), g_per_m2=1.2, override="Michigan protocol")
    assert r.dose.m_as("mg") == pytest.approx(1200 * BSA_EXAMPLE)
    with pytest.raises(DoseRangeError, match="hard limit"):
        cyclophosphamide_iv(Patient.example(), g_per_m2=1.7, override="any")
    # A longer interval is below the protocol: computed with a warning (2026-12-07)
    longer = cyclophosphamide_iv(Patient.example(), interval_weeks=6)
    assert any("interval_weeks 6 is longer" in w for w in longer.warnings)
    with pytest.raises(MissingInputError, match="height"):
        cyclophosphamide_iv(Patient(weight="72 kg"))


@pytest.mark.parametrize(
    ("age", "creatinine", "expected_mg_per_kg"),
    [
        (45, "100 umol/L", 15.0),
        (45, "350 umol/L", 12.5),
        (65, "100 umol/L", 12.5),
        (65, "350 umol/L", 10.0),
        (75, "100 umol/L", 10.0),
        (75, "400 umol/L", 7.5),
    ],
)
def test_eular_table(age: int, creatinine: str, expected_mg_per_kg: float) -> None:
    p = Patient(weight="72 kg", age=age, serum_creatinine=creatinine)
    r = cyclophosphamide_pulse_reduction(p)
    assert r.reduced_mg_per_kg == expected_mg_per_kg
    assert r.dose.m_as("mg") == pytest.approx(expected_mg_per_kg * 72)


def test_eular_table_has_no_row_above_500_umol() -> None:
    p = Patient(weight="72 kg", age=50, serum_creatinine="600 umol/L")
    with pytest.raises(ContraindicationError, match="above 500"):
        cyclophosphamide_pulse_reduction(p)
    assert (
        cyclophosphamide_pulse_reduction(p, override="nephrology agreed").reduced_mg_per_kg == 12.5
    )


def test_nadir_titration() -> None:
    first = cyclophosphamide_iv(Patient.example(), g_per_m2=0.5)
    raised = cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL")
    assert raised.g_per_m2 == pytest.approx(0.625)  # 0.5 x 1.25
    cut = cyclophosphamide_next_pulse(first, nadir_wbc="1.8e9 /L")
    assert cut.g_per_m2 == pytest.approx(0.4)  # 1,800/uL < 2,000: 0.5 x 0.8
    gentle = cyclophosphamide_next_pulse(first, nadir_wbc="1800 /uL", cut_fraction=0.1)
    assert gentle.g_per_m2 == pytest.approx(0.45)
    top = cyclophosphamide_iv(Patient.example(), g_per_m2=0.9)
    assert (
        cyclophosphamide_next_pulse(top, nadir_wbc="4000 /uL").g_per_m2 == 1.0
    )  # 1.125 -> ceiling


def test_pre_pulse_counts() -> None:
    first = cyclophosphamide_iv(Patient.example(), g_per_m2=0.5)
    half = cyclophosphamide_next_pulse(first, pre_pulse_wbc="2500 /uL")
    assert half.dose.m_as("mg") == pytest.approx(500 * BSA_EXAMPLE / 2)
    held = cyclophosphamide_next_pulse(first, pre_pulse_wbc="1500 /uL")
    assert held.held and held.dose.m_as("mg") == 0
    neutro = cyclophosphamide_next_pulse(first, pre_pulse_neutrophils="1.2e9 /L")
    assert neutro.dose.m_as("mg") == pytest.approx(500 * BSA_EXAMPLE * 0.75)  # French: cut 25 %
    with pytest.raises(InputRangeError, match="nadir_wbc"):
        cyclophosphamide_next_pulse(first)


def test_next_pulse_above_protocol_needs_the_override_again() -> None:
    high = cyclophosphamide_iv(Patient.example(), g_per_m2=1.2, override="Michigan protocol")
    with pytest.raises(DoseRangeError, match="next pulse"):
        cyclophosphamide_next_pulse(high, nadir_wbc="2500 /uL")
    again = cyclophosphamide_next_pulse(high, nadir_wbc="2500 /uL", override="Michigan protocol")
    # 1.2 x 1.25 = 1.5 would pass 1.4 g/m2: the Michigan step rule stops it at 1.4 (2026-12-07)
    assert again.g_per_m2 == pytest.approx(1.4)


def test_next_pulse_keeps_the_eular_reduction() -> None:
    p = Patient(weight="72 kg", height="175 cm", age=75, serum_creatinine="350 umol/L")
    first = cyclophosphamide_iv(p, age_renal_reduction=True)
    # age > 70, creatinine 300-500: 7.5 of 15 mg/kg = 50 %; 750 x 1.870829 x 0.5 = 701.56 mg
    assert first.dose.m_as("mg") == pytest.approx(750 * BSA_EXAMPLE * 0.5)
    cut = cyclophosphamide_next_pulse(first, nadir_wbc="1800 /uL")
    # nadir < 2,000: 0.75 x 0.8 = 0.6 g/m2, still halved: 600 x 1.870829 x 0.5 = 561.25 mg
    assert cut.dose.m_as("mg") == pytest.approx(600 * BSA_EXAMPLE * 0.5)


def test_reduction_asked_for_above_the_table_is_refused() -> None:
    p = Patient(weight="72 kg", height="175 cm", age=50, serum_creatinine="600 umol/L")
    with pytest.raises(ContraindicationError, match="above 500"):
        cyclophosphamide_iv(p, age_renal_reduction=True)
    # above the table no pulse is given by default, reduced or not (dosing-rules.md: "above it
    # plexodose refuses a pulse by default"); an override gives the full pulse
    with pytest.raises(ContraindicationError, match="above 500"):
        cyclophosphamide_iv(p)
    given = cyclophosphamide_iv(p, override="nephrology agreed")
    assert given.dose.m_as("mg") == pytest.approx(750 * BSA_EXAMPLE)


@pytest.mark.parametrize(
    ("count", "expected_share"),
    [("2000 /uL", 1.0), ("2001 /uL", 1.25), ("1999 /uL", 0.8)],  # hold at the target itself
)
def test_nadir_target_boundary(count: str, expected_share: float) -> None:
    first = cyclophosphamide_iv(Patient.example(), g_per_m2=0.5)
    assert cyclophosphamide_next_pulse(first, nadir_wbc=count).g_per_m2 == pytest.approx(
        0.5 * expected_share
    )


def test_pre_pulse_3000_is_in_the_half_dose_band() -> None:
    first = cyclophosphamide_iv(Patient.example(), g_per_m2=0.5)
    half = cyclophosphamide_next_pulse(first, pre_pulse_wbc="3000 /uL")
    assert half.dose.m_as("mg") == pytest.approx(500 * BSA_EXAMPLE / 2)


def test_oral_creatinine_boundaries() -> None:
    # reference: < 250: 2 mg/kg; 251-500: 1.75; > 500: 1.5 (250 itself takes the lower dose)
    for creatinine, rate in (("249 umol/L", 2.0), ("250 umol/L", 1.75), ("500 umol/L", 1.75),
                             ("501 umol/L", 1.5)):
        p = Patient(weight="72 kg", serum_creatinine=creatinine)
        assert cyclophosphamide_oral(p).daily_dose.m_as("mg/day") == pytest.approx(rate * 72)


def test_overrides_never_pass_the_seed_extremes() -> None:
    with pytest.raises(DoseRangeError, match="hard limit"):
        cyclophosphamide_oral(Patient.example(), mg_per_kg_day=3, override="any")
    with pytest.raises(DoseRangeError, match="shorter than the seed"):
        cyclophosphamide_iv(Patient.example(), interval_weeks=1, override="any")
    six = cyclophosphamide_iv(Patient.example(), interval_weeks=6, override="slower course")
    assert six.interval.m_as("week") == 6


def test_cyclophosphamide_oral_creatinine_bands():
    """Mutation killer (docs/mutation.md): the oral creatinine bands on each side of 250 and 500
    umol/L, the cumulative-dose warning and the override paths."""
    r = cyclophosphamide_oral(EX)
    assert r.daily_dose_mg == 144 and r.doses_per_day == 1 and r.dosing_weight_kg == 72
    # 36 g at 144 mg/day: 36000 / 144 = 250 days
    assert r.warnings[0] == "at 144 mg/day the cumulative dose reaches 36 g after 250 days"
    # the tablets (2026-12-07) add their label and the rounding warning (144 -> 125 mg, -13 %)
    assert r.sources == (src.SEED_CYCLOPHOSPHAMIDE, src.ORAL_CYCLOPHOSPHAMIDE_MAX,
                         src.FAURSCHOU_2008, src.TRAVIS_1995, src.CYCLOPHOSPHAMIDE_TABLETS,
                         src.ROUNDING_WARNING_GAP, src.SEED_DURATION)
    mid = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="300 umol/L"))
    assert mid.daily_dose_mg == approx(122.5)  # >= 250 umol/L: 1.75 x 70
    assert steps(mid)[0] == "creatinine 300 umol/L (250-500): at most 1.75 mg/kg/day"
    high = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="600 umol/L"))
    assert high.daily_dose_mg == approx(105.0)  # >= 500 umol/L: 1.5 x 70
    low_rate = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="600 umol/L"),
                                     mg_per_kg_day=1.5)
    assert low_rate.daily_dose_mg == approx(105.0)  # already at the limit: unchanged
    assert src.CYCLOPHOSPHAMIDE_ORAL_RENAL not in low_rate.sources
    # 251 umol/L is in the 1.75 band; 249 is not (250 itself: see the end of this file)
    at251 = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="251 umol/L"))
    assert at251.daily_dose_mg == approx(122.5)
    at249 = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="249 umol/L"))
    assert at249.daily_dose_mg == approx(140.0)
    at500 = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="500 umol/L"))
    assert at500.daily_dose_mg == approx(122.5)  # 251-500 (as the reference writes it): 1.75
    at501 = cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="501 umol/L"))
    assert at501.daily_dose_mg == approx(105.0)  # above 500: 1.5 x 70
    assert steps(at501)[0] == "creatinine 501 umol/L (> 500): at most 1.5 mg/kg/day"
    none = cyclophosphamide_oral(Patient(weight="70 kg"))
    assert none.warnings[0] == ("serum creatinine not given: the creatinine limit on oral dosing "
                                "is not checked")
    ov = cyclophosphamide_oral(Patient(weight="70 kg"), mg_per_kg_day=0.8, override="trial")
    assert ov.override == "trial" and ov.daily_dose_mg == approx(56.0)  # 0.8 x 70
    with pytest.raises(DoseRangeError):  # above the seed's 2 mg/kg/day: never, even overridden
        cyclophosphamide_oral(Patient(weight="70 kg"), mg_per_kg_day=2.5, override="trial")


def test_cyclophosphamide_iv_example_and_cap():
    """Mutation killer (docs/mutation.md): the example pulse word for word, the EULAR reduction
    offered, and an explicit BSA cap above, under and at the BSA."""
    r = cyclophosphamide_iv(EX)
    # BSA sqrt(175 x 72 / 3600) = 1.8708; 0.75 x 1000 x 1.8708 = 1,403.1 mg; 36000 / 1403.1 -> 26
    assert steps(r) == [
        "BSA (mosteller, 175 cm, 72 kg) = 1.8708 m2",
        "pulse = 0.75 g/m2 x 1.8708 m2 = 1,403.12 mg, every 4 weeks",
        "check WBC at the nadir (day 10-14); the cumulative dose reaches 36 g after 26 such pulses",
    ]
    assert r.dose_mg == approx(750 * math.sqrt(3.5)) and r.interval_weeks == 4
    assert r.bsa_formula == "mosteller" and r.bsa_cap_m2 is None and not r.held
    # age 60 and creatinine 88 umol/L: the 60-70 row, 12.5 / 15 = 83.3 %, offered not applied
    assert r.warnings == ("EULAR/CYCLOPS reduces pulses to 83.3 % for age 60 and creatinine 88 "
                          "umol/L; pass age_renal_reduction=True to apply it", MESNA)
    assert r.sources == (src.SEED_CYCLOPHOSPHAMIDE, src.BSA, src.EULAR_CYCLOPS, src.FAURSCHOU_2008,
                         src.MESNA_HYDRATION)
    big = Patient(weight="120 kg", height="190 cm", age=50, serum_creatinine="1 mg/dL")
    capped = cyclophosphamide_iv(big, g_per_m2=1, bsa_cap="2 m**2", interval_weeks=2)
    # BSA sqrt(190 x 120 / 3600) = 2.5166 > cap 2 -> 1 x 1000 x 2 = 2,000 mg; 36000/2000 = 18
    assert capped.dose_mg == 2000 and capped.bsa_cap_m2 == 2 and capped.dosing_bsa_m2 == 2
    assert "BSA capped at 2 m2 (explicit cap)" in steps(capped)
    assert steps(capped)[-1].endswith("after 18 such pulses")
    assert src.BSA_CAP in capped.sources and capped.warnings == (MESNA,)
    under = cyclophosphamide_iv(EX, bsa_cap="2 m**2")  # 1.8708 under the cap: not capped
    assert under.dose_mg == approx(750 * math.sqrt(3.5))
    assert not any(s.startswith("BSA capped") for s in steps(under))
    exact = cyclophosphamide_iv(Patient(weight="72 kg", height="200 cm", age=50,
                                        serum_creatinine="1 mg/dL"), bsa_cap="2 m**2")
    assert exact.bsa_m2 == 2.0 and not any(s.startswith("BSA capped") for s in steps(exact))
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_iv(Patient(weight="72 kg"))
    assert info.value.field == "height"


def test_cyclophosphamide_iv_eular_reduction():
    """Mutation killer (docs/mutation.md): the EULAR/CYCLOPS reduction offered, applied, refused
    above its table, and not checked without age or creatinine."""
    p = Patient(weight="72 kg", height="175 cm", age=65, serum_creatinine="350 umol/L")
    offered = cyclophosphamide_iv(p)
    assert offered.dose_mg == approx(750 * math.sqrt(3.5))
    applied = cyclophosphamide_iv(p, age_renal_reduction=True)
    # age 60-70 and creatinine 300-500: 10 of 15 mg/kg = 66.7 %: 1,403.1 x 10 / 15 = 935.41 mg
    assert applied.dose_mg == approx(750 * math.sqrt(3.5) * 10 / 15)
    assert ("EULAR/CYCLOPS reduction for age 65 and creatinine 350 umol/L: 66.7 % of the pulse "
            "(the table's mg/kg shares, applied to a g/m2 pulse)" in steps(applied))
    assert "reduced pulse: 935.41 mg" in steps(applied)
    assert steps(applied)[-1].endswith("after 39 such pulses")  # 36000 / 935.41 = 38.5 -> 39
    young = cyclophosphamide_iv(Patient(weight="72 kg", height="175 cm", age=40,
                                        serum_creatinine="1 mg/dL"), age_renal_reduction=True)
    assert young.dose_mg == approx(750 * math.sqrt(3.5)) and young.warnings == (MESNA,)
    high = Patient(weight="72 kg", height="175 cm", age=65, serum_creatinine="600 umol/L")
    with pytest.raises(ContraindicationError) as info:  # asked for a reduction the table lacks
        cyclophosphamide_iv(high, age_renal_reduction=True)
    assert info.value.field == "serum_creatinine"
    with pytest.raises(ContraindicationError):  # not asked: still no pulse by default
        cyclophosphamide_iv(high)
    above = cyclophosphamide_iv(high, override="nephrology agreed")  # a full pulse, warned
    assert above.dose_mg == approx(750 * math.sqrt(3.5))
    assert any("pass age_renal_reduction=True" in w for w in above.warnings)
    no_age = cyclophosphamide_iv(Patient(weight="72 kg", height="175 cm",
                                         serum_creatinine="1 mg/dL"))
    assert no_age.warnings == ("age or creatinine not given: the EULAR age/creatinine reduction "
                               "is not checked", MESNA)
    no_scr = cyclophosphamide_iv(Patient(weight="72 kg", height="175 cm", age=65))
    assert no_scr.warnings == no_age.warnings


@pytest.mark.parametrize(("age", "umol", "mg_per_kg"), [
    (59, 100, 15.0), (59, 299, 15.0), (59, 301, 12.5), (59, 500, 12.5),  # < 60
    (60, 100, 12.5), (70, 100, 12.5), (70, 301, 10.0),  # 60-70 (70 itself is in this row)
    (71, 100, 10.0), (71, 400, 7.5),  # > 70
])
def test_pulse_reduction_table(age, umol, mg_per_kg):
    """Mutation killer (docs/mutation.md): every row and column edge of the EULAR pulse-reduction
    table."""
    r = cyclophosphamide_pulse_reduction(
        Patient(weight="60 kg", age=age, serum_creatinine=f"{umol} umol/L"))
    assert r.reduced_mg_per_kg == approx(mg_per_kg)
    assert r.dose.magnitude == approx(mg_per_kg * 60)
    assert r.fraction == approx(mg_per_kg / 15)


def test_pulse_reduction_text_and_override():
    """Mutation killer (docs/mutation.md): the pulse reduction's text and sources, the refusal above
    the table and its override, and the missing data named."""
    r = cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=75, serum_creatinine="400 umol/L"))
    assert steps(r) == ["age 75, creatinine 400 umol/L: 7.5 of 15 mg/kg -> 7.5 mg/kg x 60 kg = 450 mg"]
    assert r.sources == (src.EULAR_CYCLOPS, src.CYCLOPS_PULSE_MAX, src.MESNA_HYDRATION)
    assert r.override is None and r.dose_mg == 450 and not r.cap_applied
    p = Patient(weight="60 kg", age=50, serum_creatinine="600 umol/L")
    with pytest.raises(ContraindicationError) as info:
        cyclophosphamide_pulse_reduction(p)
    assert info.value.field == "serum_creatinine"
    ov = cyclophosphamide_pulse_reduction(p, override="no choice")
    assert ov.reduced_mg_per_kg == 12.5 and ov.override == "no choice"  # the 300-500 column
    assert ov.warnings == ("creatinine 600 umol/L is above the table; 300-500 column used on "
                           "override: no choice", MESNA)
    at500 = cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50,
                                                     serum_creatinine="500 umol/L"))
    assert at500.reduced_mg_per_kg == 12.5 and at500.warnings == (MESNA,)
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50))
    assert info.value.field == "serum_creatinine"
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", serum_creatinine="1 mg/dL"))
    assert info.value.field == "age"


def test_next_pulse_nadir_titration():
    """Mutation killer (docs/mutation.md): nadir titration at, above and below the 2,000/uL target,
    with its derivation and a chosen cut."""
    up = cyclophosphamide_next_pulse(FIRST, nadir_wbc="3500 /uL")
    assert up.g_per_m2 == 0.625 and up.dose_mg == approx(625 * BSA_EX)  # 0.5 x 1.25
    assert steps(up) == ["nadir WBC 3,500/uL is above the 2,000 target: raise 25 % -> 0.625 g/m2",
                         "next pulse = 0.625 g/m2 x 1.8708 m2 = 1,169.27 mg"]
    at = cyclophosphamide_next_pulse(FIRST, nadir_wbc="2000 /uL")  # at the target: kept
    assert at.g_per_m2 == 0.5
    assert steps(at)[0] == "nadir WBC 2,000/uL is at the 2,000 target: keep 0.5 g/m2"
    assert cyclophosphamide_next_pulse(FIRST, nadir_wbc="2001 /uL").g_per_m2 == 0.625
    cut = cyclophosphamide_next_pulse(FIRST, nadir_wbc="1999 /uL")
    assert cut.g_per_m2 == approx(0.4)  # 0.5 x (1 - 0.2)
    assert steps(cut)[0] == "nadir WBC 1,999/uL is below 2,000: cut 20 % -> 0.4 g/m2"
    assert src.RANGE_LOW_END_GAP in cut.sources
    cut10 = cyclophosphamide_next_pulse(FIRST, nadir_wbc="1500 /uL", cut_fraction=0.1)
    assert cut10.g_per_m2 == approx(0.45)  # 0.5 x 0.9
    assert up.interval_weeks == FIRST.interval_weeks and up.bsa_formula == "mosteller"


def test_next_pulse_ceiling():
    """Mutation killer (docs/mutation.md): a raised pulse is held at 1 g/m2, passes it on override,
    and is held at the 1.6 g/m2 hard ceiling."""
    near = cyclophosphamide_iv(EX, g_per_m2=0.9)
    held = cyclophosphamide_next_pulse(near, nadir_wbc="3500 /uL")  # 1.125 > 1: held at 1
    assert held.g_per_m2 == 1.0 and held.dose_mg == approx(1000 * BSA_EX)
    assert steps(held)[0].startswith("nadir WBC 3,500/uL: a 25 % rise would pass 1 g/m2")
    exact = cyclophosphamide_iv(EX, g_per_m2=0.8)
    assert cyclophosphamide_next_pulse(exact, nadir_wbc="3500 /uL").g_per_m2 == 1.0  # 0.8 x 1.25
    over = cyclophosphamide_next_pulse(near, nadir_wbc="3500 /uL", override="refractory")
    assert over.g_per_m2 == approx(1.125) and over.override == "refractory"
    top = cyclophosphamide_next_pulse(over, nadir_wbc="3500 /uL", override="refractory")
    assert top.g_per_m2 == approx(1.4)  # 1.125 x 1.25 = 1.406 passes 1.4: stops at 1.4 (Michigan)
    stepped = cyclophosphamide_next_pulse(top, nadir_wbc="3500 /uL", override="refractory")
    assert stepped.g_per_m2 == approx(1.5)  # from 1.4: at most + 0.1 g/m2
    capped = cyclophosphamide_next_pulse(
        cyclophosphamide_next_pulse(stepped, nadir_wbc="3500 /uL", override="refractory"),
        nadir_wbc="3500 /uL", override="refractory")
    assert capped.g_per_m2 == approx(1.6)  # 1.5 + 0.1 = 1.6, then held at the 1.6 ceiling


def test_next_pulse_pre_pulse_counts():
    """Mutation killer (docs/mutation.md): the pre-pulse WBC and neutrophil bands on each side of
    2,000, 3,000 and 1,500/uL; a held pulse takes no cut on top."""
    full = 500 * BSA_EX  # 935.41 mg
    hold = cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="1999 /uL")
    assert hold.held and hold.dose_mg == 0.0
    assert hold.warnings == ("pre-pulse WBC 1,999/uL is below 2,000: hold the pulse",)
    half = cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="2000 /uL")
    assert half.dose_mg == approx(full / 2) and not half.held
    assert half.warnings == ("pre-pulse WBC 2,000/uL is 2,000-3,000: give 50 % (467.71 mg)", MESNA)
    assert cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="3000 /uL").dose_mg == approx(full / 2)
    whole = cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="3001 /uL")
    assert whole.dose_mg == approx(full) and whole.warnings == (MESNA,)
    neut = cyclophosphamide_next_pulse(FIRST, pre_pulse_neutrophils="1499 /uL")
    assert neut.dose_mg == approx(full * 0.75)  # cut 25 %
    assert neut.warnings == ("neutrophils 1,499/uL below 1.5 x10^9/L: cut 25 % (701.56 mg), or "
                             "postpone", MESNA)
    assert src.FRENCH_NEUTROPHILS in neut.sources
    ok = cyclophosphamide_next_pulse(FIRST, pre_pulse_neutrophils="1500 /uL")
    assert ok.dose_mg == approx(full)
    both = cyclophosphamide_next_pulse(FIRST, pre_pulse_wbc="1000 /uL",
                                       pre_pulse_neutrophils="500 /uL")
    assert both.held and both.dose_mg == 0.0 and len(both.warnings) == 1  # held: no cut on top


@pytest.mark.parametrize(("check", "expected"), [
    # oral: >= 250 umol/L limits the rate to 1.75 mg/kg/day -> 1.75 x 70 = 122.5 mg
    (lambda: cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="250 umol/L"))
     .daily_dose_mg, 122.5),
    # oral: 500 umol/L is still the 251-500 band: 1.75 x 70 = 122.5 mg
    (lambda: cyclophosphamide_oral(Patient(weight="70 kg", serum_creatinine="500 umol/L"))
     .daily_dose_mg, 122.5),
    # EULAR: age 59 and creatinine 300 umol/L is the 300-500 column: 12.5 mg/kg
    (lambda: cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=59,
                                                      serum_creatinine="300 umol/L"))
     .reduced_mg_per_kg, 12.5),
])
def test_creatinine_thresholds_typed_in_umol_per_litre(check, expected):
    """Regression found by the mutation tests (fixed in the core, 6d82ed7): a creatinine threshold
    typed in umol/L applies at the threshold itself."""
    assert check() == approx(expected)


def test_cyclophosphamide_oral_dispensed_with_a_registered_product(oral_product):
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): oral
    cyclophosphamide of a registered product rounds down at the seed's ceiling, and warns."""
    oral_product("cyclophosphamide", (50,))
    # 2 mg/kg x 72 = 144 mg is the seed's ceiling itself: the nearest 50 (150) would pass it,
    # so it rounds down to 100 mg (-30.6 %, warned)
    r = cyclophosphamide_oral(EX)
    assert r.dispensed.amount == 100 and r.dispensed.product == "test cyclophosphamide"
    assert r.dispensed.rounded == "down, to stay within the maximum"
    assert any("-30.6 %" in w for w in r.warnings)
    lower = cyclophosphamide_oral(EX, mg_per_kg_day=1.5)  # 108 mg -> nearest 50 = 100 (ceiling 144)
    assert lower.dispensed.amount == 100 and lower.dispensed.rounded == "to the nearest"
    assert r.drug == "cyclophosphamide (oral)"


def test_cumulative_days_rounded_down():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): the
    days to the 36 g cumulative dose are rounded down to whole days."""
    # 2 x 72.03 = 144.06 mg/day: 36000 / 144.06 = 249.9 -> 249 whole days
    r = cyclophosphamide_oral(Patient(weight="72.03 kg"))
    assert any(w.endswith("reaches 36 g after 249 days") for w in r.warnings)


def test_cyclophosphamide_iv_messages_and_overrides():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): IV
    cyclophosphamide's refusals and override warnings word for word."""
    with pytest.raises(InputRangeError) as info:
        cyclophosphamide_iv(EX, bsa_cap="3.5 m**2")
    assert str(info.value) == "bsa_cap 3.5 m**2 is outside the plausible range 1-3 m**2"
    with pytest.raises(DoseRangeError) as info:
        cyclophosphamide_iv(EX, g_per_m2=1.7, override="x")
    assert str(info.value) == (f"g_per_m2 1.7 g/m2 is above the hard limit of 1.6 g/m2 "
                               f"({src.CYCLOPHOSPHAMIDE_NADIR}); an override does not lift it")
    r = cyclophosphamide_iv(EX, g_per_m2=1.2, interval_weeks=6, override="refractory")
    assert r.override == "refractory" and r.dose_mg == approx(1200 * BSA_EX)
    assert r.warnings[:2] == (
        f"g_per_m2 1.2 g/m2 is outside the protocol range 0.3-1 g/m2 "
        f"({src.SEED_CYCLOPHOSPHAMIDE}); used on override: refractory",
        f"interval_weeks 6 is longer than the seed's 4 weeks ({src.SEED_CYCLOPHOSPHAMIDE}): "
        "below the protocol, computed as asked",
    )
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_iv(Patient(weight="72 kg"))
    assert str(info.value) == "BSA for IV cyclophosphamide needs the patient's height"
    above = cyclophosphamide_iv(Patient(weight="72 kg", height="175 cm", age=65,
                                        serum_creatinine="600 umol/L"), override="agreed")
    assert src.EULAR_CYCLOPS in above.sources
    with pytest.raises(ContraindicationError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50,
                                                 serum_creatinine="600 umol/L"))
    assert info.value.value == approx(600.0)


def test_pulse_reduction_override_and_missing_messages():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): the
    pulse reduction's override warning and missing-data refusals word for word."""
    r = cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50, serum_creatinine="1 mg/dL"),
                                         mg_per_kg=10, override="smaller pulses")
    assert r.reduced_mg_per_kg == 10 and r.standard_mg_per_kg == 10  # < 60 y, < 300: 15/15 x 10
    assert r.warnings[0] == (f"mg_per_kg 10 mg/kg is outside the protocol range 15 mg/kg "
                             f"({src.EULAR_CYCLOPS}); used on override: smaller pulses")
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", serum_creatinine="1 mg/dL"))
    assert str(info.value) == "the EULAR pulse reduction needs the patient's age"
    with pytest.raises(MissingInputError) as info:
        cyclophosphamide_pulse_reduction(Patient(weight="60 kg", age=50))
    assert str(info.value) == "the EULAR pulse reduction needs the patient's serum_creatinine"


def test_next_pulse_refusals_and_carried_fields():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing): the
    next pulse's refusals word for word; the BSA cap and the cut fraction carried to the next
    pulse."""
    with pytest.raises(InputRangeError) as info:
        cyclophosphamide_next_pulse(EX, nadir_wbc="3000 /uL")
    assert str(info.value) == "previous must be the CyclophosphamidePulse of the last pulse"
    with pytest.raises(DoseRangeError) as info:  # a hand-made pulse above the ceiling
        cyclophosphamide_next_pulse(_pulse(2.0), pre_pulse_wbc="5000 /uL", override="x")
    assert info.value.field == "next pulse g_per_m2"
    assert str(info.value) == (f"next pulse g_per_m2 2 g/m2 is above the hard limit of 1.6 g/m2 "
                               f"({src.CYCLOPHOSPHAMIDE_NADIR}); an override does not lift it")
    capped = cyclophosphamide_next_pulse(_pulse(0.5, bsa_cap=2.0), nadir_wbc="3000 /uL")
    assert capped.bsa_cap_m2 == 2.0 and capped.dose_mg == approx(625 * 2.0)  # 0.625 x 2 m2
    wide = cyclophosphamide_next_pulse(FIRST, nadir_wbc="1000 /uL", cut_fraction=0.3,
                                       override="deep nadir")
    assert wide.g_per_m2 == approx(0.35)  # 0.5 x 0.7
    assert wide.warnings[0] == (f"cut_fraction 0.3 is outside the protocol range 0.1-0.2 "
                                f"({src.CYCLOPHOSPHAMIDE_NADIR}); used on override: deep nadir")
    exact = cyclophosphamide_next_pulse(cyclophosphamide_iv(EX, g_per_m2=0.8), nadir_wbc="3000 /uL")
    assert steps(exact)[0] == "nadir WBC 3,000/uL is above the 2,000 target: raise 25 % -> 1 g/m2"


def test_iv_interval_shorter_than_two_weeks_refused_even_with_override():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): an interval under
    the seed's 2 weeks is refused even with an override."""
    with pytest.raises(DoseRangeError) as info:
        cyclophosphamide_iv(EX, interval_weeks=1, override="x")
    assert info.value.field == "interval_weeks" and info.value.value == 1.0
    assert str(info.value).startswith("interval_weeks 1 is shorter than the seed's 2 weeks (")


def test_iv_reduction_above_the_table_uses_the_300_500_column_on_override():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): above the EULAR
    table, the override uses its 300-500 umol/L column."""
    r = cyclophosphamide_iv(HIGH_CREATININE, age_renal_reduction=True, override="x")
    # age 65, column 300-500 on override: 10 of 15 mg/kg -> 1,403.1 x 10 / 15 = 935.41 mg
    assert r.dose_mg == approx(750 * BSA_EX * 10 / 15) and r.override == "x"


def test_iv_reduction_above_the_table_is_warned():
    """Regression found by the mutation tests (fixed in the core, 3949044): the override's use of
    the EULAR table above its last column is said in a warning."""
    r = cyclophosphamide_iv(HIGH_CREATININE, age_renal_reduction=True, override="x")
    assert r.warnings == ("creatinine 600 umol/L is above the EULAR table; its 300-500 column is "
                          "used on override: x", MESNA)


def test_next_pulse_above_the_seed_ceiling_is_warned_on_override():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): a next pulse
    above the seed's 1 g/m2 on override is warned; the seed is cited first even when no step
    cites it."""
    near = cyclophosphamide_iv(EX, g_per_m2=0.9)
    over = cyclophosphamide_next_pulse(near, nadir_wbc="3500 /uL", override="refractory")
    assert over.warnings == (
        f"next pulse g_per_m2 1.125 g/m2 is outside the protocol range 0-1 g/m2 "
        f"({src.SEED_CYCLOPHOSPHAMIDE}); used on override: refractory", MESNA)  # 0.9 x 1.25
    # the seed is cited first even when no phase or rule step cites it (3.5 mg/kg/day)
    assert ciclosporin(Patient(weight="50 kg"), mg_per_kg_day=3.5).sources[0] == src.SEED_CICLOSPORIN


def test_oral_cyclophosphamide_cap_text_limits_and_boundary() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): the new 200 mg/day
    maximum of oral cyclophosphamide: its text, limits and boundary."""
    r = cyclophosphamide_oral(Patient(weight="130 kg"))  # 2 x 130 = 260 -> 200 mg/day
    assert r.steps[:2] == ("2 mg/kg/day x 130 kg (actual weight) = 260 mg/day",
                           "capped at 200 mg/day (from 260 mg)")
    assert [(lim.label, lim.amount, lim.per, lim.source) for lim in r.limits] == [
        ("maximum", 200.0, "day", src.ORAL_CYCLOPHOSPHAMIDE_MAX),
        ("seed ceiling of 2 mg/kg/day", 260.0, "day", src.SEED_CEILING_GAP),  # 2 x 130
    ]
    assert r.cap_applied and r.daily_dose_mg == 200 and r.cap_mg_per_day == 200
    at = cyclophosphamide_oral(Patient(weight="100 kg"))  # 2 x 100 = 200: the maximum itself
    assert at.daily_dose_mg == 200 and not at.cap_applied
    assert "capped at" not in " ".join(at.steps)


def test_cyclops_pulse_cap_texts_and_parameter_checks() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): the new 1,200 mg
    CYCLOPS pulse maximum, its override up to 1,500 mg, and the checks of max_pulse_mg."""
    p = Patient(weight="130 kg", age=50, serum_creatinine="1 mg/dL")
    r = cyclophosphamide_pulse_reduction(p)  # 15 mg/kg x 130 kg = 1,950 mg -> 1,200 mg
    assert r.steps == ("age 50, creatinine 88 umol/L: 15 of 15 mg/kg -> 15 mg/kg x 130 kg = "
                       "1,950 mg", "capped at 1,200 mg per pulse (from 1,950 mg)")
    assert r.warnings[0] == "1,950 mg is above the 1,200 mg per-pulse maximum: 1,200 mg given"
    assert r.limits[0].label == "per-pulse maximum" and r.limits[0].amount == 1200
    assert r.limits[0].per == "dose" and r.limits[0].source == src.CYCLOPS_PULSE_MAX
    assert r.dose.magnitude == 1200 and r.reduced_mg_per_kg == 15 and r.fraction == 1
    assert repr(r).splitlines()[0] == ("cyclophosphamide pulse: 1,200 mg (15 mg/kg, 100 % of "
                                       "15 mg/kg, capped)")
    at = cyclophosphamide_pulse_reduction(Patient(weight="80 kg", age=50,
                                                  serum_creatinine="1 mg/dL"))
    assert at.dose_mg == 1200 and not at.cap_applied  # 15 x 80 = 1,200: the maximum itself
    with pytest.raises(DoseRangeError) as caught:
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1300)
    assert caught.value.field == "max_pulse_mg" and "outside the protocol range 1-1,200 mg" in str(
        caught.value)
    over = cyclophosphamide_pulse_reduction(p, max_pulse_mg=1300, override="summary's 1.5 g")
    assert over.dose_mg == 1300 and over.override == "summary's 1.5 g"
    with pytest.raises(DoseRangeError, match="above the hard limit of 1,500 mg"):
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1500.5, override="x")
    assert cyclophosphamide_pulse_reduction(p, max_pulse_mg=1500, override="x").dose_mg == 1500
    small = cyclophosphamide_pulse_reduction(p, max_pulse_mg=1)  # the range's low end: allowed
    assert small.dose_mg == 1
    with pytest.raises(InputRangeError, match="greater than zero"):
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=0)


def test_iv_pulse_limit_is_1_6_g_per_m2_of_the_dosing_bsa() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): the IV pulse limit is
    1.6 g/m2 of the dosing (capped) BSA."""
    # Changed 2026-12-07: without an override the ceiling is the seed's 1 g/m2
    # (1 x 1,000 x 1.8708 m2 = 1,870.8 mg); 1.6 g/m2 only on an override (2,993.3 mg).
    (plain,) = cyclophosphamide_iv(EX).limits
    assert (plain.label, plain.per, plain.source) == ("seed ceiling of 1 g/m2", "dose",
                                                     src.SEED_CYCLOPHOSPHAMIDE)
    assert plain.amount == pytest.approx(1000 * math.sqrt(3.5))
    r = cyclophosphamide_iv(EX, override="specialist")
    (lim,) = r.limits
    assert (lim.label, lim.per, lim.source) == ("ceiling of 1.6 g/m2", "dose",
                                               src.CYCLOPHOSPHAMIDE_NADIR)
    assert lim.amount == pytest.approx(1600 * math.sqrt(3.5))
    capped = cyclophosphamide_iv(Patient(weight="120 kg", height="190 cm", age=50,
                                         serum_creatinine="1 mg/dL"), bsa_cap="2 m**2",
                                 override="specialist")
    assert capped.limits[0].amount == pytest.approx(3200.0)  # 1.6 x 1,000 x the capped 2 m2


def test_pulse_reduction_parameter_errors_name_max_pulse_mg() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): every refusal of
    max_pulse_mg names it; a raised maximum cites the CYCLOPS source."""
    p = Patient(weight="70 kg", age=50, serum_creatinine="1 mg/dL")
    for bad in ("1200", 0, -5):
        with pytest.raises(InputRangeError) as caught:
            cyclophosphamide_pulse_reduction(p, max_pulse_mg=bad)  # type: ignore[arg-type]
        assert caught.value.field == "max_pulse_mg"
    with pytest.raises(DoseRangeError) as caught:
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1501, override="x")
    assert caught.value.field == "max_pulse_mg"
    assert src.CYCLOPS_PULSE_MAX in cyclophosphamide_pulse_reduction(
        p, max_pulse_mg=1300, override="x").sources


def test_a_pulse_held_with_a_dose_or_given_without_one_is_refused() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): the guard refuses a
    held pulse with a dose, and a given pulse of 0 mg."""
    pulse = cyclophosphamide_iv(EX)  # 0.75 x 1.8708 m2 = 1,403 mg, given
    with pytest.raises(DoseRangeError, match="a held cyclophosphamide pulse of 1403"):
        pulse._evolve(held=True)
    with pytest.raises(DoseRangeError, match=r"cyclophosphamide pulse came out as 0\.0"):
        pulse._evolve(dose_mg=0.0)


def test_class_6_oral_cyclophosphamide_200_mg_a_day() -> None:
    """Never silently wrong, class 6 (missing maxima): oral cyclophosphamide at most 200 mg a day."""
    r = cyclophosphamide_oral(Patient(weight="130 kg"))  # 2 x 130 = 260 -> 200 mg/day
    assert r.daily_dose_mg == 200 and r.cap_applied
    assert src.ORAL_CYCLOPHOSPHAMIDE_MAX in r.sources


def test_class_6_cyclops_pulse_at_most_1_2_g() -> None:
    """Never silently wrong, class 6 (missing maxima): a CYCLOPS pulse at most 1.2 g, 1.5 g only
    with a reason, never more."""
    p = Patient(weight="130 kg", age=50, serum_creatinine="1 mg/dL")
    r = cyclophosphamide_pulse_reduction(p)  # 15 mg/kg x 130 kg = 1,950 -> 1,200 mg
    assert r.dose_mg == 1200 and r.cap_applied and src.CYCLOPS_PULSE_MAX in r.sources
    wider = cyclophosphamide_pulse_reduction(p, max_pulse_mg=1500, override="summary's 1.5 g")
    assert wider.dose_mg == 1500
    with pytest.raises(DoseRangeError):  # no source gives more than 1.5 g
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1600, override="more")
    with pytest.raises(DoseRangeError):  # 1.5 g is a secondary figure: it needs a reason
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1500)


@pytest.mark.parametrize("value", [1e300, 1e6])
def test_pulse_reduction_refuses_absurd_mg_per_kg(value):
    """Regression, a gap the bad-input matrix found (fixed in the core, 856a0d6): an absurd
    mg_per_kg is refused as outside the protocol."""
    with pytest.raises(DoseRangeError):
        plexodose.cyclophosphamide_pulse_reduction(EX, mg_per_kg=value)
