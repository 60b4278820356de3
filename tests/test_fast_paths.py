"""The hot path's short cuts give exactly what the full path gives (issue 10: lean, not fewer
checks). No timing here: speed lives in benchmarks/."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose as px
from plexodose._core import units as u
from plexodose._core.errors import PlexodoseError
from plexodose._dosing.trace import Trace, unique_sources
from plexodose._patient import patient as _patient

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


@given(number=NUMBERS, word=st.sampled_from(WORDS), space=st.sampled_from([" ", "  ", "\t"]))
def test_the_memo_of_a_unit_word_gives_the_full_readings_figure(number: str, word: str,
                                                               space: str) -> None:
    text = f"{number}{space}{word}"
    u._simple.clear()
    full = _reading(text)  # the full reading (UCUM table or the unit grammar), which fills the memo
    memo = _reading(text)  # the memo of the word, when the full reading accepted it
    assert memo == full
    assert _reading(f"{number} {word}") == _reading(f"{number} {word}")


def test_the_memo_is_bounded() -> None:
    for n in range(u.FACTOR_CACHE_SIZE + 50):
        _reading(f"{n} k{n}g")  # refused words never enter it
    assert len(u._simple) <= u.FACTOR_CACHE_SIZE


@given(number=NUMBERS, word=st.sampled_from(WORDS), field=st.sampled_from(
    ["weight", "height", "serum_creatinine", "baseline_creatinine"]))
def test_a_spelling_read_again_gives_the_first_readings_figure_or_refusal(
    number: str, word: str, field: str
) -> None:
    """The Patient's memo of spellings: the same value, or the same refusal naming its field,
    however often a spelling comes, whichever field read it first."""
    text = f"{number} {word}"
    _patient._readings.clear()
    first = _made(field, text)
    for other in ("weight", "height", "serum_creatinine", field):
        _made(other, text)
    assert _made(field, text) == first


def _made(field: str, text: str) -> float | str:
    try:
        made = px.Patient(weight="72 kg", **{field: text}) if field != "weight" else px.Patient(
            weight=text)
    except PlexodoseError as exc:
        return f"{type(exc).__name__}: {exc} ({exc.field})"
    return {"weight": made.weight_kg, "height": made.height_cm,
            "serum_creatinine": made.creatinine_mg_dl,
            "baseline_creatinine": made.baseline_creatinine_mg_dl}[field]


def test_the_memo_of_spellings_is_per_registry() -> None:
    """A spelling read under one registry is read again under another: a host's definitions
    give their own figure, never one remembered from a registry no longer in force."""
    import pint

    saved = pint.get_application_registry().get()
    figures = []
    try:
        for kg in (2, 3):
            host = pint.UnitRegistry()
            host.define(f"sack = {kg} kg")
            pint.set_application_registry(host)
            figures.append(px.Patient(weight="10 sack").weight_kg)
    finally:
        pint.set_application_registry(saved)
    assert figures == [20.0, 30.0]
    with pytest.raises(PlexodoseError, match="sack"):  # pint's defaults have no sack
        px.Patient(weight="10 sack")


def test_trace_sources_once_each_in_first_cited_order_without_none() -> None:
    a, b, c = px.Source("gap", "a", "a"), px.Source("gap", "b", "b"), px.Source("gap", "c", "c")
    trace = Trace(a)
    trace.cite(b)
    trace.cite(None)
    trace.step("x {}", 1, source=a)
    trace.warn("w", c)
    trace.cite(b)
    assert unique_sources(trace.cited) == (a, b, c)
    assert trace.record(None)[0] == (("x {}", (1,)),)


def test_a_result_cites_each_source_once() -> None:
    for result in (px.azathioprine(px.Patient.example()), px.ivig(px.Patient.example()),
                   px.cyclosporin(px.Patient.example()), px.mycophenolate(px.Patient.example()),
                   px.cyclophosphamide_iv(px.Patient.example())):
        assert len(set(map(id, result.sources))) == len(result.sources)
        assert None not in result.sources


def _fresh(code: str, **env: str) -> str:
    import os

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, check=True)
    return done.stdout.strip()


def test_the_registry_cache_is_given_to_pints_untouched_default_only() -> None:
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
    # reading a Quantity builds pint's registry (plain text in common units does not need it)
    dose = "import plexodose as px; print(px.ivig(px.Patient.example()).daily_dose.magnitude)"
    assert _fresh(dose, XDG_CACHE_HOME=str(tmp_path)) == "28.8"  # 0.4 g/kg/day x 72 kg
    files = [f for f in tmp_path.rglob("*") if f.is_file()]  # type: ignore[attr-defined]
    assert files  # the cache was written where the host's cache folder is
    for f in files:
        f.write_bytes(b"not a pickle")  # a crash mid-write, or another process's half file
    assert _fresh(dose, XDG_CACHE_HOME=str(tmp_path)) == "28.8"


@pytest.mark.parametrize("days", [5, 5.0])
def test_whole_number_fast_path_agrees(days: object) -> None:
    assert px.ivig(px.Patient.example(), days=days).days == 5  # type: ignore[arg-type]


@pytest.mark.parametrize("space", ["\xa0", "\u2003", "\u2009"])
def test_a_non_ascii_space_is_refused_whatever_was_read_before(space: str) -> None:
    # The full reading is ASCII only; the quick paths split with str.split(), which also
    # splits at these, so "72\xa0kg" was read as 72 kg, and "72\xa0stone" only once the memo
    # of "stone" was filled by "1 stone".
    for unit in ("kg", "stone", "[lb_av]"):
        px.Patient(weight=f"10 {unit}")  # fill every memo of the word first
        for text in (f"72{space}{unit}", f"{space}72 {unit}", f"72 {unit}{space}"):
            with pytest.raises(PlexodoseError, match="must be a number followed by a unit"):
                px.Patient(weight=text)
