"""A value compared with a limit is never written so that it reads as the limit itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import Labs, Order, Patient, review, screen
from plexodose._core import format as fmt

U = "x10^9/L"


@given(value=st.floats(0.001, 10_000), limit=st.sampled_from([0.5, 1.6, 3.5, 25, 30, 60, 105,
                                                              140, 250, 300, 500]))
def test_against_never_reads_as_a_limit_it_is_not(value: float, limit: float) -> None:
    text = fmt.against(value, limit)
    if value != limit and abs(value - limit) >= 0.001:  # 3 decimals tell them apart
        assert float(text.replace(",", "")) != limit


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
    # 500.4 umol/L typed in mg/dL: 500.4 / 88.4 = 5.66063 mg/dL; back x 88.4 = 500.4 > 500:
    # the > 500 band (1.5 mg/kg/day); the value shows one decimal, not "500"
    labs = Labs(date="2027-01-10", creatinine="5.66063 mg/dL", wbc=f"6 {U}")
    r = review("cyclophosphamide oral", labs, on="2027-01-11", patient=Patient.example(),
               current_dose="100 mg/day", baseline="1 mg/dL")
    texts = [f.text for f in r.reasons] + list(r.notes)
    assert any("creatinine 500.4 umol/L is in the > 500 umol/L band" in t for t in texts), texts
