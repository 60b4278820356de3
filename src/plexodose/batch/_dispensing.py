"""What the calculators dispense for a calculated dose: :mod:`plexodose._dosing.dispense` on arrays.

An order is made of whole tablets, so the audit accepts the amount the calculator
itself dispenses for each end of the protocol range: the nearest multiple of the step (a tie
goes down), rounded down instead where the nearest would pass a maximum, and the calculated
dose itself where it cannot be dispensed (below the smallest strength, or not made of the
sizes). Nothing here goes above a maximum, so a hard cap is never widened.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from plexodose._dosing import dispense as _dispense
from plexodose._dosing.products import CATALOGUE

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
