"""The order columns as float arrays in canonical units, with the scalar boundary's unit safety.

A quantity arrives either as a number column beside a unit column (``weight`` and
``weight_unit``) or, without the unit column, as text such as ``"72.4 kg"``. Every distinct unit
goes through the scalar API's own conversion (:func:`plexodose._core.units.to_float`), so a unit it
refuses is refused here too; a bare number never gets a unit by guess. Text is split with
pyarrow's string kernels when pyarrow is installed, else with pandas.
"""

from __future__ import annotations

import collections
import functools
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

from plexodose._core import units as u
from plexodose._core.errors import MissingInputError, PlexodoseError, safe_repr
from plexodose.batch._problems import IMPLAUSIBLE, WRONG_UNIT, Problems

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]
Shown = Callable[[Ints], list[str]]  # the flagged rows' values as typed, for messages

# "number unit" as the scalar boundary reads it (its own number and unit syntax; the unit is then
# converted by the scalar API itself); RE2 (pyarrow) and Python's re both take this pattern.
QUANTITY_TEXT = rf"(?i)^\s*(?P<number>{u._NUMBER})\s*(?P<unit>{u._UNIT})\s*$"
_QUANTITY_RE = re.compile(QUANTITY_TEXT, re.ASCII)  # as the scalar reads: ASCII spaces and letters
_NUMBER_TEXT = rf"(?i)^{u._NUMBER}$"
_UNIT_RE = re.compile(u._UNIT, re.IGNORECASE | re.ASCII)  # no Kelvin sign for k


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
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        return _arrow_codes(column.array.__arrow_array__())
    try:
        found, uniques = pd.factorize(column)
    except TypeError:  # an unhashable value (a dict or a list in a unit column): read each as
        found, uniques = pd.factorize(column.map(_hashable))  # a value no rule knows
    return found.astype(np.intp, copy=False), list(uniques)


class Unreadable:
    """A cell that cannot be a key (a dict, a list): never a unit, drug or sex any rule reads;
    it shows as the cell's own repr in a reason."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return safe_repr(self.value)

    __str__ = __repr__


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except Exception:
        return Unreadable(value)
    return value


def _arrow_codes(text: Any) -> tuple[Ints, list[Any]]:
    """:func:`codes` by Arrow's own hashing (``pd.factorize`` of Arrow text wraps the same in
    more steps): distinct values in order of first appearance, -1 where missing."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    if isinstance(text, pa.ChunkedArray):  # one dictionary for all the chunks
        text = text.chunk(0) if text.num_chunks == 1 else text.combine_chunks()
    encoded = pc.dictionary_encode(text)
    indices = encoded.indices
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    return (indices.to_numpy(zero_copy_only=False).astype(np.intp, copy=False),
            encoded.dictionary.to_pylist())


def _one_text(column: Any) -> bool:
    """Whether ``column`` is Arrow text with no missing value, every row equal to the first."""
    if not isinstance(column.array, pd.arrays.ArrowStringArray) or not len(column):
        return False
    import pyarrow.compute as pc

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
        try:
            coerced = pd.to_numeric(column, errors="coerce").to_numpy(na_value=np.nan)
            if coerced.dtype.kind == "c":  # pandas 3.1 leaves a refused text's cell unset
                raise TypeError("a complex number in the column")  # beside a complex value
        except (OverflowError, TypeError, ValueError):  # an int beyond any float (10**400)
            coerced = column.map(_one_number).to_numpy(dtype=np.float64, na_value=np.nan)
        values = coerced.real.astype(np.float64)
        if column.dtype == object:  # True is not 1, and 100+0j is not 100
            values[column.map(_not_real).to_numpy(dtype=bool)] = np.nan
    problems.flag(IMPLAUSIBLE, given & np.isnan(values), lambda rows: [
        f"{name} {safe_repr(v)} is not a real number (the unit goes in its own column)"
        for v in column.iloc[rows]])
    return values


def _one_number(value: Any) -> float:
    """One cell as :func:`numbers` reads a column: an int beyond any float is infinite (then
    flagged as infinity is), anything that is not a number NaN."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    try:
        return float(pd.to_numeric(value, errors="coerce"))
    except Exception:
        return math.nan


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
        f"{name} {safe_repr(v)} must be a number followed by a unit, such as {example}"
        for v in column.iloc[rows]])
    problems.flag(IMPLAUSIBLE, (found >= 0) & np.isnan(values), lambda rows: [
        f"{name} {safe_repr(v)} is not a number" for v in column.iloc[rows]])
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
        f"{name} {safe_repr(text)} is not in {_a(dim.name)} unit such as {dim.example}"
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
    if isinstance(text, pa.ChunkedArray):  # Arrow-backed text from a concat or a Parquet file
        text = text.combine_chunks()
    if (pc.max(pc.binary_length(text)).as_py() or 0) > u.MAX_TEXT_LENGTH:  # bytes >= characters
        text = pc.if_else(pc.less_equal(pc.utf8_length(text), u.MAX_TEXT_LENGTH), text,
                          pa.scalar(None, pa.large_string()))
    values, found = np.full(len(text), np.nan), np.full(len(text), -1, dtype=np.intp)
    # Cheapest first: "72.4 kg" with the column's common units, then a split at the first space
    # ("-4 lb", "1e2 g", rarer units), then the full pattern ("72kg", odd spacing).
    known: dict[Any, int] = {}
    rest = _read_common_units(text, values, found, known)
    if rest.size:
        rest = _split_at_space(pc.take(text, rest), rest, values, found, known)
    if rest.size:
        _split_by_pattern(pc.take(text, rest), rest, values, found, known)
    return values, found, list(known)


def _read_common_units(text: Any, values: Floats, found: Ints, known: dict[Any, int]) -> Ints:
    """Read the rows written "<number> <unit>" for the few units most rows of ``text`` use (an
    ``ends_with`` and a slice, no split, no hashing); returns the rows left to read."""
    import pyarrow.compute as pc

    rest = np.arange(len(text))
    for tried, unit in enumerate(_common_units(text)):
        if not rest.size or (tried and rest.size < max(_FEW_ROWS, len(text) >> 4)):
            break  # few left: the general split is cheap enough
        part = text if rest.size == len(text) else pc.take(text, rest)
        suffix = " " + unit
        ends = pc.fill_null(pc.ends_with(part, suffix), False).to_numpy(zero_copy_only=False,
                                                                        writable=True)
        every = bool(ends.all())  # often so: one unit in the column
        read = _read_numbers(pc.utf8_slice_codeunits(part if every else pc.filter(part, ends),
                                                     0, -len(suffix)))
        if read is None:
            continue
        good, numbers_ = read
        if good is not None:  # ends: now the rows read
            ends[np.flatnonzero(ends)[~good]] = False
        rows: Any = slice(None) if every and good is None and part is text else rest[ends]
        values[rows] = numbers_
        found[rows] = known.setdefault(unit, len(known))
        rest = rest[~ends]
    return rest


_FEW_ROWS = 1024
_SAMPLE_ROWS = 64


def _common_units(text: Any) -> list[str]:
    """Up to three units, most common first, among the first rows' "number unit" texts: those
    the scalar boundary's unit syntax takes, in ASCII (so a slice by characters is by bytes)."""
    sample = [v for v in text.slice(0, _SAMPLE_ROWS).to_pylist() if isinstance(v, str)]
    units = collections.Counter(v.partition(" ")[2] for v in sample)
    return [unit for unit, _ in units.most_common(3)
            if unit.isascii() and _UNIT_RE.fullmatch(unit) is not None]


def _read_numbers(number: Any) -> tuple[Bools | None, Floats] | None:
    """(which rows hold a number in the scalar boundary's syntax (None: all), their values);
    None when no row does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(number):
        return None
    if _digits_and_dots(number):
        # Over digits and dots, Arrow's cast takes exactly the scalar syntax (one dot at most,
        # a digit at least; tests/batch/test_batch_text.py checks every such text up to 7 characters)
        # and refuses the whole column otherwise: then the syntax is checked row by row.
        try:
            return None, pc.cast(number, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            pass
    good = pc.fill_null(pc.match_substring_regex(number, _NUMBER_TEXT), False).to_numpy(
        zero_copy_only=False)
    if not good.any():
        return None
    return good, pc.cast(pc.filter(number, good), pa.float64()).to_numpy(zero_copy_only=False)


def _digits_and_dots(text: Any) -> bool:
    """Whether every text is made of ASCII digits and dots only (an empty one counts)."""
    import pyarrow as pa

    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if text.null_count:
        return False
    text = text.cast(pa.large_string())
    offsets = np.frombuffer(text.buffers()[1], np.int64)
    data = np.frombuffer(text.buffers()[2] or b"", np.uint8)
    data = data[offsets[text.offset]:offsets[text.offset + len(text)]]
    return bool(np.all(((data - np.uint8(48)) < 10) | (data == 46)))


def _split_at_space(text: Any, rows: Ints, values: Floats, found: Ints,
                    known: dict[Any, int]) -> Ints:
    """Fill ``values`` and ``found`` at the ``rows`` (those of ``text``) written "number unit"
    with one space: the number's syntax and each distinct unit's are checked; returns the
    rows left."""
    import pyarrow as pa
    import pyarrow.compute as pc

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
    read = rows[split[good]]
    values[read] = pc.cast(number if good.all() else pc.filter(number, good),
                           pa.float64()).to_numpy(zero_copy_only=False)
    found[read] = _codes_in(known, names)[codes_[good]]
    unread = np.ones(len(text), dtype=bool)
    unread[split[good]] = False
    return rows[unread]


def _codes_in(known: dict[Any, int], names: list[Any]) -> Ints:
    """Each of ``names``' code in ``known`` (a name new to it is added)."""
    return np.array([known.setdefault(name, len(known)) for name in names], dtype=np.intp)


def _split_by_pattern(text: Any, rows: Ints, values: Floats, found: Ints,
                      known: dict[Any, int]) -> None:
    """Fill ``values`` and ``found`` at ``rows`` from the full pattern; the units it finds are
    added to ``known``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.extract_regex(text, QUANTITY_TEXT)
    matched = pc.is_valid(parts).to_numpy(zero_copy_only=False)
    parts = pc.filter(parts, matched)
    rows = rows[matched]
    values[rows] = pc.cast(pc.struct_field(parts, "number"), pa.float64()).to_numpy(
        zero_copy_only=False)
    units = pc.dictionary_encode(pc.struct_field(parts, "unit"))
    found[rows] = _codes_in(known, units.dictionary.to_pylist())[
        units.indices.to_numpy(zero_copy_only=False)]


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
