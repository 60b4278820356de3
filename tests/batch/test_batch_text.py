"""Quantities written as text ("72.4 kg"), input dtypes, and results that write to Parquet."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_batch import sample_orders

from plexodose import MissingInputError, PlexodoseError
from plexodose._core.units import _NUMBER as NUMBER
from plexodose._core.units import _QUANTITY_TEXT as QUANTITY
from plexodose._core.units import MASS, to_float
from plexodose.batch import OUTPUT_COLUMNS, audit, audit_dask, meta
from plexodose.batch._problems import Problems
from plexodose.batch._read import (
    _read_numbers,
    codes,
    quantity,
    split_quantities,
    split_quantities_pandas,
)


def as_text(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    """``name`` and ``name_unit`` joined into one text column "number unit"."""
    text = frame.copy()
    for name in names:
        unit = f"{name}_unit" if name != "serum_creatinine" else "creatinine_unit"
        text[name] = [None if pd.isna(v) else f"{v!r} {u}" for v, u in
                      zip(frame[name], frame[unit], strict=True)]
        text = text.drop(columns=unit)
    return text


def test_text_quantities_give_the_numeric_result() -> None:
    frame = sample_orders(400)
    text = as_text(frame, "weight", "height", "serum_creatinine", "dose")
    assert text["weight"].iloc[0].endswith(" kg")
    got, expected = audit(text, unknown_drugs="flag"), audit(frame, unknown_drugs="flag")
    # the reasons show values as typed: "72.123456789 kg" as text, "72.1235 kg" from numbers
    pd.testing.assert_frame_equal(got.drop(columns="reason"), expected.drop(columns="reason"))
    assert (got["reason"] == "").equals(expected["reason"] == "")


def test_text_in_several_arrow_chunks_gives_the_one_chunk_result() -> None:
    # pd.concat of Arrow-backed text, or a Parquet file's row groups, makes chunked columns:
    # they raised a TypeError (and an AttributeError before) instead of being audited.
    import pyarrow as pa

    frame = as_text(sample_orders(300), "weight", "height", "serum_creatinine", "dose")
    arrow = frame.astype({c: pd.ArrowDtype(pa.string()) for c in frame.columns
                          if frame[c].dtype == object or str(frame[c].dtype) in ("str", "string")})
    chunked = pd.concat([arrow.iloc[:120], arrow.iloc[120:]], ignore_index=True)
    assert chunked["weight"].array._pa_array.num_chunks == 2
    pd.testing.assert_frame_equal(audit(chunked, unknown_drugs="flag"),
                                  audit(arrow, unknown_drugs="flag"))


@pytest.mark.parametrize(("weight", "status", "words"), [
    ("72 kg", "ok", ""),
    (" 72kg ", "ok", ""),
    ("158.73 lb", "ok", ""),  # 72.0 kg
    ("72", "wrong_unit", "weight '72' must be a number followed by a unit"),
    ("72 furlong", "wrong_unit", "weight '72 furlong' is not in a mass unit"),
    ("72 cm", "wrong_unit", "weight '72 cm' is not in a mass unit"),
    ("1111 gr", "wrong_unit", "is not in a mass unit"),  # grain: refused by the scalar API
    ("nan kg", "implausible_input", "weight 'nan kg' is not a number"),
    ("inf kg", "implausible_input", "outside the plausible range 2-350 kg"),
    ("7 . 2 kg", "wrong_unit", "must be a number followed by a unit"),
    ("9**9**9 kg", "wrong_unit", "must be a number followed by a unit"),
    ("7" * 120 + " kg", "wrong_unit", "must be a number followed by a unit"),
])
def test_text_weights_have_the_scalar_boundary_s_safety(weight: str, status: str,
                                                        words: str) -> None:
    r = audit(pd.DataFrame({"drug": ["azathioprine"], "weight": [weight],
                            "dose": ["100 mg/day"]})).iloc[0]
    assert r["status"] == status, r["reason"]
    assert words in r["reason"]


def test_a_bare_number_column_without_its_unit_column_is_refused() -> None:
    with pytest.raises(MissingInputError, match=r"no 'weight_unit' column .* such as \"72 kg\""):
        audit(pd.DataFrame({"drug": ["azathioprine"], "weight": [72.0], "dose": ["100 mg/day"]}))


def test_an_object_column_takes_real_numbers_only() -> None:
    doses = pd.Series([True, 100, 100 + 0j, "100", "100 mg"], dtype=object)
    r = audit(pd.DataFrame({"drug": "azathioprine", "weight": "72 kg", "dose": doses,
                            "dose_unit": "mg/day"}))
    assert r["status"].tolist() == ["implausible_input", "ok", "implausible_input", "ok",
                                    "implausible_input"]
    assert r["reason"].iloc[0] == "dose True is not a real number (the unit goes in its own column)"


def test_a_nan_dose_is_never_ok() -> None:
    r = audit(pd.DataFrame({"drug": ["azathioprine", "ciclosporin"], "weight": ["72 kg"] * 2,
                            "dose": ["nan mg/day", "NaN mg"]}))
    assert r["status"].tolist() == ["implausible_input", "implausible_input"]
    assert r["reason"].tolist() == ["dose 'nan mg/day' is not a number",
                                    "dose 'NaN mg' is not a number"]


FORMS = st.sampled_from(["{} kg", "{}kg", " {} lb ", "{} mg / day", "{}", "{} . kg", "kg {}",
                         "{} kg extra", "{} µg", "{} 1/L", "{}e3 g", "{} kg/day"])


def _assert_readers_agree(column: pd.Series) -> None:
    """The pyarrow reader and the pandas fallback give the same numbers and units."""
    (a_values, a_codes, a_units), (b_values, b_codes, b_units) = (
        split_quantities(column), split_quantities_pandas(column))
    assert np.array_equal(a_values, b_values, equal_nan=True)
    assert [a_units[c] if c >= 0 else None for c in a_codes] == [
        b_units[c] if c >= 0 else None for c in b_codes]


@given(st.lists(st.one_of(st.none(), st.builds(str.format, FORMS, st.floats(-1e6, 1e6))),
                min_size=1, max_size=30))
def test_pyarrow_and_pandas_split_text_alike(texts: list[Any]) -> None:
    column = pd.Series(texts, dtype=object)
    _assert_readers_agree(column)


def test_categorical_and_text_columns_give_the_same_result() -> None:
    frame = sample_orders(300)
    text = frame.astype({c: str for c in ("drug", "weight_unit", "sex", "dose_unit")})
    categorical = frame.astype({c: "category" for c in ("drug", "weight_unit", "height_unit",
                                                         "sex", "creatinine_unit", "dose_unit")})
    expected = audit(frame, unknown_drugs="flag")
    pd.testing.assert_frame_equal(audit(text, unknown_drugs="flag"), expected)
    pd.testing.assert_frame_equal(audit(categorical, unknown_drugs="flag"), expected)


def test_the_callers_frame_is_not_changed() -> None:
    frame = sample_orders(200)
    frame.loc[0, "weight"] = 900.0  # implausible: the audit blanks its own copy
    before = frame.copy()
    audit(frame, unknown_drugs="flag")
    pd.testing.assert_frame_equal(frame, before)


def test_results_write_to_parquet_and_read_back(tmp_path: Path) -> None:
    result = audit(sample_orders(300), unknown_drugs="flag")
    assert not any(dtype is np.dtype(object) for dtype in result.dtypes)
    result.to_parquet(tmp_path / "audit.parquet")
    back = pd.read_parquet(tmp_path / "audit.parquet")
    pd.testing.assert_frame_equal(back, result)


@pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")  # dask's own
def test_audit_dask_writes_parquet_partitions(tmp_path: Path) -> None:
    dd = pytest.importorskip("dask.dataframe")
    frame = sample_orders(500)
    lazy = audit_dask(dd.from_pandas(frame, npartitions=4), unknown_drugs="flag")
    assert lazy.dtypes.to_dict() == meta().dtypes.to_dict()
    lazy.to_parquet(tmp_path / "audit")
    back = dd.read_parquet(tmp_path / "audit").compute()
    expected = audit(frame, unknown_drugs="flag")
    assert list(back.columns) == list(OUTPUT_COLUMNS)
    assert back["status"].astype(str).tolist() == expected["status"].astype(str).tolist()
    assert back["reason"].astype(str).tolist() == expected["reason"].astype(str).tolist()
    np.testing.assert_array_equal(back["ordered_mg"].to_numpy(), expected["ordered_mg"].to_numpy())
    assert math.isclose(back["high_mg"].sum(), expected["high_mg"].sum())


def test_a_long_frame_is_audited_in_slices_with_the_same_result(monkeypatch: Any) -> None:
    import plexodose.batch as batch

    frame = sample_orders(1000).set_index(pd.Index(range(5000, 6000), name="order"))
    whole = audit(frame, unknown_drugs="flag")
    monkeypatch.setattr(batch, "CHUNK_ROWS", 128)  # 8 slices, the last one short
    sliced = audit(frame, unknown_drugs="flag")
    pd.testing.assert_frame_equal(sliced, whole)
    assert sliced.dtypes.to_dict() == meta().dtypes.to_dict()


TRICKY_NUMBERS = ["72", "72.", ".5", "72.4", "1e2", "1.5E+2", "1.5e-2", "+3", "-4", "-0", "00072",
                  "+.5", "-.5e1", "nan", "NaN", "-nan", "inf", "INF", "Infinity", "-inf", "infinit",
                  "nanx", "1_0", " 72", "72 ", "7 2", "1.2.3", "..5", ".", "", "+", "--1", "+-1",
                  "1e", "e5", "0x10", "72,4", "1,000", "1e400", "0" * 90 + "1.5",
                  "٧٢", "１２", "𝟕𝟐", "²", "½", "72\u00a0", "\u00a072", "7\t2"]
TRICKY_FORMS = ["{} kg", "{} lb", "{}kg", "{}  kg", " {} kg", "{} kg ", "{} KG", "{} Kg", "{} kg kg",
                "{} mg / day", "{} kgs", "{} ｋｇ", "{} µg", "{}"]


def tricky_texts(times: int) -> list[Any]:
    """Every tricky number in every form, ``times`` over (to pass the fast paths' thresholds)."""
    texts = [form.format(n) for n in TRICKY_NUMBERS for form in TRICKY_FORMS]
    return [None, "x", *texts] * times


@pytest.mark.parametrize("times", [1, 40])
@pytest.mark.parametrize("dtype", [object, "string[pyarrow]", "large_string[pyarrow]"])
def test_tricky_numbers_are_read_as_the_scalar_syntax_reads_them(times: int, dtype: Any) -> None:
    texts = tricky_texts(times)
    values, codes, units = split_quantities(pd.Series(texts, dtype=dtype))
    for text, value, code in zip(texts, values, codes, strict=True):
        match = QUANTITY.fullmatch(text) if isinstance(text, str) and len(text) <= 100 else None
        if match is None:
            assert code == -1, text
        else:  # the scalar pattern (ASCII spaces only, unlike the pandas fallback's re)
            assert units[code] == match[2], text
            assert np.array_equal(value, float(match[1]), equal_nan=True), text


def test_tricky_numbers_give_the_scalar_weight() -> None:
    texts = [f"{n} {unit}" for n in TRICKY_NUMBERS for unit in ("kg", "lb")] * 40
    kg, _, _ = quantity(pd.DataFrame({"weight": texts}), "weight", "weight_unit", MASS,
                        Problems(len(texts)))
    for text, value in zip(texts, kg, strict=True):
        try:
            expected = to_float(text, "weight", MASS)
        except PlexodoseError:  # refused: not read, or read as no finite number (flagged)
            assert not np.isfinite(value), text
        else:  # the scalar's memo path splits at a no-break space, its full pattern does not:
            # the batch refuses such a text (flagged), never reads another number
            assert value == expected or ("\xa0" in text and np.isnan(value)), text


@pytest.mark.parametrize("bad", [0.0, 0.01])
@pytest.mark.parametrize("shares", [[1, 0, 0, 0, 0], [0.45, 0.4, 0.1, 0.04, 0.01]])
def test_a_column_of_common_units_is_read_as_one_by_one(shares: list[float], bad: float) -> None:
    rng = np.random.default_rng(3)
    numbers = rng.normal(80, 20, 30_000).round(1).astype(str)
    units = rng.choice(["kg", "lb", "g", "KG", "stone"], 30_000, p=shares)
    texts = np.char.add(np.char.add(numbers, " "), units).astype(object)
    texts[rng.random(30_000) < bad] = "1.2.3 kg"  # a malformed row in the common form
    texts[rng.random(30_000) < bad] = "-4 lb"
    column = pd.Series(texts, dtype="string[pyarrow]")
    _assert_readers_agree(column)


def test_arrow_reads_digits_and_dots_exactly_as_the_scalar_syntax() -> None:
    # _read_numbers trusts Arrow's cast to refuse what the scalar syntax refuses over this alphabet
    pa = pytest.importorskip("pyarrow")
    syntax = re.compile(NUMBER, re.IGNORECASE)
    texts = ["".join(t) for size in range(8) for t in itertools.product("09.", repeat=size)]
    for text in texts:
        read = _read_numbers(pa.array([text], pa.large_string()))
        assert (read is not None) == (syntax.fullmatch(text) is not None), text
        if read is not None:
            assert read[1][0] == float(text)
    good = [t for t in texts if syntax.fullmatch(t)]
    mask, values = _read_numbers(pa.array(good, pa.large_string()))  # type: ignore[misc]
    assert mask is None and values.tolist() == [float(t) for t in good]


@pytest.mark.parametrize("chunks", [[["kg", "lb", None, "kg"]], [["kg", "lb"], [None, "g", "lb"]],
                                    [[], [None, None]]])
def test_arrow_text_is_encoded_as_pandas_factorizes_it(chunks: list[list[Any]]) -> None:
    pa = pytest.importorskip("pyarrow")
    column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.string())))
    found, values = codes(column)
    expected, uniques = pd.factorize(column.astype(object))
    assert found.tolist() == expected.tolist() and values == list(uniques)


def test_both_batch_readers_refuse_look_alike_spaces_and_letters() -> None:
    # A no-break space around the number: the pyarrow reader and the pandas fallback agree
    # (neither reads it), as the scalar's full pattern (re.ASCII) does; the scalar's quick
    # path, which splits at any whitespace, reads "\xa072 kg" as 72 kg (the same value). The
    # Kelvin sign is never folded to "k": no reader takes "72 \u212ag" for 72 kg.
    from plexodose.batch._read import split_quantities, split_quantities_pandas

    texts = pd.Series(["\xa072 kg", "72 kg\xa0", "72 \u212ag", "72 kg"])
    for read in (split_quantities, split_quantities_pandas):
        values, found, units = read(texts)
        assert found.tolist()[:2] == [-1, -1], read.__name__
        assert found[2] == -1 or units[found[2]] != "kg", read.__name__
        assert values[3] == 72.0 and units[found[3]] == "kg"
