"""st.from_type draws plexodose's values: patients, lab results and orders."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plexodose import Labs, Order, Patient, review, screen
from plexodose.strategies import labs


@given(st.from_type(Labs))
def test_from_type_labs_draws_reviewable_results(drawn: Labs) -> None:
    assert drawn.names()  # at least one result
    r = review("azathioprine", drawn, on=drawn.date, baseline="0.9 mg/dL")
    assert r.action  # every drawn set is reviewable


@given(st.from_type(Order), st.from_type(Patient))
def test_from_type_orders_screen(order: Order, patient: Patient) -> None:
    assert screen(order, patient).verdict in (
        "within", "below", "above_soft", "above_hard", "not_screened")


@given(labs(on="2027-01-16"))
def test_labs_on_a_date(drawn: Labs) -> None:
    assert drawn.date.isoformat() == "2027-01-16"
