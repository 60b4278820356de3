"""Coverage-guided fuzzing of plexodose's parsing entry points (atheris).

Every input must either parse to a finite float / a valid Patient or raise a PlexodoseError;
anything else (a TypeError, a pint internal error, a RecursionError) is a finding. See
fuzz/README.md for the command.
"""

from __future__ import annotations

import math
import re
import sys

import atheris

with atheris.instrument_imports():
    import plexodose
    from plexodose._core import units as u
    from plexodose._core.errors import PlexodoseError

DIMENSIONS = (u.MASS, u.DOSE_MASS, u.LENGTH, u.CREATININE, u.CELL_COUNT, u.AREA, u.AGE)
PATIENT_FIELDS = ("weight", "height", "sex", "age", "serum_creatinine", "tpmt", "nudt15",
                  "baseline_creatinine", "minor_override")


# Findings, all fixed and kept in tests/core/test_units.py: a power tower ("9**9**9 kg"),
# a huge power behind a control character ("9\x00**99999999999 kg") and a NaN unit power in an
# expression ("0 k**nan*mg/dL - 10") made pint compute or search for minutes; plexodose now
# hands pint only "number unit" text. Strings are fuzzed unfiltered.
_POWER = re.compile(r"\*\*|\^")
_HUGE_POWER = re.compile(r"(\*\*|\^)\W*(\d{4,}|nan|inf)", re.IGNORECASE)


class _Skip(Exception):
    pass


def _text(fdp: atheris.FuzzedDataProvider) -> str:
    return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))


def _quantity(fdp: atheris.FuzzedDataProvider) -> object:
    # A pint Quantity from a fuzzed magnitude and a unit string pint accepts. pint's own
    # constructor hangs on a power tower in the unit ("kg**9**9**9"): that is before plexodose
    # sees the value, so such units are always skipped here.
    magnitude = fdp.ConsumeRegularFloat() if fdp.ConsumeBool() else fdp.ConsumeFloat()
    unit = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
    if len(_POWER.findall(unit)) > 1 or _HUGE_POWER.search(unit):
        raise _Skip
    try:
        return plexodose.ureg.Quantity(magnitude, unit)
    except Exception:  # pint refusing a unit is pint's business, not plexodose's
        return magnitude


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    mode = fdp.ConsumeIntInRange(0, 3)
    try:
        if mode == 0:
            dim = DIMENSIONS[fdp.ConsumeIntInRange(0, len(DIMENSIONS) - 1)]
            value = u.to_float(_text(fdp), "x", dim)
            assert math.isfinite(value), value
        elif mode == 1:
            dim = DIMENSIONS[fdp.ConsumeIntInRange(0, len(DIMENSIONS) - 1)]
            value = u.to_float(_quantity(fdp), "x", dim)
            assert math.isfinite(value), value
        elif mode == 2:
            u.to_years(_text(fdp))
        else:
            fields = {name: _text(fdp) for name in PATIENT_FIELDS if fdp.ConsumeBool()}
            fields.setdefault("weight", _text(fdp))
            if "age" in fields and fdp.ConsumeBool():
                fields["age"] = fdp.ConsumeRegularFloat()  # age is a plain number of years
            plexodose.Patient(**fields)
    except (PlexodoseError, _Skip):
        pass


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
