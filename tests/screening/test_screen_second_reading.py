"""Regressions from the second reading of the screen (each named for the defect it holds)."""

from __future__ import annotations

import pytest

from plexodose import InputRangeError, Labs, Order, Patient, screen

ON = "2026-12-07"
STALE = Patient(weight="72 kg", height="175 cm", sex="male", age=40, serum_creatinine="1 mg/dL",
                measured={"weight": "2026-01-01"}, on=ON)
YOUNG = Patient(weight="72 kg", height="175 cm", sex="male", age=40, serum_creatinine="1 mg/dL")


def test_a_stale_weight_never_hides_an_absolute_limit_that_needs_no_weight() -> None:
    # mycophenolate 3,000 mg twice daily = 6 g/day: above 1,500 a dose and 3,000 a day
    s = screen(Order(drug="mycophenolate", dose="3,000 mg", times_per_day=2), STALE)
    assert s.verdict == "above_hard"
    s = screen(Order(drug="azathioprine", dose="500 mg", times_per_day=1), STALE)
    assert s.verdict == "above_hard"
    assert any(f.category == "not_screened" for f in s.findings)  # the range needed the weight
    # an interval under 2 weeks needs no BSA
    s = screen(Order(drug="cyclophosphamide_iv", dose="1,000 mg", every="7 days"),
               Patient(weight="72 kg"))
    assert s.verdict == "above_hard"


def test_an_unscreened_order_is_never_accepted_even_with_a_reason() -> None:
    s = screen(Order(drug="azathioprine", dose="50 mg", times_per_day=3, reason="patient's wish"),
               STALE)  # frequency soft (reason given), per day not screened (stale weight)
    assert s.verdict == "not_screened" and not s.accepted


def test_mg_per_kg_pulses_read_frequency_days_and_labs() -> None:
    # 15 mg/kg x 72 kg = 1,080 mg three times a day: a pulse is one infusion (soft), and the
    # pre-pulse WBC 1.0 holds it
    labs = Labs(date="2026-12-06", wbc="1.0 10*9/L", neutrophils="0.5 10*9/L")
    s = screen(Order(drug="cyclophosphamide_iv", dose="15 mg/kg", times_per_day=3,
                     every="2 weeks"), YOUNG, labs=labs, on=ON)
    categories = {(f.dimension, f.category) for f in s.findings}
    assert ("frequency", "above_soft") in categories
    assert ("condition", "above_soft") in categories
    s = screen(Order(drug="cyclophosphamide_iv", dose="1 g/m2", days=5, every="4 weeks"), YOUNG)
    assert s.verdict == "above_hard"  # a pulse on 5 consecutive days


def test_a_weekly_amount_is_judged_on_its_dosing_day() -> None:
    # 1,050 mg a week on one day a week: 1,050 mg that day, far above 150 mg/day
    s = screen(Order(drug="azathioprine", dose="1050 mg/week", times_per_day=1,
                     days_per_week=1), YOUNG)
    assert s.verdict == "above_hard"
    # spread over 7 days: 150 mg a day, within
    s = screen(Order(drug="azathioprine", dose="1050 mg/week", times_per_day=1), YOUNG)
    assert s.verdict == "within"
    with pytest.raises(InputRangeError, match="per day or per week"):
        Order(drug="mycophenolate", dose="125 mg/h")


def test_ivig_without_height_is_not_screened_unless_above_actual_weight() -> None:
    p = Patient(weight="150 kg", sex="female", age=50)  # obese? height unknown
    s = screen(Order(drug="ivig", dose="150 g", times_per_day=1, days=1), p)
    assert s.verdict == "not_screened"
    s = screen(Order(drug="ivig", dose="160 g", times_per_day=1, days=1), p)
    assert s.verdict == "above_hard"  # above 1 g/kg/day of actual weight: above any dosing weight


@pytest.mark.parametrize("date", ["2020-01-01", "2026-11-29", "2027-06-01"])
def test_labs_outside_the_week_before_the_pulse_are_not_used(date: str) -> None:
    labs = Labs(date=date, wbc="1.0 10*9/L", neutrophils="0.5 10*9/L")
    s = screen(Order(drug="cyclophosphamide_iv", dose="0.75 g/m2", every="4 weeks"), YOUNG,
               labs=labs, on=ON)
    assert s.verdict == "within"  # the counts were not used...
    assert any("not used" in item for item in s.not_checked)  # ...and it says so


def test_unknown_renal_function_and_genotype_are_named() -> None:
    s = screen(Order(drug="azathioprine", dose="150 mg", times_per_day=1),
               Patient(weight="72 kg"))
    assert s.verdict == "within"
    assert any("renal function not known" in item for item in s.not_checked)
    assert any("TPMT/NUDT15 not known" in item for item in s.not_checked)


def test_no_suggestion_above_a_limit_when_no_tablet_fits() -> None:
    # 12 kg: 2 mg/kg = 24 mg, below one 25 mg tablet
    s = screen(Order(drug="cyclophosphamide_oral", dose="200 mg", times_per_day=1),
               Patient(weight="12 kg"))
    assert s.verdict == "above_hard" and s.suggested_mg is None


def test_an_already_halved_pulse_is_within_at_wbc_2_to_3() -> None:
    labs = Labs(date="2026-12-06", wbc="2.5 10*9/L", neutrophils="2 10*9/L")
    halved = screen(Order(drug="cyclophosphamide_iv", dose="0.375 g/m2", every="4 weeks"), YOUNG,
                    labs=labs, last_pulse="0.75 g/m2", on=ON)
    assert halved.verdict == "within"
    full = screen(Order(drug="cyclophosphamide_iv", dose="0.75 g/m2", every="4 weeks"), YOUNG,
                  labs=labs, last_pulse="0.75 g/m2", on=ON)
    assert full.verdict == "above_soft"


def test_allopurinol_takes_one_third_at_the_top_of_a_reduced_range() -> None:
    # intermediate, 72 kg: N = 144 mg; top 0.8 x 1/3 x 144 = 38.4 mg; bottom 0.3 x 1/4 x 144
    # = 10.8 mg
    p = Patient(weight="72 kg", tpmt="intermediate", nudt15="normal")
    assert screen(Order(drug="azathioprine", dose="37.5 mg", times_per_day=1), p,
                  allopurinol=True).verdict == "within"
    assert screen(Order(drug="azathioprine", dose="50 mg", times_per_day=1), p,
                  allopurinol=True).verdict == "above_soft"


def test_every_other_day_for_a_daily_drug_needs_a_reason() -> None:
    s = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=1, every="2 days"), YOUNG)
    f = next(f for f in s.findings if f.dimension == "frequency")
    assert f.category == "above_soft" and "every 2 days" in f.text


def test_an_exposure_or_administration_made_by_hand_is_checked() -> None:
    import datetime as dt

    from plexodose import Administration, Exposure

    with pytest.raises(InputRangeError):
        Exposure(known=True, total_g=float("nan"))
    with pytest.raises(InputRangeError):
        Exposure(known=True, total_g=-100.0)
    with pytest.raises(InputRangeError):
        Administration(date=dt.date(2026, 1, 1), drug="cyclophosphamide_iv", amount_mg=-1.0)
    with pytest.raises(InputRangeError):
        Administration(date="2026-01-01", drug="cyclophosphamide_iv", amount_mg=1.0)  # type: ignore[arg-type]


def test_a_not_screened_finding_has_no_act_code() -> None:
    s = screen(Order(drug="azathioprine", dose="50 mg", times_per_day=1), STALE)
    blocked = [f for f in s.findings if f.category == "not_screened"]
    assert blocked and all(f.code is None for f in blocked)


def test_azathioprine_twice_daily_range_is_dispensed_twice_daily() -> None:
    # 66 kg: 2 mg/kg = 132 mg/day; twice daily the calculator gives 2 x 75 mg = 150 mg/day
    p = Patient(weight="66 kg")
    assert screen(Order(drug="azathioprine", dose="75 mg", times_per_day=2), p).verdict == "within"


def test_a_renally_reduced_azathioprine_range_is_not_widened_past_its_end() -> None:
    # 65.2 kg, 81 years, creatinine 1.5 mg/dL: CrCl < 50, 75 %: top 0.75 x 130.4 = 97.8 mg;
    # the calculator's tablets stay under it (75 mg), so 100 mg is above the range
    p = Patient(weight="65.2 kg", age=81, sex="male", serum_creatinine="1.5 mg/dL")
    assert screen(Order(drug="azathioprine", dose="100 mg", times_per_day=1), p).verdict == (
        "above_soft")


def test_low_ends_count_what_the_calculator_dispenses() -> None:
    # ciclosporin 61 kg: 2.5 mg/kg = 152.5 mg/day, given as 2 x 75 mg = 150 mg: within
    p = Patient(weight="61 kg")
    assert screen(Order(drug="ciclosporin", dose="75 mg", times_per_day=2), p).verdict == "within"
    # oral cyclophosphamide past 200 kg: 1 mg/kg passes 200 mg, so 200 mg/day is within
    heavy = Patient(weight="250 kg")
    assert screen(Order(drug="cyclophosphamide_oral", dose="200 mg", times_per_day=1),
                  heavy).verdict == "within"


def test_mg_per_kg_pulses_cap_and_missing_values() -> None:
    from plexodose import cyclophosphamide_pulse_reduction

    heavy = Patient(weight="110 kg", age=40, serum_creatinine="1 mg/dL")  # 15 x 110 = 1,650
    capped = cyclophosphamide_pulse_reduction(heavy)  # capped at 1,200 mg
    assert screen(capped, heavy).verdict == "within"
    s = screen(Order(drug="cyclophosphamide_iv", dose="15 mg/kg", every="2 weeks"),
               Patient(weight="72 kg"))
    assert s.verdict == "not_screened"  # no age or creatinine: the EULAR table cannot be read


def test_azathioprine_mass_without_frequency_is_not_screened() -> None:
    s = screen(Order(drug="azathioprine", dose="100 mg"), YOUNG)
    assert s.verdict == "not_screened"  # 1 or 2 doses a day: 100 or 200 mg a day


def test_ciclosporin_without_a_baseline_names_the_rise_rule_as_not_checked() -> None:
    s = screen(Order(drug="ciclosporin", dose="90 mg", times_per_day=2), YOUNG)
    assert any("rise of 25 %" in item for item in s.not_checked)
