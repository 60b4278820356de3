"""Mycophenolate: seed doses, label rules, the eGFR < 25 daily limit and the salt
conversion."""

from __future__ import annotations

import pytest
from hand_computed import approx, steps

import plexodose._core.sources as src
from plexodose import (
    DoseRangeError,
    InputRangeError,
    Patient,
    PlexodoseError,
    convert_mycophenolate,
    egfr,
    mycophenolate,
)

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


LOW = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")
# eGFR female 70 y, 3 mg/dL: 142 x (3/0.7)^-1.2 x 0.9938^70 x 1.012 = 16.2 (< 25)


def test_mycophenolate_seed_dose() -> None:
    r = mycophenolate(Patient.example())
    assert r.daily_dose.m_as("mg/day") == 2000.0  # 1,000 mg x 2
    assert r.per_dose.m_as("mg") == 1000.0
    assert r.dispensed is not None and r.dispensed.units == ((500.0, 2),)
    assert "1,000 mg twice daily (2,000 mg/day)" in repr(r)


def test_mycophenolate_limits() -> None:
    assert mycophenolate(Patient.example(), mg_per_dose=1500).daily_dose.m_as("mg/day") == 3000.0
    with pytest.raises(DoseRangeError, match="hard limit"):
        mycophenolate(Patient.example(), mg_per_dose=1600, override="any reason")
    # below 500 mg a dose: computed with a warning, not refused (2026-12-07)
    assert "mg_per_dose 400 mg is below" in mycophenolate(Patient.example(), mg_per_dose=400).warnings[0]
    assert (
        mycophenolate(Patient.example(), mg_per_dose=400, override="renal team").daily_dose.m_as(
            "mg/day"
        )
        == 800.0
    )
    with pytest.raises(DoseRangeError, match="doses_per_day 3"):
        mycophenolate(Patient.example(), doses_per_day=3)


def test_mycophenolate_low_egfr_caps_at_1_g_per_dose() -> None:
    # female 70 y, SCr 3 mg/dL: 142 x (3/0.7)^-1.2 x 0.9938^70 x 1.012 = 16.2 < 25
    p = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")
    r = mycophenolate(p, mg_per_dose=1500)
    assert r.per_dose.m_as("mg") == 1000.0
    assert r.cap_applied
    assert any("eGFR 16.2 < 25" in w for w in r.warnings)


def test_mycophenolate_conversion_to_each_salt() -> None:
    to_sodium = convert_mycophenolate("1000 mg", to="sodium")
    assert to_sodium.dose.m_as("mg") == pytest.approx(720.0)  # 1000 x 0.72
    assert convert_mycophenolate("720 mg", to="mofetil").dose.m_as("mg") == pytest.approx(1000.0)
    assert any("not interchangeable" in w for w in to_sodium.warnings)
    with pytest.raises(InputRangeError, match="to must be"):
        convert_mycophenolate("1000 mg", to="acid")


def test_conversion_limits_are_a_days_protocol_maximum_in_the_given_salt() -> None:
    # most: 1,500 mg twice daily = 3,000 mg mofetil = 3,000 x 0.72 = 2,160 mg sodium; least 1 mg
    assert convert_mycophenolate("3000 mg", to="sodium").dose.m_as("mg") == pytest.approx(2160)
    assert convert_mycophenolate("2160 mg", to="mofetil").dose.m_as("mg") == pytest.approx(3000)
    assert convert_mycophenolate("1 mg", to="sodium").dose.m_as("mg") == pytest.approx(0.72)
    with pytest.raises(DoseRangeError, match="3,000 mg of mycophenolate mofetil") as info:
        convert_mycophenolate("3001 mg", to="sodium")
    assert info.value.field == "dose"
    with pytest.raises(DoseRangeError, match="2,160 mg of mycophenolate sodium"):
        convert_mycophenolate("2161 mg", to="mofetil")
    with pytest.raises(InputRangeError, match=r"dose 0\.99 mg is outside the plausible range 1"):
        convert_mycophenolate("0.99 mg", to="sodium")


def test_mycophenolate_example_and_low_egfr():
    """Mutation killer (docs/mutation.md): the example derivation word for word, and the eGFR < 25
    daily limit applied and respected."""
    r = mycophenolate(EX)
    assert steps(r) == [
        "1,000 mg x 2 doses a day = 2,000 mg/day",
        "eGFR (CKD-EPI 2021): 86.2 mL/min/1.73 m2",
        "dispensed per dose: 1,000 mg (mycophenolate mofetil tablets and capsules, rounded to "
        "the nearest; exact)",
        "response typically in 4-6 weeks; continue at least 3-4 weeks",
    ]
    assert r.cap_mg_per_day == 3000 and not r.cap_applied and r.dosing_weight_kg is None
    assert r.sources == (src.SEED_MYCOPHENOLATE, src.MYCOPHENOLATE_TITRATION, src.CKD_EPI_2021,
                         src.MYCOPHENOLATE_LABEL)
    capped = mycophenolate(LOW, mg_per_dose=1500)
    assert capped.per_dose_mg == 1000 and capped.daily_dose_mg == 2000 and capped.cap_applied
    assert capped.cap_mg_per_day == 2000  # the label's daily limit below eGFR 25
    assert capped.warnings == ("eGFR 16.2 < 25: limited to 2,000 mg a day",)
    assert src.MYCOPHENOLATE_RENAL in capped.sources
    at = mycophenolate(LOW, mg_per_dose=1000)  # at the limit: respected, not capped
    assert at.per_dose_mg == 1000 and not at.cap_applied
    assert ("eGFR 16.2 < 25: at most 2,000 mg a day, whatever the number of doses: 1,000 mg x 2 "
            "= 2,000 mg/day (respected)") in steps(at)
    assert egfr(age=70, sex="female", serum_creatinine="3 mg/dL").magnitude == approx(
        142 * (3 / 0.7) ** -1.2 * 0.9938**70 * 1.012)


def test_mycophenolate_doses_per_day_and_override():
    """Mutation killer (docs/mutation.md): doses a day on override, the 3,000 mg/day maximum
    whatever the number of doses, and the per-dose maximum itself."""
    r = mycophenolate(EX, doses_per_day=3, override="trial")
    assert r.daily_dose_mg == 3000 and r.override == "trial"  # 1000 x 3
    assert steps(r)[0] == "1,000 mg x 3 doses a day = 3,000 mg/day"
    assert r.cap_mg_per_day == 3000  # 1500 x 3 = 4,500 per dose, but 3,000 a day at most
    assert mycophenolate(EX, doses_per_day=1, override="x").daily_dose_mg == 1000
    with pytest.raises(DoseRangeError) as info:  # 1000 x 4 = 4,000 mg/day > 1500 x 2 = 3,000
        mycophenolate(EX, doses_per_day=4, override="x")
    assert info.value.field == "daily dose" and info.value.value == 4000
    assert mycophenolate(EX, mg_per_dose=1500).per_dose_mg == 1500  # the maximum itself


def test_mycophenolate_conversion():
    """Mutation killer (docs/mutation.md): the mofetil/sodium conversion both ways, with its
    derivation, warning and sources."""
    c = convert_mycophenolate("1000 mg", to="sodium")
    assert c.to_mg == approx(720.0) and c.from_mg == 1000  # 1000 x 720 / 1000
    assert (c.from_drug, c.to_drug) == ("mycophenolate mofetil", "mycophenolate sodium")
    assert steps(c) == ["1,000 mg mycophenolate mofetil x 0.72 = 720 mg mycophenolate sodium"]
    assert c.warnings == ("the two salts are not interchangeable without clinical supervision "
                          "(labels)",)
    back = convert_mycophenolate("720 mg", to="mofetil")
    assert back.to_mg == approx(1000.0)  # 720 x 1000 / 720
    assert steps(back) == ["720 mg mycophenolate sodium x 1.3889 = 1,000 mg mycophenolate mofetil"]
    assert c.sources == (src.MYCOPHENOLATE_SODIUM, src.MYCOPHENOLATE_LABEL)


def test_mycophenolate_override_paths_and_messages():
    """Mutation killer, second round (override paths, exact refusals, catalogue dispensing):
    mycophenolate's override warnings and hard-limit refusal word for word, and the
    unknown-renal-function warning."""
    low = mycophenolate(EX, mg_per_dose=250, override="starting low")
    assert low.per_dose_mg == 250
    assert low.warnings[0] == (f"mg_per_dose 250 mg is below the protocol range 500-1,500 mg "
                               f"({src.MYCOPHENOLATE_TITRATION}): computed as asked")
    three = mycophenolate(EX, doses_per_day=3, override="trial")
    assert three.warnings[0] == (f"doses_per_day 3 is outside the protocol range 2 "
                                 f"({src.SEED_MYCOPHENOLATE}); used on override: trial")
    with pytest.raises(DoseRangeError) as info:
        mycophenolate(EX, mg_per_dose=1600, override="x")
    assert str(info.value) == (f"mg_per_dose 1,600 mg is above the hard limit of 1,500 mg "
                               f"({src.MYCOPHENOLATE_TITRATION}); an override does not lift it")
    unknown = mycophenolate(Patient(weight="60 kg"))
    assert unknown.warnings[0] == ("renal function not estimated (age, sex, serum_creatinine not "
                                   "given): no check of the eGFR < 25 limit")


def test_conversion_dose_field_and_drug_name():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): a conversion dose
    of the wrong dimension names the dose field; mycophenolate's drug name."""
    with pytest.raises(PlexodoseError) as info:
        convert_mycophenolate("5 kg/m", to="sodium")
    assert info.value.field == "dose"
    assert mycophenolate(EX).drug == "mycophenolate mofetil"


def test_mycophenolate_custom_strength_never_dispensed_above_the_renal_limit(oral_product):
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): a registered
    strength never dispenses above the eGFR < 25 limit."""
    oral_product("mycophenolate", (600,))
    r = mycophenolate(LOW, mg_per_dose=1000)  # eGFR 16.2 < 25: at most 1,000 mg a dose
    # 1,000 / 600 = 1.67: the nearest 600 mg multiple is 1,200, above the limit: down to 600
    assert r.dispensed.amount == 600 and r.dispensed.rounded == "down, to stay within the maximum"


def test_mycophenolate_limits_and_low_egfr_step() -> None:
    """Safety rule, word for word and at its boundary (never silently wrong): mycophenolate's
    per-dose and per-day limits, and the eGFR < 25 step with three doses a day."""
    r = mycophenolate(EX)
    assert [(lim.label, lim.amount, lim.per) for lim in r.limits] == [
        ("protocol maximum", 1500.0, "dose"), ("protocol maximum", 3000.0, "day")]
    low = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")  # eGFR 16.2
    three = mycophenolate(low, doses_per_day=3, override="trial")
    # 2,000 / 3 = 666.67 mg a dose (the calculated dose, as the headline writes it: "calculated
    # 666.67 mg"); 666.67 x 3 = 2,000 mg/day; 750 would pass: 500 dispensed
    assert ("eGFR 16.2 < 25: at most 2,000 mg a day, whatever the number of doses: 666.67 mg x 3 "
            "= 2,000 mg/day (limited to 666.67 mg per dose)") in three.steps
    assert str(three).splitlines()[0].endswith("calculated 666.67 mg")
    assert three.warnings[1] == "eGFR 16.2 < 25: limited to 2,000 mg a day"  # after the override
    assert three.limits[-1].label == "eGFR < 25 maximum" and three.limits[-1].amount == 2000


def test_class_5_mycophenolate_low_egfr_limit_is_per_day() -> None:
    """Never silently wrong, class 5 (a daily limit checked per dose): mycophenolate's eGFR < 25
    limit is per day, whatever the number of doses."""
    r = mycophenolate(LOW, mg_per_dose=1000, doses_per_day=3, override="trial protocol")
    # eGFR 16.2 < 25: at most 2,000 mg a day -> 666.67 mg a dose; 750 (3 x 250) would pass: 500
    assert r.daily_dose_mg == pytest.approx(2000.0) and r.cap_applied
    assert r.dispensed.amount == 500 and r.dispensed.amount * 3 <= 2000
    assert r.cap_mg_per_day == 2000
    assert not any("respected" in step for step in r.steps)
    assert "4,500" not in repr(r)


def test_class_5_no_cap_line_above_what_the_day_allows() -> None:
    """Never silently wrong, class 5 (a daily limit checked per dose): no limit line states more
    than the day allows."""
    r = mycophenolate(EX, doses_per_day=3, override="trial protocol")  # 1,000 x 3 = 3,000
    assert r.cap_mg_per_day == 3000  # 1,500 x 3 = 4,500 per dose, but 3,000 a day at most
    assert "limit: 3,000 mg per day" in repr(r) and "4,500" not in repr(r)


def test_salt_conversion_refusals_word_for_word() -> None:
    """Mutation killer (docs/mutation.md, 2026-12-07): each refusal of the salt conversion names
    its value, its unit and its source."""
    with pytest.raises(InputRangeError) as tiny:
        convert_mycophenolate("0.5 mg", to="sodium")
    assert str(tiny.value) == "dose 0.5 mg is outside the plausible range 1-inf mg"
    with pytest.raises(InputRangeError) as salt:
        convert_mycophenolate("1000 mg", to="salt")
    assert str(salt.value) == "to must be 'sodium' or 'mofetil'; got 'salt'"
    # the most in a day, 1,500 mg twice daily = 3,000 mg mofetil = 3,000 x 0.72 = 2,160 mg sodium
    with pytest.raises(DoseRangeError) as most:
        convert_mycophenolate("2500 mg", to="mofetil")
    assert str(most.value) == (
        "dose 2,500 mg of mycophenolate sodium is above the hard limit of 2,160 mg of "
        f"mycophenolate sodium ({src.MYCOPHENOLATE_TITRATION}); an override does not lift it")
