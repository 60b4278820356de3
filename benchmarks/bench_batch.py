"""Benchmark of the batch audit (pandas, one core): each target with its median, reference and
PASS/FAIL. Not a test: nothing here asserts a time.

    python benchmarks/bench_batch.py            # 10^5 .. 4 x 10^6 rows
    python benchmarks/bench_batch.py --quick    # 10^5 and 10^6 rows, fewer runs

Inputs vary row to row (drug, weight, height, age, creatinine, units, dose). "numeric": valid
orders, numbers beside unit columns (text columns as pandas strings); "category": the same with
the text columns categorical (as Parquet dictionary columns can be read); "text": the same with weight and height as "72.4 kg" text;
"mixed": with a few percent of bad rows (unknown units and drug names, implausible values), whose
per-row messages cost more (informational).
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from plexodose.batch import DRUGS, audit

TARGET_CLEAN = 4_000_000  # rows/s, numeric columns beside unit columns
TARGET_TEXT = 1_500_000  # rows/s, weight and height as "number unit" text
BEFORE = {"numeric": "2.17 M", "category": "2.85 M", "text": "1.23 M", "linear": "0.94"}
REFERENCE = (f"before perf-batch, 4 x 10^6 rows, same machine: numeric {BEFORE['numeric']}, "
             f"categorical {BEFORE['category']}, text {BEFORE['text']} rows/s, linear "
             f"{BEFORE['linear']}, peak 389 MiB/M rows (Nov 2026)")


def orders(n: int, seed: int = 7, *, bad: bool = False) -> pd.DataFrame:
    """``n`` varied orders, doses drawn across and beyond the protocol ranges; with ``bad``, a
    few percent of bad rows (unknown units and drug names, implausible values)."""
    rng = np.random.default_rng(seed)
    names = [*DRUGS, "cyclosporin", "mycophenolate mofetil", "Prednisolone"]
    shares = [0.2, 0.2, 0.08, 0.08, 0.12, 0.1, 0.02, 0.05, 0.1, 0.05 if bad else 0.0]
    drug = rng.choice(names, n, p=np.array(shares) / sum(shares))
    units = ["kg", "lb", "g", "stone"]
    weight_unit = rng.choice(units, n, p=[0.85, 0.12, 0.02, 0.01] if bad else [0.87, 0.12, 0.01, 0])
    per_kg = {"kg": 1.0, "lb": 2.20462, "g": 1000.0, "stone": 0.157473}
    kg = rng.normal(78, 18, n).clip(35, 220)
    weight = kg * np.vectorize(per_kg.get)(weight_unit)
    creatinine_unit = rng.choice(["mg/dL", "umol/L"], n, p=[0.7, 0.3])
    scr = rng.lognormal(0.0, 0.5, n).clip(0.4, 12)
    scr = np.where(creatinine_unit == "umol/L", scr * 88.4, scr)
    daily = np.where(drug == "ivig", rng.uniform(20, 90, n), rng.uniform(40, 3200, n))
    pulse = np.char.startswith(drug.astype(str), "cyclophosphamide_iv")
    unit = np.where(drug == "ivig", "g/day", np.where(pulse, "mg", "mg/day"))
    dose = np.where(pulse, rng.uniform(400, 2200, n), daily)
    sexes = ["female", "male", "F"]
    frame = pd.DataFrame({
        "drug": drug, "weight": weight.round(1), "weight_unit": weight_unit,
        "height": rng.normal(171, 10, n).round(0), "height_unit": "cm",
        "sex": rng.choice(sexes, n, p=[0.5, 0.49, 0.01] if bad else [0.5, 0.5, 0]),
        "age": rng.integers(18, 95, n).astype(float),
        "serum_creatinine": scr.round(2), "creatinine_unit": creatinine_unit,
        "dose": dose.round(0), "dose_unit": unit,
    })
    frame.loc[rng.random(n) < 0.1, "serum_creatinine"] = np.nan  # not measured
    if bad:
        frame.loc[rng.random(n) < 0.01, "dose"] = -5.0
    return frame


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Weight and height as single "number unit" text columns (as many exports write them)."""
    text = frame.drop(columns=["weight_unit", "height_unit"])
    text["weight"] = frame["weight"].astype(str) + " " + frame["weight_unit"].astype(str)
    text["height"] = frame["height"].astype(str) + " " + frame["height_unit"].astype(str)
    return text


def median_seconds(run: Callable[[], Any], repeats: int) -> float:
    """The median CPU time of this process (one core: pyarrow is held to one thread): on a
    shared machine wall time measures the neighbours as much as the audit."""
    run()  # warm the unit-factor cache
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return statistics.median(times)


def peak_mib(n: int, label: str) -> float:
    """Peak memory of one audit of ``n`` rows (numpy, pandas and pyarrow alike): the growth of
    the resident set's high-water mark in a fresh process, past the orders themselves."""
    out = subprocess.run([sys.executable, __file__, "--peak", str(n), label], check=True,
                         capture_output=True, text=True)
    return float(out.stdout)


def _peak_in_this_process(n: int, label: str) -> None:
    frame = _inputs(n)[label]
    audit(frame.iloc[:100], unknown_drugs="flag")  # imports and caches: not the audit's memory
    gc.collect()
    before = _resident_kib()
    audit(frame, unknown_drugs="flag")
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)


def _resident_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def _inputs(n: int) -> dict[str, pd.DataFrame]:
    clean = orders(n)
    category = clean.astype({name: "category" for name in TEXT_COLUMNS})
    return {"numeric": clean, "category": category, "text": as_text(clean),
            "mixed": orders(n, bad=True)}


TEXT_COLUMNS = ("drug", "weight_unit", "height_unit", "sex", "creatinine_unit", "dose_unit")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--peak", nargs=2, metavar=("ROWS", "INPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    pa.set_cpu_count(1)
    if args.peak:
        _peak_in_this_process(int(args.peak[0]), args.peak[1])
        return 0
    sizes = [100_000, 1_000_000] if args.quick else [100_000, 400_000, 1_000_000, 4_000_000]
    repeats = 3 if args.quick else 5
    print(f"{'rows':>10} {'input':<8} {'median s':>9} {'rows/s':>12} {'ns/row':>7} "
          f"{'peak MiB':>9} {'MiB/M rows':>10}")
    rates: dict[tuple[str, int], float] = {}
    for n in sizes:
        for label, frame in _inputs(n).items():
            seconds = median_seconds(lambda f=frame: audit(f, unknown_drugs="flag"), repeats)
            peak = peak_mib(n, label)
            rates[label, n] = n / seconds
            print(f"{n:>10,} {label:<8} {seconds:>9.3f} {n / seconds:>12,.0f} "
                  f"{seconds / n * 1e9:>7.0f} {peak:>9.1f} {peak / n * 1e6:>10.1f}")
    big = max(sizes)
    linear = rates["numeric", big] / rates["numeric", min(sizes)]
    rows = [
        (f"clean numeric orders, {big:,} rows", f">= {TARGET_CLEAN:,} rows/s",
         rates["numeric", big], BEFORE["numeric"], rates["numeric", big] >= TARGET_CLEAN),
        (f"  the same, text columns categorical, {big:,} rows", f">= {TARGET_CLEAN:,} rows/s",
         rates["category", big], BEFORE["category"], rates["category", big] >= TARGET_CLEAN),
        (f"weight/height as text, {big:,} rows", f">= {TARGET_TEXT:,} rows/s",
         rates["text", big], BEFORE["text"], rates["text", big] >= TARGET_TEXT),
        (f"linear {min(sizes):,} -> {big:,} rows (rate ratio)", ">= 0.8",
         linear, BEFORE["linear"], linear >= 0.8),
    ]
    print(f"\nreference: {REFERENCE}")
    for name, target, value, before, ok in rows:
        shown = f"{value:,.2f}" if value < 100 else f"{value:,.0f} rows/s"
        print(target_line(name, target, shown, f"{before} before perf-batch", ok))
    return 0 if all(row[-1] for row in rows) else 1


def target_line(name: str, target: str, value: str, reference: str, ok: bool) -> str:
    """One target's row, tab-separated, as ``bench.py`` reads its siblings' rows."""
    return "\t".join(("TARGET", name.strip(), target, value.strip(), reference,
                      "PASS" if ok else "FAIL"))


if __name__ == "__main__":
    sys.exit(main())
