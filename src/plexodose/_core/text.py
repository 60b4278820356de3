"""Text an export may write: no control characters, no line separators, no odd whitespace.

The core refuses such characters at input; every exporter also passes its text through
:func:`clean` (defence in depth), so one stray character can neither split an iCalendar line
(one standard parser then rejects the whole calendar) nor break the FHIR ``string`` regex
``^[ \\r\\n\\t\\S]+$``.

>>> clean("a\\u2028b\\x00c\\td\\ne")
'a b c\\td\\ne'
"""

from __future__ import annotations

import re

# Whitespace other than space, tab and newline (\r, \v, \f, \x1c-\x1f, U+0085, U+00A0, U+2028,
# U+2029, ...), the C0 and C1 controls, DEL, lone surrogates, the BOM and the two non-characters
# U+FFFE/U+FFFF: each becomes one space.
_UNSAFE = re.compile("[^\\S \\t\\n]|[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with every unsafe character replaced by a space."""
    if text.isprintable():  # the common case; every unsafe character is unprintable
        return text
    return _UNSAFE.sub(" ", text)


def one_line(text: str) -> str:
    """:func:`clean`, and tabs and newlines as spaces too (a table cell, a CSV-free label)."""
    return clean(text).replace("\n", " ").replace("\t", " ")
