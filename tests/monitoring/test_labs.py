"""Labs: every accepted spelling hand-checked, and every bad input refused naming its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from plexodose import Q_, Labs
from plexodose._core.errors import InputRangeError, PlexodoseError, UnitError
from plexodose._monitoring.labs import blood_pressure, count, history

DAY = "2027-01-16"


@pytest.mark.parametrize(
    "text",
    [
        "3.2 x10^9/L",
        "3.2 x 10^9/L",
        "3.2 x10^9 /L",
        "3.2 ×10⁹/L",
        "3.2e9/L",
        "3.2e9 /L",
        "3.2 10*9/L",  # UCUM
        "3200 /uL",  # per microlitre: 10^6 fewer per unit volume than per litre
        "3200 /µL",
        "3200 cells/uL",
        "3200 /mm3",
        "3.2 K/uL",
        "3.2 10^3/uL",
        "3.2 /nL",
    ],
)
def test_count_spellings_all_read_3_2(text: str) -> None:
    assert count(text, "wbc") == 3.2  # exact: division by a power of ten, never * 0.001


def test_counts_per_ul_and_per_l_differ_by_a_million() -> None:
    assert count("140000 /uL", "platelets") == 140.0  # 140,000 / 1,000
    assert count("1.4e11/L", "platelets") == 140.0  # 1.4e11 / 1e9
    assert count(Q_(3500, "1/uL"), "wbc") == pytest.approx(3.5)  # 3,500 / 1,000


def test_other_units_convert() -> None:
    labs = Labs(
        date=DAY,
        creatinine="80 umol/L",
        albumin="3.0 g/dL",
        potassium="5.6 mEq/L",
        alt="100 [IU]/L",
        ast=Q_(40, "U/L"),
        mcv="105 fL",
        egfr="45 mL/min/1.73 m^2",
        blood_pressure="150/95 mmHg",
    )
    assert labs.value("creatinine") == pytest.approx(0.90496)  # 80 x 113.12 / 10,000
    assert labs.value("albumin") == pytest.approx(30.0)  # 3.0 g/dL x 10
    assert labs.value("potassium") == 5.6  # K+ monovalent: 1 mEq = 1 mmol
    assert labs.value("alt") == 100.0 and labs.value("ast") == pytest.approx(40.0)
    assert labs.value("mcv") == pytest.approx(105.0)
    assert labs.value("egfr") == 45.0
    assert (labs.systolic_mmhg, labs.diastolic_mmhg) == (150.0, 95.0)
    assert labs.names() == (
        "alt", "ast", "albumin", "mcv", "creatinine", "egfr", "potassium", "blood_pressure"
    )


def test_quantities_are_fresh_and_cannot_change_the_labs() -> None:
    labs = Labs(date=DAY, wbc="3.1 x10^9/L", egfr="45 mL/min/1.73 m^2")
    q = labs.wbc
    assert q.to("1/uL").magnitude == pytest.approx(3100)  # 3.1 /nL = 3,100 /uL
    q *= 100
    assert labs.value("wbc") == 3.1 and labs.wbc is not labs.wbc
    assert labs.egfr.magnitude == 45.0
    systolic, _diastolic = Labs(date=DAY, blood_pressure="150/95 mmHg").blood_pressure or (0, 0)
    assert (systolic.magnitude, str(systolic.units)) == (150.0, "millimeter_Hg")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        labs.date = dt.date(2027, 1, 1)  # type: ignore[misc]


def test_repr_rebuilds_as_typed_and_text_echoes_with_the_canonical_value() -> None:
    labs = Labs(date=DAY, wbc="3200 /uL", creatinine="80 umol/L", blood_pressure="150/95 mmHg")
    # the repr rebuilds the set from what was typed (it reads back to the very same floats)
    assert repr(labs) == (
        "Labs(date='2027-01-16', wbc='3200 /uL', creatinine='80 umol/L', "
        "blood_pressure='150/95 mmHg')"
    )
    assert eval(repr(labs)) == labs  # the repr is a call that rebuilds the set
    # 3200 / 1000 = 3.2 x10^9/L; 80 x 0.011312 = 0.90496 -> 0.905 mg/dL beside what was typed
    assert labs.text("wbc") == "3200 /uL (3.2 x10^9/L)"
    assert labs.text("creatinine") == "80 umol/L (0.905 mg/dL)"  # what a review writes
    # typed in plexodose's own unit: the number did not change, plexodose's spelling alone
    same = Labs(date=DAY, wbc="3.20 x 10^9/L", creatinine="0.9 mg/dL")
    assert (same.text("wbc"), same.text("creatinine")) == ("3.2 x10^9/L", "0.9 mg/dL")
    # a Quantity keeps no text: the canonical value in full digits
    assert repr(Labs(date=DAY, creatinine=Q_(80, "umol/L"))) == (
        "Labs(date='2027-01-16', creatinine='0.90496 mg/dL')")


@pytest.mark.parametrize(
    ("field", "value", "error", "words"),
    [
        ("wbc", 3.1, UnitError, '"3.1 x10^9/L"'),
        ("wbc", "3.1", UnitError, "needs a unit"),
        ("wbc", "3.1 mg", UnitError, "count such as"),
        ("wbc", "500 x10^9/L", InputRangeError, "0-200 x10^9/L"),
        ("wbc", "-1 x10^9/L", InputRangeError, "0-200"),
        ("wbc", "nan x10^9/L", UnitError, "count such as"),
        ("wbc", "1e400 /L", InputRangeError, "finite"),
        ("platelets", "5000 x10^9/L", InputRangeError, "0-2000"),
        ("creatinine", 0.9, UnitError, '"0.9 mg/dL"'),
        ("creatinine", "0.9 kg", UnitError, "creatinine concentration"),
        ("albumin", Q_(1, "kg"), UnitError, "mass concentration"),
        ("albumin", "300 g/L", InputRangeError, "5-70 g/L"),
        ("egfr", "45 mL/min", UnitError, "eGFR"),
        ("egfr", 45, UnitError, "needs a unit"),
        ("potassium", "15 mmol/L", InputRangeError, "1.5-10 mmol/L"),
        ("alt", "100", UnitError, "needs a unit"),
        ("mcv", "105 mL", InputRangeError, "40-160 fL"),
        ("blood_pressure", "150/95", UnitError, "needs a unit"),
        ("blood_pressure", "95/150 mmHg", InputRangeError, "diastolic"),
        ("blood_pressure", "400/95 mmHg", InputRangeError, "50-300 mmHg"),
        ("blood_pressure", 150, UnitError, '"150/95 mmHg"'),
    ],
)
def test_bad_values_name_the_field(field: str, value: Any, error: type, words: str) -> None:
    with pytest.raises(error) as caught:
        Labs(date=DAY, **{field: value})
    assert caught.value.field.startswith(field) and words in str(caught.value)


@pytest.mark.parametrize("day", ["2027-13-01", "16/01/2027", 20270116, dt.datetime(2027, 1, 16), "1850-01-01"])
def test_bad_dates(day: Any) -> None:
    with pytest.raises(InputRangeError) as caught:
        Labs(date=day, wbc="5 x10^9/L")
    assert caught.value.field == "date"


def test_history_must_be_in_order() -> None:
    a = Labs(date="2027-01-02", wbc="5 x10^9/L")
    b = Labs(date="2027-01-16", wbc="4 x10^9/L")
    assert history([a, b]) == (a, b)
    for wrong in ([b, a], [a, a]):
        with pytest.raises(InputRangeError, match="out of order") as caught:
            history(wrong)
        assert caught.value.field == "history"
    with pytest.raises(InputRangeError, match="list of Labs"):
        history(a)  # type: ignore[arg-type]
    with pytest.raises(InputRangeError, match=r"history\[1\]"):
        history([a, "x"])  # type: ignore[list-item]


def test_value_refuses_unknown_names_and_blood_pressure_text() -> None:
    with pytest.raises(PlexodoseError):
        Labs(date=DAY).value("glucose")
    assert blood_pressure("120 / 80 mm Hg") == (120.0, 80.0)
    assert Labs(date=DAY).text("blood_pressure") == "" and Labs(date=DAY).blood_pressure is None
