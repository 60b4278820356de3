"""plexodose.strategies.orders and invalid_orders: they draw what they promise, and the screen
agrees with the reference's screening table at and around every edge they draw (a verdict
worked out by hand from the table, for two fixed adults)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from plexodose import InputRangeError, Order, Patient, PlexodoseError, screen
from plexodose._screening.order import read_amount
from plexodose._screening.verdict import CATEGORIES, RANK
from plexodose.strategies import (
    ORDER_FAULTS,
    InvalidOrder,
    _written_amount,
    invalid_orders,
    orders,
    patients,
)

ON = "2027-01-04"
# 72 kg, 175 cm, 45 years, 0.9 mg/dL = 79.6 umol/L: BMI 23.5 (IVIg on actual weight), Mosteller
# BSA sqrt(175 x 72 / 3600) = sqrt(3.5) m2, eGFR above 60, creatinine under 250 umol/L, age
# under 60 (no EULAR cut), Cockcroft-Gault 103 mL/min (no renal share)
ADULT = Patient(weight="72 kg", height="175 cm", sex="male", age=45,
                serum_creatinine="0.9 mg/dL", tpmt="normal", nudt15="normal")
KG, BSA = 72.0, 3.5 ** 0.5
PREPARED_MG = 0.5  # a pulse is prepared to the whole mg: half a mg counts as the edge
# the same adult at 3.5 mg/dL: CKD-EPI 2021 142 x (3.5/0.9)^-1.2 x 0.9938^45 = 17.6 (< 25)
RENAL = Patient(weight="72 kg", height="175 cm", sex="male", age=45, serum_creatinine="3.5 mg/dL")
# a second adult for the valid orders: 60 kg, 165 cm, 30 years, 0.7 mg/dL
SMALL = Patient(weight="60 kg", height="165 cm", sex="female", age=30,
                serum_creatinine="0.7 mg/dL", tpmt="normal", nudt15="normal")


# Valid orders


@given(orders("valid"), st.sampled_from([ADULT, SMALL]))
def test_valid_orders_screen_within_for_a_standard_adult(order: Order, patient: Patient) -> None:
    # azathioprine 2 mg/kg x 72 kg = 144 mg/day stays under 150 mg/day; every other amount is
    # inside its range in the reference's own terms
    s = screen(order, patient, on=ON)
    assert s.verdict == "within", repr(s)


@settings(max_examples=60)
@given(orders("valid") | orders("borderline"), patients(complete=False))
def test_any_drawn_order_is_screened_for_any_patient_without_an_exception(
        order: Order, patient: Patient) -> None:
    s = screen(order, patient, on=ON)
    assert s.verdict in CATEGORIES
    assert s.verdict == max((f.category for f in s.findings), key=RANK.__getitem__)


@given(st.data(), st.floats(0.5, 5000.0), st.sampled_from(["mg", "mg/kg", "mg/m2"]),
       st.sampled_from(["dose", "day"]))
def test_a_written_amount_reads_back_as_its_value(data: st.DataObject, value: float, basis: str,
                                                  per: str) -> None:
    written = data.draw(_written_amount(value, basis, per, True))
    amount, read_basis, read_per, _ = read_amount(written)
    assert (read_basis, read_per) == (basis, per)
    assert amount == pytest.approx(value, rel=1e-12)


def test_kinds_and_drugs_are_checked_when_the_strategy_is_made() -> None:
    with pytest.raises(InputRangeError):
        orders("edgy")
    with pytest.raises(InputRangeError):
        orders("valid", drug="aspirin")
    order = find(orders("valid", drug="cyclosporine", varied_units=False), lambda o: True)
    assert order.drug == "ciclosporin"
    assert re.fullmatch(r"[\d.]+ mg/kg(/day)?", order.written)  # one spelling, as a string


# Borderline orders, against the reference's table worked out by hand

EDGE = 1e-9  # an amount within one part in 10^9 of an edge is on it (a unit conversion's error)


def gt(value: float, limit: float) -> bool:
    return value > limit * (1 + EDGE)


def lt(value: float, limit: float) -> bool:
    return value < limit * (1 - EDGE)


def amounts(order: Order, times: int, scale: float) -> tuple[float, float]:
    """(per dose, per day) in mg, from the order's amount on its basis."""
    amount = order.amount * scale
    return (amount / times, amount) if order.per == "day" else (amount, amount * times)


def worst(categories: list[str]) -> str:
    return max(categories, key=RANK.__getitem__)


def expected_mycophenolate(order: Order, renal: bool) -> str:
    times = order.times_per_day or 2
    dose, day = amounts(order, times, 1.0)
    found = ["within" if times == 2 else "above_soft"]  # twice daily [seed]
    found.append("above_hard" if gt(dose, 1500) else "below" if lt(dose, 500) else "within")
    top = 2000 if renal else 3000  # eGFR < 25: 2,000 mg/day [label]
    found.append("above_hard" if gt(day, top) else "below" if lt(day, 1000) else "within")
    return worst(found)


def expected_ciclosporin(order: Order) -> str:
    times = order.times_per_day or 2
    _, day = amounts(order, times, KG if order.basis == "mg/kg" else 1.0)
    rate = day / KG
    found = ["within" if times == 2 else "above_soft"]
    found.append("above_hard" if gt(rate, 5) else "below" if lt(rate, 2.5) else "within")
    return worst(found)


def expected_azathioprine(order: Order) -> str:
    times = order.times_per_day or 1
    _, day = amounts(order, times, KG if order.basis == "mg/kg" else 1.0)
    found = ["within" if times in (1, 2) else "above_soft"]
    # 1 mg/kg x 72 = 72 mg/day; the cap 150 mg/day is above 2 mg/kg x 72 = 144 (its tablets)
    found.append("above_hard" if gt(day, 150) else "below" if lt(day, 72) else "within")
    return worst(found)


def expected_cyclophosphamide_oral(order: Order) -> str:
    times = order.times_per_day or 1
    _, day = amounts(order, times, KG if order.basis == "mg/kg" else 1.0)
    rate = day / KG
    found = ["within" if times == 1 else "above_soft"]
    # creatinine 79.6 umol/L is under 250: the 2 mg/kg band [secondary]
    hard = gt(day, 200) or gt(rate, 2)
    found.append("above_hard" if hard else "below" if lt(rate, 1) else "within")
    return worst(found)


def expected_cyclophosphamide_iv(order: Order) -> str:
    every = order.interval_days
    assert every is not None
    found = ["above_hard" if lt(every, 14) else "below" if gt(every, 28) else "within"]
    if order.basis == "mg/kg":  # EULAR/CYCLOPS: 15 mg/kg under 60 years and 300 umol/L
        dose = order.amount * KG
        found.append("above_hard" if gt(dose, 1200) else "above_soft" if gt(order.amount, 15)
                     else "below" if lt(order.amount, 15) else "within")
        return worst(found)
    rate = order.amount / 1000  # g/m2 (the edges are written per m2)
    dose = order.amount * BSA  # mg; at 0.3 and 1 g/m2 (not 1.6) half a mg is on the edge
    found.append("above_hard" if gt(rate, 1.6) else "above_soft"
                 if gt(dose - PREPARED_MG, 1000 * BSA) else "below"
                 if lt(dose + PREPARED_MG, 300 * BSA) else "within")
    return worst(found)


def expected_ivig(order: Order) -> str:
    times = order.times_per_day or 1
    _, day_mg = amounts(order, times, KG)
    day_g, days = day_mg / 1000, order.days
    found = ["within" if times == 1 else "above_soft"]
    if gt(day_g, KG):  # 1 g/kg/day [gap]
        return worst([*found, "above_hard"])
    rates = [r for r, allowed in ((0.4, (5,)), (1.0, (1, 2))) if days is None or days in allowed]
    rates += [1 / n for n in (1, 2, 3, 4) if days is None or days == n]  # 1 g/kg over 1-4 days
    matched = [r for r in rates if abs(day_g - r * KG) <= r * KG * 0.1 * (1 + EDGE)
               or abs(day_g - round(r * KG / 5) * 5) <= 1e-9 * max(1.0, r * KG)]
    found.append("within" if matched else "above_soft")
    if days is not None:
        total = (matched[0] * KG if matched else day_g) * days
        found.append("above_soft" if days > 5 or gt(total, 2 * KG) else "within")
    if order.interval_days is not None:
        found.append("above_soft" if lt(order.interval_days, 21) else "within")
    return worst(found)


EXPECTED = {
    "mycophenolate": lambda o: expected_mycophenolate(o, renal=False),
    "ciclosporin": expected_ciclosporin,
    "azathioprine": expected_azathioprine,
    "cyclophosphamide_oral": expected_cyclophosphamide_oral,
    "cyclophosphamide_iv": expected_cyclophosphamide_iv,
    "ivig": expected_ivig,
}


@settings(max_examples=400)
@given(orders("borderline"))
def test_borderline_orders_screen_as_the_table_says(order: Order) -> None:
    s = screen(order, ADULT, on=ON)
    assert s.verdict == EXPECTED[order.drug](order), repr(s)


@given(orders("borderline", drug="mycophenolate"))
def test_borderline_mycophenolate_below_egfr_25(order: Order) -> None:
    s = screen(order, RENAL, on=ON)
    assert s.verdict == expected_mycophenolate(order, renal=True), repr(s)


@pytest.mark.parametrize("drug, edge", [
    ("mycophenolate", 1500.0),  # a dose
    ("azathioprine", 150.0),  # a day
    ("ciclosporin", 5.0 * KG),  # 5 mg/kg/day x 72 kg = 360 mg/day
    ("cyclophosphamide_oral", 2.0 * KG),  # 2 mg/kg/day x 72 kg = 144 mg/day
])
def test_the_hard_edges_are_drawn_on_and_either_side(drug: str, edge: float) -> None:
    def mg(order: Order) -> float:
        times = order.times_per_day or 1
        scale = KG if order.basis == "mg/kg" else 1.0
        dose, day = amounts(order, times, scale)
        return dose if drug == "mycophenolate" else day

    drawn = orders("borderline", drug=drug)
    on = find(drawn, lambda o: abs(mg(o) / edge - 1) < 1e-12)
    past = find(drawn, lambda o: 0 < mg(o) / edge - 1 < 2e-6)
    short = find(drawn, lambda o: 0 < 1 - mg(o) / edge < 2e-6)
    assert screen(on, ADULT, on=ON).verdict != "above_hard"
    assert screen(past, ADULT, on=ON).verdict == "above_hard"
    assert screen(short, ADULT, on=ON).verdict != "above_hard"


# Invalid orders


@given(invalid_orders())
def test_invalid_orders_are_refused_naming_the_field(case: InvalidOrder) -> None:
    with pytest.raises(case.error) as refused:
        Order(**case.kwargs)
    assert refused.value.field == case.field
    assert isinstance(refused.value, PlexodoseError)


def test_every_fault_has_cases_for_every_drug() -> None:
    from plexodose.strategies import _invalid_order_cases

    for drug in ("ivig", "azathioprine", "mycophenolate", "ciclosporin",
                 "cyclophosphamide_oral", "cyclophosphamide_iv"):
        kinds = {case.kind for case in _invalid_order_cases(drug)}
        assert kinds == set(ORDER_FAULTS) - ({"product"} if drug == "ivig" else set())
        for case in _invalid_order_cases(drug):
            with pytest.raises(case.error):
                Order(**case.kwargs)


def _values(case: InvalidOrder) -> Any:
    return case.kwargs[case.field]


def test_invalid_orders_draw_generated_cases_too() -> None:
    bare = find(invalid_orders("ivig"), lambda c: c.kind == "bare number"
                and isinstance(_values(c), int) and abs(_values(c)) > 1000)
    assert bare.field == "dose"
