"""Argument checks at the door (_core/checks): caller text, whole numbers and numbers whose
conversion fails, refused as a PlexodoseError wherever they come in."""

from __future__ import annotations

import numbers

import pytest

import plexodose as px
from plexodose import InputRangeError, IVIgProduct, Patient, UnitError, ivig
from plexodose._core import sources as src

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


class _BadFloat:
    """A number type whose conversion to float fails (a host's own numeric class)."""

    def __float__(self) -> float:
        raise RuntimeError("no float for you")

    def __repr__(self) -> str:
        return "_BadFloat()"


numbers.Real.register(_BadFloat)


def test_class_11_a_number_whose_float_fails_is_refused() -> None:
    """Never silently wrong, class 11 (escapes that were not a PlexodoseError): a number whose
    conversion to float fails is refused as a PlexodoseError."""
    with pytest.raises(InputRangeError):
        ivig(EX, g_per_kg_day=_BadFloat())
    with pytest.raises(UnitError):
        Patient(weight=_BadFloat())


@pytest.mark.parametrize("text", ["a\nb", "a\rb", "a\x00b", "a\x1bb", "a\u2028b", "a\u2029b",
                                  "a\x85b", "a\x7fb"])
def test_class_11_control_characters_refused_where_they_come_in(text: str) -> None:
    """Never silently wrong, class 11 (escapes that were not a PlexodoseError): control characters
    and line separators are refused where caller text comes in."""
    with pytest.raises(InputRangeError):
        ivig(EX, g_per_kg_day=1, days=3, override=text)
    with pytest.raises(InputRangeError):
        IVIgProduct(name=f"IVIg {text}", vial_sizes_g=(5,), source=src.PRIVIGEN_LABEL)
    with pytest.raises(InputRangeError):
        Patient(weight="72 kg", age=16, minor_override=text)


@pytest.mark.parametrize("days", [5, 5.0])
def test_whole_number_fast_path_agrees(days: object) -> None:
    """Fast path (issue 10: lean, not fewer checks): the whole-number check's fast path takes an int
    and a whole float alike."""
    assert px.ivig(px.Patient.example(), days=days).days == 5  # type: ignore[arg-type]


def test_a_date_is_read_from_its_plain_text_each_time_the_same() -> None:
    """Dates are read through a bounded cache: a day no calendar has is refused every time,
    and a str subclass is read as the text it holds (its own methods never run)."""
    import datetime as dt

    from plexodose._core.checks import checked_date

    earliest, latest = dt.date(1900, 1, 1), dt.date(2199, 12, 31)

    class Sneaky(str):
        def strip(self, chars: str | None = None) -> str:
            return "2027-01-01"

    assert checked_date(Sneaky(" 2027-02-03 "), "on", earliest, latest) == dt.date(2027, 2, 3)
    for _ in range(2):
        with pytest.raises(InputRangeError, match='on must be a date such as "2027-01-16"'):
            checked_date("2027-02-30", "on", earliest, latest)
        assert checked_date("2027-02-28", "on", earliest, latest) == dt.date(2027, 2, 28)
    with pytest.raises(InputRangeError, match="outside the plausible range"):
        checked_date("1899-12-31", "on", earliest, latest)


def test_a_long_date_text_is_read_but_never_held_by_the_date_cache() -> None:
    # 100 spaces around "2027-01-04" still name that day; the cache keeps short texts only
    import datetime as dt

    from plexodose._core import checks

    earliest, latest = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
    checks._iso_date.cache_clear()
    padded = " " * 100 + "2027-01-04"
    assert checks.checked_date(padded, "on", earliest, latest) == dt.date(2027, 1, 4)
    assert checks._iso_date.cache_info().currsize == 0
    assert checks.checked_date("2027-01-04", "on", earliest, latest) == dt.date(2027, 1, 4)
    assert checks._iso_date.cache_info().currsize == 1
