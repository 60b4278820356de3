"""The exception hierarchy: every refusal is a :class:`PlexodoseError`."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from plexodose._core.public import public


@public
class PlexodoseError(ValueError):
    """Base of every error plexodose raises on purpose.

    ``field`` names the input at fault (``"weight"``, ``"g_per_kg_day"``) and ``value`` is what
    was given, so an app can point at the field in its form.
    """

    def __init__(self, message: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


@public
class UnitError(PlexodoseError):
    """A quantity without a unit, with the wrong dimension, or that cannot be parsed."""


@public
class InputRangeError(PlexodoseError):
    """A patient value or parameter that is not finite, not positive, or implausible."""


@public
class MissingInputError(InputRangeError):
    """A value the calculation needs (height, sex, age, creatinine) was not given."""


@public
class DoseRangeError(PlexodoseError):
    """A dose parameter outside the protocol (needs ``override=``) or above a hard cap."""


@public
class ContraindicationError(PlexodoseError):
    """The patient's data rule the drug or regimen out (needs ``override=`` where allowed)."""


def safe_repr(value: Any, width: int = 60) -> str:
    """``repr(value)`` cut to ``width`` characters, for an error message: never raises, whatever
    the caller's type does (a ``__repr__`` that raises or returns no text is shown by its type's
    name), and always encodes (a lone surrogate is written as its escape).

    >>> safe_repr("72 kg"), safe_repr("x" * 100, 5)
    ("'72 kg'", "'xxxx")
    """
    return _safely(repr, value, width)


def safe_str(value: Any, width: int = 60) -> str:
    """``str(value)`` cut to ``width`` characters, as safely as :func:`safe_repr`.

    >>> safe_str("72 kg")
    '72 kg'
    """
    return _safely(str, value, width)


def _safely(show: Any, value: Any, width: int) -> str:
    try:
        text = show(value)
        if type(text) is not str:
            raise TypeError("no text")
    except Exception:  # every refusal must be written whatever the value's type does
        try:
            name = str(type(value).__name__)
        except Exception:
            name = "object"
        text = f"<{name} object>"
    return text[:width].encode("utf-8", "backslashreplace").decode("utf-8")


def choice_error(
    value: Any, choices: Collection[str], field: str, *, label: str | None = None, hint: str = ""
) -> InputRangeError:
    """The one refusal of a word that is not among ``choices``: the field (or ``label``), every
    accepted word, an optional ``hint`` and what was given."""
    return InputRangeError(
        f"{label or field} must be one of {', '.join(choices)}{hint}; got {safe_repr(value)}",
        field=field,
        value=value,
    )
