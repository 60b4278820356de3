"""Rounding a calculated dose to what can be dispensed, never above the protocol's maximum."""

from __future__ import annotations

import functools
import math
from typing import Any

from plexodose._core.public import public
from plexodose._core.record import Record
from plexodose._core.units import quantity

NEAREST = "to the nearest"


@public
class Dispensed(Record):
    """A dose made of whole tablets, capsules or vials.

    All amounts are per administration in ``unit`` ("mg" for tablets, "g" for IVIg vials).
    ``units`` lists (strength, count); ``rounding_error`` is dispensed minus calculated, and
    ``tolerance`` the most the rounding rule allows (half a step to the nearest, a whole step
    when rounded down to stay within a maximum).
    """

    __slots__ = ()
    product: str
    form: str
    unit: str
    units: tuple[tuple[float, int], ...]
    amount: float
    calculated: float
    rounded: str
    step: float

    @property
    def tolerance(self) -> float:
        """The most this rounding may move the dose: half a step, or a whole one rounded down."""
        return self.step / 2 if self.rounded == NEAREST else self.step

    @property
    def rounding_error(self) -> float:
        return self.amount - self.calculated

    @property
    def rounding_error_fraction(self) -> float:
        return self.rounding_error / self.calculated

    @property
    def dose(self) -> Any:
        """The dispensed amount per administration as a Quantity."""
        return quantity(self.amount, self.unit)

    @property
    def count(self) -> int:
        return sum(n for _, n in self.units)


def round_to_step(calculated: float, step: float, maximum: float) -> tuple[float, float, str]:
    """(dispensed, tolerance, how): the nearest multiple of ``step``, down if that passes ``maximum``.

    >>> round_to_step(144, 25, 150)  # 144 / 25 = 5.76 -> 6 x 25 = 150
    (150.0, 12.5, 'to the nearest')
    >>> round_to_step(140, 25, 140)  # 150 would pass the maximum of 140 -> 5 x 25
    (125.0, 25.0, 'down, to stay within the maximum')
    >>> round_to_step(37.5, 25, 150)  # a tie (1.5 steps) goes down: 25, not 50
    (25.0, 12.5, 'to the nearest')
    """
    nearest = math.ceil(calculated / step - 0.5) * step  # a tie goes down, never up
    if nearest <= maximum * (1 + 1e-12):
        return float(nearest), step / 2, NEAREST
    return (
        float(math.floor(maximum / step * (1 + 1e-12)) * step),
        float(step),
        ("down, to stay within the maximum"),
    )


@functools.lru_cache(maxsize=4096)
def compose(amount: float, sizes: tuple[float, ...]) -> tuple[tuple[float, int], ...] | None:
    """The fewest units of ``sizes`` (largest first) that add up to ``amount``, or None.

    >>> compose(150, (50.0, 25.0))
    ((50.0, 3),)
    >>> compose(27.5, (40.0, 20.0, 10.0, 5.0, 2.5, 1.0))
    ((20.0, 1), (5.0, 1), (2.5, 1))
    """
    # Dynamic programming over the smallest common unit keeps it exact for any sizes.
    quantum = _quantum(sizes)
    target = round(amount / quantum)
    if abs(target * quantum - amount) > 1e-9 * max(amount, 1):
        return None
    steps = [round(s / quantum) for s in sizes]
    best: list[int | None] = [0] + [None] * target
    choice = [0] * (target + 1)
    for total in range(1, target + 1):
        for index, size in enumerate(steps):
            before = best[total - size] if size <= total else None
            if before is not None and (best[total] is None or before + 1 < best[total]):  # type: ignore[operator]
                best[total] = before + 1
                choice[total] = index
    if best[target] is None:
        return None
    counts = [0] * len(sizes)
    total = target
    while total > 0:
        counts[choice[total]] += 1
        total -= steps[choice[total]]
    return tuple((size, n) for size, n in zip(sizes, counts, strict=True) if n)


@functools.lru_cache(maxsize=256)
def _quantum(sizes: tuple[float, ...]) -> float:
    scaled = [round(s * 1000) for s in sizes]
    return math.gcd(*scaled) / 1000 if scaled else 1.0


@functools.lru_cache(maxsize=256)
def _shape(sizes: tuple[float, ...]) -> tuple[float, float]:
    """(smallest size, common step) of a product's sizes: one cached look-up per dose."""
    return min(sizes), _quantum(sizes)


def dispense(
    calculated: float,
    product: str,
    form: str,
    unit: str,
    sizes: tuple[float, ...],
    maximum: float,
    step: float | None = None,
) -> Dispensed | None:
    """Round ``calculated`` (per administration) to ``sizes``; None if it cannot be made safely.

    A dose below the smallest size is never rounded up to it: that could double it.
    """
    found = rounded_to_sizes(calculated, sizes, maximum, step)
    if found is None:
        return None
    amount, how, step, units = found
    return Dispensed._of(product, form, unit, units, amount, calculated, how, step)


def rounded_to_sizes(calculated: float, sizes: tuple[float, ...], maximum: float,
                     step: float | None = None
                     ) -> tuple[float, str, float, tuple[tuple[float, int], ...]] | None:
    """(amount, how rounded, step, units) of :func:`dispense`, without its record (for a
    screen, which needs the amount only); None if it cannot be made safely."""
    if not sizes:
        return None
    smallest, quantum = _shape(sizes)
    if calculated < smallest:
        return None
    step = quantum if step is None else step
    amount, _, how = round_to_step(calculated, step, maximum)
    units = compose(amount, sizes) if amount > 0 else None
    if units is None:
        return None
    return amount, how, step, units
