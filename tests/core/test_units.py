"""Units at the boundary: strings, quantities of any registry, and every refusal."""

from __future__ import annotations

import contextlib
import gc
import math
import random
import subprocess
import sys
import tracemalloc

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose as px
from plexodose import Q_, InputRangeError, Patient, PlexodoseError, UnitError, ureg
from plexodose._core import units as u
from plexodose._patient import patient as _patient
from plexodose.cli import main

_PREFIXES = ["", "k", "m", "u", "n", "p", "c", "d", "M", "G", "T", "da", "h", "f", "a", "z", "y"]
_WORDS = ["g", "gram", "grams", "lb", "pound", "pounds", "oz", "stone", "ton", "tonne", "t"]


def _spellings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:  # accepted: prefixed mass words, with ratios that cancel
            out.append(f"{rng.uniform(1, 99):.3f} {rng.choice(_PREFIXES)}{rng.choice(_WORDS)}")
        elif kind == 1:
            out.append(f"72 kg*{rng.choice(_PREFIXES)}m/{rng.choice(_PREFIXES)}m")
        elif kind == 2:  # refused: made-up words
            out.append(f"72 {''.join(rng.choices('qwxzjv', k=rng.randint(3, 9)))}")
        else:  # refused: wrong dimension
            out.append(f"72 {rng.choice(_PREFIXES)}{rng.choice(['m', 'L', 's', 'mol'])}")
    return out


def _read_all(texts: list[str]) -> None:
    for text in texts:
        with contextlib.suppress(PlexodoseError):
            u.to_float(text, "weight", u.MASS)


CPU_SECONDS = 3  # several times the ~0.5 s a refusal takes (mostly the import), far below the hang


def _limit_cpu() -> None:
    import resource  # POSIX only: _refused_in_child skips first elsewhere

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _refused_in_child(code: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("resource")  # POSIX: the CPU-time guard of the child process
    program = ("import sys\nfrom plexodose import *\nfrom plexodose._core import units as u\n"
               f"try:\n    {code}\nexcept PlexodoseError as exc:\n"
               "    print(type(exc).__name__, exc.field)\n    sys.exit(0)\nsys.exit(3)\n")
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          preexec_fn=_limit_cpu, check=False)


WORDS = ["kg", "g", "lb", "pound", "kilogram", "[lb_av]", "[oz_av]", "stone", "mg", "cm", "m",
         "mg/dL", "umol/L", "kgg", "[lb_i]", "foo"]
NUMBERS = st.one_of(st.floats(0.001, 1e6), st.integers(0, 10**6)).map(str) | st.sampled_from(
    ["72", "72.", ".5", "1e2", "+3", "-4", "nan", "inf", "1e999"])


def _reading(text: str) -> float | str:
    _patient._readings.clear()  # read by the unit door each time, not the Patient's memo
    try:
        return px.Patient(weight=text).weight_kg
    except PlexodoseError as exc:
        return f"{type(exc).__name__}: {exc}"


def _fresh(code: str, **env: str) -> str:
    import os

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("text", "dim", "expected"),
    [
        ("72 kg", u.MASS, 72.0),
        ("72000 g", u.MASS, 72.0),
        ("158 lb", u.MASS, 158 * 0.45359237),  # avoirdupois pound
        ("5.9 ft", u.LENGTH, 5.9 * 30.48),  # 179.832 cm
        ("69 in", u.LENGTH, 69 * 2.54),
        ("1.75 m", u.LENGTH, 175.0),
        ("0.9 mg/dL", u.CREATININE, 0.9),
        ("80 umol/L", u.CREATININE, 80 * 113.12 / 10_000),  # umol/L x g/mol -> mg/dL
        ("88.4 µmol/L", u.CREATININE, 88.4 * 113.12 / 10_000),  # ~1 mg/dL
        ("3500 /uL", u.CELL_COUNT, 3500.0),
        ("3.5e9 /L", u.CELL_COUNT, 3500.0),  # 3.5e9 per 1e6 uL
        ("2 m**2", u.AREA, 2.0),
    ],
)
def test_strings_convert_to_the_canonical_unit(
    text: str, dim: u.Dimension, expected: float
) -> None:
    assert u.to_float(text, "field", dim) == pytest.approx(expected, rel=1e-12)


def test_quantities_of_this_and_another_registry_convert() -> None:
    other = pint.UnitRegistry()
    assert u.to_float(Q_(158, "lb"), "weight", u.MASS) == pytest.approx(71.66759446)
    assert u.to_float(other.Quantity(158, "lb"), "weight", u.MASS) == pytest.approx(71.66759446)
    assert u.to_float(other.Quantity(80, "umol/L"), "c", u.CREATININE) == pytest.approx(0.90496)


@given(
    st.floats(min_value=0.001, max_value=1e6, allow_nan=False),
    st.sampled_from(["kg", "g", "lb", "mg", "oz"]),
)
def test_string_path_agrees_with_pint(value: float, unit: str) -> None:
    text = f"{value!r} {unit}"
    expected = ureg.Quantity(value, unit).to("kg").magnitude
    assert u.to_float(text, "weight", u.MASS) == pytest.approx(expected, rel=1e-12)
    # and pint's own parser reads the same string to the same number
    assert ureg.Quantity(text).to("kg").magnitude == pytest.approx(expected, rel=1e-12)


def test_bare_number_says_what_to_type() -> None:
    with pytest.raises(UnitError, match=r'weight needs a unit: type "72 kg"') as info:
        u.to_float(72, "weight", u.MASS)
    assert info.value.field == "weight"
    assert info.value.value == 72


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("72 s", UnitError, r"weight must be a mass .*\[time\]"),
        ("kg", UnitError, "must be a number followed by a unit"),
        ("", UnitError, "must be a number followed by a unit"),
        ("72 foo", UnitError, "cannot read"),
        ("nan kg", InputRangeError, "finite"),
        ("inf kg", InputRangeError, "finite"),
        ("1e400 kg", InputRangeError, "finite"),
        ("2**10000 kg", UnitError, "number followed by a unit"),  # never handed to pint
        (True, UnitError, "got bool"),
        ([72], UnitError, "got list"),
        (None, UnitError, "got NoneType"),
        (Q_(1j, "kg"), UnitError, "single real"),
        (Q_([1.0, 2.0], "kg"), UnitError, "single real"),
        ("72 kg + 1 s", UnitError, "number followed by a unit"),  # no arithmetic
    ],
)
def test_refusals_name_the_field(value: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as info:
        u.to_float(value, "weight", u.MASS)
    assert "weight" in str(info.value)


def test_result_quantities_behave_like_pint_quantities() -> None:
    made = u.quantity(28.8, "g/day")
    assert made == Q_(28.8, "g/day")
    assert (made + Q_(1.2, "g/day")).m_as("g/day") == pytest.approx(30.0)
    assert made.to("mg/day").magnitude == pytest.approx(28_800)


def test_age_is_a_plain_number_or_a_time() -> None:
    assert u.to_years(60) == 60.0
    assert u.to_years("720 month") == pytest.approx(60.0)  # 720 / 12
    with pytest.raises(UnitError, match="age"):
        u.to_years("60 kg")


def test_plain_number_parameters_refuse_strings_and_non_finite() -> None:
    assert u.plain_number(2, "mg_per_kg_day") == 2.0
    for bad in ("2", None, float("nan"), math.inf, True, 1j):
        with pytest.raises(InputRangeError, match="mg_per_kg_day"):
            u.plain_number(bad, "mg_per_kg_day")


def test_quantity_from_a_registry_with_a_pretty_default_format() -> None:
    other = pint.UnitRegistry()
    other.formatter.default_format = "~P"  # str(units) would be "kg/m²"-style there
    assert u.to_float(other.Quantity(80, "umol/L"), "c", u.CREATININE) == pytest.approx(0.90496)


def test_common_words_give_the_full_reading_s_figure() -> None:
    """Each word the table reads without pint gives exactly what pint's full reading gives."""
    import pint

    from plexodose._core import units as u

    dims = {d.canonical: d for d in (u.MASS, u.DOSE_MASS, u.LENGTH, u.CREATININE, u.CELL_COUNT,
                                     u.AREA)}
    full = pint.UnitRegistry()  # a registry of its own: the table is never used with it
    saved = pint.get_application_registry().get()
    try:
        pint.set_application_registry(full)
        for (canonical, word), factor in u.COMMON_WORDS.items():
            for number in ("1", "7.3", "158", "0.004"):
                read = u.to_float(f"{number} {word}", "x", dims[canonical])
                assert read == float(number) * factor, (word, number, read)
    finally:
        pint.set_application_registry(saved)


def test_the_table_is_used_only_with_pint_s_own_definitions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A planted wrong factor shows which path reads the text: the table while pint's default
    definitions are in force, the host's registry once the host has set one."""
    import pint

    from plexodose._core import units as u

    monkeypatch.setitem(u.COMMON_WORDS, ("kg", "kilograms"), 2.0)  # wrong on purpose
    host = pint.UnitRegistry()
    saved = pint.get_application_registry().get()
    try:
        pint.set_application_registry(host)
        assert Patient(weight="72 kilograms").weight_kg == 72.0  # read by the host's registry
    finally:
        pint.set_application_registry(saved)
    # a fresh process, pint's defaults in force: the table reads it (and so shows the plant)
    import subprocess
    import sys

    code = ("from plexodose._core import units as u; from plexodose import Patient; "
            "u.COMMON_WORDS[('kg', 'kilograms')] = 2.0; "
            "print(Patient(weight='72 kilograms').weight_kg, u._defaults_in_force())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.stdout.split() == ["144.0", "True"], done.stderr


def test_a_dose_from_plain_text_needs_no_pint() -> None:
    import subprocess
    import sys

    code = ("import sys; from plexodose.cli import main; "
            "main(['dose', 'azathioprine', '--weight', '158 lb', '--height', '5.9 ft', '--sex', "
            "'male', '--age', '60', '--creatinine', '80 umol/L']); "
            "print('pint' in sys.modules); "
            "import plexodose; print(plexodose.azathioprine(plexodose.Patient.example()).daily_dose)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[-2] == "False"  # the whole command ran without importing pint
    assert lines[-1] == "144.0 milligram / day"  # and a Quantity loads it when read (2 x 72)


def test_class_10_caches_are_bounded_and_pint_does_not_grow() -> None:
    """Never silently wrong, class 10 (unbounded memory): the unit caches are bounded, and pint's
    units and parse cache do not grow, whatever callers type."""
    reg = u.registry()
    _read_all(_spellings(4000, seed=1))  # warm every vocabulary word once
    pint_sizes = (len(reg._units), len(reg._cache.parse_unit))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _read_all(_spellings(30000, seed=2))  # 30,000 spellings, most never seen
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(u._factors) <= u.FACTOR_CACHE_SIZE and len(u._words) <= u.FACTOR_CACHE_SIZE
    # no prefixed spelling became a new pint unit, and pint's parse cache took no caller text
    assert (len(reg._units), len(reg._cache.parse_unit)) == pint_sizes
    assert grown < 1_000_000, grown  # bytes, whatever the variety (the caches are full by now)


def test_class_10_a_bounded_cache_forgets_its_oldest_first() -> None:
    """Never silently wrong, class 10 (unbounded memory): a bounded cache forgets its oldest entry
    first."""
    cache = u.BoundedCache(16)
    for n in range(100):
        cache.put(n, str(n))
        assert len(cache) <= 16
    assert cache.get(99) == "99" and cache.get(0) is None  # the newest kept, the oldest gone


def test_class_11_another_registry_s_unit_is_read_in_that_registry() -> None:
    """Never silently wrong, class 11 (escapes that were not a PlexodoseError): a unit of another
    registry is read in that registry."""
    other = pint.UnitRegistry()
    other.define("smoot = 170.18 cm")  # a unit the application registry does not have
    p = Patient(weight=other.Quantity(72, "kg"), height=other.Quantity(1, "smoot"))
    assert p.height_cm == pytest.approx(170.18)


def test_class_11_grain_is_refused_in_every_spelling() -> None:
    """Never silently wrong, class 11 (escapes that were not a PlexodoseError): grain ('gr', misread
    as gram) is refused in every spelling."""
    for text in ("72 gr", "1100 kgr", "5 grain", "72 mgr"):
        with pytest.raises(UnitError, match="apothecary"):
            Patient(weight=text)


@pytest.mark.parametrize("text", [
    "1 \u039cg",  # Greek capital Mu, not "u" or "m"
    "72 \u212ag",  # the Kelvin sign, not "k"
    "72 \u039ckg",
    "\u0667\u0662 kg",  # Arabic-Indic digits
    "\uff17\uff12 kg",  # full-width digits
    "72 m**\u0662",
])
def test_class_11_look_alike_letters_and_digits_are_refused(text: str) -> None:
    """Never silently wrong, class 11 (escapes that were not a PlexodoseError), found by the second
    reading: look-alike letters and non-ASCII digits in a quantity are refused."""
    with pytest.raises(UnitError):
        Patient(weight=text)


@pytest.mark.parametrize("text", [
    "72 kg*Ym**13/m**13",  # overflows a float: was an OverflowError
    "72 kg*ym**13*nm*mm*Ym**12*Ym*Gm*hm*dam/m**31",  # through subnormals: was 71.86 kg
    "72 kg*m*m*m*m*m*m*m*m/m**8",  # more unit words than any unit has
])
def test_class_11_units_out_of_any_scale_are_refused(text: str) -> None:
    """Never silently wrong, class 11 (escapes that were not a PlexodoseError), found by the second
    reading: units out of any scale are refused (one was an OverflowError, one went through
    subnormals to 71.86 kg); the command line exits 3."""
    with pytest.raises(UnitError):
        Patient(weight=text)
    with pytest.raises(UnitError):
        Patient(weight=Q_(72, "kg") * ureg.Ym**13 / ureg.m**13)
    assert main(["dose", "ivig", "--weight", text]) == 3  # a refusal, never an internal error


def test_power_tower_is_refused_not_computed():
    """Fuzzer finding (fuzz/fuzz_parsing.py), fixed in the core (6d82ed7): a power tower such as
    "9**9**9 kg" hung the parser, pint evaluating it as Python integers (9**387420489) for
    minutes and hundreds of MB; powers are now refused before pint evaluates them. Also reached
    through u.to_years('9**9**9 year') and every other quantity field. It runs in a child process
    under a CPU-time limit so that a relapse cannot stall the suite; the limit is a guard, not a
    timing assertion."""
    done = _refused_in_child("Patient(weight='9**9**9 kg')")
    assert done.returncode == 0, (done.returncode, done.stderr[-300:])
    assert done.stdout.split()[0] in {"UnitError", "InputRangeError"}


@pytest.mark.parametrize("code", [
    r"Patient(weight='9\x00**99999999999 kg')",
    r"u.to_years('9\x00^\x7f444444444444444444444444444444444')",  # the fuzzer's input
])
def test_power_behind_a_control_character_is_refused_not_computed(code):
    """Fuzzer finding (fuzz/fuzz_parsing.py), fixed in the core (6d82ed7): a power behind a control
    character is refused, not computed (the fuzzer's own input among the cases); in a child
    process under a CPU-time limit."""
    done = _refused_in_child(code)
    assert done.returncode == 0, (done.returncode, done.stderr[-300:])


@pytest.mark.parametrize("code", [
    r"Patient(weight='72 kg', serum_creatinine='0 k**nan*mg/dL - 10')",
    """u.to_float("0k**nan'9.mg/dL-10", 'x', u.CREATININE)""",  # the fuzzer's input
])
def test_nan_unit_power_is_refused_not_looped(code):
    """Fuzzer finding (fuzz/fuzz_parsing.py), fixed in the core (6d82ed7): a NaN power of a unit is
    refused, not looped over (the fuzzer's own input among the cases); in a child process under a
    CPU-time limit."""
    done = _refused_in_child(code)
    assert done.returncode == 0, (done.returncode, done.stderr[-300:])


@pytest.mark.parametrize("text", [
    "9**99 kg",  # a single power with a small exponent: evaluated, then out of range
    "72 kg**1", "1e308**2 kg", "(72) kg", "72 (kg)", "72 kg/kg", "nan", "nan kg", "-inf kg",
    "0x10 kg", "1_000 kg", "72 kg kg", "72e kg", ".e1 kg", "72 \N{MICRO SIGN}g", "\u0660 kg",
])
def test_odd_strings_end_in_plexodose_error_or_a_valid_weight(text):
    """Fuzzer finding (fuzz/fuzz_parsing.py), fixed in the core (6d82ed7): odd weight strings end in
    a PlexodoseError naming the field, or in a plausible weight."""
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
    """Fuzzer finding (fuzz/fuzz_parsing.py), fixed in the core (6d82ed7): fragments of the unit
    grammar, in every dimension, end in a PlexodoseError naming the field, or in a finite value."""
    try:
        value = u.to_float(text, "x", dim)
    except PlexodoseError as exc:
        assert exc.field == "x"
    else:
        assert value == value and abs(value) != float("inf")  # finite when accepted


@given(number=NUMBERS, word=st.sampled_from(WORDS), space=st.sampled_from([" ", "  ", "\t"]))
def test_the_memo_of_a_unit_word_gives_the_full_readings_figure(number: str, word: str,
                                                               space: str) -> None:
    """Fast path (issue 10: lean, not fewer checks): the memo of a unit word gives exactly the full
    reading's figure."""
    text = f"{number}{space}{word}"
    u._simple.clear()
    full = _reading(text)  # the full reading (UCUM table or the unit grammar), which fills the memo
    memo = _reading(text)  # the memo of the word, when the full reading accepted it
    assert memo == full
    assert _reading(f"{number} {word}") == _reading(f"{number} {word}")


def test_the_memo_is_bounded() -> None:
    """Fast path (issue 10: lean, not fewer checks): the memo of unit words is bounded; refused
    words never enter it."""
    for n in range(u.FACTOR_CACHE_SIZE + 50):
        _reading(f"{n} k{n}g")  # refused words never enter it
    assert len(u._simple) <= u.FACTOR_CACHE_SIZE


def test_the_registry_cache_is_given_to_pints_untouched_default_only() -> None:
    """Fast path (issue 10: lean, not fewer checks): the registry cache is given to pint's untouched
    default registry only: never to a host's registry, and not when it is switched off."""
    report = (
        "import pint, plexodose as px; px.ivig(px.Patient.example()).daily_dose; "
        "reg = pint.get_application_registry().get(); print(reg.cache_folder is not None)"
    )
    assert _fresh(report) == "True"
    assert _fresh(report, PLEXODOSE_PINT_CACHE="off") == "False"
    host = (
        "import pint; mine = pint.UnitRegistry(); pint.set_application_registry(mine); "
        "import plexodose as px; q = px.ivig(px.Patient.example()).daily_dose; "
        "print(pint.get_application_registry().get() is mine, q._REGISTRY is mine, "
        "mine.cache_folder)"
    )
    assert _fresh(host) == "True True None"


def test_a_spoilt_registry_cache_falls_back_to_pints_own_build(tmp_path: object) -> None:
    """Fast path (issue 10: lean, not fewer checks): a spoilt registry cache falls back to pint's
    own build. Reading a Quantity builds pint's registry (plain text in common units does not
    need it)."""
    dose = "import plexodose as px; print(px.ivig(px.Patient.example()).daily_dose.magnitude)"
    assert _fresh(dose, XDG_CACHE_HOME=str(tmp_path)) == "28.8"  # 0.4 g/kg/day x 72 kg
    files = [f for f in tmp_path.rglob("*") if f.is_file()]  # type: ignore[attr-defined]
    assert files  # the cache was written where the host's cache folder is
    for f in files:
        f.write_bytes(b"not a pickle")  # a crash mid-write, or another process's half file
    assert _fresh(dose, XDG_CACHE_HOME=str(tmp_path)) == "28.8"


@pytest.mark.parametrize("space", ["\xa0", "\u2003", "\u2009"])
def test_a_non_ascii_space_is_refused_whatever_was_read_before(space: str) -> None:
    """Fast path (issue 10: lean, not fewer checks): a non-ASCII space is refused whatever was read
    before. The full reading is ASCII only; the quick paths split with str.split(), which also
    splits at these, so 72 kg with a no-break space was read as 72 kg, and 72 stone with one only
    once the memo of "stone" was filled by "1 stone"."""
    for unit in ("kg", "stone", "[lb_av]"):
        px.Patient(weight=f"10 {unit}")  # fill every memo of the word first
        for text in (f"72{space}{unit}", f"{space}72 {unit}", f"72 {unit}{space}"):
            with pytest.raises(PlexodoseError, match="must be a number followed by a unit"):
                px.Patient(weight=text)
