#!/usr/bin/python3
"""bench_mapping.py -- an operator's own exports read through a mapping file
(churn_dataset_read_mapping: GB18030 text, Chinese headers, dates as 2024/01/10 04:54:44 in
local time, numbers as "1,234.50"), against pandas.read_csv reading the same files with
encoding="gb18030" and nothing else (no date or number parsing: the least pandas can do), in
the same run.

The exports come from the simulator (`churn simulate --export-style operator`), written once
into --dir and reused when present.  libchurn is called through the Python package (ctypes),
each thread count in a fresh Dataset; CPU seconds are those of this process.  Times are the
best of --repeat runs.

    /usr/bin/python3 bench/bench_mapping.py [--build build] [--subscribers 100000]
                                            [--months 12] [--dir /tmp/churn-mapping-bench]
                                            [--repeat 2]
"""
import argparse
import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def best(fn, repeat):
    wall = cpu = float("inf")
    out = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall = min(wall, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--subscribers", type=int, default=100000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--dir", default="/tmp/churn-mapping-bench")
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    os.environ["CHURN_LIBRARY"] = os.path.join(build, "lib", "libchurn.so")
    sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
    import churn
    import pandas as pd

    mapping = os.path.join(a.dir, "mapping.ini")
    if not os.path.exists(mapping):
        subprocess.run([os.path.join(build, "cli", "churn"), "simulate", "--subscribers",
                        str(a.subscribers), "--months", str(a.months), "--seed", "3", "--out",
                        a.dir, "--export-style", "operator", "--threads", "0"], check=True)
    files = [f for f in sorted(glob.glob(os.path.join(a.dir, "*.csv")))
             if not f.endswith("truth.csv")]
    mb = sum(os.path.getsize(f) for f in files) / 1e6
    print(f"exports: {len(files)} files, {mb:.0f} MB (GB18030); load average "
          f"{os.getloadavg()[0]:.1f}")

    def libchurn(threads):
        ds = churn.Dataset()
        ds.read_mapping(mapping, threads=threads)
        return ds.num_events

    def pandas_all():
        return sum(len(pd.read_csv(f, encoding="gb18030")) for f in files)

    rows = {}
    for name, fn in [("libchurn read_mapping, ingest.threads = 1", lambda: libchurn(1)),
                     ("pandas.read_csv(encoding='gb18030'), every file", pandas_all)]:
        wall, cpu, n = best(fn, a.repeat)
        rows[name] = wall
        print(f"  {name:48s} {wall:6.2f} s wall {cpu:6.2f} s CPU  ({n} rows)")
    lw, pw = rows.values()
    print(f"  pandas / libchurn (wall): {pw / lw:.2f}x")


if __name__ == "__main__":
    main()
