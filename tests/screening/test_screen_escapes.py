"""Bad input to an order or a screen: a PlexodoseError naming the field, never another
exception, never "within"."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import Order, Patient, PlexodoseError, screen
from plexodose.strategies import invalid_inputs

EX = Patient.example()
GOOD = {"drug": "azathioprine", "dose": "50 mg", "times_per_day": 1}


def _refused(call: Any, field: str) -> None:
    try:
        call()
    except PlexodoseError as exc:
        assert exc.field is not None and exc.field.startswith(field), (exc.field, exc)
    else:
        raise AssertionError(f"accepted for {field}")


@given(value=invalid_inputs("mass"))
def test_a_bad_dose_is_refused_naming_dose(value: Any) -> None:
    _refused(lambda: Order(**{**GOOD, "dose": value}), "dose")


@given(value=st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.none(),
                       st.lists(st.integers(), max_size=2)))
def test_anything_as_an_order_field_raises_only_plexodose_errors(value: Any) -> None:
    for field in ("drug", "times_per_day", "days_per_week", "every", "days", "route", "product",
                  "reason"):
        try:
            order = Order(**{**GOOD, field: value})
        except PlexodoseError as exc:
            assert exc.field == field or field in str(exc)
            continue
        s = screen(order, EX)  # accepted values screen without any other exception
        assert s.verdict in ("within", "below", "above_soft", "above_hard", "not_screened")


@pytest.mark.parametrize(("given", "field"), [
    ({"dose": "500"}, "dose"),               # no unit
    ({"dose": "500 mL"}, "dose"),            # a volume
    ({"dose": "0 mg"}, "dose"),
    ({"dose": "nan mg"}, "dose"),
    ({"dose": "900 g"}, "dose"),             # above the plausible 200 g
    ({"drug": "aspirin"}, "drug"),
    ({"times_per_day": 0}, "times_per_day"),
    ({"times_per_day": 2.5}, "times_per_day"),
    ({"days_per_week": 8}, "days_per_week"),
    ({"every": "0 days"}, "every"),
    ({"every": "3"}, "every"),
    ({"route": "iv"}, "route"),              # azathioprine is oral
    ({"product": "privigen"}, "product"),    # a product is for IVIg
    ({"reason": "\ud800"}, "reason"),        # a lone surrogate
])
def test_each_bad_field_is_named(given: dict[str, Any], field: str) -> None:
    _refused(lambda: Order(**{**GOOD, **given}), field)


def test_a_screen_needs_an_order_and_a_patient() -> None:
    _refused(lambda: screen("azathioprine 50 mg", EX), "order")
    _refused(lambda: screen(Order(**GOOD), {"weight": "72 kg"}), "patient")
    _refused(lambda: screen(Order(**GOOD), EX, allopurinol="yes"), "allopurinol")
    _refused(lambda: screen(Order(**GOOD), EX, prior_cyclophosphamide=12), "prior_cyclophosphamide")
    _refused(lambda: screen(Order(**GOOD), EX, history="none"), "history")
    _refused(lambda: screen(Order(**GOOD), EX, history=[("2026-01-01", "aspirin", "1 g")],
                            on="2026-12-07"), "history[0].drug")
    _refused(lambda: screen(Order(drug="cyclophosphamide_iv", dose="1 g/m**2"), EX,
                            last_pulse="1 g/day"), "last_pulse")


def test_an_ivig_product_the_catalogue_lacks_is_refused() -> None:
    _refused(lambda: Order(drug="ivig", dose="30 g", product="wonderglobulin"), "product")
    assert Order(drug="ivig", dose="30 g", product="privigen").product == "Privigen 10 %"
