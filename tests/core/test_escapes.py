"""Issue 18, class 9: inputs that escaped as something other than a PlexodoseError.

Hostile values (a raising ``__repr__``, ``__float__`` or ``__eq__``, huge ints, subnormals, lone
surrogates, another registry's array magnitudes) through every argument of the public entry
points: each is refused with a PlexodoseError naming the field, or accepted with a result whose
text encodes; nothing else escapes.
"""

from __future__ import annotations

import decimal
import fractions
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
from plexodose import InputRangeError, Patient, PlexodoseError, UnitError
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


# -- one test per defect ---------------------------------------------------------------------

CALCULATORS_WITH_OVERRIDE = [
    lambda o: plexodose.ivig(P, override=o),
    lambda o: plexodose.azathioprine(P, override=o),
    lambda o: plexodose.cyclophosphamide_oral(P, override=o),
    lambda o: plexodose.cyclophosphamide_iv(P, override=o),
    lambda o: plexodose.ciclosporin(P, override=o),
    lambda o: plexodose.mycophenolate(P, override=o),
    lambda o: Patient(weight="72 kg", age=12, minor_override=o),
]


@pytest.mark.parametrize("call", CALCULATORS_WITH_OVERRIDE)
@pytest.mark.parametrize("reason", ["\ud800", "renal \udfff team", "\ud83d"])
def test_a_lone_surrogate_in_an_override_is_refused_at_the_door(call: Any, reason: str) -> None:
    """A lone surrogate was accepted into the result: its str, JSON and HTML could not be
    encoded (UnicodeEncodeError at the caller's print)."""
    with pytest.raises(InputRangeError, match=r"lone surrogates \(found U\+D[89A-F][0-9A-F]{2}\)"):
        call(reason)


def test_a_surrogate_pair_written_as_one_character_is_accepted() -> None:
    result = plexodose.cyclophosphamide_iv(P, g_per_m2=1.0, override="team \U0001f48a advice")
    assert result.override == "team \U0001f48a advice"
    str(result).encode("utf-8")


def test_a_lone_surrogate_in_a_product_name_is_refused() -> None:
    source = plexodose.Source("label", "test label", "test sizes")
    with pytest.raises(InputRangeError, match="lone surrogates") as info:
        plexodose.IVIgProduct("Gam\udc00", (5, 10), source)
    assert info.value.field == "name"


@pytest.mark.parametrize("value", [1e-310, 5e-324, -1e-310, 1e-10, np.float64(5e-324),
                                   decimal.Decimal("1e-400"), fractions.Fraction(1, 10**400)],
                         ids=lambda v: type(v).__name__ + str(v)[:8])
def test_a_subnormal_g_per_m2_is_refused_by_range(value: Any) -> None:
    """cyclophosphamide_iv(p, g_per_m2=1e-310, override="x") raised OverflowError: the count
    of pulses to 36 g (36 g / a 1.9e-307 mg pulse) was infinite."""
    with pytest.raises(InputRangeError, match=r"g_per_m2 must be 0 or at least 1e-09") as info:
        plexodose.cyclophosphamide_iv(P, g_per_m2=value, override="x")
    assert info.value.field == "g_per_m2"


def test_the_smallest_plain_number_and_zero_are_still_read() -> None:
    from plexodose._core import units as u

    assert u.plain_number(1e-9, "x") == 1e-9
    assert u.plain_number(0.0, "x") == 0.0
    assert u.plain_number(-0.5, "x") == -0.5
    assert u.plain_number(np.float32(0.5), "x") == 0.5
    with pytest.raises(InputRangeError, match="greater than zero"):  # zero: each field's rule
        plexodose.cyclophosphamide_iv(P, g_per_m2=0.0, override="x")


@pytest.mark.parametrize("name", ["g_per_kg_day", "round_to_g", "max_g_per_kg_day"])
def test_a_subnormal_is_refused_by_range_for_every_plain_number_of_ivig(name: str) -> None:
    with pytest.raises(InputRangeError, match=f"{name} must be 0 or at least 1e-09"):
        plexodose.ivig(P, **{name: 1e-310}, override="x")


@pytest.mark.parametrize("weight", [RaisingRepr(), RaisingReprFloat(72.0), RaisingReprStr("?")],
                         ids=["object", "float subclass", "str subclass"])
def test_a_weight_whose_repr_raises_is_refused_naming_weight(weight: Any) -> None:
    """Patient(weight=x) with a raising __repr__ raised that RuntimeError: the refusal's
    message formatted {value!r}."""
    with pytest.raises(PlexodoseError) as info:
        Patient(weight=weight)
    assert info.value.field == "weight"
    assert info.value.value is weight or type(info.value.value) is str  # a str subclass: its text


def test_a_str_subclass_whose_repr_raises_is_read_as_its_text() -> None:
    assert Patient(weight=RaisingReprStr("72 kg")).weight_kg == 72.0


def test_safe_repr_never_raises_and_always_encodes() -> None:
    from plexodose._core.errors import safe_repr, safe_str

    class NotText:
        def __repr__(self) -> Any:
            return 5

    assert safe_repr(RaisingRepr()) == "<RaisingRepr object>"
    assert safe_str(RaisingReprStr("x")) == "<RaisingReprStr object>"
    assert safe_repr(NotText()) == "<NotText object>"
    assert safe_repr("\ud800") == "'\\ud800'"
    assert safe_str("a\ud800b") == "a\\ud800b"
    assert safe_repr("x" * 100) == "'" + "x" * 59
    assert safe_repr(10**400, 10) == "1000000000"


def _choice_calls() -> list[tuple[str, Callable[[Any], Any]]]:
    pulse = plexodose.mycophenolate(P)
    return [
        ("Patient sex", lambda v: Patient(weight="72 kg", sex=v)),
        ("Patient tpmt", lambda v: Patient(weight="72 kg", tpmt=v)),
        ("Patient nudt15", lambda v: Patient(weight="72 kg", nudt15=v)),
        ("ivig weight_basis", lambda v: plexodose.ivig(P, weight_basis=v)),
        ("ivig auto_rule", lambda v: plexodose.ivig(P, auto_rule=v)),
        ("ivig product", lambda v: plexodose.ivig(P, product=v)),
        ("ivig risk_factors", lambda v: plexodose.ivig(P, risk_factors=[v])),
        ("azathioprine crcl_weight", lambda v: plexodose.azathioprine(P, crcl_weight=v)),
        ("cyclophosphamide_iv bsa_formula", lambda v: plexodose.cyclophosphamide_iv(
            P, bsa_formula=v)),
        ("bsa formula", lambda v: plexodose.bsa(height="175 cm", weight="72 kg", formula=v)),
        ("ideal_body_weight sex", lambda v: plexodose.ideal_body_weight(height="175 cm", sex=v)),
        ("adjusted_body_weight sex", lambda v: plexodose.adjusted_body_weight(
            weight="72 kg", height="175 cm", sex=v)),
        ("egfr sex", lambda v: plexodose.egfr(age=60, sex=v, serum_creatinine="1 mg/dL")),
        ("creatinine_clearance sex", lambda v: plexodose.creatinine_clearance(
            age=60, weight="72 kg", sex=v, serum_creatinine="1 mg/dL")),
        ("convert_mycophenolate to", lambda v: plexodose.convert_mycophenolate(pulse, to=v)),
        ("plan second_agent", lambda v: plexodose.plan(P, start="2027-01-04", second_agent=v)),
        ("plan refractory_agent", lambda v: plexodose.plan(P, start="2027-01-04",
                                                           refractory_agent=v)),
        ("review drug", lambda v: plexodose.review(v, plexodose.Labs(date="2027-01-04"))),
        ("review thresholds", lambda v: plexodose.review(
            "azathioprine", plexodose.Labs(date="2027-01-04"), thresholds=v)),
        ("before_starting drug", lambda v: plexodose.before_starting(v, P)),
    ]


CHOICE_CALLS = _choice_calls()


@pytest.mark.parametrize("value", [EqualToAll(), EqualToAllStr("nonsense")],
                         ids=["object", "str subclass"])
@pytest.mark.parametrize(("name", "call"), CHOICE_CALLS, ids=[n for n, _ in CHOICE_CALLS])
def test_an_object_equal_to_every_word_is_refused_for_each_choice_argument(
    name: str, call: Callable[[Any], Any], value: Any
) -> None:
    """Patient(sex=x) with x equal to everything was read as 'female': a choice is compared as
    text only, for every choice argument of the public functions."""
    with pytest.raises(PlexodoseError) as info:
        call(value)
    assert info.value.field is not None


class TestAnotherRegistrysArrayMagnitudes:
    """A host registry built with force_ndarray_like=True holds 72 kg as a 0-d array: its own
    72 kg was refused ("must be a single real mass")."""

    def test_a_host_registry_with_force_ndarray_like_has_its_72_kg_read(self) -> None:
        host = pint.UnitRegistry(force_ndarray_like=True)
        saved = pint.get_application_registry().get()
        try:
            pint.set_application_registry(host)
            patient = Patient(weight=host.Quantity(72, "kg"), height=host.Quantity(175, "cm"))
            assert type(patient.weight_kg).__mro__[-2] is float
            assert patient.weight_kg == 72.0 and patient.height_cm == 175.0
            assert float(plexodose.ivig(patient).daily_dose.to("g/day").magnitude) == 28.8
        finally:
            pint.set_application_registry(saved)

    @pytest.mark.parametrize("magnitude", [np.array(72.0), np.array(72), np.float32(72.0),
                                           np.int64(72)])
    def test_a_0d_array_or_numpy_scalar_of_another_registry_is_one_number(
        self, magnitude: Any
    ) -> None:
        other = pint.UnitRegistry(force_ndarray_like=True)
        assert Patient(weight=other.Quantity(magnitude, "kg")).weight_kg == 72.0

    @pytest.mark.parametrize("magnitude", [np.array([72.0]), np.array([[72.0, 73.0]])])
    def test_a_real_array_is_refused_as_an_array(self, magnitude: Any) -> None:
        with pytest.raises(UnitError, match=r"not an array \(shape \(") as info:
            Patient(weight=HOST.Quantity(magnitude, "kg"))
        assert info.value.field == "weight"

    @pytest.mark.parametrize("magnitude", [np.array(72 + 1j), np.array(True), np.array("72")])
    def test_a_0d_array_that_is_not_a_real_number_is_refused(self, magnitude: Any) -> None:
        with pytest.raises(UnitError, match="single real mass"):
            Patient(weight=pint.UnitRegistry(force_ndarray_like=True).Quantity(magnitude, "kg"))


def test_a_subnormal_prior_cumulative_dose_is_refused_by_range() -> None:
    pulse = plexodose.cyclophosphamide_iv(P)
    with pytest.raises(InputRangeError, match="at least 1e-09") as info:
        plexodose.schedule(pulse, start="2027-01-04", prior_cyclophosphamide_g=1e-310)
    assert info.value.field == "prior_cyclophosphamide_g"
    assert plexodose.schedule(pulse, start="2027-01-04", prior_cyclophosphamide_g=0).events
