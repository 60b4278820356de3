"""plexodose benchmarks: medians of many timeit runs against the issue's targets, as a table.

    python benchmarks/bench.py            # the full run (about a minute)
    python benchmarks/bench.py --quick    # fewer repeats and 100,000 audit rows

Each calculator is timed on a prepared ``Patient.example()`` reading the result's main quantity,
and so is the straightforward pint version in ``reference_pint.py`` (checked to give the same
dose first). Import cost is measured in fresh subprocesses, interleaved with a baseline process
that only imports pint and builds its default registry. The exit status is 1 if a target is
missed.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference_pint as ref

import plexodose as px

Row = tuple[str, str, str, str, str, str]


def median_seconds(fn: Callable[[], Any], repeats: int, budget: float = 0.02) -> float:
    """Median time of one call over ``repeats`` runs of about ``budget`` seconds each."""
    fn()  # warm caches (unit factors, lazy imports)
    once = timeit.Timer(fn).timeit(number=10) / 10
    number = max(1, int(budget / max(once, 1e-9)))
    runs = timeit.Timer(fn).repeat(repeat=repeats, number=number)
    return statistics.median(runs) / number


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.2f} us"


def calculators(repeats: int) -> list[Row]:
    p, rp = px.Patient.example(), ref.RefPatient.example()
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("ivig(p).daily_dose", lambda: px.ivig(p).daily_dose, lambda: ref.ivig(rp)),
        ("azathioprine(p).daily_dose", lambda: px.azathioprine(p).daily_dose,
         lambda: ref.azathioprine(rp)),
        ("cyclophosphamide_iv(p).dose", lambda: px.cyclophosphamide_iv(p).dose,
         lambda: ref.cyclophosphamide_iv(rp)),
        ("cyclosporin(p).daily_dose", lambda: px.cyclosporin(p).daily_dose,
         lambda: ref.cyclosporin(rp)),
        ("mycophenolate(p).daily_dose", lambda: px.mycophenolate(p).daily_dose,
         lambda: ref.mycophenolate(rp)),
    ]
    rows = []
    for name, fast, slow in cases:
        ours, theirs = fast(), slow()
        if not math.isclose(ours.m_as(theirs.units), theirs.magnitude, rel_tol=1e-9):
            raise SystemExit(f"{name}: plexodose {ours} and the pint reference {theirs} differ")
        t, r = median_seconds(fast, repeats), median_seconds(slow, repeats)
        ok = t <= 10e-6 and r / t >= 10
        rows.append((name, "<= 10 us, >= 10x", us(t), us(r), f"{r / t:,.1f}x", _verdict(ok)))
    return rows


def patient_row(repeats: int) -> Row:
    def make() -> Any:
        return px.Patient(weight="72 kg", height="175 cm", sex="male", age=60,
                          serum_creatinine="1 mg/dL")

    def make_ref() -> Any:
        q = ref.Q_
        return ref.RefPatient(weight=q("72 kg").to("kg"), height=q("175 cm").to("cm"),
                              sex="male", age=q(60, "year"),
                              serum_creatinine=q("1 mg/dL").to("mg/dL"))

    t, r = median_seconds(make, repeats), median_seconds(make_ref, repeats)
    return ("Patient(...) from strings", "<= 40 us", us(t), us(r), f"{r / t:,.1f}x",
            _verdict(t <= 40e-6))


BASELINE = "import pint; pint.UnitRegistry()"
FIRST_DOSE = "import plexodose; plexodose.ivig(plexodose.Patient.example()).daily_dose"


def import_row(repeats: int) -> Row:
    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    base, ours = [], []
    for _ in range(repeats):  # interleaved, so drift in machine load hits both alike
        base.append(run(BASELINE))
        ours.append(run(FIRST_DOSE))
    extra = statistics.median(ours) - statistics.median(base)
    return ("import plexodose + first dose (fresh process)", "<= 30 ms over pint",
            f"{statistics.median(ours) * 1e3:,.1f} ms (+{extra * 1e3:,.1f} ms)",
            f"{statistics.median(base) * 1e3:,.1f} ms (pint + registry)", "",
            _verdict(extra <= 0.030))


def plan_row(repeats: int) -> Row:
    name = "12-month plan(...) + to_text/csv/records/ics/fhir"
    plan = getattr(px, "plan", None)
    if plan is None:
        return (name, "<= 20 ms", "not available (plexodose.plan missing)", "", "", "n/a")
    p = px.Patient.example()

    def full() -> Any:
        s = plan(p, start="2026-12-01")
        return s.to_text(), s.to_csv(), s.to_records(), s.to_ics(), s.to_fhir()

    try:
        start = time.perf_counter()
        full()  # the first call imports icalendar and fhir.resources
        first = time.perf_counter() - start
        t = median_seconds(full, max(5, repeats // 3), budget=0.05)
    except Exception as exc:  # an API still being written: report, do not crash the table
        return (name, "<= 20 ms", f"not available ({type(exc).__name__}: {exc})"[:60], "", "",
                "n/a")
    return (name, "<= 20 ms", f"{t * 1e3:,.2f} ms (first call {first * 1e3:,.0f} ms)", "", "",
            _verdict(t <= 0.020))


def sample_orders(n: int, seed: int = 1) -> Any:
    """A realistic mix: every drug, both sexes, some orders out of range, a few unknown drugs."""
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped]

    rng = np.random.default_rng(seed)
    drugs = rng.choice(["ivig", "azathioprine", "cyclophosphamide_oral", "cyclophosphamide_iv",
                        "ciclosporin", "mycophenolate", "Cyclosporin", "unknown"], n)
    daily = np.where(drugs == "ivig", "g/day", "mg/day")
    weight_unit = rng.choice(["kg", "lb"], n, p=[0.9, 0.1])
    creatinine_unit = rng.choice(["mg/dL", "umol/L"], n, p=[0.8, 0.2])
    # test data only: lb per kg and umol/L per mg/dL, so every value is plausible
    weight = rng.uniform(40, 140, n) * np.where(weight_unit == "lb", 2.2046, 1.0)
    creatinine = rng.uniform(0.5, 6, n) * np.where(creatinine_unit == "umol/L", 88.4, 1.0)
    return pd.DataFrame({
        "drug": drugs, "weight": weight, "weight_unit": weight_unit,
        "height": rng.uniform(150, 200, n), "height_unit": "cm",
        "sex": rng.choice(["female", "male"], n), "age": rng.uniform(18, 90, n),
        "serum_creatinine": creatinine, "creatinine_unit": creatinine_unit,
        "dose": np.where(drugs == "ivig", rng.uniform(20, 80, n),
                         np.where(drugs == "cyclophosphamide_iv", rng.uniform(300, 2500, n),
                                  rng.uniform(20, 3500, n))),
        "dose_unit": np.where(drugs == "cyclophosphamide_iv", "mg", daily),
    })


def batch_row(n: int, repeats: int) -> Row:
    from plexodose.batch import audit

    orders = sample_orders(n)
    audit(orders.iloc[:1000])  # warm the unit-factor cache
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        audit(orders)
        runs.append(time.perf_counter() - start)
    rate = n / statistics.median(runs)
    return (f"batch audit, {n:,} rows (pandas)", ">= 1,000,000 rows/s",
            f"{rate:,.0f} rows/s ({statistics.median(runs):.2f} s)", "", "",
            _verdict(rate >= 1_000_000))


def dask_row(n: int) -> Row:
    """Informational: the same audit through audit_dask, 2 partitions, threaded scheduler."""
    import dask
    import dask.dataframe as dd

    from plexodose.batch import audit_dask

    from_pandas: Any = dd.from_pandas
    lazy = audit_dask(from_pandas(sample_orders(n), npartitions=2))
    with dask.config.set(scheduler="threads"):
        lazy.compute()  # warm up
        start = time.perf_counter()
        lazy.compute()
        seconds = time.perf_counter() - start
    return (f"batch audit_dask, {n:,} rows, 2 partitions", "(no target)",
            f"{n / seconds:,.0f} rows/s ({seconds:.2f} s)", "", "", "")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


HEADER: Row = ("benchmark", "target", "plexodose median", "pint reference", "ratio", "")


def table(rows: list[Row]) -> str:
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [HEADER, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 100,000 rows")
    args = parser.parse_args(argv)
    repeats = 11 if args.quick else 51
    rows = calculators(repeats)
    rows.append(patient_row(repeats))
    rows.append(import_row(5 if args.quick else 15))
    rows.append(plan_row(repeats))
    rows.append(batch_row(100_000 if args.quick else 1_000_000, 3 if args.quick else 5))
    rows.append(dask_row(100_000 if args.quick else 1_000_000))
    print(f"python {sys.version.split()[0]}, plexodose {px.__version__}; medians of "
          f"{repeats} runs (subprocess and batch rows: see their repeat counts in bench.py)")
    print(table(rows))
    return 0 if all(row[-1] != "FAIL" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
