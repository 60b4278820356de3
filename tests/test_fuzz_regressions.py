"""Inputs the fuzzer (fuzz/fuzz_parsing.py) found: each must end in a PlexodoseError.

The fuzzer found that a power tower such as ``"9**9**9 kg"`` hung the parser: pint evaluated
it as Python integers, 9**387420489, for minutes and hundreds of MB (any string field: weight,
height, creatinine, age, bsa_cap, WBC). Fixed in the core (6d82ed7: powers are refused before
pint evaluates them). The regression runs in a child process under a CPU-time limit so a
relapse cannot stall the suite; the limit is a guard, not a timing assertion.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from plexodose import Patient, PlexodoseError
from plexodose._core import units as u

resource = pytest.importorskip("resource")  # POSIX: the CPU-time guard of the child process

CPU_SECONDS = 3  # several times the ~0.5 s a refusal takes (mostly the import), far below the hang


def _limit_cpu() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _refused_in_child(code: str) -> subprocess.CompletedProcess[str]:
    program = ("import sys\nfrom plexodose import *\nfrom plexodose._core import units as u\n"
               f"try:\n    {code}\nexcept PlexodoseError as exc:\n"
               "    print(type(exc).__name__, exc.field)\n    sys.exit(0)\nsys.exit(3)\n")
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          preexec_fn=_limit_cpu, check=False)


def test_power_tower_is_refused_not_computed():
    # Also reached through u.to_years('9**9**9 year') and every other quantity field.
    done = _refused_in_child("Patient(weight='9**9**9 kg')")
    assert done.returncode == 0, (done.returncode, done.stderr[-300:])
    assert done.stdout.split()[0] in {"UnitError", "InputRangeError"}


@pytest.mark.parametrize("code", [
    r"Patient(weight='9\x00**99999999999 kg')",
    r"u.to_years('9\x00^\x7f444444444444444444444444444444444')",  # the fuzzer's input
])
def test_power_behind_a_control_character_is_refused_not_computed(code):
    done = _refused_in_child(code)
    assert done.returncode == 0, (done.returncode, done.stderr[-300:])


@pytest.mark.parametrize("code", [
    r"Patient(weight='72 kg', serum_creatinine='0 k**nan*mg/dL - 10')",
    """u.to_float("0k**nan'9.mg/dL-10", 'x', u.CREATININE)""",  # the fuzzer's input
])
def test_nan_unit_power_is_refused_not_looped(code):
    done = _refused_in_child(code)
    assert done.returncode == 0, (done.returncode, done.stderr[-300:])


@pytest.mark.parametrize("text", [
    "9**99 kg",  # a single power with a small exponent: evaluated, then out of range
    "72 kg**1", "1e308**2 kg", "(72) kg", "72 (kg)", "72 kg/kg", "nan", "nan kg", "-inf kg",
    "0x10 kg", "1_000 kg", "72 kg kg", "72e kg", ".e1 kg", "72 \N{MICRO SIGN}g", "\u0660 kg",
])
def test_odd_strings_end_in_plexodose_error_or_a_valid_weight(text):
    try:
        p = Patient(weight=text)
    except PlexodoseError as exc:
        assert exc.field == "weight"
    else:  # anything accepted is a plausible weight
        assert 2 <= p.weight_kg <= 350


@pytest.mark.parametrize("dim", [u.MASS, u.DOSE_MASS, u.LENGTH, u.CREATININE, u.CELL_COUNT,
                                 u.AREA, u.AGE])
@pytest.mark.parametrize("text", ["", " ", "(", ")", "/", "*", "**", "^", "e", "1 /", "/ 1",
                                  "1e", "1 1", "1 (", "1 )", "1 []", "1 {}", "1 ,", "1 kg ,",
                                  "1 % kg", "1 kg**", "1 ** kg", "1 kg^", "\x00", "1 \x00"])
def test_parser_fragments_raise_plexodose_error(dim, text):
    try:
        value = u.to_float(text, "x", dim)
    except PlexodoseError as exc:
        assert exc.field == "x"
    else:
        assert value == value and abs(value) != float("inf")  # finite when accepted
