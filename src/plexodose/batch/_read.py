"""The order columns as float arrays in canonical units, with the scalar boundary's unit safety.

A quantity arrives either as a number column beside a unit column (``weight`` and
``weight_unit``) or, without the unit column, as text such as ``"72.4 kg"``. Every distinct unit
goes through the scalar API's own conversion (:func:`plexodose._units.to_float`), so a unit it
refuses is refused here too; a bare number never gets a unit by guess. Text is split with
pyarrow's string kernels when pyarrow is installed, else with pandas.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

from plexodose import _units as u
from plexodose._errors import MissingInputError, PlexodoseError
from plexodose.batch._problems import IMPLAUSIBLE, WRONG_UNIT, Problems

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]
Shown = Callable[[Ints], list[str]]  # the flagged rows' values as typed, for messages

# "number unit" as the scalar boundary reads it (its own number and unit syntax; the unit is then
# converted by the scalar API itself); RE2 (pyarrow) and Python's re both take this pattern.
QUANTITY_TEXT = rf"(?i)^\s*(?P<number>{u._NUMBER})\s*(?P<unit>{u._UNIT})\s*$"
_QUANTITY_RE = re.compile(QUANTITY_TEXT)
_NUMBER_TEXT = rf"(?i)^{u._NUMBER}$"
_UNIT_RE = re.compile(u._UNIT, re.IGNORECASE)


def codes(column: Any) -> tuple[Ints, list[Any]]:
    """(code per row, distinct values): -1 where the value is missing.

    >>> found, values = codes(pd.Series(["kg", "lb", None, "kg"]))
    >>> found.tolist(), values
    ([0, 1, -1, 0], ['kg', 'lb'])
    """
    if isinstance(column.dtype, pd.CategoricalDtype):  # already encoded: no hashing
        return column.cat.codes.to_numpy(dtype=np.intp), list(column.cat.categories)
    if _one_text(column):  # a unit column often is: comparing is cheaper than hashing
        return np.zeros(len(column), dtype=np.intp), [column.iloc[0]]
    found, uniques = pd.factorize(column)
    return found.astype(np.intp, copy=False), list(uniques)


def _one_text(column: Any) -> bool:
    """Whether ``column`` is Arrow text with no missing value, every row equal to the first."""
    if not isinstance(column.array, pd.arrays.ArrowStringArray) or not len(column):
        return False
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    text = column.array.__arrow_array__()
    if text.null_count:
        return False
    first = text[0]
    return all(pc.all(pc.equal(part, first)).as_py()  # a few rows first: most columns differ
               for part in (text.slice(0, 256), text))


def numbers(column: Any, name: str, problems: Problems) -> Floats:
    """A column of real numbers as floats (NaN where missing); anything else is flagged.

    A complex number is refused even with a zero imaginary part, as the scalar API does.
    """
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else "O"
    if kind in ("i", "u", "f"):
        # A copy: the caller's frame is never written to.
        return column.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)  # type: ignore[no-any-return]
    given = column.notna().to_numpy(dtype=bool)
    values = np.full(len(column), np.nan)
    if kind not in ("b", "c"):
        coerced = pd.to_numeric(column, errors="coerce").to_numpy(na_value=np.nan)
        values = coerced.real.astype(np.float64)
        if column.dtype == object:  # True is not 1, and 100+0j is not 100
            values[column.map(_not_real).to_numpy(dtype=bool)] = np.nan
    problems.flag(IMPLAUSIBLE, given & np.isnan(values), lambda rows: [
        f"{name} {v!r:.60} is not a real number (the unit goes in its own column)"
        for v in column.iloc[rows]])
    return values


def _not_real(value: Any) -> bool:
    return isinstance(value, bool | np.bool_ | complex | np.complexfloating)


class Measured(NamedTuple):
    """A quantity column read: numbers as typed, and the unit of each row as a code."""

    values: Floats
    given: Bools
    unit_codes: Ints  # -1 where there is no unit to read
    units: list[Any]  # the distinct units
    shown: Shown


def measured(orders: Any, name: str, unit_name: str, example: str,
             problems: Problems) -> Measured:
    """Read ``name`` with ``unit_name`` beside it, or as "number unit" text without it."""
    n = len(orders)
    if name not in orders.columns:
        return Measured(np.full(n, np.nan), np.zeros(n, dtype=bool), np.full(n, -1, np.intp),
                        [], lambda rows: [])
    column = orders[name]
    given = column.notna().to_numpy(dtype=bool)
    if unit_name in orders.columns:
        values = numbers(column, name, problems)
        found, units = codes(orders[unit_name])
        problems.flag(WRONG_UNIT, given & (found < 0), lambda rows: [
            f"{name} {v:g} has no unit ({unit_name} is empty)" for v in values[rows]])
        table = np.array([*units, ""], dtype=object)
        return Measured(values, given, found, units, lambda rows: [
            f"{v:g} {unit}" for v, unit in zip(values[rows], table[found[rows]], strict=True)])
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in ("b", "i", "u", "f", "c"):
        raise MissingInputError(
            f"orders has no {unit_name!r} column for the numbers in {name!r}: add one, or write "
            f"the {name} as text such as {example}", field=unit_name)
    values, found, units = split_quantities(column)
    problems.flag(WRONG_UNIT, given & (found < 0), lambda rows: [
        f"{name} {v!r:.60} must be a number followed by a unit, such as {example}"
        for v in column.iloc[rows]])
    problems.flag(IMPLAUSIBLE, (found >= 0) & np.isnan(values), lambda rows: [
        f"{name} {v!r:.60} is not a number" for v in column.iloc[rows]])
    return Measured(values, given, found, units, lambda rows: [str(v) for v in column.iloc[rows]])


def factors(m: Measured, field: str, dim: u.Dimension) -> Floats:
    """The factor from each row's unit to ``dim.canonical``: NaN where the scalar API refuses it."""
    table = np.array([_unit_factor(v, field, dim) for v in m.units] + [math.nan])
    return table[m.unit_codes]


def _unit_factor(unit: Any, field: str, dim: u.Dimension) -> float:
    if not isinstance(unit, str):
        return math.nan
    return _factor(unit, dim, u.registry())


@functools.lru_cache(maxsize=1024)
def _factor(unit: str, dim: u.Dimension, registry: Any) -> float:
    """The scalar API's factor for ``unit``, NaN where it refuses it; kept per registry, as
    the scalar API keeps its own, and for refused units too (those it works out each time)."""
    try:
        return u.to_float(f"1 {unit}", "unit", dim)
    except PlexodoseError:
        return math.nan


def quantity(orders: Any, name: str, unit_name: str, dim: u.Dimension,
             problems: Problems) -> tuple[Floats, Bools, Shown]:
    """(value in ``dim.canonical`` (NaN when unusable), given, the rows as typed)."""
    m = measured(orders, name, unit_name, dim.example, problems)
    factor = factors(m, unit_name, dim)
    problems.flag(WRONG_UNIT, m.given & (m.unit_codes >= 0) & np.isnan(factor), lambda rows: [
        f"{name} {text!r:.60} is not in {_a(dim.name)} unit such as {dim.example}"
        for text in m.shown(rows)])
    return m.values * factor, m.given, m.shown


def split_quantities(column: Any) -> tuple[Floats, Ints, list[Any]]:
    """(numbers, unit codes, distinct units) of a text column such as ``"72.4 kg"``; the code is
    -1 where the text is not a number followed by a unit.

    >>> values, found, units = split_quantities(pd.Series(["72.4 kg", "72", None, "9 kg"]))
    >>> values.tolist(), found.tolist(), units
    ([72.4, nan, nan, 9.0], [0, -1, -1, 0], ['kg'])
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - the pandas fallback has its own test
        return split_quantities_pandas(column)
    try:
        text = pa.array(column, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # values that are not text: read one by one
        return split_quantities_pandas(column)
    if (pc.max(pc.binary_length(text)).as_py() or 0) > u.MAX_TEXT_LENGTH:  # bytes >= characters
        text = pc.if_else(pc.less_equal(pc.utf8_length(text), u.MAX_TEXT_LENGTH), text,
                          pa.scalar(None, pa.large_string()))
    values, found = np.full(len(text), np.nan), np.full(len(text), -1, dtype=np.intp)
    # The common form "72.4 kg": split at the first space, then check the number's syntax and
    # each distinct unit's; the rest ("72kg", odd spacing) goes through the full pattern.
    parts = pc.split_pattern(text, " ", max_splits=1)
    pairs = pc.fill_null(pc.equal(pc.list_value_length(parts), 2), False)
    split = np.flatnonzero(pairs.to_numpy(zero_copy_only=False))
    if split.size < len(text):
        parts = pc.filter(parts, pairs)
    number, unit = pc.list_element(parts, 0), pc.list_element(parts, 1)
    units = pc.dictionary_encode(unit)
    names = units.dictionary.to_pylist()
    unit_syntax = np.array([_UNIT_RE.fullmatch(name) is not None for name in names] + [False])
    codes_ = units.indices.to_numpy(zero_copy_only=False)
    good = pc.match_substring_regex(number, _NUMBER_TEXT).to_numpy(zero_copy_only=False)
    good &= unit_syntax[codes_]
    values[split[good]] = pc.cast(number if good.all() else pc.filter(number, good),
                                  pa.float64()).to_numpy(zero_copy_only=False)
    found[split[good]] = codes_[good]
    rest = np.flatnonzero(found < 0)
    if rest.size:
        names = _split_by_pattern(pc.take(text, rest), rest, values, found, names)
    return values, found, names


def _split_by_pattern(text: Any, rows: Ints, values: Floats, found: Ints,
                      names: list[Any]) -> list[Any]:
    """Fill ``values`` and ``found`` at ``rows`` from the full pattern; the units it finds are
    added to ``names``, which is returned."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.extract_regex(text, QUANTITY_TEXT)
    matched = pc.is_valid(parts).to_numpy(zero_copy_only=False)
    parts = pc.filter(parts, matched)
    rows = rows[matched]
    values[rows] = pc.cast(pc.struct_field(parts, "number"), pa.float64()).to_numpy(
        zero_copy_only=False)
    units = pc.dictionary_encode(pc.struct_field(parts, "unit"))
    known = {name: code for code, name in enumerate(names)}
    table = np.array([known.setdefault(name, len(known))
                      for name in units.dictionary.to_pylist()], dtype=np.intp)
    found[rows] = table[units.indices.to_numpy(zero_copy_only=False)]
    return list(known)


def split_quantities_pandas(column: Any) -> tuple[Floats, Ints, list[Any]]:
    """:func:`split_quantities` with pandas and Python's ``re`` only (no pyarrow).

    >>> values, found, units = split_quantities_pandas(pd.Series(["72.4 kg", 72, "x", "1 lb"]))
    >>> values.tolist(), found.tolist(), units
    ([72.4, nan, nan, 1.0], [0, -1, -1, 1], ['kg', 'lb'])
    """
    text = column.astype(object)
    is_text = text.map(lambda v: isinstance(v, str) and len(v) <= u.MAX_TEXT_LENGTH)
    parts = text.where(is_text, "").astype(str).str.extract(_QUANTITY_RE)
    values = pd.to_numeric(parts["number"], errors="coerce").to_numpy(dtype=np.float64,
                                                                       na_value=np.nan)
    found, units = pd.factorize(parts["unit"])
    return values, found.astype(np.intp), list(units)


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun
