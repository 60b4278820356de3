"""Imperial and everyday input (issue 21): the compound forms people type for a height or a
weight ("5 ft 7 in", 5'9", "11 st 4 lb"), "kilos", and the refusals that catch a slip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import InputRangeError, Patient, UnitError
from plexodose._core import units as u

# --- hand-computed readings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 ft 7 in", 170.18),  # 5 x 12 + 7 = 67 in x 2.54 = 170.18 cm
        ("5ft 7in", 170.18),
        ("5 ft, 7 in", 170.18),
        ("5 feet 7 inches", 170.18),
        ("5'9\"", 175.26),  # 69 in x 2.54 = 175.26 cm
        ("5' 9\"", 175.26),
        ("5'9", 175.26),  # the inch mark left off: after a foot mark the rest is inches
        ("5'9''", 175.26),  # two single quotes for the inch mark
        ("5' 9.5\"", 176.53),  # 69.5 in x 2.54 = 176.53 cm
        ("5'", 152.4),  # 5 x 30.48
        ("5 ft", 152.4),
        ("5 ft 0 in", 152.4),
        ("1 m 75 cm", 175.0),  # 100 + 75
        ("5.9 ft", 5.9 * 30.48),  # a decimal is a decimal: 179.832 cm, not 5 ft 9 in
    ],
)
def test_heights_as_people_type_them(text: str, expected: float) -> None:
    assert u.to_float(text, "height", u.LENGTH) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11 st 4 lb", 71.66759446),  # 11 x 14 + 4 = 158 lb x 0.45359237 = 71.66759446 kg
        ("11 stone 4 pounds", 71.66759446),
        ("11 st", 69.85322498000001),  # 11 x 6.35029318 kg, in floats
        ("72 kilos", 72.0),  # a kilo is a kilogram (pint alone reads kilo-seconds)
        ("72 kilo", 72.0),
        ("70 kg 500 g", 70.5),
    ],
)
def test_weights_as_people_type_them(text: str, expected: float) -> None:
    assert u.to_float(text, "weight", u.MASS) == expected


def test_a_compound_equals_the_same_amount_in_the_smaller_unit() -> None:
    # 5 ft 7 in is 67 in; 11 st 4 lb is 158 lb: the very same floats
    assert u.to_float("5 ft 7 in", "height", u.LENGTH) == u.to_float("67 in", "height", u.LENGTH)
    assert u.to_float("11 st 4 lb", "weight", u.MASS) == u.to_float("158 lb", "weight", u.MASS)


def test_a_patient_typed_in_imperial() -> None:
    p = Patient(weight="11 st 4 lb", height="5'9\"", sex="female", age=60)
    assert round(p.weight_kg, 3) == 71.668  # 158 lb x 0.45359237 = 71.66759446
    assert p.height_cm == 175.26  # 69 in x 2.54
    assert round(p.bmi.magnitude, 2) == 23.33  # 71.66759446 / 1.7526^2 = 23.332


# --- refusals: each names the field, the text and what to type ----------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("5 ft 12 in", "12 in is 1 ft or more (1 ft is 12 in)"),  # a slip for 5 ft 2 in?
        ("5 ft 13 in", "the rest must be below 1 ft"),
        ("5'13\"", "13 in is 1 ft or more"),
        ("1 m 100 cm", "100 cm is 1 m or more (1 m is 100 cm)"),
    ],
)
def test_a_rest_of_one_larger_unit_or_more_is_a_likely_slip(text: str, words: str) -> None:
    with pytest.raises(InputRangeError, match="height") as caught:
        u.to_float(text, "height", u.LENGTH)
    assert words in str(caught.value) and caught.value.value == text


def test_a_stone_rest_of_14_lb_is_refused() -> None:
    with pytest.raises(InputRangeError, match=r"14 lb is 1 st or more \(1 st is 14 lb\)"):
        u.to_float("11 st 14 lb", "weight", u.MASS)


@pytest.mark.parametrize(
    ("text", "dim", "words"),
    [
        ("5.5 ft 3 in", u.LENGTH, "a whole number of the larger unit"),
        ("7 in 5 ft", u.LENGTH, "write the larger unit first (in is not larger than ft)"),
        ("5 ft 7 ft", u.LENGTH, "a whole number of the larger unit"),
        ("5 ft 7", u.LENGTH, 'the last part needs its unit; type it such as "5 ft 7 in"'),
        ("11 st 4", u.MASS, 'type it such as "11 st 4 lb"'),
        ("5 ft 7 in", u.MASS, "must be a mass such as \"72 kg\"; got 5 ft ([length])"),
        ("5'9\"", u.MASS, "got 5 ft ([length])"),
        ("11 st 4 lb", u.LENGTH, "must be a length such as \"175 cm\"; got 11 st ([mass])"),
        ("72 kilos", u.LENGTH, "got 72 kilos ([mass])"),  # a mass, no longer a time
        ("5 ft 7 kg", u.LENGTH, "got 7 kg ([mass])"),
        ("5 ft 7 zz", u.LENGTH, "cannot read the unit 'zz'"),
    ],
)
def test_what_is_not_a_compound_is_refused_by_name(
    text: str, dim: u.Dimension, words: str
) -> None:
    with pytest.raises(UnitError) as caught:
        u.to_float(text, "x", dim)
    assert words in str(caught.value) and caught.value.field == "x"


@pytest.mark.parametrize(
    "text",
    [
        "5\u20329\u2033",  # prime and double prime: outside the ASCII the reader takes
        "5\u20199\u201d",  # typographic quotes
        "5 ft 7 in 2 in",  # two parts at most
        "-5 ft 7 in",  # no signs in a compound
        "5 ft -7 in",
        "5e0 ft 7 in",
        "5 ft " + " " * 100 + "7 in",  # past the longest text read
        "5 ft\u00a07 in",  # a no-break space
    ],
)
def test_other_compound_looking_texts_are_refused(text: str) -> None:
    with pytest.raises(UnitError):
        u.to_float(text, "height", u.LENGTH)


def test_kilos_in_a_patient() -> None:
    assert Patient(weight="72 kilos").weight_kg == 72.0
    with pytest.raises(UnitError, match=r"height must be a length such as \"175 cm\"; got 72 kilos"):
        Patient(weight="72 kg", height="72 kilos")


# --- property: a compound is the sum of its parts, in every unit ---------------------------

# Each unit in its dimension's canonical unit, from the definitions (1 ft = 30.48 cm,
# 1 lb = 0.45359237 kg, 1 st = 14 lb, 1 oz = 1/16 lb), not from plexodose.
_UNITS = {
    "length": (u.LENGTH, {"m": 100.0, "ft": 30.48, "in": 2.54, "cm": 1.0, "mm": 0.1}),
    "mass": (u.MASS, {"st": 14 * 0.45359237, "kg": 1.0, "lb": 0.45359237,
                      "oz": 0.45359237 / 16, "g": 0.001}),
}


@st.composite
def _compounds(draw: st.DrawFn) -> tuple[u.Dimension, str, str, str, float]:
    dim, units = _UNITS[draw(st.sampled_from(sorted(_UNITS)))]
    big, small = draw(st.lists(st.sampled_from(sorted(units)), min_size=2, max_size=2,
                               unique=True).map(lambda pair: sorted(pair, key=units.__getitem__,
                                                                    reverse=True)))
    whole = draw(st.integers(0, 500))
    # the rest in thousandths of the small unit, below one big unit (12 in to 1 ft)
    thousandths = draw(st.integers(0, int(units[big] / units[small] * 1000) - 1))
    rest = f"{thousandths / 1000:g}"
    separator = draw(st.sampled_from([" ", "", ", ", "  "]))
    text = f"{whole} {big}{separator}{rest} {small}"
    expected = whole * units[big] + float(rest) * units[small]
    return dim, text, f"{whole} {big}", f"{rest} {small}", expected


@given(_compounds())
def test_a_compound_is_the_sum_of_its_parts_in_every_unit(
    case: tuple[u.Dimension, str, str, str, float],
) -> None:
    dim, text, first, second, expected = case
    read = u.to_float(text, "x", dim)
    parts = u.to_float(first, "x", dim) + u.to_float(second, "x", dim)
    assert read == pytest.approx(parts, rel=1e-14, abs=1e-12)
    assert read == pytest.approx(expected, rel=1e-12, abs=1e-12)  # and the definitions agree


@given(st.integers(0, 9), st.integers(0, 11), st.sampled_from(['"', "''", ""]),
       st.sampled_from(["", " "]))
def test_the_foot_and_inch_marks_are_feet_and_inches(
    feet: int, inches: int, mark: str, space: str
) -> None:
    text = f"{feet}'{space}{inches}{mark}"
    assert u.to_float(text, "height", u.LENGTH) == u.to_float(
        f"{feet} ft {inches} in", "height", u.LENGTH
    )
