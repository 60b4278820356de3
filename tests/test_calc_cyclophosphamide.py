"""Cyclophosphamide: oral daily dose, BSA-based pulses, EULAR reduction, nadir titration."""

from __future__ import annotations

import pytest

from plexodose import (
    ContraindicationError,
    DoseRangeError,
    InputRangeError,
    MissingInputError,
    Patient,
    cyclophosphamide_iv,
    cyclophosphamide_next_pulse,
    cyclophosphamide_oral,
    cyclophosphamide_pulse_reduction,
)

BSA_EXAMPLE = (175 * 72 / 3600) ** 0.5  # Mosteller 1.870829 m2


def test_oral_example() -> None:
    r = cyclophosphamide_oral(Patient.example())
    assert r.daily_dose.m_as("mg/day") == pytest.approx(144.0)  # 2 x 72
    # 36,000 mg / 144 mg a day = 250 days to the 36 g threshold
    assert any("36 g after 250 days" in w for w in r.warnings)
    assert r.dispensed is None  # no oral strengths in the reference


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
    with pytest.raises(DoseRangeError, match="interval_weeks 6"):
        cyclophosphamide_iv(Patient.example(), interval_weeks=6)
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
    assert again.g_per_m2 == pytest.approx(1.5)  # 1.2 x 1.25, under the 1.6 ceiling


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
    assert cyclophosphamide_iv(p).dose.m_as("mg") == pytest.approx(750 * BSA_EXAMPLE)  # warned


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
