"""UCUM codes in, through plexodose's explicit table (vocabularies: test_vocab.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import Patient, UnitError
from plexodose._core import ucum as _ucum
from plexodose._core import units as u


@pytest.mark.parametrize(("text", "dim", "expected"), [
    ("180 [lb_av]", u.MASS, 180 * 0.45359237),  # 81.647 kg
    ("10 [stone_av]", u.MASS, 10 * 14 * 0.45359237),  # a stone is 14 lb
    ("70 [in_i]", u.LENGTH, 70 * 2.54),  # 177.8 cm
    ("5.75 [ft_i]", u.LENGTH, 5.75 * 30.48),
    ("80 umol/L", u.CREATININE, 80 * 113.12 / 10_000),  # 0.90496 mg/dL
    ("0.08 mmol/L", u.CREATININE, 80 * 113.12 / 10_000),
    ("0.9 mg/dL", u.CREATININE, 0.9),
    ("9 mg/L", u.CREATININE, 0.9),
    ("3.5 10*9/L", u.CELL_COUNT, 3500.0),  # 3.5e9 per L = 3,500 per uL
    ("3.5 10*3/uL", u.CELL_COUNT, 3500.0),
    ("3500 /uL", u.CELL_COUNT, 3500.0),
    ("3500 /mm3", u.CELL_COUNT, 3500.0),
    ("2 m2", u.AREA, 2.0),
    ("180[lb_av]", u.MASS, 180 * 0.45359237),  # UCUM needs no space
    (" 3.5  10*9/L ", u.CELL_COUNT, 3500.0),
])
def test_ucum_codes_convert_by_their_definitions(text, dim, expected):
    assert u.to_float(text, "x", dim) == pytest.approx(expected, rel=1e-12)


def test_patient_takes_ucum_spellings():
    p = Patient(weight="180 [lb_av]", height="70 [in_i]", serum_creatinine="80 umol/L")
    assert (round(p.weight_kg, 4), round(p.height_cm, 2)) == (81.6466, 177.8)


@pytest.mark.parametrize(("text", "named"), [
    ("180 [lb_i]", "'[lb_i]'"), ("70 [in_us]", "'[in_us]'"), ("180 [LB_AV]", "'[LB_AV]'"),
    ("3 {cells}/L", "'{cells}/L'"), ("3 10*6/L", "'10*6/L'"), ("lb [lb_av]", "'lb [lb_av]'"),
])
def test_unknown_ucum_is_refused_naming_the_expression(text, named):
    with pytest.raises(UnitError) as caught:
        Patient(weight=text)
    assert named in str(caught.value) and "UCUM" in str(caught.value)


def test_a_ucum_code_without_a_number_asks_for_one():
    with pytest.raises(UnitError, match=r"weight must be a number followed by a unit.*'\[lb_av\]'"):
        Patient(weight="[lb_av]")


def test_case_matters_and_the_right_code_is_offered():
    with pytest.raises(UnitError, match=r"reads \[lb_av\].*UCUM is case-sensitive"):
        u.to_float("180 [LB_AV]", "weight", u.MASS)


def test_ucum_of_the_wrong_dimension_is_refused():
    with pytest.raises(UnitError, match="must be a mass"):
        Patient(weight="70 [in_i]")
    with pytest.raises(UnitError, match="must be a length"):
        Patient(weight="70 kg", height="180 [lb_av]")


def test_table_is_explicit_and_every_entry_reads_in_pint():
    reg = u.registry()
    u.unit("mL/min/1.73 m**2")  # defines the body-surface unit eGFR uses
    for entry in _ucum.TABLE.values():
        reg.parse_units(entry.pint)  # each pint expression is one pint reads
        assert entry.scale > 0
    assert _ucum.to_pint("[lb_av]") == "pound" and _ucum.to_pint("lb") is None
    assert _ucum.lookup("10*9/L").scale == 1e9
    assert "meq/L" not in _ucum.TABLE  # only a potassium reader may treat meq as mmol


@given(st.sampled_from(sorted(_ucum.TABLE)), st.floats(0.1, 1000))
def test_ucum_parse_is_scale_times_number(code, number):
    text = f"{number!r} {code}"
    value, pint_text = _ucum.parse(text, "x", '"1 kg"')
    assert value == number * _ucum.TABLE[code].scale and pint_text == _ucum.TABLE[code].pint


@given(st.text(max_size=30))
def test_parse_never_raises_anything_but_unit_error(text):
    try:
        _ucum.parse(text, "x", '"1 kg"')
    except UnitError:
        assert _ucum.is_ucum_only(text) or text.strip() in _ucum.TABLE
