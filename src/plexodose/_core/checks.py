"""Argument checks at the boundary: every validator a public function's arguments pass through.

One refusal per kind of mistake, worded once: a date ("2027-01-16"), one line of caller text (an
override reason, a product name), a whole number, a yes/no flag, a fraction, one of a fixed set of
words. Quantities are read by :mod:`plexodose._core.units`; plausibility limits of patient values
are in :mod:`plexodose._core.limits`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Collection
from typing import Any

from plexodose._core import units as u
from plexodose._core.errors import InputRangeError, choice_error, safe_repr

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _read_iso(text: str) -> dt.date | None:
    """The date "YYYY-MM-DD" (spaces around it allowed) names; None for other text, and for a
    day no calendar has ("2027-02-30"), refused by the caller with the form to type."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


# bounded: a service reads the same few dates all day; short text only, so that a long text
# (never a date once stripped of more than a few spaces) is not held by the cache
_iso_date = functools.lru_cache(maxsize=256)(_read_iso)
_CACHED_DATE_TEXT = 32


def checked_date(value: Any, field: str, earliest: dt.date, latest: dt.date) -> dt.date:
    """``value`` as a date: a ``datetime.date`` (not a datetime) or "YYYY-MM-DD", refused with
    the form to type otherwise, and outside ``earliest``-``latest``.

    >>> checked_date("2027-01-16", "date", dt.date(1900, 1, 1), dt.date(2199, 12, 31))
    datetime.date(2027, 1, 16)
    """
    if isinstance(value, str):
        text = str.__str__(value)  # a str subclass's methods never run
        value = (_iso_date if len(text) <= _CACHED_DATE_TEXT else _read_iso)(text) or value
    if type(value) is not dt.date:
        raise InputRangeError(
            f'{field} must be a date such as "2027-01-16" (an ISO string) or '
            f"datetime.date(2027, 1, 16); got {safe_repr(value)}",
            field=field,
            value=value,
        )
    if not earliest <= value <= latest:
        raise InputRangeError(
            f"{field} {value.isoformat()} is outside the plausible range "
            f"{earliest.isoformat()} to {latest.isoformat()}",
            field=field,
            value=value,
        )
    return value

MAX_TEXT_LENGTH = 500
# C0 and C1 controls (tab excepted), DEL, the Unicode line and paragraph separators, and lone
# surrogates (no UTF-8 text holds one: JSON, HTML and a printed repr could not be written).
_FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def checked_text(value: Any, field: str) -> str:
    """``value`` stripped, as plain ``str``, if it is non-empty one-line text without control
    characters or lone surrogates.

    >>> checked_text("  renal team advice ", "override")
    'renal team advice'
    >>> checked_text("line one\\nline two", "override")
    Traceback (most recent call last):
    ...
    plexodose.InputRangeError: override must be one line of text without control characters or lone surrogates (found U+000A); got 'line one\\nline two'
    """
    text = str.__str__(value) if isinstance(value, str) else ""  # a str subclass's own methods
    if not text.strip():  # are never called
        raise InputRangeError(
            f"{field} must be a non-empty reason or name; got {safe_repr(value)}",
            field=field,
            value=value,
        )
    found = _FORBIDDEN.search(text)
    if found:
        raise InputRangeError(
            f"{field} must be one line of text without control characters or lone surrogates "
            f"(found U+{ord(found.group()):04X}); got {safe_repr(value)}",
            field=field,
            value=value,
        )
    if len(text) > MAX_TEXT_LENGTH:
        raise InputRangeError(
            f"{field} must be at most {MAX_TEXT_LENGTH} characters; got {len(text)}",
            field=field,
            value=value,
        )
    return text.strip()


def whole_number(value: Any, field: str, low: int, high: int) -> int:
    if type(value) is int and low <= value <= high:  # the common case, decided at once
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        number = u.plain_number(value, field)
        if not number.is_integer():
            raise InputRangeError(
                f"{field} must be a whole number; got {safe_repr(value)}", field=field, value=value
            )
        value = int(number)
    if not low <= value <= high:
        raise InputRangeError(
            f"{field} must be from {low} to {high}; got {value}", field=field, value=value
        )
    return int(value)


def flag(value: Any, field: str) -> bool:
    """A yes/no option: only True or False, so a typo cannot silently mean "no"."""
    if not isinstance(value, bool):
        raise InputRangeError(
            f"{field} must be True or False; got {safe_repr(value)}", field=field, value=value
        )
    return value


def fraction(value: Any, field: str) -> float:
    number = u.plain_number(value, field)
    if not 0 < number <= 1:
        raise InputRangeError(
            f"{field} must be a fraction above 0 and at most 1; got {safe_repr(value)}",
            field=field,
            value=value,
        )
    return number


def one_of(
    value: Any, choices: Collection[str], field: str, *, label: str | None = None, hint: str = ""
) -> str:
    """``value`` if it is text and one of ``choices``; refused by :func:`choice_error` otherwise.

    Only text is compared, so an object that calls itself equal to every word is refused.

    >>> one_of("auto", ("auto", "actual"), "weight_basis")
    'auto'
    >>> one_of("obese", ("auto", "actual"), "weight_basis")
    Traceback (most recent call last):
    ...
    plexodose.InputRangeError: weight_basis must be one of auto, actual; got 'obese'
    """
    if type(value) is str and value in choices:  # the common case, decided at once
        return value
    if isinstance(value, str):  # a subclass: its own __eq__ and __str__ are not consulted
        text = str.__str__(value)
        if text in choices:
            return text
    raise choice_error(value, choices, field, label=label, hint=hint)
