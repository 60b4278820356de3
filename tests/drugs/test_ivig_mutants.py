"""IVIg: killers for the mutants that survived the 2026-12-07 re-measurement (issue 19): the
at-risk rate (the product's own figure, its maximum, its initial rate held), the infusion
times at the 8 and 24 hour edges, and the texts a prescriber reads.

Infusion time (hours) = grams x 1,000 / (rate mg/kg/min x kg) / 60; at 10 % a rate in mL/h is
rate x kg x 60 / 100 (monitoring-rules.md, "IVIg safety"; dosing-rules.md, IVIg rates).
"""

from __future__ import annotations

import pytest

import plexodose._core.sources as src
from plexodose import DoseRangeError, InputRangeError, Patient, ivig
from plexodose._dosing.products import IVIgProduct
from plexodose._drugs.ivig import at_risk_rate

OLD = Patient(weight="72 kg", age=70)  # over 65: at risk (the boxed warning)
WHY = "inpatient, two pumps"


def _product(**rates: float) -> IVIgProduct:
    return IVIgProduct(name="Test IVIg 10 %", vial_sizes_g=(5.0,), source=src.PRIVIGEN_LABEL,
                       **rates)


# --- at_risk_rate -----------------------------------------------------------------------------


def test_at_risk_figure_above_the_product_maximum_stops_at_the_maximum() -> None:
    low, high, why = at_risk_rate(_product(initial_rate_mg_per_kg_min=1,
                                           max_rate_mg_per_kg_min=4,
                                           at_risk_max_rate_mg_per_kg_min=5))
    assert (low, high) == (1.0, 4.0)  # min(figure 5, maximum 4)
    assert why == "the label's at-risk figure of 5 mg/kg/min"


def test_at_risk_figure_without_a_product_maximum_is_the_figure() -> None:
    low, high, _ = at_risk_rate(_product(initial_rate_mg_per_kg_min=1,
                                         at_risk_max_rate_mg_per_kg_min=5))
    assert (low, high) == (1.0, 5.0)


def test_at_risk_figure_equal_to_the_initial_rate_holds_the_initial_rate() -> None:
    assert at_risk_rate(_product(initial_rate_mg_per_kg_min=1, max_rate_mg_per_kg_min=4,
                                 at_risk_max_rate_mg_per_kg_min=1)) == (
        1.0, 1.0, "its initial rate held: the label says only 'minimum rate practicable'")


# --- the at-risk texts ------------------------------------------------------------------------


def test_at_risk_rising_rate_in_ml_per_hour_to_one_decimal() -> None:
    # 73.3 kg, Panzyga 1 -> 3.3 mg/kg/min: 1 x 73.3 x 0.6 = 43.98 -> 44 mL/h; 3.3 x 43.98 =
    # 145.134 -> 145.1 mL/h. 0.4 x 73.3 = 29.32 -> 30 g: 30,000 / (3.3 x 73.3) = 124.0 min =
    # 2 h 4 min; 30,000 / 73.3 = 409.3 min = 6 h 49 min
    r = ivig(Patient(weight="73.3 kg", age=70), product="panzyga")
    assert r.warnings[-1] == (
        "at-risk patient: Panzyga 10 % at 1 rising to at most 3.3 mg/kg/min (44-145.1 mL/h), the "
        "label's at-risk figure of 3.3 mg/kg/min; each day's 30 g takes 2 h 4 min to 6 h 49 min")
    assert src.IVIG_AT_RISK_RATE in r.sources


def test_at_risk_held_rate_in_ml_per_hour_to_one_decimal() -> None:
    # 73.3 kg, Privigen 0.5 mg/kg/min held: 0.5 x 73.3 x 0.6 = 21.99 -> 22 mL/h;
    # 30,000 / (0.5 x 73.3) = 818.6 min = 13 h 39 min
    r = ivig(Patient(weight="73.3 kg", age=70), product="privigen")
    assert r.warnings[-2] == (
        "at-risk patient: Privigen 10 % at 0.5 mg/kg/min (22 mL/h), not escalated, its initial "
        "rate held: the label says only 'minimum rate practicable'; each day's 30 g takes 13 h "
        "39 min")


def test_at_risk_grams_not_rounded_are_written_as_the_headline_writes_them() -> None:
    # no vial sizes: not rounded, 0.4 x 73.333 = 29.3332 g -> "29.33 g", as in the headline (one
    # precision per amount, issue 21; it was "29.333 g" beside the headline's 29.33 g);
    # 29,333.2 / (1 x 73.333) = 400 min = 6 h 40 min
    product = IVIgProduct(name="Bulk IVIg 10 %", vial_sizes_g=(), source=src.PRIVIGEN_LABEL,
                          initial_rate_mg_per_kg_min=1)
    r = ivig(Patient(weight="73.333 kg", age=70), product=product)
    assert r.warnings[-1] == (
        "at-risk patient: Bulk IVIg 10 % at 1 mg/kg/min (44 mL/h), not escalated, its initial "
        "rate held: the label says only 'minimum rate practicable'; each day's 29.33 g takes "
        "6 h 40 min")
    assert str(r).startswith("IVIg: 29.33 g daily for 5 days")


def test_at_risk_without_a_product_cites_the_at_risk_rule() -> None:
    r = ivig(OLD)
    assert r.sources[-1] == src.IVIG_AT_RISK_RATE


def test_at_risk_day_over_24_hours_refusal_text_field_and_value() -> None:
    # 1 g/kg x 72 = 72 -> 70 g at 0.5 mg/kg/min: 70,000 / 36 = 1,944 min = 32 h 24 min
    with pytest.raises(DoseRangeError) as caught:
        ivig(OLD, product="privigen", g_per_kg_day=1, days=2)
    assert (caught.value.field, caught.value.value) == ("g_per_kg_day", 70.0)
    assert str(caught.value) == (
        "at the at-risk rate each day's infusion takes 32 h 24 min, more than 24 hours: the day "
        "cannot be given as written; set a rate within the label, or give a lower daily dose "
        "over more days (such as the seed's 0.4 g/kg/day for 5 days); pass override='reason' "
        "to keep it")


def test_at_risk_day_of_exactly_24_hours_is_not_refused() -> None:
    # 125 kg x 0.72 g/kg = 90 g (a multiple of 5 g) at 0.5 mg/kg/min:
    # 90,000 / (0.5 x 125) = 1,440 min = 24 h exactly: "more than 24 hours" it is not
    r = ivig(Patient(weight="125 kg", age=70), product="privigen", g_per_kg_day=0.72, days=1,
             override=WHY)
    assert r.dispensed is not None and r.dispensed.amount == 90.0
    assert r.warnings[-1] == ("each day's infusion takes up to 24 h 0 min at the at-risk rate, "
                              "more than 8 hours")


def test_at_risk_day_of_exactly_8_hours_is_not_warned() -> None:
    # 125 kg x 0.24 g/kg = 30 g at 0.5 mg/kg/min: 30,000 / 62.5 = 480 min = 8 h exactly
    r = ivig(Patient(weight="125 kg", age=70), product="privigen", g_per_kg_day=0.24, days=5,
             override=WHY)
    assert r.dispensed is not None and r.dispensed.amount == 30.0
    assert r.warnings[-1].endswith("each day's 30 g takes 8 h 0 min")


# --- the dosing weight at Ontario's height floor, and the product's rate row -----------------


def test_ontario_height_floor_152_4_cm_itself_takes_the_bmi_rule() -> None:
    # "Height: 152.4cm or over" (Transfusion Ontario): female 152.4 cm (60 in), 80 kg, BMI
    # 80 / 1.524^2 = 34.4 > 30 -> adjusted: IBW 45.5 + 2.3 x 0 = 45.5; 45.5 + 0.4 x 34.5 = 59.3 kg
    r = ivig(Patient(weight="80 kg", height="152.4 cm", sex="female"))
    assert (r.weight_basis, r.dosing_weight_kg) == ("adjusted", pytest.approx(59.3))
    assert r.weight_basis_reason == "BMI 34.4 is above 30"


def test_below_ontario_height_floor_the_reason_names_transfusion_ontario() -> None:
    # female 145 cm, 80 kg: actual weight, 0.4 x 80 = 32 g/day (dosing-rules.md example)
    r = ivig(Patient(weight="80 kg", height="145 cm", sex="female"))
    assert (r.weight_basis, r.daily_dose_g) == ("actual", pytest.approx(32.0))
    assert r.weight_basis_reason == ("height 145 cm is below 152.4 cm: actual weight "
                                     "(Transfusion Ontario)")
    # the Devine caution is cited even though no ideal weight is computed below 152.4 cm
    assert r.warnings[-1] == ("height 145 cm is below 60 inches (152.4 cm): the Devine ideal body "
                              "weight gives odd results there")
    assert src.DEVINE in r.sources


def test_product_rate_row_is_named_in_the_derivation() -> None:
    r = ivig(Patient.example(), product="privigen")
    assert r.steps[3] == ("Privigen 10 % rates: the label's CIDP row (plexopathy is off-label; "
                          "the closest labelled neurological indication)")


def test_bmi_a_float_hair_above_30_is_not_above_30() -> None:
    # 81.675 / 1.65^2 = 30 (30.000000000000004 in float): not above 30 -> actual weight
    r = ivig(Patient(weight="81.675 kg", height="165 cm", sex="male"))
    assert (r.weight_basis, r.weight_basis_reason) == ("actual", "BMI 30 is not above 30")


def test_ontario_all_adults_18_is_an_adult_17_is_not() -> None:
    # dosing-rules.md example: female 170 cm, 82 kg -> adjusted 69.66 kg. IBW 45.5 + 2.3 x
    # (170 / 2.54 - 60) = 61.437; 61.437 + 0.4 x (82 - 61.437) = 69.662 kg
    adult = ivig(Patient(weight="82 kg", height="170 cm", sex="female", age=18),
                 auto_rule="ontario_all_adults")
    assert (adult.weight_basis, adult.dosing_weight_kg) == ("adjusted", pytest.approx(69.6622))
    minor = ivig(Patient(weight="82 kg", height="170 cm", sex="female", age=17,
                         minor_override="paediatric team"), auto_rule="ontario_all_adults")
    assert (minor.weight_basis, minor.weight_basis_reason, minor.dosing_weight_kg) == (
        "actual", "under 18 years (Ontario, all adults)", 82.0)
    assert adult.weight_basis_reason == ("adult 152.4 cm or over and over the weight floor "
                                         "(Ontario, all adults)")


def test_ontario_all_adults_weight_at_the_floor_is_not_over_it() -> None:
    # "males over 50kg": 50 kg is not over 50 kg -> actual weight, named for the floor
    r = ivig(Patient(weight="50 kg", height="160 cm", sex="male", age=40),
             auto_rule="ontario_all_adults")
    assert (r.weight_basis, r.weight_basis_reason) == (
        "actual", "weight 50 kg is not over 50 kg (male): actual weight (Ontario, all adults)")


def test_over_120_percent_of_ibw_within_float_noise_of_120_is_not_above() -> None:
    # male 173 cm: IBW 50 + 2.3 x (173 / 2.54 - 60) = 68.65354 kg; 82.384252 / 68.65354 =
    # 1.2000000005, which is 120 % once unit noise is settled (9 decimals): not above
    r = ivig(Patient(weight="82.384252 kg", height="173 cm", sex="male"),
             auto_rule="over_120_percent_ibw")
    assert (r.weight_basis, r.weight_basis_reason) == (
        "actual", "actual weight is 120 % of ideal, not above 120 %")


# --- risk_factors given as a tuple, or as something that cannot be iterated -------------------


def test_risk_factors_given_as_a_tuple_are_read() -> None:
    # age 40, eGFR above 60: no risk the patient shows, only the flagged one
    r = ivig(Patient(weight="72 kg", age=40, sex="male", serum_creatinine="1 mg/dL"),
             risk_factors=("diabetes",))
    assert r.risk_factors == ("diabetes",)


class _Unreadable:
    """An iterable whose iteration fails (as a 0-d array's does)."""

    def __iter__(self) -> object:
        raise TypeError("iteration over a 0-d array")

    def __repr__(self) -> str:
        return "Unreadable()"


def test_risk_factors_that_cannot_be_iterated_are_refused_by_name() -> None:
    flags = _Unreadable()
    with pytest.raises(InputRangeError) as caught:
        ivig(Patient.example(), risk_factors=flags)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("risk_factors", flags)
    assert str(caught.value) == "risk_factors must be a list such as ['diabetes']; got Unreadable()"
