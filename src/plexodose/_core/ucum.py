"""UCUM unit codes, as FHIR Observations carry them, mapped to pint one by one.

UCUM (the Unified Code for Units of Measure) writes units its own way: ``[lb_av]`` for the
avoirdupois pound, ``10*9/L`` for "x10^9 per litre", ``mm[Hg]``, ``mL/min/{1.73_m2}``. pint
reads none of these. Rather than rewrite UCUM text into pint text by rules (which would read
an unknown code as something else), plexodose keeps an explicit table: each UCUM code it
accepts, the pint unit it means, a scale for the powers of ten UCUM puts in a unit, and the
kind of quantity it is. A code that is not in the table is refused, never guessed.

This is the one table for every input that takes a unit: patient quantities
(``Patient(weight="180 [lb_av]")``), lab values and FHIR Observations.

>>> lookup("[lb_av]").pint, lookup("10*9/L").scale
('pound', 1000000000.0)
>>> parse("180 [lb_av]", "weight", '"72 kg"')
(180.0, 'pound')
>>> parse("72 kg", "weight", '"72 kg"')
(72.0, 'kilogram')
>>> parse("180 [lb_i]", "weight", '"72 kg"')
Traceback (most recent call last):
...
plexodose.UnitError: weight: the UCUM unit '[lb_i]' in '180 [lb_i]' is not one plexodose reads (it reads [lb_av], [oz_av], [stone_av], g, kg, mg, ug for mass); type it as "72 kg"
"""

from __future__ import annotations

import re
from typing import Literal

import attrs

from plexodose._core.errors import UnitError, safe_repr

UCUM_SYSTEM = "http://unitsofmeasure.org"

Kind = Literal[
    "mass",
    "length",
    "area",
    "time",
    "volume",
    "mass concentration",
    "substance concentration",
    "cell count per volume",
    "enzyme activity per volume",
    "pressure",
    "flow",
    "eGFR",
]


@attrs.frozen
class UcumUnit:
    """One UCUM code: the pint unit it means, times ``scale``, and its kind of quantity."""

    code: str
    pint: str
    kind: Kind
    scale: float = 1.0
    note: str = ""


_ENTRIES = (
    # mass (1 [lb_av] = 0.45359237 kg, the international avoirdupois pound: pint's "pound")
    UcumUnit("kg", "kilogram", "mass"),
    UcumUnit("g", "gram", "mass"),
    UcumUnit("mg", "milligram", "mass"),
    UcumUnit("ug", "microgram", "mass"),
    UcumUnit("[lb_av]", "pound", "mass"),
    UcumUnit("[oz_av]", "ounce", "mass"),
    UcumUnit("[stone_av]", "stone", "mass"),
    # length (1 [in_i] = 2.54 cm, 1 [ft_i] = 12 [in_i]: pint's "inch" and "foot")
    UcumUnit("m", "meter", "length"),
    UcumUnit("cm", "centimeter", "length"),
    UcumUnit("mm", "millimeter", "length"),
    UcumUnit("[in_i]", "inch", "length"),
    UcumUnit("[ft_i]", "foot", "length"),
    UcumUnit("m2", "meter ** 2", "area"),
    UcumUnit("cm2", "centimeter ** 2", "area"),
    # time (UCUM's a is the Julian year, 365.25 d, and mo a twelfth of it: as pint's)
    UcumUnit("a", "year", "time"),
    UcumUnit("mo", "month", "time"),
    UcumUnit("wk", "week", "time"),
    UcumUnit("d", "day", "time"),
    UcumUnit("h", "hour", "time"),
    UcumUnit("min", "minute", "time"),
    UcumUnit("L", "liter", "volume"),
    UcumUnit("mL", "milliliter", "volume"),
    UcumUnit("fL", "femtoliter", "volume"),
    # lab concentrations
    UcumUnit("mg/dL", "milligram / deciliter", "mass concentration"),
    UcumUnit("mg/L", "milligram / liter", "mass concentration"),
    UcumUnit("g/dL", "gram / deciliter", "mass concentration"),
    UcumUnit("g/L", "gram / liter", "mass concentration"),
    UcumUnit("umol/L", "micromole / liter", "substance concentration"),
    UcumUnit("mmol/L", "millimole / liter", "substance concentration"),
    # counts: UCUM writes the power of ten into the unit (10*9/L is "x10^9 per litre")
    UcumUnit("10*9/L", "1 / liter", "cell count per volume", 1e9),
    UcumUnit("10*12/L", "1 / liter", "cell count per volume", 1e12),
    UcumUnit("10*3/uL", "1 / microliter", "cell count per volume", 1e3),
    UcumUnit("/uL", "1 / microliter", "cell count per volume"),
    UcumUnit("/mm3", "1 / millimeter ** 3", "cell count per volume"),
    UcumUnit("/L", "1 / liter", "cell count per volume"),
    # enzymes: UCUM's U is the enzyme unit (umol/min); labs report ALT/AST in IU/L as U/L
    UcumUnit("U/L", "enzyme_unit / liter", "enzyme activity per volume"),
    UcumUnit(
        "[IU]/L",
        "enzyme_unit / liter",
        "enzyme activity per volume",
        note="an international unit of an enzyme's activity is its U (as labs report ALT and AST)",
    ),
    UcumUnit("mm[Hg]", "millimeter_Hg", "pressure"),
    UcumUnit("mL/min", "milliliter / minute", "flow"),
    UcumUnit("mL/h", "milliliter / hour", "flow"),
    # eGFR is per 1.73 m2 of body surface: a unit of its own, never plain mL/min
    UcumUnit("mL/min/{1.73_m2}", "milliliter / minute / standard_body_surface", "eGFR"),
)

TABLE: dict[str, UcumUnit] = {entry.code: entry for entry in _ENTRIES}
"""UCUM code (case-sensitive, as UCUM is) -> what plexodose reads it as."""

MONOVALENT_EQUIVALENTS = {"meq/L": "mmol/L"}
"""For a monovalent ion only (potassium): 1 meq is 1 mmol. Not in :data:`TABLE`, because for
anything else an equivalent is not a millimole; a potassium reader may use it."""

# Text only UCUM writes; a unit containing any of it must be a table entry, never pint's guess.
_UCUM_MARK = re.compile(r"[\[\]{}]|10\*")
_NUMBER = r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf(?:inity)?)"
_QUANTITY = re.compile(rf"\s*({_NUMBER})\s*(\S+)\s*", re.IGNORECASE | re.ASCII)
_NUMBER_ONLY = re.compile(_NUMBER, re.IGNORECASE | re.ASCII)
MAX_TEXT_LENGTH = 100


def lookup(code: str) -> UcumUnit | None:
    """The table entry for the UCUM ``code`` (exact, case-sensitive), or None."""
    return TABLE.get(code)


def to_pint(code: str) -> str | None:
    """The pint expression a UCUM code means (without its scale), or None if not in the table.

    >>> to_pint("[in_i]"), to_pint("mm[Hg]"), to_pint("[in_us]")
    ('inch', 'millimeter_Hg', None)
    """
    entry = TABLE.get(code)
    return None if entry is None else entry.pint


def is_ucum_only(unit_text: str) -> bool:
    """Whether ``unit_text`` uses notation only UCUM has (brackets, braces, ``10*``)."""
    return _UCUM_MARK.search(unit_text) is not None


def codes_of(kind: Kind) -> tuple[str, ...]:
    """The UCUM codes of one kind of quantity, sorted.

    >>> codes_of("length")
    ('[ft_i]', '[in_i]', 'cm', 'm', 'mm')
    """
    return tuple(sorted(e.code for e in _ENTRIES if e.kind == kind))


def parse(text: str, field: str, example: str) -> tuple[float, str] | None:
    """``"number code"`` with a UCUM code of the table: (number x scale, pint unit).

    None when the text is not "number code" with a table code and uses no UCUM-only notation
    (so the caller reads it as a plain unit); a UnitError naming the UCUM expression when it
    uses UCUM notation that is not in the table.
    """
    if len(text) > MAX_TEXT_LENGTH or not text.isascii():
        return None  # UCUM codes are ASCII (and str.split() would split at a no-break space)
    parts = text.split()
    if len(parts) == 2 and parts[1] in TABLE and _NUMBER_ONLY.fullmatch(parts[0]):
        entry = TABLE[parts[1]]  # the common case: "180 [lb_av]", "72 kg"
        return float(parts[0]) * entry.scale, entry.pint
    if not is_ucum_only(text) and not (len(parts) == 1 and parts[0] in TABLE):
        return None  # plain unit words: the caller reads them
    match = _QUANTITY.fullmatch(text)
    if match is not None:
        number_text, code = match.groups()
        found = TABLE.get(code)
        if found is not None:  # no space between number and code: "180[lb_av]"
            return float(number_text) * found.scale, found.pint
    else:
        code = text.strip()
        if code in TABLE:
            raise UnitError(
                f"{field} must be a number followed by a unit, such as {example}; got {safe_repr(text)}",
                field=field,
                value=text,
            )
    raise refused(code, text, field, example)


def refused(code: str, text: str, field: str, example: str, kind: Kind | None = None) -> UnitError:
    """The error for a UCUM code plexodose does not read, listing the codes it does."""
    known = f" (it reads {', '.join(codes_of(kind))} for {kind})" if kind is not None else ""
    if kind is None:
        entry_kinds = {e.kind for e in _ENTRIES if e.code.lower() == code.lower()}
        if len(entry_kinds) == 1:
            kind = entry_kinds.pop()
            known = f" (it reads {', '.join(codes_of(kind))} for {kind}; UCUM is case-sensitive)"
        elif "lb" in code or "oz" in code or "stone" in code:
            known = f" (it reads {', '.join(codes_of('mass'))} for mass)"
        elif code.startswith(("[in_", "[ft_")):
            known = f" (it reads {', '.join(codes_of('length'))} for length)"
    return UnitError(
        f"{field}: the UCUM unit {code!r} in {safe_repr(text)} is not one plexodose reads{known}; "
        f"type it as {example}",
        field=field,
        value=text,
    )
