"""A value compared with a limit is never written so that it reads as the limit itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import Labs, Order, Patient, review, screen
from plexodose._core import format as fmt

U = "x10^9/L"


def _side(a: float, b: float) -> int:
    return (a > b) - (a < b)


@given(value=st.floats(0.001, 10_000), limit=st.sampled_from([0.5, 1.6, 3.5, 25, 30, 60, 105,
                                                              140, 250, 300, 500]),
       decimals=st.integers(0, 3))
def test_against_shows_the_value_on_its_own_side_of_the_limit(value: float, limit: float,
                                                               decimals: int) -> None:
    text = fmt.against(value, limit, decimals=decimals)
    if abs(value - limit) >= 1e-6:  # six decimals tell any two such values apart
        assert _side(float(text.replace(",", "")), limit) == _side(value, limit), text


def test_a_count_typed_per_microlitre_just_below_the_limit_is_written_below_it() -> None:
    # 3,499.6 /uL / 1,000 = 3.4996 x10^9/L < 3.5: withhold; beside what was typed, 4 decimals
    r = review("azathioprine", Labs(date="2027-01-10", wbc="3499.6 /uL"), on="2027-01-11")
    assert r.reasons[0].text.startswith(f"WBC 3499.6 /uL (3.4996 {U}) is below 3.5 {U}")


def test_an_older_sets_note_names_its_date() -> None:
    # eGFR 20 of 2027-01-01 < 25 with 1,500 mg/day, within 2,000: a note, dated like a finding
    older = Labs(date="2027-01-01", egfr="20 mL/min/1.73 m^2")
    r = review("mycophenolate", Labs(date="2027-01-10", wbc=f"6 {U}"), history=[older],
               on="2027-01-11", current_dose="1.5 g/day")
    assert ("results of 2027-01-01: eGFR 20 mL/min/1.73 m^2 is below 25: at most 1 g twice daily "
            "(2,000 mg/day); the current 1,500 mg/day respects it") in r.notes


def test_screen_texts_beside_their_limits() -> None:
    from plexodose import Labs as L
    # ciclosporin, creatinine 1.3526 mg/dL, male 60: CKD-EPI 2021 142 x (1.3526/0.9)^-1.2 x
    # 0.9938^60 = 59.967 < 60; at one decimal "60.0" would read as the limit: two decimals
    p = Patient(weight="72 kg", height="175 cm", sex="male", age=60,
                serum_creatinine="1.3526 mg/dL")
    s = screen(Order(drug="ciclosporin", dose="100 mg", times_per_day=2), p, on="2027-01-04")
    text = next(f.text for f in s.findings if "is below 60" in f.text)
    assert text.startswith("eGFR 59.97 is below 60: ciclosporin is contraindicated")
    # pre-pulse WBC 1.996 < 2 and neutrophils 1.496 < 1.5: never "2 is below 2", "1.5 ... below 1.5"
    pre = L(date="2027-01-03", wbc=f"1.996 {U}", neutrophils=f"1.496 {U}")
    s = screen(Order(drug="cyclophosphamide_iv", dose="0.5 g/m2", every="28 days"),
               Patient.example(), on="2027-01-04", labs=pre)
    texts = [f.text for f in s.findings if f.dimension == "condition"]
    assert "pre-pulse WBC 1.996 x10^9/L is below 2: the pulse is held" in texts
    assert "neutrophils 1.496 x10^9/L are below 1.5: the pulse is postponed" in texts


def test_a_platelet_count_just_below_140_is_written_below_it() -> None:
    # 139.96 < 140: withhold; at one decimal it would read "140 is below 140": two decimals
    r = review("azathioprine", Labs(date="2027-01-10", platelets=f"139.96 {U}"), on="2027-01-11")
    assert r.action == "withhold"
    assert r.reasons[0].text.startswith(f"platelets 139.96 {U} is below 140 {U}")


def test_an_egfr_just_below_60_is_written_below_it() -> None:
    # 59.96 < 60: the shared repeat; "60 is below 60" at one decimal: two decimals
    r = review("azathioprine", Labs(date="2027-01-10", egfr="59.96 mL/min/1.73 m^2"),
               on="2027-01-11", baseline="1 mg/dL")
    assert any(f.text.startswith("eGFR 59.96 mL/min/1.73 m^2 is below 60") for f in r.reasons)


@pytest.mark.parametrize(("typed", "shown"), [("500.4 umol/L", "500.4"), ("612 umol/L", "612")])
def test_a_pulse_creatinine_above_500_is_written_above_it(typed: str, shown: str) -> None:
    # 500.4 umol/L > 500: above the EULAR table; at no decimals it read "500 is above 500"
    p = Patient(weight="72 kg", height="175 cm", sex="male", age=60, serum_creatinine=typed)
    s = screen(Order(drug="cyclophosphamide_iv", dose="0.5 g/m2", every="28 days"), p,
               on="2027-01-04")
    texts = [f.text for f in s.findings if f.dimension == "condition"]
    assert texts == [f"creatinine {shown} umol/L is above the EULAR table (500): a pulse needs a "
                     "stated reason"]


def test_an_oral_band_creatinine_just_above_500_is_written_above_it() -> None:
    # 5.66063 mg/dL x 88.4017 (113.12 g/mol) = 500.41 umol/L > 500:
    # the > 500 band (1.5 mg/kg/day); the value shows one decimal, not "500"
    labs = Labs(date="2027-01-10", creatinine="5.66063 mg/dL", wbc=f"6 {U}")
    r = review("cyclophosphamide oral", labs, on="2027-01-11", patient=Patient.example(),
               current_dose="100 mg/day", baseline="1 mg/dL")
    texts = [f.text for f in r.reasons] + list(r.notes)
    assert any("creatinine 500.4 umol/L is in the > 500 umol/L band" in t for t in texts), texts
