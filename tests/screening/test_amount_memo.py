"""The memo of order amounts (and of a prior cyclophosphamide total) read from text: the same
reading however often a spelling comes, refusals read again with their own field, one memo per
unit registry, and bounded whatever is typed."""

from __future__ import annotations

import datetime as dt

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose as px
from plexodose._screening import exposure as _exposure
from plexodose._screening import order as _order

SPELLINGS = st.builds(
    lambda n, unit: f"{n} {unit}",
    st.sampled_from(["0.5", "1", "1,000", "12.5", "250", "750", "-3", "nan", "1e9"]),
    st.sampled_from(["mg", "g", "g/day", "mg/kg", "g/kg/day", "g/m2", "mg/m**2", "kg",
                     "mg/h", "mg/week", "sack"]),
)
ON = dt.date(2027, 1, 4)


def _reading(text: str, field: str) -> object:
    try:
        return _order.read_amount(text, field)
    except px.PlexodoseError as exc:
        return (type(exc).__name__, str(exc), exc.field)


@given(text=SPELLINGS, field=st.sampled_from(["dose", "last_pulse"]))
def test_a_spelling_read_again_gives_the_first_readings_figure_or_refusal(
        text: str, field: str) -> None:
    _order._amounts.clear()
    first = _reading(text, field)
    other = "last_pulse" if field == "dose" else "dose"
    _reading(text, other)
    assert _reading(text, field) == first
    if isinstance(first, tuple) and isinstance(first[0], str) and first[0].endswith("Error"):
        assert first[2] == field  # a refusal names the field that read it, never another's


def test_a_memo_hit_is_the_reading_itself() -> None:
    # "1,000 mg/day" is 1,000 mg a day; "0.75 g/m2" is 750 mg/m2 a pulse
    _order._amounts.clear()
    for _ in range(2):
        assert _order.read_amount("1,000 mg/day") == (1000.0, "mg", "day", "1,000 mg/day")
        assert _order.read_amount("0.75 g/m2", "last_pulse")[:3] == (750.0, "mg/m2", "dose")
    prior = px.screen(px.Order(drug="cyclophosphamide_oral", dose="100 mg", times_per_day=1),
                      px.Patient.example(), on="2027-01-04", prior_cyclophosphamide="12.5 g")
    again = px.screen(px.Order(drug="cyclophosphamide_oral", dose="100 mg", times_per_day=1),
                      px.Patient.example(), on="2027-01-04", prior_cyclophosphamide="12.5 g")
    # 12.5 g before + 0.1 g a day = 12.6 g
    assert "12.5 g before, 12.6 g" in next(f.text for f in again.findings
                                            if f.dimension == "cumulative")
    assert prior == again


def test_the_memo_is_per_registry() -> None:
    """A spelling read under a host's registry is read again under another: its definitions
    give their own figure, never one remembered from a registry no longer in force."""
    saved = pint.get_application_registry().get()
    figures = []
    try:
        for g in (2, 3):
            host = pint.UnitRegistry()
            host.define(f"scoop = {g} g")
            pint.set_application_registry(host)
            figures.append(_order.read_amount("10 scoop")[0])
            figures.append(_exposure.exposure_of("10 scoop", None, ON).total_g)
    finally:
        pint.set_application_registry(saved)
    assert figures == [20_000.0, 20.0, 30_000.0, 30.0]  # 10 x 2 g in mg, in g; then 10 x 3 g
    with pytest.raises(px.PlexodoseError, match="scoop"):  # pint's defaults have no scoop
        _order.read_amount("10 scoop")


def test_the_memos_are_bounded() -> None:
    for n in range(_order.AMOUNTS_CACHE_SIZE + 300):
        _order.read_amount(f"{100 + n / 1000:.3f} mg")
        _exposure.exposure_of(f"{n / 1000:.3f} g", None, ON)
    assert 0 < len(_order._amounts) <= _order.AMOUNTS_CACHE_SIZE
    assert 0 < len(_exposure._priors) <= _exposure.PRIORS_CACHE_SIZE


def test_one_entry_per_spelling_whatever_field_reads_it() -> None:
    """A history's amounts are read with a field per entry (history[7].amount): the memo keeps
    one entry per spelling, so a long history never pushes the order amounts out."""
    _order._amounts.clear()
    for i in range(50):
        _order.read_amount("1,400 mg", f"history[{i}].amount")
    _order.read_amount("1,400 mg", "dose")
    assert len(_order._amounts) == 1
