"""Units at the boundary: strings, quantities of any registry, and every refusal."""

from __future__ import annotations

import math

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import Q_, InputRangeError, Patient, UnitError, ureg
from plexodose._core import units as u


@pytest.mark.parametrize(
    ("text", "dim", "expected"),
    [
        ("72 kg", u.MASS, 72.0),
        ("72000 g", u.MASS, 72.0),
        ("158 lb", u.MASS, 158 * 0.45359237),  # avoirdupois pound
        ("5.9 ft", u.LENGTH, 5.9 * 30.48),  # 179.832 cm
        ("69 in", u.LENGTH, 69 * 2.54),
        ("1.75 m", u.LENGTH, 175.0),
        ("0.9 mg/dL", u.CREATININE, 0.9),
        ("80 umol/L", u.CREATININE, 80 * 113.12 / 10_000),  # umol/L x g/mol -> mg/dL
        ("88.4 µmol/L", u.CREATININE, 88.4 * 113.12 / 10_000),  # ~1 mg/dL
        ("3500 /uL", u.CELL_COUNT, 3500.0),
        ("3.5e9 /L", u.CELL_COUNT, 3500.0),  # 3.5e9 per 1e6 uL
        ("2 m**2", u.AREA, 2.0),
    ],
)
def test_strings_convert_to_the_canonical_unit(
    text: str, dim: u.Dimension, expected: float
) -> None:
    assert u.to_float(text, "field", dim) == pytest.approx(expected, rel=1e-12)


def test_quantities_of_this_and_another_registry_convert() -> None:
    other = pint.UnitRegistry()
    assert u.to_float(Q_(158, "lb"), "weight", u.MASS) == pytest.approx(71.66759446)
    assert u.to_float(other.Quantity(158, "lb"), "weight", u.MASS) == pytest.approx(71.66759446)
    assert u.to_float(other.Quantity(80, "umol/L"), "c", u.CREATININE) == pytest.approx(0.90496)


@given(
    st.floats(min_value=0.001, max_value=1e6, allow_nan=False),
    st.sampled_from(["kg", "g", "lb", "mg", "oz"]),
)
def test_string_path_agrees_with_pint(value: float, unit: str) -> None:
    text = f"{value!r} {unit}"
    expected = ureg.Quantity(value, unit).to("kg").magnitude
    assert u.to_float(text, "weight", u.MASS) == pytest.approx(expected, rel=1e-12)
    # and pint's own parser reads the same string to the same number
    assert ureg.Quantity(text).to("kg").magnitude == pytest.approx(expected, rel=1e-12)


def test_bare_number_says_what_to_type() -> None:
    with pytest.raises(UnitError, match=r'weight needs a unit: type "72 kg"') as info:
        u.to_float(72, "weight", u.MASS)
    assert info.value.field == "weight"
    assert info.value.value == 72


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("72 s", UnitError, r"weight must be a mass .*\[time\]"),
        ("kg", UnitError, "must be a number followed by a unit"),
        ("", UnitError, "must be a number followed by a unit"),
        ("72 foo", UnitError, "cannot read"),
        ("nan kg", InputRangeError, "finite"),
        ("inf kg", InputRangeError, "finite"),
        ("1e400 kg", InputRangeError, "finite"),
        ("2**10000 kg", UnitError, "number followed by a unit"),  # never handed to pint
        (True, UnitError, "got bool"),
        ([72], UnitError, "got list"),
        (None, UnitError, "got NoneType"),
        (Q_(1j, "kg"), UnitError, "single real"),
        (Q_([1.0, 2.0], "kg"), UnitError, "single real"),
        ("72 kg + 1 s", UnitError, "number followed by a unit"),  # no arithmetic
    ],
)
def test_refusals_name_the_field(value: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as info:
        u.to_float(value, "weight", u.MASS)
    assert "weight" in str(info.value)


def test_result_quantities_behave_like_pint_quantities() -> None:
    made = u.quantity(28.8, "g/day")
    assert made == Q_(28.8, "g/day")
    assert (made + Q_(1.2, "g/day")).m_as("g/day") == pytest.approx(30.0)
    assert made.to("mg/day").magnitude == pytest.approx(28_800)


def test_age_is_a_plain_number_or_a_time() -> None:
    assert u.to_years(60) == 60.0
    assert u.to_years("720 month") == pytest.approx(60.0)  # 720 / 12
    with pytest.raises(UnitError, match="age"):
        u.to_years("60 kg")


def test_plain_number_parameters_refuse_strings_and_non_finite() -> None:
    assert u.plain_number(2, "mg_per_kg_day") == 2.0
    for bad in ("2", None, float("nan"), math.inf, True, 1j):
        with pytest.raises(InputRangeError, match="mg_per_kg_day"):
            u.plain_number(bad, "mg_per_kg_day")


def test_quantity_from_a_registry_with_a_pretty_default_format() -> None:
    other = pint.UnitRegistry()
    other.formatter.default_format = "~P"  # str(units) would be "kg/m²"-style there
    assert u.to_float(other.Quantity(80, "umol/L"), "c", u.CREATININE) == pytest.approx(0.90496)


def test_common_words_give_the_full_reading_s_figure() -> None:
    """Each word the table reads without pint gives exactly what pint's full reading gives."""
    import pint

    from plexodose._core import units as u

    dims = {d.canonical: d for d in (u.MASS, u.DOSE_MASS, u.LENGTH, u.CREATININE, u.CELL_COUNT,
                                     u.AREA)}
    full = pint.UnitRegistry()  # a registry of its own: the table is never used with it
    saved = pint.get_application_registry().get()
    try:
        pint.set_application_registry(full)
        for (canonical, word), factor in u.COMMON_WORDS.items():
            for number in ("1", "7.3", "158", "0.004"):
                read = u.to_float(f"{number} {word}", "x", dims[canonical])
                assert read == float(number) * factor, (word, number, read)
    finally:
        pint.set_application_registry(saved)


def test_the_table_is_used_only_with_pint_s_own_definitions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A planted wrong factor shows which path reads the text: the table while pint's default
    definitions are in force, the host's registry once the host has set one."""
    import pint

    from plexodose._core import units as u

    monkeypatch.setitem(u.COMMON_WORDS, ("kg", "kilograms"), 2.0)  # wrong on purpose
    host = pint.UnitRegistry()
    saved = pint.get_application_registry().get()
    try:
        pint.set_application_registry(host)
        assert Patient(weight="72 kilograms").weight_kg == 72.0  # read by the host's registry
    finally:
        pint.set_application_registry(saved)
    # a fresh process, pint's defaults in force: the table reads it (and so shows the plant)
    import subprocess
    import sys

    code = ("from plexodose._core import units as u; from plexodose import Patient; "
            "u.COMMON_WORDS[('kg', 'kilograms')] = 2.0; "
            "print(Patient(weight='72 kilograms').weight_kg, u._defaults_in_force())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.stdout.split() == ["144.0", "True"], done.stderr


def test_a_dose_from_plain_text_needs_no_pint() -> None:
    import subprocess
    import sys

    code = ("import sys; from plexodose.cli import main; "
            "main(['dose', 'azathioprine', '--weight', '158 lb', '--height', '5.9 ft', '--sex', "
            "'male', '--age', '60', '--creatinine', '80 umol/L']); "
            "print('pint' in sys.modules); "
            "import plexodose; print(plexodose.azathioprine(plexodose.Patient.example()).daily_dose)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[-2] == "False"  # the whole command ran without importing pint
    assert lines[-1] == "144.0 milligram / day"  # and a Quantity loads it when read (2 x 72)
