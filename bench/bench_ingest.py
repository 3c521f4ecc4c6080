#!/usr/bin/python3
"""bench_ingest.py -- CSV ingestion speed of libchurn against pandas.read_csv on the same file,
in the same run, plus the msgpack save/load of the dataset and the peak memory of ingesting a
large events CSV against the size of the in-memory event log.

    /usr/bin/python3 bench/bench_ingest.py [--build build-data] [--mb 500] [--subs 1000000]
                                           [--rss-mb 2048] [--repeat 2]

A small C driver (bench/bench_ingest.c) is compiled against the build's libchurn; it generates a
subscribers CSV and a time-ordered events CSV (views with genre and slot, heartbeats, bills,
payments, usage, faults, complaints; ~50 bytes a row), ingests them (subscribers, events,
finalize = sort by subscriber and time), saves the dataset as msgpack, and loads it back.
pandas.read_csv reads the same events file with its defaults (strings kept as objects, times
as strings: the least pandas can do).  The machine is shared, so both wall-clock and CPU
seconds are reported, each the best of --repeat runs; the ratio of CPU seconds is the fairer
one when other processes compete for the two cores.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return {k: float(v) for k, v in (line.split() for line in out.splitlines() if line.strip())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build-data")
    ap.add_argument("--mb", type=float, default=500, help="size of the events CSV for speed")
    ap.add_argument("--subs", type=int, default=1000000)
    ap.add_argument("--rss-mb", type=float, default=0, help="also ingest an events CSV this big "
                    "(libchurn only) to measure peak RSS against the event log; 0 = skip")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--tmp", default=None)
    a = ap.parse_args()
    build = os.path.join(ROOT, a.build)
    work = tempfile.mkdtemp(prefix="churn-ingest-", dir=a.tmp)
    drv = os.path.join(work, "bench_ingest")
    subprocess.run(["cc", "-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE",
                    "-I" + os.path.join(ROOT, "include"), os.path.join(ROOT, "bench", "bench_ingest.c"),
                    "-o", drv, "-L" + os.path.join(build, "lib"),
                    "-Wl,-rpath," + os.path.join(build, "lib"), "-lchurn", "-lm"], check=True)
    subs, ev, pack = (os.path.join(work, n) for n in ("subs.csv", "events.csv", "ds.churnds"))
    try:
        g = run([drv, "gen", subs, ev, str(a.subs), str(a.mb), "1"])
        size = os.path.getsize(ev)
        n = int(g["generated_events"])
        print(f"events CSV: {size / 1e6:.0f} MB, {n} events; subscribers CSV: {a.subs} rows, "
              f"{os.path.getsize(subs) / 1e6:.0f} MB")
        best = {}
        pandas_wall = pandas_cpu = float("inf")
        import pandas as pd
        for _ in range(a.repeat):
            r = run([drv, "ingest", subs, ev, pack])
            for k, v in r.items():
                best[k] = min(best.get(k, v), v) if k.endswith("seconds") else v
            t, c = time.perf_counter(), time.process_time()
            df = pd.read_csv(ev)
            pandas_wall = min(pandas_wall, time.perf_counter() - t)
            pandas_cpu = min(pandas_cpu, time.process_time() - c)
            assert len(df) == n, (len(df), n)
            del df
        load = {}
        for _ in range(a.repeat):
            for k, v in run([drv, "load", pack]).items():
                load[k] = min(load.get(k, v), v)
        mb = size / 1e6
        print()
        print("| step | wall s | CPU s | MB/s (wall) | MB/s (CPU) | events/s (CPU) |")
        print("|---|---|---|---|---|---|")

        def row(name, wall, cpu, nbytes=size):
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {nbytes / 1e6 / wall:.0f} | "
                  f"{nbytes / 1e6 / cpu:.0f} | {n / cpu / 1e6:.1f} M |")

        row("libchurn read_events_csv", best["events_csv_seconds"], best["events_csv_cpu_seconds"])
        row("pandas.read_csv (defaults)", pandas_wall, pandas_cpu)
        print(f"| libchurn finalize (sort by subscriber, time) | {best['finalize_seconds']:.2f} | "
              f"{best['finalize_cpu_seconds']:.2f} | | | |")
        psize = os.path.getsize(pack)
        print(f"| libchurn save msgpack ({psize / 1e6:.0f} MB) | {best['save_seconds']:.2f} | "
              f"{best['save_cpu_seconds']:.2f} | {psize / 1e6 / best['save_seconds']:.0f} | | |")
        print(f"| libchurn load msgpack | {load['load_seconds']:.2f} | {load['load_cpu_seconds']:.2f} | "
              f"{psize / 1e6 / load['load_seconds']:.0f} | {psize / 1e6 / load['load_cpu_seconds']:.0f} | "
              f"{n / load['load_cpu_seconds'] / 1e6:.1f} M |")
        print()
        print(f"ratio libchurn / pandas: {pandas_wall / best['events_csv_seconds']:.2f}x (wall), "
              f"{pandas_cpu / best['events_csv_cpu_seconds']:.2f}x (CPU)  [target >= 3x]")
        print(f"subscribers CSV: {best['subs_seconds']:.2f} s wall; rejected rows: {int(best['rejected'])}")
        print(f"libchurn peak RSS {best['rss_peak_after_finalize_kb'] / 1024:.0f} MiB "
              f"(after subscribers {best['rss_after_subscribers_kb'] / 1024:.0f} MiB), "
              f"event log {best['event_log_bytes'] / 2**20:.0f} MiB; "
              f"load peak RSS {load['load_rss_peak_kb'] / 1024:.0f} MiB")
        if a.rss_mb > 0:
            os.remove(ev)
            os.remove(pack)
            g = run([drv, "gen", subs, ev, str(a.subs), str(a.rss_mb), "2"])
            size = os.path.getsize(ev)
            r = run([drv, "ingest", subs, ev])
            log = r["event_log_bytes"]
            peak = r["rss_peak_after_finalize_kb"] * 1024
            base = r["rss_after_subscribers_kb"] * 1024
            print()
            print(f"large file: {size / 1e9:.2f} GB, {int(r['events'])} events, "
                  f"read {size / 1e6 / r['events_csv_seconds']:.0f} MB/s wall "
                  f"({size / 1e6 / r['events_csv_cpu_seconds']:.0f} MB/s CPU), "
                  f"finalize {r['finalize_seconds']:.1f} s")
            print(f"peak RSS {peak / 2**20:.0f} MiB = {peak / log:.2f}x the event log "
                  f"({log / 2**20:.0f} MiB); without the process baseline and subscriber table "
                  f"({base / 2**20:.0f} MiB): {(peak - base) / log:.2f}x  [target < 1.5x]")
    finally:
        for f in os.listdir(work):
            os.remove(os.path.join(work, f))
        os.rmdir(work)


if __name__ == "__main__":
    sys.exit(main())
