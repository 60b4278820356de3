"""Dates at the boundary: a ``datetime.date`` or an ISO string, within a plausible range."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

from plexodose._core.errors import InputRangeError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def checked_date(value: Any, field: str, earliest: dt.date, latest: dt.date) -> dt.date:
    """``value`` as a date: a ``datetime.date`` (not a datetime) or "YYYY-MM-DD", refused with
    the form to type otherwise, and outside ``earliest``-``latest``.

    >>> checked_date("2027-01-16", "date", dt.date(1900, 1, 1), dt.date(2199, 12, 31))
    datetime.date(2027, 1, 16)
    """
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        with contextlib.suppress(ValueError):
            value = dt.date.fromisoformat(value.strip())
    if type(value) is not dt.date:
        raise InputRangeError(
            f'{field} must be a date such as "2027-01-16" (an ISO string) or '
            f"datetime.date(2027, 1, 16); got {value!r:.60}",
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
