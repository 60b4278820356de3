"""Issue 18, class 9: inputs that escaped as something other than a PlexodoseError.

Hostile values (a raising ``__repr__``, ``__float__`` or ``__eq__``, huge ints, subnormals, lone
surrogates, another registry's array magnitudes) through every argument of the public entry
points: each is refused with a PlexodoseError naming the field, or accepted with a result whose
text encodes; nothing else escapes.
"""

from __future__ import annotations

import decimal
import inspect
import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose
from plexodose import Patient, PlexodoseError
from plexodose.strategies import invalid_inputs

P = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL


class RaisingRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr refused")

    __str__ = __repr__


class RaisingReprFloat(float):
    def __repr__(self) -> str:
        raise RuntimeError("repr refused")

    __str__ = __repr__


class RaisingReprStr(str):
    def __repr__(self) -> str:
        raise RuntimeError("repr refused")

    def __str__(self) -> str:
        raise RuntimeError("str refused")


class RaisingFloat(numbers.Real):  # type: ignore[misc]
    """A number type whose every conversion fails."""

    def __float__(self) -> float:
        raise RuntimeError("float refused")

    def __repr__(self) -> str:
        raise RuntimeError("repr refused")

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"{name} refused")


for _name in ("__abs__", "__add__", "__ceil__", "__eq__", "__floor__", "__floordiv__", "__le__",
              "__lt__", "__mod__", "__mul__", "__neg__", "__pos__", "__pow__", "__radd__",
              "__rfloordiv__", "__rmod__", "__rmul__", "__round__", "__rpow__", "__rtruediv__",
              "__truediv__", "__trunc__"):
    setattr(RaisingFloat, _name, lambda self, *a, _n=_name: (_ for _ in ()).throw(
        RuntimeError(f"{_n} refused")))
RaisingFloat.__abstractmethods__ = frozenset()


class EqualToAll:
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


class EqualToAllStr(str):
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


HOST = pint.UnitRegistry()
HOSTILE: list[Any] = [
    RaisingRepr(), RaisingReprFloat(72.0), RaisingReprStr("72 kg"), RaisingReprStr("auto"),
    RaisingFloat(), EqualToAll(), EqualToAllStr("auto"), EqualToAllStr("nonsense"),
    10**400, -(10**400), 2**1024, 5e-324, 1e-310, -1e-310, 1.7e308, math.nan,
    decimal.Decimal("sNaN"), decimal.Decimal("1e-400"), decimal.Decimal("1e400"),
    complex(1, 1), np.float64(5e-324), np.array([1.0, 2.0]), np.array(72.0),
    "\ud800", "72 kg\udc00", "\udfff kg", "renal \ud83d advice", b"72 kg", None, {"a": 1},
    [72], object(),
    HOST.Quantity(np.array([72.0, 73.0]), "kg"), HOST.Quantity(5e-324, "kg"),
    HOST.Quantity(10**400, "kg"), HOST.Quantity(RaisingReprFloat(72.0), "kg"),
]
# by index: hypothesis hashes what sampled_from holds, and some of these refuse to be hashed
HOSTILE_VALUES = st.integers(0, len(HOSTILE) - 1).map(HOSTILE.__getitem__)


def _result_text_encodes(result: Any) -> None:
    for text in (str(result), repr(result)):
        text.encode("utf-8")  # a lone surrogate makes this raise


def _entry_points() -> list[tuple[str, Callable[..., Any], str]]:
    """(name, call with one keyword, keyword) for every keyword of the public entry points."""
    found: list[tuple[str, Callable[..., Any], str]] = []
    calculators = (plexodose.ivig, plexodose.azathioprine, plexodose.cyclophosphamide_oral,
                   plexodose.cyclophosphamide_iv, plexodose.ciclosporin, plexodose.mycophenolate,
                   plexodose.cyclophosphamide_pulse_reduction)
    for calc in calculators:
        for name in inspect.signature(calc).parameters:
            if name != "patient":
                found.append((calc.__name__, lambda v, c=calc, n=name: c(P, **{n: v}), name))
    base = {"weight": "72 kg", "height": "175 cm"}
    for name in inspect.signature(Patient).parameters:
        found.append(("Patient", lambda v, n=name: Patient(**{**base, n: v}), name))
    for name in inspect.signature(plexodose.Labs).parameters:
        found.append(("Labs", lambda v, n=name: plexodose.Labs(**{"date": "2027-01-16", n: v}),
                      name))
    return found


ENTRY_POINTS = _entry_points()
IDS = [f"{where}-{name}" for where, _, name in ENTRY_POINTS]


def _only_plexodose_errors(call: Callable[..., Any], name: str, value: Any) -> None:
    try:
        result = call(value)
    except PlexodoseError as exc:
        assert exc.field is not None
        str(exc).encode("utf-8")
    else:
        _result_text_encodes(result)


@pytest.mark.parametrize(("where", "call", "name"), ENTRY_POINTS, ids=IDS)
def test_hostile_values_raise_only_plexodose_errors(
    where: str, call: Callable[..., Any], name: str
) -> None:
    for value in HOSTILE:
        _only_plexodose_errors(call, name, value)


@given(st.sampled_from(ENTRY_POINTS),
       st.one_of(HOSTILE_VALUES, invalid_inputs("mass"), invalid_inputs("number"),
                 invalid_inputs("choice"), invalid_inputs("length"), st.text(),
                 st.integers(), st.floats()))
def test_property_nothing_but_plexodose_errors_escape(entry: Any, value: Any) -> None:
    _, call, name = entry
    _only_plexodose_errors(call, name, value)
