"""plexodose benchmarks: each target of issue 10 with its median, its reference and PASS/FAIL.

    python benchmarks/bench.py            # the full run (a few minutes on 2 cores)
    python benchmarks/bench.py --quick    # fewer repeats, 10^5 unit spellings

Inputs are varied: 10,000 distinct realistic patients drawn once (seeded) and cycled, never one
patient repeated, so no cache sees the same input twice in a row. Each calculator row times one
pass over all 10,000 patients, reading the result's output quantity (``.daily_dose``, ``.dose``);
the result keeps its full derivation (``result.steps``). Beside it, on the same patients, the
straightforward pint version in ``reference_pint.py`` (checked to give the same dose first).

The screen row (issue 20) screens one order per patient, the six drugs in turn, amounts from
about half to one and a half times each protocol range (so every category comes up), beside the
calculator of the order's drug on the same patients.

Import and command-line rows run fresh processes in a plain install (pint, attrs and plexodose
only: no numpy, no dask), a venv the script builds once under /tmp (``--plain-venv`` to choose
the place); the baseline process imports pint and builds a ``UnitRegistry()``. The memory row
feeds 10^6 distinct unit spellings, accepted and refused, to ``Patient(weight=...)`` (the unit
door and the Patient's memo of accepted spellings) and reports
the growth of traced memory (tracemalloc) and of the process's resident set. The batch and
Dask rows run ``bench_batch.py`` and ``bench_dask.py`` when present (another engineer's).
The exit status is 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import reference_pint as ref  # noqa: E402

import plexodose as px  # noqa: E402
from plexodose._core.units import CREATININE_MOLAR_MASS_G_PER_MOL  # noqa: E402

Row = tuple[str, str, str, str, str, str]
N_PATIENTS = 10_000
REF_SAMPLE = 2_000  # the pint reference's passes cover the first 2,000 patients
CALCULATOR_TARGET_S = 3e-6
PATIENT_TARGET_S = 5e-6
IMPORT_TARGET_S = 0.015
CLI_TARGET_S = 0.150
MEMORY_TARGET_BYTES = 1_000_000


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.2f} us"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ---------------------------------------------------------------- varied, realistic inputs
def draw_patients(n: int = N_PATIENTS, seed: int = 10) -> list[dict[str, Any]]:
    """``n`` distinct adults every calculator doses without refusal (no renal contraindication
    to ciclosporin), as the strings a caller would type: 10 % of weights in lb, 20 % of
    creatinines in umol/L."""
    rng = random.Random(seed)
    drawn: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    while len(drawn) < n:
        sex = rng.choice(("female", "male"))
        height = round(rng.uniform(152, 198), 1)
        weight = round(rng.uniform(45, 135), 1)
        age = rng.randint(18, 85)
        creatinine = round(rng.uniform(0.5, 1.1), 2)
        if px.egfr(age=age, sex=sex, serum_creatinine=f"{creatinine} mg/dL").value < 61:
            continue  # ciclosporin would be refused (eGFR < 60): keep every row dosable
        key = (sex, height, weight, age, creatinine)
        if key in seen:
            continue
        seen.add(key)
        in_lb, in_umol = rng.random() < 0.1, rng.random() < 0.2
        drawn.append({
            "weight": f"{weight / 0.45359237:.2f} lb" if in_lb else f"{weight} kg",
            "height": f"{height} cm",
            "sex": sex,
            "age": age,
            "serum_creatinine": f"{creatinine * 88.4:.1f} umol/L" if in_umol
            else f"{creatinine} mg/dL",
            "tpmt": "normal",
            "nudt15": "normal",
        })
    return drawn


def ref_patient(fields: dict[str, Any]) -> ref.RefPatient:
    q = ref.Q_
    creatinine = q(fields["serum_creatinine"])
    if creatinine.check("[substance] / [length] ** 3"):  # umol/L: times creatinine's molar mass
        creatinine = creatinine * q(CREATININE_MOLAR_MASS_G_PER_MOL, "g/mol")
    return ref.RefPatient(weight=q(fields["weight"]).to("kg"), height=q(fields["height"]).to("cm"),
                          sex=fields["sex"], age=q(fields["age"], "year"),
                          serum_creatinine=creatinine.to("mg/dL"))


# CPU time of this process: on a machine shared with other work, wall time would also count
# the moments the process waits for a core. Fresh-process rows are wall time (what a user waits).
CLOCK = time.process_time


def per_call(run: Callable[[], Any], n: int, repeats: int) -> float:
    """Median over ``repeats`` passes of the time of one call (a pass makes ``n`` calls)."""
    run()  # warm: lazy imports, unit factors
    times = []
    for _ in range(repeats):
        start = CLOCK()
        run()
        times.append(CLOCK() - start)
    return statistics.median(times) / n


# ---------------------------------------------------------------- calculators and Patient
def calculators(fields: list[dict[str, Any]], repeats: int) -> list[Row]:
    patients = [px.Patient(**f) for f in fields]
    refs = [ref_patient(f) for f in fields]
    cases: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
        ("ivig(p).daily_dose", lambda p: px.ivig(p).daily_dose, ref.ivig),
        ("azathioprine(p).daily_dose", lambda p: px.azathioprine(p).daily_dose, ref.azathioprine),
        ("cyclophosphamide_iv(p).dose", lambda p: px.cyclophosphamide_iv(p).dose,
         ref.cyclophosphamide_iv),
        ("cyclosporin(p).daily_dose", lambda p: px.cyclosporin(p).daily_dose, ref.cyclosporin),
        ("mycophenolate(p).daily_dose", lambda p: px.mycophenolate(p).daily_dose,
         ref.mycophenolate),
    ]
    rows = []
    for name, fast, slow in cases:
        for p, rp in zip(patients[:500], refs[:500], strict=True):
            ours, theirs = fast(p), slow(rp)
            if not math.isclose(ours.m_as(theirs.units), theirs.magnitude, rel_tol=1e-9):
                raise SystemExit(f"{name}: plexodose {ours} and the pint reference {theirs} "
                                 f"differ for {p!r}")

        def ours_pass(fast: Callable[[Any], Any] = fast) -> None:
            for p in patients:
                fast(p)

        def ref_pass(slow: Callable[[Any], Any] = slow) -> None:
            for rp in refs[:REF_SAMPLE]:  # pint is ~100x slower: a fifth of the patients
                slow(rp)

        t = per_call(ours_pass, len(patients), repeats)
        r = per_call(ref_pass, REF_SAMPLE, max(3, repeats // 3))
        rows.append((name, "<= 3 us", us(t), us(r), f"{r / t:,.1f}x",
                     _verdict(t <= CALCULATOR_TARGET_S)))
    return rows


def patient_rows(fields: list[dict[str, Any]], repeats: int) -> list[Row]:
    """The target row on the drawn patients (their spellings repeat, as typed input does:
    about 2,100 distinct texts), and beside it, informational, the same patients with every
    spelling new on every pass (weights, heights and creatinines to 10 digits, about 30,000
    texts cycled through the 4,096-entry memo of accepted spellings: every call misses it)."""
    def ours(batch: list[dict[str, Any]]) -> Callable[[], None]:
        def run() -> None:
            for f in batch:
                px.Patient(**f)
        return run

    def theirs() -> None:
        for f in fields[:REF_SAMPLE]:
            ref_patient(f)

    fresh = [_unique_spellings(f, i) for i, f in enumerate(fields)]
    t = per_call(ours(fields), len(fields), repeats)
    new = per_call(ours(fresh), len(fresh), repeats)
    r = per_call(theirs, REF_SAMPLE, max(3, repeats // 3))
    return [
        ("Patient(...) from strings", "<= 5 us", us(t), us(r), f"{r / t:,.1f}x",
         _verdict(t <= PATIENT_TARGET_S)),
        ("  the same, every spelling new", "(informational)", us(new), us(r), f"{r / new:,.1f}x",
         ""),
    ]


def _unique_spellings(fields: dict[str, Any], i: int) -> dict[str, Any]:
    """``fields`` with its weight, height and creatinine written to 10 digits, unique per
    patient (the values move by at most 1 %)."""
    nudge = 1 + (i + 1) * 1e-6
    out = dict(fields)
    for key in ("weight", "height", "serum_creatinine"):
        number, unit = out[key].split(" ", 1)
        out[key] = f"{float(number) * nudge:.10g} {unit}"
    return out


# ---------------------------------------------------------------- import time and the CLI
BASELINE = "import pint; pint.UnitRegistry()"
FIRST_DOSE = "import plexodose; plexodose.ivig(plexodose.Patient.example()).daily_dose"
CLI_ARGS = ("dose", "ivig", "--weight", "72 kg")


def plain_venv(where: Path) -> Path:
    """A venv with pint, attrs and plexodose only (no numpy or dask): its python."""
    python = where / "bin" / "python"
    marker = where / ".plexodose-bench"
    wanted = f"pint, attrs and plexodose only, editable from {REPO}\n"
    if not marker.exists() or marker.read_text() != wanted:  # another checkout: build it again
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(where)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, "pint>=0.24", "attrs>=24.1"], check=True)
        subprocess.run([*pip, "--no-deps", "-e", str(REPO)], check=True)
        marker.write_text(wanted)
    check = subprocess.run([str(python), "-c", "import numpy"], capture_output=True)
    if check.returncode == 0:
        raise SystemExit(f"{where} has numpy: not a plain install")
    return python


def _wall(cmd: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def startup_rows(python: Path, repeats: int) -> list[Row]:
    env = dict(os.environ)  # PYTHONPATH=<other src> times another checkout in the same venv
    # An installed package has its bytecode; with PYTHONDONTWRITEBYTECODE set (as in some
    # sandboxes) every process would compile every module again (~0.2 s here): not what a
    # user waits for. The warm-up runs below write the bytecode.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    script = python.parent / "plexodose"
    for _ in range(2):  # warm the OS file cache and any registry cache on disk
        _wall([str(python), "-c", FIRST_DOSE], env)
        _wall([str(script), *CLI_ARGS], env)
    base, ours, cli, bare = [], [], [], []
    for _ in range(repeats):  # interleaved, so drift in machine load hits all alike
        base.append(_wall([str(python), "-c", BASELINE], env))
        ours.append(_wall([str(python), "-c", FIRST_DOSE], env))
        cli.append(_wall([str(script), *CLI_ARGS], env))
        bare.append(_wall([str(python), "-c", "pass"], env))
    b, o, c, z = (statistics.median(x) for x in (base, ours, cli, bare))
    return [
        ("import plexodose + first dose (plain venv)", "<= 15 ms over pint",
         f"{o * 1e3:,.1f} ms ({(o - b) * 1e3:+,.1f} ms)",
         f"{b * 1e3:,.1f} ms (pint + UnitRegistry())", "", _verdict(o - b <= IMPORT_TARGET_S)),
        (f"CLI: plexodose {' '.join(CLI_ARGS[:3])} \"72 kg\"", "<= 150 ms wall",
         f"{c * 1e3:,.1f} ms", f"{z * 1e3:,.1f} ms (bare python)", "",
         _verdict(c <= CLI_TARGET_S)),
    ]


# ---------------------------------------------------------------- memory
def spellings(n: int, seed: int = 3) -> list[str]:
    """``n`` distinct weight texts: a quarter accepted with varied numbers, spacing and prefixed
    units; the rest refused (a misspelt unit, a random word, a wrong dimension)."""
    rng = random.Random(seed)
    accepted_units = ("kg", "g", "lb", "kilogram", "pound", "hg", "dag", "Mg", "stone", "oz")
    refused_units = ("m", "kg/m**2", "mL", "mg/dL", "s", "cm**2")
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for i in range(n):
        kind = i % 4
        number = f"{40 + (i % 90_000) / 1000:g}"
        if kind == 0:  # accepted: numbers, spacing, prefixed and other mass units
            out.append(f"{' ' * (i % 3)}{number}{' ' * (i % 2)}{accepted_units[i % 10]}")
        elif kind == 1:  # a misspelt unit: "72 k<random>g"
            word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 8)))
            out.append(f"{number} k{word}{i}g".replace("0", "o").replace("1", "l")[:60])
        elif kind == 2:  # a random word
            word = "".join(rng.choice(letters) for _ in range(rng.randint(3, 12)))
            out.append(f"{number} {word}")
        else:  # the wrong dimension, with spacing variants
            out.append(f"{number}{' ' * (1 + i % 3)}{refused_units[i % 6]}")
    return out


def memory_row(n: int) -> Row:
    from plexodose._core.errors import PlexodoseError

    texts = spellings(n)

    def feed(batch: Sequence[str]) -> int:
        accepted = 0
        for text in batch:
            try:
                px.Patient(weight=text)
                accepted += 1
            except PlexodoseError:
                pass
        return accepted

    # Traced from before the warm-up: an entry a bounded cache lets go of then counts as
    # freed (started after it, tracemalloc would count each replacement as growth).
    tracemalloc.start()
    feed(spellings(100_000, seed=99))  # warm: every cache filled to its bound, and churned
    gc.collect()
    rss_before = _rss()
    traced_before = tracemalloc.get_traced_memory()[0]
    accepted = feed(texts)
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - traced_before
    tracemalloc.stop()
    rss = _rss() - rss_before
    return (f"memory after {n:,} unit spellings ({accepted:,} accepted)", "<= 1 MB growth",
            f"{traced / 1e6:+,.3f} MB traced, {rss / 1e6:+,.2f} MB RSS", "", "",
            _verdict(max(traced, rss) <= MEMORY_TARGET_BYTES))


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------- re-planning on many results
REPLAN_TARGET_S = 10.0  # 1,600 results (issue 19: 193 s when every result scanned every event)
REPLAN_RATIO_MAX = 6.0  # 4 times the results: about 4x when linear, 16x when quadratic
# Measured on the 2-core development machine (CPU time), 100 / 400 / 1,600 results:
# before linear re-planning (each review checked and read its whole history) 0.042 / 0.443 /
# 6.14 s, 10.5x then 13.9x; after (one checked, indexed history, a window per review) 0.016 /
# 0.061 / 0.257 s, 3.7x then 4.2x.


def replan_row(n: int = 1_600) -> Row:
    """``replan`` on ``n / 16``, ``n / 4`` and ``n`` daily results over a 5-year azathioprine
    plan (100, 400 and 1,600 by default): a linear re-plan takes about 4 times as long for 4
    times the results (the ratio column), a quadratic one 16. replan checks the results once
    and hands each review a window of them, indexed by quantity (no scan of the events or of
    the history per result)."""
    import datetime as dt

    s = px.schedule(px.azathioprine(px.Patient.example()), start="2027-01-01", months=60)

    def results(k: int) -> list[Any]:
        return [px.Labs(date=dt.date(2027, 1, 2) + dt.timedelta(days=i), wbc=f"{6 + i % 3} x10^9/L",
                        platelets="250 x10^9/L") for i in range(k)]

    def timed(k: int) -> float:
        given = results(k)
        begin = time.process_time()
        px.replan(s, given, on="2032-12-31")
        return time.process_time() - begin

    timed(50)  # warm
    small, quarter, full = timed(n // 16), timed(n // 4), timed(n)
    ratio = full / quarter
    return (f"replan, {n:,} results (5-year azathioprine plan)",
            f"<= {REPLAN_TARGET_S:g} s, <= {REPLAN_RATIO_MAX:g}x", f"{full:,.3f} s",
            f"{n // 16:,}: {small:,.3f} s; {n // 4:,}: {quarter:,.3f} s",
            f"{quarter / small:,.1f}x, {ratio:,.1f}x",
            _verdict(full <= REPLAN_TARGET_S and ratio <= REPLAN_RATIO_MAX))


# ---------------------------------------------------------------- screening an order (issue 20)
SCREEN_TARGET_S = 20e-6  # one order screened, median (issue 20)
SCREEN_ON = "2027-01-04"
SCREEN_CALCULATORS: dict[str, Callable[[Any], Any]] = {  # what the reference row calls
    "ivig": lambda p: px.ivig(p).daily_dose,
    "azathioprine": lambda p: px.azathioprine(p).daily_dose,
    "mycophenolate": lambda p: px.mycophenolate(p).daily_dose,
    "ciclosporin": lambda p: px.ciclosporin(p).daily_dose,
    "cyclophosphamide_oral": lambda p: px.cyclophosphamide_oral(p).daily_dose,
    "cyclophosphamide_iv": lambda p: px.cyclophosphamide_iv(p).dose,
}


def _order_fields(rng: random.Random, drug: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Order keywords, screen keywords) for one order of ``drug``: amounts from about half to
    one and a half times the protocol range, so that every category comes up, written as a
    prescriber writes them (per dose or per day, mg or g, per kg or per m2)."""
    pick, uniform = rng.choice, rng.uniform
    extra: dict[str, Any] = {}
    if drug == "ivig":
        rate = pick((0.4, 1.0, 0.5, 0.25)) * uniform(0.8, 1.3)
        order = {"dose": pick((f"{rate:.3g} g/kg/day", f"{rate * 1000:.0f} mg/kg")),
                 "times_per_day": pick((1, None)), "days": pick((1, 2, 4, 5, 6)),
                 "every": pick((None, f"{rng.randint(14, 42)} days")),
                 "product": pick((None, "privigen", "gamunex"))}
    elif drug == "azathioprine":
        times = pick((1, 2))
        order = {"dose": pick((f"{25 * rng.randint(1, 6)} mg",
                               f"{uniform(0.5, 3.0):.2f} mg/kg/day")), "times_per_day": times}
        extra["allopurinol"] = rng.random() < 0.1
    elif drug == "mycophenolate":
        order = {"dose": pick((f"{250 * rng.randint(1, 8):,} mg",
                               f"{0.5 * rng.randint(1, 8):g} g/day")),
                 "times_per_day": pick((2, 2, 2, 1, 3))}
    elif drug == "ciclosporin":
        order = {"dose": pick((f"{25 * rng.randint(2, 12)} mg", f"{uniform(1.5, 6):.2f} mg/kg/day")),
                 "times_per_day": pick((2, 2, 1))}
    elif drug == "cyclophosphamide_oral":
        order = {"dose": pick((f"{25 * rng.randint(2, 10)} mg", f"{uniform(0.5, 2.5):.2f} mg/kg/day")),
                 "times_per_day": 1, "days": pick((None, 28, 90))}
        if rng.random() < 0.5:
            extra["prior_cyclophosphamide"] = f"{uniform(0, 40):.1f} g"
    else:
        order = {"dose": pick((f"{uniform(0.2, 1.8):.2f} g/m2", f"{50 * rng.randint(6, 40):,} mg")),
                 "times_per_day": 1, "every": f"{rng.randint(7, 35)} days"}
        if rng.random() < 0.5:
            extra["prior_cyclophosphamide"] = f"{uniform(0, 40):.1f} g"
        if rng.random() < 0.5:
            extra["last_pulse"] = f"{uniform(0.3, 1.5):.2f} g/m**2"
    return {"drug": drug, **order}, extra


def draw_orders(fields: list[dict[str, Any]], seed: int = 20) -> list[tuple[Any, Any, dict[str, Any]]]:
    """(order keywords, patient, screen keywords): one order per drawn patient, the six drugs in
    turn; a tenth of the patients TPMT intermediate (azathioprine's reduced range)."""
    rng = random.Random(seed)
    drugs = tuple(SCREEN_CALCULATORS)
    out = []
    for i, f in enumerate(fields):
        patient = px.Patient(**{**f, "tpmt": "intermediate" if rng.random() < 0.1 else "normal"})
        order, extra = _order_fields(rng, drugs[i % len(drugs)])
        out.append((order, patient, extra))
    return out


def screen_rows(fields: list[dict[str, Any]], repeats: int) -> list[Row]:
    """``screen(order, patient, on=...).verdict`` over 10,000 distinct (order, patient) pairs
    (the Orders made beforehand), beside the calculator of the order's drug on the same
    patients (what the screen's range rests on); then the same with each Order read from its
    text, and each drug on its own (informational: where the time goes)."""
    drawn = draw_orders(fields)
    pairs = [(px.Order(**order), p, extra) for order, p, extra in drawn]
    verdicts = [px.screen(o, p, on=SCREEN_ON, **extra).verdict for o, p, extra in pairs]
    mix = ", ".join(f"{c} {verdicts.count(c) / len(verdicts):.0%}"
                    for c in ("within", "below", "above_soft", "above_hard", "not_screened"))

    def screens(batch: list[tuple[Any, Any, dict[str, Any]]]) -> Callable[[], None]:
        def run() -> None:
            for o, p, extra in batch:
                px.screen(o, p, on=SCREEN_ON, **extra).verdict  # noqa: B018
        return run

    def calculated(batch: list[tuple[Any, Any, dict[str, Any]]]) -> Callable[[], None]:
        calls = [(SCREEN_CALCULATORS[o.drug], p) for o, p, _ in batch]

        def run() -> None:
            for calc, p in calls:
                calc(p)
        return run

    def read_and_screen() -> None:
        for (order, p, extra) in drawn:
            px.screen(px.Order(**order), p, on=SCREEN_ON, **extra).verdict  # noqa: B018

    t = per_call(screens(pairs), len(pairs), repeats)
    r = per_call(calculated(pairs), len(pairs), repeats)
    rows = [(f"screen(order, p).verdict ({mix})", "<= 20 us", us(t), f"{us(r)} (calculator)",
             f"{t / r:,.1f}x", _verdict(t <= SCREEN_TARGET_S))]
    both = per_call(read_and_screen, len(drawn), max(3, repeats // 3))
    rows.append(("  Order(**text) + screen", "(informational)", us(both), "", "", ""))
    # on= makes a new Patient (attrs.evolve re-checks every value); a patient that already
    # carries the decision date skips it
    dated = [(o, attrs.evolve(p, on=SCREEN_ON), extra) for o, p, extra in pairs]

    def screens_dated() -> None:
        for o, p, extra in dated:
            px.screen(o, p, **extra).verdict  # noqa: B018

    undated = per_call(screens_dated, len(dated), max(3, repeats // 3))
    rows.append(("  screen(order, Patient(..., on=date))", "(informational)", us(undated), "",
                 "", ""))
    for drug in SCREEN_CALCULATORS:
        mine = [pair for pair in pairs if pair[0].drug == drug]
        d = per_call(screens(mine), len(mine), max(3, repeats // 3))
        c = per_call(calculated(mine), len(mine), max(3, repeats // 3))
        rows.append((f"  screen: {drug}", "(informational)", us(d), f"{us(c)} (calculator)",
                     f"{d / c:,.1f}x", ""))
    return rows


# ---------------------------------------------------------------- the batch screen (issue 20)
BATCH_SCREEN_TARGET = 2_000_000  # rows/s, clean numeric orders


def batch_screen_row(quick: bool) -> Row:
    """``batch.audit`` with its screen categories on clean numeric orders (bench_batch.py's,
    seeded: varied drugs, patients and doses), half of the daily ones written per dose with
    ``doses_per_day``: rows/s, the median CPU time of a few runs (pyarrow on one thread)."""
    import numpy as np
    import pyarrow as pa
    from bench_batch import median_seconds, orders

    from plexodose.batch import audit

    pa.set_cpu_count(1)
    n = 1_000_000 if quick else 4_000_000
    frame = orders(n)
    rng = np.random.default_rng(20)
    times = frame["drug"].map({"ciclosporin": 2.0, "mycophenolate": 2.0, "cyclosporin": 2.0,
                               "mycophenolate mofetil": 2.0}).fillna(1.0)
    per_dose = (frame["dose_unit"] == "mg/day") & (rng.random(n) < 0.5)
    frame["doses_per_day"] = times
    frame.loc[per_dose, "dose"] = (frame["dose"] / times)[per_dose]
    frame.loc[per_dose, "dose_unit"] = "mg"
    seconds = median_seconds(lambda: audit(frame), 3 if quick else 5)
    found = audit(frame.iloc[:100_000])["category"].value_counts(normalize=True)
    mix = ", ".join(f"{name} {share:.0%}" for name, share in found.items())
    return (f"batch screen, {n:,} clean numeric orders ({mix})",
            f">= {BATCH_SCREEN_TARGET / 1e6:g} M rows/s", f"{n / seconds / 1e6:,.2f} M rows/s",
            "", "", _verdict(n / seconds >= BATCH_SCREEN_TARGET))


# ---------------------------------------------------------------- other engineers' scripts
def sibling_rows(quick: bool) -> list[Row]:
    """The batch and Dask rows, from their own scripts: each of their target rows (the lines
    they print as ``TARGET<tab>name<tab>target<tab>value<tab>reference<tab>PASS|FAIL``)."""
    rows: list[Row] = []
    for name in ("bench_batch.py", "bench_dask.py"):
        done = subprocess.run([sys.executable, str(HERE / name), *(["--quick"] if quick else [])],
                              capture_output=True, text=True, cwd=HERE)
        found = [line.split("\t")[1:] for line in done.stdout.splitlines()
                 if line.startswith("TARGET\t") and line.count("\t") == 5]
        rows += [(f"{name}: {what}", target, value, reference, "", verdict)
                 for what, target, value, reference, verdict in found]
        if done.returncode != 0 and not any(row[-1] == "FAIL" for row in found):
            # A script that failed without a failing target row (a crash): its error's last line.
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            rows.append((name, "(runs)", last[:70], "", "", "FAIL"))
    return rows


HEADER: Row = ("benchmark", "target", "plexodose median", "reference", "ratio", "")


def table(rows: list[Row]) -> str:
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [HEADER, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 10^5 spellings")
    parser.add_argument("--plain-venv", type=Path, default=Path("/tmp/plexodose-plain-venv"),
                        help="where to build the plain venv (pint, attrs, plexodose only)")
    parser.add_argument("--only", choices=("calc", "screen", "startup", "memory", "replan",
                                            "siblings"),
                        action="append", help="run only these rows (repeatable)")
    args = parser.parse_args(argv)
    only = set(args.only or ("calc", "screen", "startup", "memory", "replan", "siblings"))
    repeats = 5 if args.quick else 15
    rows: list[Row] = []
    if "calc" in only:
        fields = draw_patients()
        rows += calculators(fields, repeats)
        rows += patient_rows(fields, repeats)
    if "screen" in only:
        rows += screen_rows(draw_patients(), repeats)
    if "startup" in only:
        rows += startup_rows(plain_venv(args.plain_venv), 7 if args.quick else 21)
    if "memory" in only:
        rows.append(memory_row(100_000 if args.quick else 1_000_000))
    if "replan" in only:
        rows.append(replan_row(400 if args.quick else 1_600))
    if "siblings" in only:
        rows.append(batch_screen_row(args.quick))
        rows += sibling_rows(args.quick)
    print(f"python {sys.version.split()[0]}, plexodose {px.__version__} ({Path(px.__file__).parent}); "
          f"{N_PATIENTS:,} distinct patients, medians of {repeats} passes (CPU time); startup: "
          f"medians of {7 if args.quick else 21} fresh processes (wall time)")
    print(table(rows))
    return 0 if all(row[-1] != "FAIL" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
