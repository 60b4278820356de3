"""Benchmark of ``audit_dask`` on a real ``distributed.LocalCluster`` (2 worker processes, one
thread each) reading Parquet partitions and writing the verdicts back to Parquet, beside pandas
on the same files in one process. Not a test: nothing here asserts a time.

    python benchmarks/bench_dask.py                 # 4 x 10^6 rows in 8 partitions
    python benchmarks/bench_dask.py --rows 1000000  # fewer
    python benchmarks/bench_dask.py --quick         # 10^6 rows, one timed run each

Wall-clock times (a cluster is about wall time); on a machine shared with other work the
numbers move with the neighbours.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from bench_batch import orders, target_line

from plexodose.batch import audit, audit_dask


def write_partitions(directory: Path, rows: int, partitions: int) -> None:
    per = rows // partitions
    for i in range(partitions):
        orders(per, seed=100 + i).to_parquet(directory / f"part.{i}.parquet", index=False)


def pandas_run(source: Path, target: Path) -> int:
    frame = pd.read_parquet(source)
    audit(frame, unknown_drugs="flag").to_parquet(target)
    return len(frame)


def cluster_run(client: object, source: Path, target: Path) -> None:
    import dask.dataframe as dd

    lazy = audit_dask(dd.read_parquet(source), unknown_drugs="flag")
    lazy.to_parquet(target, overwrite=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10^6 rows, one timed run each")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeats = 1_000_000, 1

    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp, "orders"), Path(tmp, "verdicts")
        source.mkdir()
        write_partitions(source, args.rows, args.partitions)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            n = pandas_run(source, Path(tmp, "pandas.parquet"))
            times.append(time.perf_counter() - start)
        pandas_s = statistics.median(times)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            cluster_run(client, source, out)  # warm the workers (imports, caches)
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                cluster_run(client, source, out)
                times.append(time.perf_counter() - start)
        dask_s = statistics.median(times)
        same = (pd.read_parquet(out)["status"].astype(str).value_counts().sort_index().equals(
            pd.read_parquet(Path(tmp, "pandas.parquet"))["status"].astype(str)
            .value_counts().sort_index()))
    print(f"{n:,} rows in {args.partitions} Parquet partitions, read, audited, written to Parquet")
    print(f"{'pandas, one process':<44} {pandas_s:>7.2f} s {n / pandas_s:>12,.0f} rows/s")
    print(f"{'audit_dask, LocalCluster 2 processes x 1':<44} {dask_s:>7.2f} s "
          f"{n / dask_s:>12,.0f} rows/s")
    print(f"speed-up {pandas_s / dask_s:.2f}x; same verdict counts: {same}")
    # The Dask target: the verdicts written to Parquet by a real cluster, the same as
    # pandas gives on the same data (there is no speed target for the cluster on one machine).
    print(target_line(f"audit_dask -> Parquet, LocalCluster, {n:,} rows",
                      "same verdicts as pandas", f"{n / dask_s:,.0f} rows/s ({pandas_s / dask_s:.2f}x)",
                      f"pandas {n / pandas_s:,.0f} rows/s", same))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
