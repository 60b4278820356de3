"""Cyclophosphamide: killers for the mutants that survived the 2026-12-07 re-measurement
(issue 19): the oral creatinine band as a limit, the Michigan step rule's texts and edges, the
next pulse's checks of the patient now, and the sources each result cites.

Example patient: 72 kg, 175 cm, Mosteller BSA sqrt(175 x 72 / 3600) = 1.870829 m2
(dosing-rules.md, "Body size and renal function").
"""

from __future__ import annotations

import datetime as dt

import pytest
from hand_computed import approx

import plexodose._core.sources as src
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
from plexodose._dosing.guard import Limit

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL
WHY = "specialist: refractory"
MESNA = ("give mesna (80-100 % of the cyclophosphamide dose in divided doses, per the local "
         "protocol) and hydration with each pulse: plexodose does not dose mesna")
ORAL_LIMITS = (
    Limit("maximum", 200.0, "day", src.ORAL_CYCLOPHOSPHAMIDE_MAX),
    Limit("seed ceiling of 2 mg/kg/day", 144.0, "day", src.SEED_CEILING_GAP),  # 2 x 72 kg
)


def _oral_at(creatinine: str) -> object:
    return cyclophosphamide_oral(Patient(weight="72 kg", serum_creatinine=creatinine))


# --- oral: the creatinine band is a limit of its own ------------------------------------------


@pytest.mark.parametrize(
    ("creatinine", "band"),
    [
        ("250 umol/L", 1.75),  # 250 itself takes the 1.75 band (dosing-rules.md, boundaries [gap])
        ("300 umol/L", 1.75),
        ("500 umol/L", 1.75),  # 500 is in the 250-500 band
        ("600 umol/L", 1.5),  # above 500: 1.5 mg/kg/day
    ],
)
def test_oral_creatinine_band_is_listed_as_a_limit(creatinine: str, band: float) -> None:
    r = _oral_at(creatinine)
    # band x 72 kg: 1.75 x 72 = 126 mg/day; 1.5 x 72 = 108 mg/day
    assert r.limits == (*ORAL_LIMITS, Limit(f"creatinine band of {band:g} mg/kg/day", band * 72,
                                            "day", src.CYCLOPHOSPHAMIDE_ORAL_RENAL))


def test_oral_below_250_umol_has_no_band_limit() -> None:
    assert _oral_at("249 umol/L").limits == ORAL_LIMITS
    assert cyclophosphamide_oral(Patient(weight="72 kg")).limits == ORAL_LIMITS  # not known


def test_oral_below_range_request_is_computed_with_the_seed_range_named() -> None:
    r = cyclophosphamide_oral(EX, mg_per_kg_day=0.5)  # 0.5 x 72 = 36 mg/day
    assert r.daily_dose.m_as("mg/day") == approx(36.0)
    assert r.warnings[0] == (
        f"mg_per_kg_day 0.5 mg/kg/day is below the protocol range 1-2 mg/kg/day "
        f"({src.SEED_CYCLOPHOSPHAMIDE}): computed as asked")
    assert r.steps[-1] == "full effect takes 3-6 months"


# --- the EULAR / CYCLOPS mg/kg pulse --------------------------------------------------------


def test_pulse_reduction_weight_window_is_the_pulse_one_of_7_days() -> None:
    # weight measured 10 days before the decision date: stale for a pulse (7 days), fresh for
    # an oral drug (30 days)
    p = Patient(weight="72 kg", age=50, serum_creatinine="1 mg/dL", on="2027-03-30",
                measured={"weight": "2027-03-20"})
    with pytest.raises(InputRangeError) as caught:
        cyclophosphamide_pulse_reduction(p)
    assert caught.value.field == "weight" and "more than 7 days" in str(caught.value)


def test_pulse_reduction_maximum_texts_name_the_cyclops_source() -> None:
    with pytest.raises(DoseRangeError) as caught:
        cyclophosphamide_pulse_reduction(EX, max_pulse_mg=1300)
    assert str(caught.value) == (
        f"max_pulse_mg 1,300 mg is outside the protocol range 1-1,200 mg "
        f"({src.CYCLOPS_PULSE_MAX}); pass override='reason' to use it")
    r = cyclophosphamide_pulse_reduction(EX, max_pulse_mg=1300, override=WHY)
    assert r.warnings[0] == (
        f"max_pulse_mg 1,300 mg is outside the protocol range 1-1,200 mg "
        f"({src.CYCLOPS_PULSE_MAX}); used on override: {WHY}")
    with pytest.raises(DoseRangeError) as hard:
        cyclophosphamide_pulse_reduction(EX, max_pulse_mg=1600, override=WHY)
    assert str(hard.value) == (
        f"max_pulse_mg 1,600 mg is above the hard limit of 1,500 mg ({src.CYCLOPS_PULSE_MAX}); "
        "an override does not lift it")


# --- next pulse: dates, the patient now, sources --------------------------------------------


def test_next_pulse_last_raise_on_the_pulse_date_itself_is_allowed() -> None:
    # last_raised == on is not "after this pulse"; a cut (1,500/uL: 0.5 x 0.8 = 0.4 g/m2) is
    # no raise, so the month rule has nothing to refuse
    first = cyclophosphamide_iv(EX, g_per_m2=0.5)
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="1500 /uL", on="2027-03-30",
                                      last_raised="2027-03-30")
    assert nxt.g_per_m2 == approx(0.4)


def test_next_pulse_last_raise_after_the_pulse_is_refused_with_its_date() -> None:
    first = cyclophosphamide_iv(EX, g_per_m2=0.5)
    with pytest.raises(InputRangeError) as caught:
        cyclophosphamide_next_pulse(first, nadir_wbc="1500 /uL", on="2027-03-30",
                                    last_raised="2027-03-31")
    assert caught.value.value == dt.date(2027, 3, 31)
    assert str(caught.value) == ("last_raised 2027-03-31 is after this pulse (2027-03-30): the "
                                 "last raise is one already given")


def test_next_pulse_sources_without_and_with_the_patient() -> None:
    first = cyclophosphamide_iv(EX, g_per_m2=0.5)
    # a raise (3,500/uL: 0.5 x 1.25 = 0.625 g/m2) cites no source of its own
    plain = cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL")
    assert plain.sources == (src.CYCLOPHOSPHAMIDE_NADIR, src.MESNA_HYDRATION)
    now = cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=EX)
    assert now.sources == (src.CYCLOPHOSPHAMIDE_NADIR, src.BSA, src.MESNA_HYDRATION)


def test_next_pulse_with_the_patient_keeps_the_override() -> None:
    # 1.2 g/m2 is above the seed's 1 g/m2: only on the override, which the result records
    first = cyclophosphamide_iv(EX, g_per_m2=1.2, override=WHY)
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="2000 /uL", override=WHY, patient=EX)
    assert nxt.override == WHY
    assert nxt.g_per_m2 == approx(1.2)  # at the 2,000 target: kept


def test_next_pulse_cut_fraction_outside_10_to_20_percent_is_refused() -> None:
    first = cyclophosphamide_iv(EX, g_per_m2=0.5)
    with pytest.raises(DoseRangeError) as caught:
        cyclophosphamide_next_pulse(first, nadir_wbc="1500 /uL", cut_fraction=0.3)
    assert str(caught.value) == (
        f"cut_fraction 0.3 is outside the protocol range 0.1-0.2 ({src.CYCLOPHOSPHAMIDE_NADIR}); "
        "pass override='reason' to use it")


def test_next_pulse_step_rule_is_not_read_for_a_cut_or_a_kept_pulse() -> None:
    first = cyclophosphamide_iv(EX, g_per_m2=1.5, override=WHY)
    # 1.5 x 0.8 = 1.2 g/m2; 1.2 x 1,000 x 1.870829 = 2,245.0 mg
    cut = cyclophosphamide_next_pulse(first, nadir_wbc="1500 /uL", override=WHY)
    assert cut.steps == ("nadir WBC 1,500/uL is below 2,000: cut 20 % -> 1.2 g/m2",
                         "next pulse = 1.2 g/m2 x 1.8708 m2 = 2,244.99 mg")
    # at the 2,000 target: 1.5 g/m2 kept, 1.5 x 1,870.829 = 2,806.24 mg
    kept = cyclophosphamide_next_pulse(first, nadir_wbc="2000 /uL", override=WHY)
    assert kept.steps == ("nadir WBC 2,000/uL is at the 2,000 target: keep 1.5 g/m2",
                          "next pulse = 1.5 g/m2 x 1.8708 m2 = 2,806.24 mg")


def test_next_pulse_names_the_eular_reduction_it_keeps() -> None:
    # age 60, creatinine 88.4 umol/L: 12.5 of 15 mg/kg = 0.8333 of the pulse
    reduced = cyclophosphamide_iv(EX, age_renal_reduction=True)
    nxt = cyclophosphamide_next_pulse(reduced, nadir_wbc="2000 /uL")
    # 0.75 x 1,000 x 1.870829 x 12.5 / 15 = 1,169.27 mg
    assert nxt.steps[-1] == ("next pulse = 0.75 g/m2 x 1.8708 m2 x 0.8333 (EULAR reduction "
                             "kept) = 1,169.27 mg")


def test_next_pulse_on_the_patient_s_own_decision_date_is_accepted() -> None:
    first = cyclophosphamide_iv(EX, g_per_m2=0.5)
    p = Patient(weight="72 kg", height="175 cm", on="2027-03-30")
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=p, on="2027-03-30")
    assert nxt.g_per_m2 == approx(0.625)  # 0.5 x 1.25
    with pytest.raises(InputRangeError) as caught:
        cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=p, on="2027-03-29")
    assert caught.value.value == dt.date(2027, 3, 29)
    assert str(caught.value) == (
        "on 2027-03-29 differs from the patient's decision date 2027-03-30: the pulse date is "
        "the date its values are judged on")


def test_next_pulse_bsa_exactly_5_percent_away_is_refused() -> None:
    # 79.38 kg = 72 x 1.1025 = 72 x 1.05^2: Mosteller BSA x 1.05 exactly (1.870829 x 1.05 =
    # 1.964370 m2), 5 %: "5 % or more" recalculates (dosing-rules.md, "A change in weight")
    first = cyclophosphamide_iv(EX, g_per_m2=0.5)
    with pytest.raises(InputRangeError) as caught:
        cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL",
                                    patient=Patient(weight="79.38 kg", height="175 cm"))
    assert caught.value.value == approx(1.8708286933869707 * 1.05)
    assert str(caught.value) == (
        "patient: BSA 1.9644 m2 (175 cm, 79.38 kg) differs by 5 % from the 1.8708 m2 behind the "
        "last pulse; 5 % or more asks for a recalculation (clinical rules, 'A change in "
        "weight'): calculate the pulse on the new BSA with cyclophosphamide_iv, or review the "
        "last pulse with patient= to see it beside the last")
    with pytest.raises(MissingInputError) as missing:
        cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=Patient(weight="72 kg"))
    assert str(missing.value) == "the BSA check of the next pulse needs the patient's height"


# --- the Michigan step rule, on an override -------------------------------------------------


def test_michigan_raise_landing_exactly_on_1_4_is_not_stopped() -> None:
    # 1.4 / 1.25 = 1.12 g/m2 raised 25 % is 1.4 g/m2 exactly: reaches 1.4, does not pass it
    first = cyclophosphamide_iv(EX, g_per_m2=1.4 / 1.25, override=WHY)
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="3000 /uL", override=WHY)
    assert nxt.g_per_m2 == 1.4
    assert nxt.steps == ("nadir WBC 3,000/uL is above the 2,000 target: raise 25 % -> 1.4 g/m2",
                         "next pulse = 1.4 g/m2 x 1.8708 m2 = 2,619.16 mg")


def test_michigan_raise_passing_1_4_stops_there_citing_the_step_rule() -> None:
    # 1.2 x 1.25 = 1.5 g/m2 would pass 1.4: 1.4 x 1,870.829 = 2,619.16 mg
    first = cyclophosphamide_iv(EX, g_per_m2=1.2, override=WHY)
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="3000 /uL", override=WHY)
    assert nxt.g_per_m2 == 1.4
    assert nxt.steps == (
        "nadir WBC 3,000/uL is above the 2,000 target: raise 25 % -> 1.5 g/m2",
        "a 25 % raise would pass 1.4 g/m2: it stops at 1.4 g/m2 (Michigan step rule)",
        "next pulse = 1.4 g/m2 x 1.8708 m2 = 2,619.16 mg")
    assert nxt.sources[:2] == (src.CYCLOPHOSPHAMIDE_NADIR, src.MICHIGAN_STEP)


def test_michigan_step_from_1_4375_texts_carry_three_decimals() -> None:
    # 1.4375 x 1.25 = 1.797 passes the 1.6 ceiling: 1.6; the step rule: 1.4375 + 0.1 = 1.5375
    first = cyclophosphamide_iv(EX, g_per_m2=1.4375, override=WHY)
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="3000 /uL", override=WHY)
    assert nxt.g_per_m2 == approx(1.5375)
    assert nxt.steps[1] == ("from 1.4 g/m2 a raise is at most 0.1 g/m2 a calendar month, never "
                            "past 1.6 g/m2: 1.5375 g/m2")
    with pytest.raises(DoseRangeError) as caught:
        cyclophosphamide_next_pulse(first, nadir_wbc="3000 /uL", override=WHY, on="2027-03-30",
                                    last_raised="2027-03-02")
    assert str(caught.value) == (
        "a raise from 1.438 to 1.538 g/m2 on 2027-03-30 would be a second raise in the calendar "
        "month of the last raise (last_raised 2027-03-02): from 1.4 g/m2 at most one raise a "
        f"calendar month ({src.MICHIGAN_STEP}); an override does not lift it: give this pulse at "
        "the last pulse's 1.438 g/m2, or raise it from 2027-04-01")


# --- IV pulse: the interval, the EULAR table's edge ------------------------------------------


def test_iv_interval_of_52_weeks_is_computed_with_the_below_range_warning() -> None:
    r = cyclophosphamide_iv(EX, interval_weeks=52)  # a year: the plausibility guard's own edge
    assert r.held is False
    assert r.warnings[0] == (
        f"interval_weeks 52 is longer than the seed's 4 weeks ({src.SEED_CYCLOPHOSPHAMIDE}): "
        "below the protocol, computed as asked")
    assert r.sources[1] == src.BELOW_RANGE  # right after the seed the trace opens with


def test_iv_interval_beyond_52_weeks_is_refused_as_a_typing_error() -> None:
    with pytest.raises(DoseRangeError) as caught:
        cyclophosphamide_iv(EX, interval_weeks=53)
    assert (caught.value.field, caught.value.value) == ("interval_weeks", 53.0)
    assert str(caught.value) == ("interval_weeks 53 is beyond 52 weeks: not a pulse interval (a "
                                 "typing error?)")


def test_iv_above_500_umol_without_age_is_refused_and_given_on_override() -> None:
    # the table stops at 500 umol/L: refused by default whatever the age (dosing-rules.md)
    p = Patient(weight="72 kg", height="175 cm", serum_creatinine="600 umol/L")
    with pytest.raises(ContraindicationError) as caught:
        cyclophosphamide_iv(p)
    assert (caught.value.field, caught.value.value) == ("serum_creatinine", 600.0)
    assert str(caught.value) == (
        "creatinine 600 umol/L is above 500: the EULAR table has no pulse dose there; dose "
        "individually (override='reason' uses the 300-500 column)")
    # on an override, without an age the reduction cannot be read: the full pulse, warned;
    # 0.75 x 1,000 x 1.870829 = 1,403.12 mg
    r = cyclophosphamide_iv(p, override=WHY)
    assert r.dose_mg == approx(750 * 1.8708286933869707)
    assert r.warnings[0] == ("age or creatinine not given: the EULAR age/creatinine reduction is "
                             "not checked")


def test_iv_reduction_at_500_umol_is_inside_the_table() -> None:
    # age 65, creatinine 500 umol/L: the 300-500 column, 10 of 15 mg/kg = 66.7 %;
    # 1,403.12 x 10 / 15 = 935.41 mg, with no "above the table" warning
    p = Patient(weight="72 kg", height="175 cm", age=65, serum_creatinine="500 umol/L")
    r = cyclophosphamide_iv(p, age_renal_reduction=True)
    assert r.dose_mg == approx(750 * 1.8708286933869707 * 10 / 15)
    assert r.warnings == (MESNA,)
