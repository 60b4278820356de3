"""Dose numbers written the ISMP-safe way.

No trailing zero, always a leading zero, thousands separators, a space before the unit,
"mcg" and "mL" (ISMP error-prone abbreviations list; Joint Commission "do not use" list).
"""

from __future__ import annotations

import math
from typing import ClassVar


def number(value: float, decimals: int = 2) -> str:
    """Format a number with thousands separators and no trailing zero.

    >>> number(1000.0), number(0.5), number(144.0), number(1.8708, 4)
    ('1,000', '0.5', '144', '1.8708')
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot format a non-finite number: {value!r}")
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def against(value: float, *limits: float, decimals: int = 2, most: int = 9) -> str:
    """``value`` as :func:`number` writes it beside ``limits`` it is compared with: with more
    decimals (up to ``most``) where fewer would put it on another side of a limit than the
    value is (equal to it, or across it), so a text never says "500 umol/L is above 500".

    >>> [against(v, 500, decimals=0) for v in (500.4, 499.96, 500.0, 612.3, 500.0004)]
    ['500.4', '499.96', '500', '612', '500.0004']
    >>> against(3.4996, 3.5), against(0.5004, 0.5), against(1.2, 1.5, 2)
    ('3.4996', '0.5004', '1.2')
    """
    if all(abs(value - limit) > 0.5 * 10.0**-decimals for limit in limits):
        return number(value, decimals)  # rounding cannot reach a limit: no check needed
    for places in range(decimals, most + 1):
        text = number(value, places)
        shown = float(text.replace(",", ""))
        if all(_side(shown, limit) == _side(value, limit) for limit in limits):
            return text
    return number(value, most)


class Amount(float):
    """A float a derivation's template writes as :func:`number` does, whatever the template's
    format spec: a calculated amount reads the same in a derivation and in a result ("1,491.64
    mg" in both), and is still formatted only when the step is read.

    >>> "= {:,.5g} mg".format(Amount(1491.6374)), f"{Amount(1400.0)} mg"
    ('= 1,491.64 mg', '1,400 mg')
    >>> "{:+,.3g}".format(Amount(-16.95)), "{:+,.3g}".format(Amount(6.0))  # a sign asked is kept
    ('-16.95', '+6')
    """

    __slots__ = ()
    decimals: ClassVar[int] = 2

    def __format__(self, spec: str) -> str:
        text = number(float(self), self.decimals)
        return "+" + text if "+" in spec and self > 0 else text  # a signed error keeps its sign


BSA_DECIMALS = 4
"""A BSA is written to 4 decimals everywhere (block, derivation, screen), so that
"0.75 g/m2 x 1.8708 m2 = 1,403.12 mg" checks by hand; at 2 decimals (1.87) it would not."""


class Bsa(Amount):
    """A BSA a derivation's template writes as :func:`bsa_m2` writes its number.

    >>> "= {:,.5g} m2".format(Bsa(1.870828693)), f"{Bsa(2.0)} m2"
    ('= 1.8708 m2', '2 m2')
    """

    __slots__ = ()
    decimals = BSA_DECIMALS


def bsa_m2(m2: float) -> str:
    """A body surface area, with its unit.

    >>> bsa_m2(1.870828693), bsa_m2(1.6)
    ('1.8708 m2', '1.6 m2')
    """
    return f"{number(m2, BSA_DECIMALS)} m2"


def weight_kg(kg: float) -> str:
    """A (dosing) weight, written as the derivation's :class:`Amount` writes it.

    >>> weight_kg(93.25559), weight_kg(72.0)
    ('93.26 kg', '72 kg')
    """
    return f"{number(kg)} kg"


def rate_ml_h(ml_per_h: float) -> str:
    """A pump rate, to 0.1 mL/h (the block, the plan's rows and the FHIR text alike).

    >>> rate_ml_h(27.976677), rate_ml_h(345.6)
    ('28 mL/h', '345.6 mL/h')
    """
    return f"{number(ml_per_h, 1)} mL/h"


def volume_ml(ml: float) -> str:
    """An infusion volume, to 0.1 mL.

    >>> volume_ml(300.0), volume_ml(245.2)
    ('300 mL', '245.2 mL')
    """
    return f"{number(ml, 1)} mL"


def _side(value: float, limit: float) -> int:
    return (value > limit) - (value < limit)


def mass_mg(mg: float, decimals: int = 2) -> str:
    """A mass given in mg, written with the unit a prescriber expects.

    >>> mass_mg(0.25), mass_mg(150.0), mass_mg(1500.0)
    ('250 mcg', '150 mg', '1,500 mg')
    """
    if 0 < abs(mg) < 1:
        return f"{number(mg * 1000, decimals)} mcg"
    return f"{number(mg, decimals)} mg"


def mass_g(g: float, decimals: int = 2) -> str:
    """A mass given in g.

    >>> mass_g(28.8), mass_g(145.0)
    ('28.8 g', '145 g')
    """
    return f"{number(g, decimals)} g"


def percent(fraction: float) -> str:
    """A fraction written as a percentage.

    >>> percent(0.75), percent(0.3), percent(0.8333)
    ('75 %', '30 %', '83.3 %')
    """
    return f"{number(fraction * 100, 1)} %"


def signed_percent(fraction: float) -> str:
    """A change written as a signed percentage.

    >>> signed_percent(0.102), signed_percent(-0.2), signed_percent(0.0)
    ('+10.2 %', '-20 %', '0 %')
    """
    text = percent(fraction)
    return f"+{text}" if fraction > 0 and text != "0 %" else text
