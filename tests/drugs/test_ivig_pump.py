"""IVIg pump rates on the ivig() result (issue 21): the same numbers as the plan's infusion rows
(one implementation, plexodose._dosing.pump), in the block, its views and its JSON.

A rate in mL/h is rate (mg/kg/min) x kg x 60 / (concentration 0.1 g/mL x 1,000 mg/g), so x 0.6
per kg at 10 %; a day's time is volume / rate (dosing-rules.md, IVIg rates).
"""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest

import plexodose
from plexodose import CATALOGUE, InputRangeError, IVIgProduct, Patient, ivig, schedule
from plexodose._core import vocab

P = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL
OLD = Patient(weight="73.3 kg", age=70)  # over 65: at risk (boxed warning)
START = dt.date(2026, 12, 1)
VALIDATOR = jsonschema.Draft202012Validator(plexodose.json_schema())


def _first_infusion(course: plexodose.IVIgCourse) -> plexodose.Event:
    return next(e for e in schedule(course, start=START).events
                if e.drug == "IVIg" and e.kind == "dose")


@pytest.mark.parametrize("patient", [P, OLD], ids=["usual", "at risk"])
@pytest.mark.parametrize("name", vocab.IVIG_PRODUCTS)
def test_the_block_rates_are_the_plan_rows(name: str, patient: Patient) -> None:
    course = ivig(patient, product=name)
    row = _first_infusion(course)
    assert course.pump_rates_ml_per_h == row.rate_steps_ml_per_h  # equal, not approximately
    assert course.infusion_hours == row.infusion_hours
    assert course.daily_volume_ml == row.volume_ml
    assert [q.to("mL/h").magnitude for q in course.pump_rates] == list(row.rate_steps_ml_per_h)
    assert course.pump_rates_ml_per_h  # every built-in product has its label's rates


def test_privigen_for_72_kg_by_hand() -> None:
    r = ivig(P, product="privigen")
    # 0.4 x 72 = 28.8 -> 30 g = 300 mL; 0.5 x 72 x 0.6 = 21.6 mL/h; 8 x 72 x 0.6 = 345.6 mL/h
    assert r.pump_rates_mg_per_kg_min == (0.5, 8.0)
    assert r.pump_rates_ml_per_h == pytest.approx((21.6, 345.6))
    # 300 / 345.6 = 0.868 h (52 min) all at the maximum; 300 / 21.6 = 13.889 h (13 h 53 min)
    assert r.infusion_hours == pytest.approx((300 / 345.6, 300 / 21.6))
    _, facts = r._view()
    assert ("pump (Privigen 10 %, CIDP row, 72 kg): 0.5 then 8 mg/kg/min = 21.6 then 345.6 mL/h, "
            "increased as tolerated per the label") in facts
    assert ("infusion: 300 mL of Privigen 10 % a day, takes 52 min (all at 345.6 mL/h) to "
            "13 h 53 min (all at 21.6 mL/h)") in facts
    assert "21.6 then 345.6 mL/h" in r._repr_html_()
    assert "21.6 then 345.6 mL/h" in r._repr_markdown_()


def test_at_risk_rate_rises_only_to_the_labels_figure() -> None:
    r = ivig(OLD, product="panzyga")
    # 29.32 -> 30 g = 300 mL; 1 x 73.3 x 0.6 = 43.98 mL/h; 3.3 x 43.98 = 145.134 mL/h
    assert r.pump_rates_mg_per_kg_min == (1.0, 3.3)
    assert r.pump_rates_ml_per_h == pytest.approx((43.98, 145.134))
    assert ("pump (Panzyga 10 %, CIDP row, 73.3 kg): 1 then 3.3 mg/kg/min = 44 then 145.1 mL/h, "
            "never faster (at risk: the label's at-risk figure of 3.3 mg/kg/min)") in r._view()[1]


def test_at_risk_without_a_figure_holds_the_start_rate() -> None:
    r = ivig(OLD, product="privigen")
    # 0.5 x 73.3 x 0.6 = 21.99 mL/h held; 300 / 21.99 = 13.643 h = 13 h 39 min
    assert r.pump_rates_ml_per_h == pytest.approx((21.99,))
    assert r.infusion_hours == pytest.approx((300 / 21.99, 300 / 21.99))
    assert "infusion: 300 mL of Privigen 10 % a day, about 13 h 39 min" in r._view()[1]


def test_timed_label_steps_give_one_duration() -> None:
    base = CATALOGUE.ivig("gamunex")
    product = IVIgProduct(name="Stepped Gamunex", vial_sizes_g=base.vial_sizes_g,
                          source=base.source, initial_rate_mg_per_kg_min=2,
                          max_rate_mg_per_kg_min=8, rate_increments_mg_per_kg_min=(4.0,),
                          minutes_per_rate_step=30.0)
    r = ivig(P, product=product)
    # 2, 4, 8 x 43.2 = 86.4, 172.8, 345.6 mL/h; 300 mL: 43.2 + 86.4 mL in the first hour,
    # 170.4 / 345.6 = 0.493 h after: 1.493 h = 1 h 30 min
    hours = 1 + 170.4 / 345.6
    assert r.infusion_hours == pytest.approx((hours, hours))
    assert r.infusion_hours == _first_infusion(r).infusion_hours
    assert ("pump (Stepped Gamunex, 72 kg): 2 then 4 then 8 mg/kg/min = 86.4 then 172.8 then 345.6 "
            "mL/h, each step 30 min") in r._view()[1]
    assert "infusion: 300 mL of Stepped Gamunex a day, about 1 h 30 min" in r._view()[1]


def test_rate_steps_that_do_not_rise_are_refused_by_the_calculator() -> None:
    base = CATALOGUE.ivig("gamunex")
    product = IVIgProduct(name="Bad", vial_sizes_g=base.vial_sizes_g, source=base.source,
                          initial_rate_mg_per_kg_min=2, max_rate_mg_per_kg_min=8,
                          rate_increments_mg_per_kg_min=(9.0,), minutes_per_rate_step=30.0)
    with pytest.raises(InputRangeError) as info:
        ivig(P, product=product)  # 9 is above the maximum of 8 mg/kg/min
    assert info.value.field == "rate_increments_mg_per_kg_min"


def test_without_a_product_the_block_says_rates_need_one() -> None:
    r = ivig(P)
    assert r.pump_rates == () and r.infusion_hours is None
    assert "pump rates: choose a product (product=): the rates follow its label" in r._view()[1]
    assert r.to_dict()["infusion"] is None
    VALIDATOR.validate(r.to_dict())


def test_a_product_without_label_rates_says_so() -> None:
    bare = IVIgProduct(name="Bare", vial_sizes_g=(5.0,), source=CATALOGUE.ivig("gamunex").source)
    r = ivig(P, product=bare)
    assert r.pump_rates == () and r.infusion_hours is None
    assert ("pump rates: Bare has no label infusion rates in the catalogue: set the pump rate "
            "from the label") in r._view()[1]
    data = r.to_dict()["infusion"]
    assert data["rate_steps"] == [] and data["infusion_time"] is None
    assert data["volume"] == {"unit": "mL", "value": 300.0}  # 30 g / 0.1 g/mL


def test_the_json_states_the_rates() -> None:
    r = ivig(P, product="gamunex")
    data = r.to_dict()
    VALIDATOR.validate(data)
    # 2 x 72 x 0.6 = 86.4 mL/h, 8 x 72 x 0.6 = 345.6 mL/h; 300 / 345.6 = 0.868 h, 300 / 86.4
    # = 3.472 h
    assert data["infusion"] == {
        "product": "Gamunex-C 10 %",
        "rate_row": "CIDP",
        "volume": {"unit": "mL", "value": 300.0},
        "rate_steps": [{"unit": "mL/h", "value": 86.4}, {"unit": "mL/h", "value": 345.6}],
        "rate_steps_per_kg": [{"unit": "mg/kg/min", "value": 2.0},
                              {"unit": "mg/kg/min", "value": 8.0}],
        "infusion_time": {"shortest": {"unit": "h", "value": 0.868},
                          "longest": {"unit": "h", "value": 3.472}},
        "at_risk": False,
    }


def test_a_product_starting_above_its_own_maximum_is_refused() -> None:
    # a pump never starts above the label's maximum: 5 > 1 mg/kg/min is a typing error
    from plexodose import InputRangeError, IVIgProduct
    from plexodose._core import sources as src

    with pytest.raises(InputRangeError, match="initial_rate_mg_per_kg_min 5 is above "
                       "max_rate_mg_per_kg_min 1") as caught:
        IVIgProduct(name="Typo IVIg 10 %", vial_sizes_g=(5,), source=src.PRIVIGEN_LABEL,
                    initial_rate_mg_per_kg_min=5, max_rate_mg_per_kg_min=1)
    assert caught.value.field == "initial_rate_mg_per_kg_min"
