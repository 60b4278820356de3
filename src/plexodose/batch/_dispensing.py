"""What the calculators dispense for a calculated dose: :mod:`plexodose._dosing.dispense` on arrays.

An order is made of whole tablets or vials, so the audit accepts the amount the calculator
itself dispenses for each end of the protocol range: the nearest multiple of the step (a tie
goes down), rounded down instead where the nearest would pass a maximum, and the calculated
dose itself where it cannot be dispensed (below the smallest strength, or not made of the
sizes). Nothing here goes above a maximum, so a hard cap is never widened.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from plexodose._core.errors import InputRangeError
from plexodose._dosing import dispense as _dispense
from plexodose._dosing.calculation import ROUNDING_TOLERANCE
from plexodose._dosing.products import CATALOGUE, IVIgProduct
from plexodose._drugs.ivig import ROUND_TO_G

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

_EXACT = 1e-12  # the scalar rounding's own float margin


def dispensed(calculated: Floats, sizes: tuple[float, ...], step: float,
              maximum: Floats | float) -> tuple[Floats, Bools]:
    """(amount, dispensable) per dose, as :func:`plexodose._dosing.dispense.dispense` rounds it.

    >>> amount, ok = dispensed(np.array([144.0, 140.0, 37.5, 20.0]), (50.0, 25.0), 25.0, 140.0)
    >>> amount.tolist(), ok.tolist()  # nearest 150 passes 140: down to 125; 37.5 ties down
    ([125.0, 125.0, 25.0, 20.0], [True, True, True, False])
    """
    nearest = np.ceil(calculated / step - 0.5) * step
    down = np.floor(maximum / step * (1 + _EXACT)) * step
    amount = np.where(nearest <= maximum * (1 + _EXACT), nearest, down)
    ok = (calculated >= min(sizes)) & (amount > 0)
    steps = np.where(ok, np.rint(amount / step), 0).astype(np.intp)
    if steps.size:  # the amounts are a few whole multiples of the step: look each up once
        made = np.zeros(int(steps.max()) + 1, dtype=bool)
        for k in np.flatnonzero(np.bincount(steps)):
            made[k] = _dispense.compose(int(k) * step, sizes) is not None
        ok &= made[steps]
    return np.where(ok, amount, calculated), ok


def oral_daily(drug: str, daily: Floats, per_day: Floats, max_per_dose: Floats | float) -> Floats:
    """The daily amount the calculator dispenses for ``daily`` in ``per_day`` doses of ``drug``."""
    product = CATALOGUE.oral(drug)
    if product is None:  # no strengths: the calculator gives the calculated dose
        return daily
    sizes = product.strengths_mg
    amount, _ = dispensed(daily / per_day, sizes, _dispense._quantum(sizes), max_per_dose)
    return amount * per_day


def ivig_daily_g(daily_g: Floats, maximum_g: Floats) -> tuple[Floats, Floats]:
    """(lowest, highest) daily amount (g) the catalogue's products give for ``daily_g``.

    The calculator rounds to 5 g, or to the product's own step where 5 g would move the dose
    more than 10 %, and leaves the dose unrounded where neither stays within 10 %.
    """
    lowest, highest = daily_g.copy(), daily_g.copy()
    for product in _ivig_products():
        sizes = product.vial_sizes_g
        if not sizes:
            continue
        # 5 g first on every row, then the product's step on the rows 5 g does not serve
        amount, ok = _within_tolerance(daily_g, sizes, ROUND_TO_G, maximum_g)
        result = np.where(ok, amount, daily_g)
        pending = np.flatnonzero(~ok)
        amount, ok = _within_tolerance(daily_g[pending], sizes, _dispense._quantum(sizes),
                                       maximum_g[pending])
        result[pending[ok]] = amount[ok]
        lowest, highest = np.minimum(lowest, result), np.maximum(highest, result)
    return lowest, highest


def _within_tolerance(calculated: Floats, sizes: tuple[float, ...], step: float,
                      maximum: Floats) -> tuple[Floats, Bools]:
    """(amount, usable): dispensable and within the rounding tolerance of ``_ivig``."""
    amount, ok = dispensed(calculated, sizes, step, maximum)
    ok &= np.abs(amount - calculated) / calculated <= ROUNDING_TOLERANCE
    return amount, ok


def _ivig_products() -> list[IVIgProduct]:
    found = []
    for name in CATALOGUE.names():
        try:
            found.append(CATALOGUE.ivig(name))
        except InputRangeError:  # an oral product
            continue
    return found
