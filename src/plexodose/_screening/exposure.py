"""Cumulative cyclophosphamide from the record: oral and IV together, never "zero" for unknown.

A history is a list of past administrations (date, drug, amount): :class:`Administration`
values, ``(date, drug, amount)`` tuples or mappings with those keys. Other drugs in the list are
skipped and counted; a date after the decision date is refused (a value of the future never
reaches a decision silently).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core import units as u
from plexodose._core.checks import checked_date
from plexodose._core.errors import InputRangeError, safe_repr
from plexodose._core.public import public
from plexodose._core.vocab import drug_key
from plexodose._patient.provenance import EARLIEST, LATEST
from plexodose._screening.order import read_amount

MAX_ENTRIES = 100_000  # a record longer than this is not one patient's
MAX_TOTAL_G = 1_000.0  # plausibility of a lifetime total (g)
_GRAMS = u.Dimension("mass", "g", '"12 g"')


@public
@attrs.frozen(kw_only=True)
class Administration:
    """One past administration: its date, the drug's key and the amount (mg)."""

    date: dt.date = attrs.field(validator=lambda _, a, v: _is_date(v, a.name))
    drug: str = attrs.field(validator=lambda _, a, v: _is_cyclophosphamide_or_other(v))
    amount_mg: float = attrs.field(validator=lambda _, a, v: _in(v, a.name, 1e-3, 200_000.0))


@public
@attrs.frozen(kw_only=True)
class Exposure:
    """Cumulative cyclophosphamide before a decision: ``known`` False means not known (never
    zero); ``total_g`` the oral and IV total; ``text`` says where it came from."""

    known: bool = attrs.field(validator=attrs.validators.instance_of(bool))
    total_g: float = attrs.field(default=0.0, validator=lambda _, a, v: _in(v, a.name, 0.0,
                                                                           MAX_TOTAL_G))
    text: str = "not known"
    administrations: tuple[Administration, ...] = ()
    skipped: int = 0

    def __str__(self) -> str:
        if not self.known:
            return "cumulative cyclophosphamide: not known (not checked)"
        return f"cumulative cyclophosphamide: {fmt.number(self.total_g, 3)} g ({self.text})"


def _in(value: Any, field: str, low: float, high: float) -> None:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and low <= value <= high):
        raise InputRangeError(f"{field} must be a number from {low:g} to {high:g}; got "
                              f"{safe_repr(value)}", field=field, value=value)


def _is_date(value: Any, field: str) -> None:
    if type(value) is not dt.date:
        raise InputRangeError(f"{field} must be a datetime.date; got {safe_repr(value)}",
                              field=field, value=value)


def _is_cyclophosphamide_or_other(value: Any) -> None:
    if drug_key(value) != value:
        raise InputRangeError(f"drug must be a drug key such as 'cyclophosphamide_iv'; got "
                              f"{safe_repr(value)}", field="drug", value=value)


UNKNOWN = Exposure(known=False)


def exposure_of(prior: Any, history: Any, on: dt.date) -> Exposure:
    """The exposure a screen uses: ``prior`` (a mass or an :class:`Exposure`) plus ``history``."""
    found = UNKNOWN
    if isinstance(prior, Exposure):
        found = prior
    elif prior is not None:
        found = _prior(prior)
    if history is None:
        return found
    read = cyclophosphamide_exposure(history, on=on)
    if not found.known:
        return read
    return Exposure(known=True, total_g=found.total_g + read.total_g,
                    text=f"{found.text} plus {read.text}",
                    administrations=read.administrations, skipped=read.skipped)


def _prior(prior: Any) -> Exposure:
    """A prior total given as a mass (an Exposure is immutable: one reading of a text is
    shared, kept per spelling as order amounts are)."""
    if type(prior) is not str:
        return _prior_read(prior)
    return u.read_per_spelling(_priors, prior, _prior_read)


def _prior_read(prior: Any) -> Exposure:
    grams = u.to_float(prior, "prior_cyclophosphamide", _GRAMS)
    grams = u.in_range(grams, "prior_cyclophosphamide", 0.0, MAX_TOTAL_G, "g", prior)
    return Exposure(known=True, total_g=grams, text="prior exposure given")


PRIORS_CACHE_SIZE = 1024  # as order amounts; bounded so free text cannot grow memory
_priors = u.BoundedCache(PRIORS_CACHE_SIZE)


def cyclophosphamide_exposure(history: Any, *, on: Any) -> Exposure:
    """Total cyclophosphamide (oral and IV) in ``history`` up to ``on``.

    >>> e = cyclophosphamide_exposure([("2026-01-05", "cyclophosphamide_iv", "1,400 mg"),
    ...                                ("2026-02-02", "cyclophosphamide oral", "100 mg"),
    ...                                ("2026-02-02", "azathioprine", "50 mg")], on="2026-03-01")
    >>> e.total_g, e.skipped  # 1.4 g + 0.1 g; azathioprine is skipped
    (1.5, 1)
    """
    day = checked_date(on, "on", EARLIEST, LATEST)
    if isinstance(history, (str, bytes)) or not isinstance(history, Iterable):
        raise InputRangeError(
            "history must be a list of administrations (date, drug, amount); got "
            f"{type(history).__name__}", field="history", value=history)
    kept: list[Administration] = []
    skipped = 0
    for index, entry in enumerate(history):
        if index >= MAX_ENTRIES:
            raise InputRangeError(f"history has more than {MAX_ENTRIES:,} entries",
                                  field="history", value=index)
        given = _administration(entry, f"history[{index}]")
        if given.date > day:
            raise InputRangeError(
                f"history[{index}] is dated {given.date.isoformat()}, after the decision date "
                f"{day.isoformat()}: a future administration is not exposure",
                field=f"history[{index}].date", value=given.date)
        if given.drug not in ("cyclophosphamide_oral", "cyclophosphamide_iv"):
            skipped += 1
            continue
        kept.append(given)
    total = sum(a.amount_mg for a in kept) / 1000
    if total > MAX_TOTAL_G:
        raise InputRangeError(f"history totals {fmt.number(total)} g of cyclophosphamide: "
                              f"above the plausible {fmt.number(MAX_TOTAL_G)} g",
                              field="history", value=total)
    text = f"{len(kept)} administration{'s' if len(kept) != 1 else ''} in the record"
    return Exposure(known=True, total_g=total, text=text, administrations=tuple(kept),
                    skipped=skipped)


def _administration(entry: Any, field: str) -> Administration:
    if isinstance(entry, Administration):
        return entry
    if isinstance(entry, Mapping):
        try:
            date, drug, amount = entry["date"], entry["drug"], entry["amount"]
        except KeyError as exc:
            raise InputRangeError(f"{field} needs the keys date, drug and amount; missing "
                                  f"{exc.args[0]!r}", field=field, value=entry) from None
    elif isinstance(entry, tuple) and len(entry) == 3:
        date, drug, amount = entry
    else:
        raise InputRangeError(f"{field} must be (date, drug, amount) or a mapping with those "
                              f"keys; got {safe_repr(entry)}", field=field, value=entry)
    key = drug_key(drug)
    if key is None:
        if isinstance(drug, str) and str.__str__(drug).strip().lower() == "cyclophosphamide":
            key = "cyclophosphamide_iv"  # either route counts the same towards the total
        else:
            raise InputRangeError(f"{field}.drug {safe_repr(drug)} is not a drug plexodose knows",
                                  field=f"{field}.drug", value=drug)
    mg, basis, per, _ = read_amount(amount, f"{field}.amount")
    if basis != "mg" or per != "dose":
        raise InputRangeError(f"{field}.amount must be a mass given, such as \"1,400 mg\"; got "
                              f"{safe_repr(amount)}", field=f"{field}.amount", value=amount)
    return Administration(date=checked_date(date, f"{field}.date", EARLIEST, LATEST), drug=key, amount_mg=mg)
