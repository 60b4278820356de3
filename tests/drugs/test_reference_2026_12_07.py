"""Issue 19, class 5: the doses the corrected reference changes (dosing-rules.md and
monitoring-rules.md, "Changes on 2026-12-07"), each from the reference's own worked example,
hand-computed here."""

from __future__ import annotations

import pytest

import plexodose._core.sources as src
from plexodose import (
    CATALOGUE,
    ContraindicationError,
    DoseRangeError,
    Patient,
    azathioprine,
    cyclophosphamide_iv,
    cyclophosphamide_next_pulse,
    cyclophosphamide_oral,
    ivig,
)

# ---------------------------------------------------------------------------------------------
# IVIg dosing weight (Transfusion Ontario)


def test_ivig_short_obese_patient_is_dosed_on_actual_weight() -> None:
    # Female 145 cm, 80 kg: BMI 80 / 1.45^2 = 38.0, but below 152.4 cm: actual weight, 80 kg;
    # 0.4 g/kg x 80 kg = 32 g/day (the old rule gave adjusted 55.28 kg, 22.1 g/day: 31 % low).
    course = ivig(Patient(weight="80 kg", height="145 cm", sex="female"))
    assert course.weight_basis == "actual" and course.dosing_weight_kg == 80.0
    assert course.daily_dose_g == pytest.approx(32.0)
    assert "below 152.4 cm" in course.weight_basis_reason


def test_ivig_obese_at_or_above_152_4_cm_is_dosed_on_adjusted_weight() -> None:
    # Female 165 cm, 110 kg (BMI 40.4): IBW 45.5 + 2.3 x (165 / 2.54 - 60) = 56.91 kg;
    # adjusted 56.91 + 0.4 x (110 - 56.91) = 78.15 kg; 0.4 x 78.15 = 31.26 g/day.
    course = ivig(Patient(weight="110 kg", height="165 cm", sex="female"))
    assert course.weight_basis == "adjusted"
    assert course.dosing_weight_kg == pytest.approx(78.15, abs=0.005)
    assert course.daily_dose_g == pytest.approx(31.26, abs=0.002)


def test_ivig_named_option_ontario_all_adults() -> None:
    # Female 170 cm, 82 kg (BMI 28.4): IBW 45.5 + 2.3 x (170 / 2.54 - 60) = 61.437 kg;
    # adjusted 61.437 + 0.4 x (82 - 61.437) = 69.66 kg; 0.4 x 69.66 = 27.86 g/day.
    p = Patient(weight="82 kg", height="170 cm", sex="female")
    course = ivig(p, auto_rule="ontario_all_adults")
    assert course.weight_basis == "adjusted"
    assert course.dosing_weight_kg == pytest.approx(69.66, abs=0.005)
    assert course.daily_dose_g == pytest.approx(27.86, abs=0.005)
    assert src.ONTARIO_ALL_ADULTS in course.sources
    # The default (BMI not above 30): actual weight, 0.4 x 82 = 32.8 g/day.
    assert ivig(p).daily_dose_g == pytest.approx(32.8)
    # Below 152.4 cm, or not over 45.5 kg (female): actual weight under the option too.
    assert ivig(Patient(weight="80 kg", height="145 cm", sex="female"),
                auto_rule="ontario_all_adults").weight_basis == "actual"
    assert ivig(Patient(weight="45.5 kg", height="160 cm", sex="female"),
                auto_rule="ontario_all_adults").weight_basis == "actual"


def test_ivig_dosing_weight_is_never_above_actual() -> None:
    # Male 190 cm, 70 kg under "Ontario, all adults": IBW 50 + 2.3 x (190 / 2.54 - 60) = 84.04
    # kg; adjusted 84.04 + 0.4 x (70 - 84.04) = 78.4 kg > 70: actual weight, 0.4 x 70 = 28 g.
    course = ivig(Patient(weight="70 kg", height="190 cm", sex="male"),
                  auto_rule="ontario_all_adults")
    assert course.dosing_weight_kg == 70.0 and course.daily_dose_g == pytest.approx(28.0)


# ---------------------------------------------------------------------------------------------
# IVIg product catalogue and rates


@pytest.mark.parametrize(
    ("name", "start", "top", "at_risk", "sizes", "row"),
    [
        ("gamunex", 2.0, 8.0, None, (40.0, 20.0, 10.0, 5.0, 2.5, 1.0), "CIDP"),
        ("privigen", 0.5, 8.0, None, (40.0, 20.0, 10.0, 5.0), "CIDP"),
        ("gammagard", 0.8, 9.0, None, (30.0, 20.0, 10.0, 5.0, 2.5, 1.0), "CIDP"),
        ("panzyga", 1.0, 12.0, 3.3, (30.0, 20.0, 10.0, 5.0, 2.5, 1.0), "CIDP"),
        ("octagam", 1.0, 12.0, 3.3, (30.0, 20.0, 10.0, 5.0, 2.0), "ITP (no CIDP row in the US label)"),
    ],
)
def test_ivig_catalogue_rows(name, start, top, at_risk, sizes, row) -> None:
    product = CATALOGUE.ivig(name)
    assert (product.initial_rate_mg_per_kg_min, product.max_rate_mg_per_kg_min) == (start, top)
    assert product.at_risk_max_rate_mg_per_kg_min == at_risk
    assert product.vial_sizes_g == sizes and product.rate_row == row


def test_gammagard_doses_round_to_its_vials() -> None:
    # 72 kg: 0.4 x 72 = 28.8 g -> nearest 5 g = 30 g: one 30 g vial.
    course = ivig(Patient.example(), product="gammagard")
    assert course.dispensed is not None and course.dispensed.units == ((30.0, 1),)


def test_ivig_at_risk_rate_holds_the_initial_rate_and_states_the_time() -> None:
    # 72 kg, age 70 (over 65), Privigen (no at-risk figure): 0.5 mg/kg/min held;
    # 0.4 x 72 = 28.8 -> 30 g; 30,000 mg / (0.5 x 72) = 833.3 min = 13 h 53 min (> 8 h: warned).
    r = ivig(Patient(weight="72 kg", age=70), product="privigen")
    text = " | ".join(r.warnings)
    assert "0.5 mg/kg/min (21.6 mL/h), not escalated" in text and "13 h 53 min" in text
    assert "more than 8 hours" in text
    # Panzyga: 1 rising to 3.3 mg/kg/min: 30,000 / (3.3 x 72) = 126.3 min = 2 h 6 min to
    # 30,000 / 72 = 416.7 min = 6 h 57 min; not over 8 hours.
    r = ivig(Patient(weight="72 kg", age=70), product="panzyga")
    text = " | ".join(r.warnings)
    assert "1 rising to at most 3.3 mg/kg/min" in text and "2 h 6 min to 6 h 57 min" in text
    assert "more than 8 hours" not in text


def test_ivig_at_risk_day_over_24_hours_is_refused_by_default() -> None:
    # 1 g/kg x 72 = 72 -> 70 g at Privigen's 0.5 mg/kg/min: 70,000 / 36 = 1,944 min = 32 h 24 min.
    p = Patient(weight="72 kg", age=70)
    with pytest.raises(DoseRangeError, match="more than 24 hours"):
        ivig(p, product="privigen", g_per_kg_day=1, days=2)
    kept = ivig(p, product="privigen", g_per_kg_day=1, days=2, override="inpatient, 2 pumps")
    assert any("kept on override" in w for w in kept.warnings)


# ---------------------------------------------------------------------------------------------
# Azathioprine (CPIC)


def test_azathioprine_intermediate_once_on_n_with_a_25_mg_floor() -> None:
    # 72 kg: N = 2 x 72 = 144 mg; 30 % = 43.2 -> 50 mg daily from day 1 (34.7 % of N), inside
    # 43.2-115.2 mg; never 21.6 mg (30 % of the 1 mg/kg titration start).
    p = Patient(weight="72 kg", tpmt="intermediate", nudt15="normal")
    assert azathioprine(p).daily_dose_mg == 50.0
    assert azathioprine(p, mg_per_kg_day=1).daily_dose_mg == 50.0  # the step is not reduced
    # Both genes: 20 % of 144 = 28.8 -> 50 mg (<= 50 % of 144 = 72).
    both = Patient(weight="72 kg", tpmt="intermediate", nudt15="intermediate")
    assert azathioprine(both).daily_dose_mg == 50.0
    # With allopurinol: 0.30 x 0.25 x 144 = 10.8 up to 0.80 x 1/3 x 144 = 38.4 -> 25 mg.
    assert azathioprine(p, allopurinol=True).daily_dose_mg == 25.0


def test_azathioprine_no_multiple_of_25_in_range_is_refused_by_default() -> None:
    # 40 kg, both genes, allopurinol: N 80; 0.2 x 0.25 x 80 = 4 up to 0.5 x 1/3 x 80 = 13.3 mg.
    p = Patient(weight="40 kg", tpmt="intermediate", nudt15="intermediate")
    with pytest.raises(ContraindicationError, match="no whole multiple of 25 mg"):
        azathioprine(p, allopurinol=True)
    assert azathioprine(p, allopurinol=True, override="haematology").daily_dose_mg == 25.0


def test_azathioprine_poor_metabolizer_malignancy_regimen_never_rounded_up() -> None:
    # 72 kg: N / 10 = 14.4 mg on 3 days a week; no tablet is dispensed.
    p = Patient(weight="72 kg", tpmt="poor", nudt15="normal")
    with pytest.raises(ContraindicationError, match="mycophenolate, cyclophosphamide or ciclosporin"):
        azathioprine(p)
    r = azathioprine(p, override="no alternative tolerated")
    assert r.per_dose_mg == pytest.approx(14.4) and r.days_per_week == 3
    assert r.dispensed is None
    assert any("MALIGNANT" in w for w in r.warnings)
    assert src.CPIC_POOR_MALIGNANCY in r.sources


def test_azathioprine_below_range_is_computed_with_a_warning() -> None:
    # 0.5 mg/kg/day x 72 kg = 36 mg: below 1-2 mg/kg/day, computed and warned, not refused.
    r = azathioprine(Patient.example(), mg_per_kg_day=0.5)
    assert r.daily_dose_mg == pytest.approx(36.0)
    assert any("below the protocol range 1-2 mg/kg/day" in w for w in r.warnings)


# ---------------------------------------------------------------------------------------------
# Cyclophosphamide


def test_oral_cyclophosphamide_dispensed_as_25_and_50_mg_tablets() -> None:
    # 1.5 mg/kg x 72 = 108 mg -> nearest 25 mg = 100 mg (2 x 50).
    r = cyclophosphamide_oral(Patient.example(), mg_per_kg_day=1.5)
    assert r.dispensed is not None and r.dispensed.units == ((50.0, 2),)
    assert src.CYCLOPHOSPHAMIDE_TABLETS in r.sources


def test_oral_cyclophosphamide_below_range_is_computed_with_a_warning() -> None:
    # 0.5 mg/kg x 72 = 36 mg: computed, warned.
    r = cyclophosphamide_oral(Patient.example(), mg_per_kg_day=0.5)
    assert r.daily_dose_mg == pytest.approx(36.0)
    assert any("below the protocol range" in w for w in r.warnings)


def test_michigan_step_above_1_4_g_per_m2_is_0_1_on_override() -> None:
    # 1.4 g/m2 pulse, nadir 3,000/uL: next 1.5 g/m2 (not 1.75); at 1.8708 m2: 2,806.2 mg.
    first = cyclophosphamide_iv(Patient.example(), g_per_m2=1.4, override="specialist")
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="3000 /uL", override="specialist")
    assert nxt.g_per_m2 == pytest.approx(1.5)
    assert nxt.dose_mg == pytest.approx(1500 * 1.870829, abs=0.01)
    # From 1.2 g/m2 a 25 % raise (1.5) would pass 1.4: it stops at 1.4.
    mid = cyclophosphamide_iv(Patient.example(), g_per_m2=1.2, override="specialist")
    assert cyclophosphamide_next_pulse(mid, nadir_wbc="3000 /uL",
                                       override="specialist").g_per_m2 == pytest.approx(1.4)
    # From 1.55 the step is capped by the absolute 1.6 g/m2.
    top = cyclophosphamide_iv(Patient.example(), g_per_m2=1.55, override="specialist")
    assert cyclophosphamide_next_pulse(top, nadir_wbc="3000 /uL",
                                       override="specialist").g_per_m2 == pytest.approx(1.6)
    # Without an override the default ceiling is 1 g/m2: 0.9 x 1.25 = 1.125 -> 1.
    plain = cyclophosphamide_iv(Patient.example(), g_per_m2=0.9)
    assert cyclophosphamide_next_pulse(plain, nadir_wbc="3000 /uL").g_per_m2 == pytest.approx(1.0)
