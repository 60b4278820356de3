"""Each row's status and reason: the first problem decides the status, every problem is named.

Reasons are kept as codes into a table of distinct texts, so a million rows flagged for the
same rule share one string, and the output column is built from the table in one step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]

STATUSES = ("unknown_drug", "over_cap", "missing_data", "wrong_unit", "implausible_input", "minor",
            "contraindicated", "off_protocol", "above_range", "under_range", "ok")
(UNKNOWN_DRUG, OVER_CAP, MISSING, WRONG_UNIT, IMPLAUSIBLE, MINOR, CONTRAINDICATED, OFF_PROTOCOL,
 ABOVE, UNDER, OK) = range(len(STATUSES))
# Each status's category in the order screen (plexodose.screen), ranked as the screen ranks its
# categories (the worst decides): an absolute limit, then what could not be screened (an input
# problem, a rule without the values it needs), then a stated reason, then a warning.
CATEGORIES = ("within", "below", "above_soft", "above_hard", "not_screened")
CATEGORY_OF = {"unknown_drug": "not_screened", "missing_data": "not_screened",
               "wrong_unit": "not_screened", "implausible_input": "not_screened",
               "minor": "not_screened", "over_cap": "above_hard",
               "contraindicated": "above_soft", "off_protocol": "above_soft",
               "above_range": "above_soft", "under_range": "below", "ok": "within"}
CATEGORY_CODES = np.array([CATEGORIES.index(CATEGORY_OF[s]) for s in STATUSES], dtype=np.int8)

Message = str | Callable[[Ints], Iterable[str]]
"""One text for every flagged row, or a function from the flagged rows to one text each."""


class Problems:
    """Status codes and reason codes of ``n`` rows; reason 0 is the empty text."""

    def __init__(self, n: int, texts_of: Problems | None = None) -> None:
        """``texts_of``: share its table of texts (rows audited in slices, one reason column)."""
        self.status = np.full(n, OK, dtype=np.int8)
        self.reason = np.zeros(n, dtype=np.int32)
        self.texts: list[str] = [""] if texts_of is None else texts_of.texts
        self._codes: dict[str, int] = {"": 0} if texts_of is None else texts_of._codes

    def code(self, text: str) -> int:
        found = self._codes.get(text)
        if found is None:
            found = self._codes[text] = len(self.texts)
            self.texts.append(text)
        return found

    def flag(self, status: int, mask: Bools, message: Message) -> None:
        """Mark the rows of ``mask`` with ``status`` (the first problem wins) and add the text."""
        rows = np.flatnonzero(mask)
        if not rows.size:
            return
        self.status[rows] = np.minimum(self.status[rows], status)
        if isinstance(message, str):
            self._add_one(rows, message)
        else:
            self._add_each(rows, message(rows))

    def verdict(self, status: int, mask: Bools, texts: list[str], kinds: Ints) -> None:
        """Give the rows of ``mask`` the dose verdict ``status`` if it is worse, and add
        ``texts[kinds[row]]`` to their reason: a row above its cap and contraindicated names
        both (``kinds``: the rows' drug codes, known on every row of ``mask``)."""
        rows = np.flatnonzero(mask)
        if not rows.size:
            return
        codes = np.array([self.code(t) for t in texts], dtype=np.int32)
        fresh = self.status[rows] == OK
        self.status[rows] = np.minimum(self.status[rows], status)
        self.reason[rows[fresh]] = codes[kinds[rows[fresh]]]
        later = rows[~fresh]
        if later.size:  # few distinct (reason, text) pairs: join each once
            pairs = self.reason[later].astype(np.int64) << 32 | codes[kinds[later]]
            unique, inverse = np.unique(pairs, return_inverse=True)
            joined = np.array([self.code(f"{self.texts[int(p >> 32)]}; "
                                         f"{self.texts[int(p & 0xFFFFFFFF)]}")
                               for p in unique], dtype=np.int32)
            self.reason[later] = joined[inverse.reshape(-1)]

    def _add_one(self, rows: Ints, text: str) -> None:
        current = self.reason[rows]
        for before in np.unique(current):  # few distinct earlier reasons
            joined = text if before == 0 else f"{self.texts[before]}; {text}"
            current[current == before] = self.code(joined)
        self.reason[rows] = current

    def _add_each(self, rows: Ints, texts: Iterable[str]) -> None:
        before = self.reason[rows]
        self.reason[rows] = [
            self.code(text if old == 0 else f"{self.texts[old]}; {text}")
            for old, text in zip(before.tolist(), texts, strict=True)
        ]

    def reasons(self, codes: Any = None) -> Any:
        """The reason column: ``string[pyarrow]`` when pyarrow is installed, else ``string``.

        ``codes``: codes into this table other than this object's own (slices sharing it)."""
        codes = self.reason if codes is None else codes
        import pandas as pd  # type: ignore[import-untyped]

        try:
            import pyarrow as pa  # type: ignore[import-untyped]
        except ImportError:  # pragma: no cover - pyarrow is in the batch extra
            table = np.array(self.texts, dtype=object)
            return pd.array(table[codes], dtype=pd.StringDtype("python"))
        # large_string: what pandas keeps, so it takes the array without another copy; a take
        # from the table of texts (a tenth of the time of casting a dictionary array)
        table = pa.array(self.texts, pa.large_string())
        return pd.arrays.ArrowStringArray(table.take(pa.array(codes)))
