"""Caller text that plexodose repeats (override reasons, product names): checked at the door.

A reason or a name is quoted in results, tables, calendars and FHIR resources. A control
character or a line separator in it would break a line-based format (one iCalendar parser
rejects the whole calendar), so such text is refused where it comes in, not escaped later.
"""

from __future__ import annotations

import re
from typing import Any

from plexodose._core.errors import InputRangeError

MAX_TEXT_LENGTH = 500
# C0 and C1 controls (tab excepted), DEL, and the Unicode line and paragraph separators.
_FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def checked_text(value: Any, field: str) -> str:
    """``value`` stripped, if it is non-empty one-line text without control characters.

    >>> checked_text("  renal team advice ", "override")
    'renal team advice'
    >>> checked_text("line one\\nline two", "override")
    Traceback (most recent call last):
    ...
    plexodose._core.errors.InputRangeError: override must be one line of text without control characters (found U+000A); got 'line one\\nline two'
    """
    if not isinstance(value, str) or not value.strip():
        raise InputRangeError(
            f"{field} must be a non-empty reason or name; got {value!r:.60}",
            field=field,
            value=value,
        )
    found = _FORBIDDEN.search(value)
    if found:
        raise InputRangeError(
            f"{field} must be one line of text without control characters "
            f"(found U+{ord(found.group()):04X}); got {value!r:.60}",
            field=field,
            value=value,
        )
    if len(value) > MAX_TEXT_LENGTH:
        raise InputRangeError(
            f"{field} must be at most {MAX_TEXT_LENGTH} characters; got {len(value)}",
            field=field,
            value=value,
        )
    return value.strip()
