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


def choice_error(
    value: Any, choices: Collection[str], field: str, *, label: str | None = None, hint: str = ""
) -> InputRangeError:
    """The one refusal of a word that is not among ``choices``: the field (or ``label``), every
    accepted word, an optional ``hint`` and what was given."""
    return InputRangeError(
        f"{label or field} must be one of {', '.join(choices)}{hint}; got {value!r:.60}",
        field=field,
        value=value,
    )
