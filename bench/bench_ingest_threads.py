#!/usr/bin/python3
"""bench_ingest_threads.py -- the events CSV read on 1 and on more threads
(CHURN_OPT_INGEST_THREADS, issue 22 item 4) against pandas.read_csv on the same file.

    /usr/bin/python3 bench/bench_ingest_threads.py [--build build-speed] [--mb 200]
                                                   [--subs 200000] [--threads 1,2] [--repeat 3]

Uses bench/bench_ingest.c (compiled here against the build's libchurn) to generate the same
subscribers + events pair as bench_ingest.py, then, --repeat times and alternating, reads the
events (after the subscribers, which are not timed) with each thread count in a fresh process,
and times pandas.read_csv (defaults) on the file in this process.  Reports the best wall and
CPU seconds of each; the rows read and rejected must be equal for every thread count.  The
machine is shared (2 cores, 8 engineers): wall seconds are what threads can improve, and they
move with the load, so the runs alternate and the best is kept.
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
    ap.add_argument("--build", default="build-speed")
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--subs", type=int, default=200000)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tmp", default=None)
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    build = os.path.join(ROOT, a.build)
    work = tempfile.mkdtemp(prefix="churn-ingest-threads-", dir=a.tmp)
    drv = os.path.join(work, "bench_ingest")
    subprocess.run(["cc", "-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE",
                    "-I" + os.path.join(ROOT, "include"), os.path.join(ROOT, "bench", "bench_ingest.c"),
                    "-o", drv, "-L" + os.path.join(build, "lib"),
                    "-Wl,-rpath," + os.path.join(build, "lib"), "-lchurn", "-lm"], check=True)
    subs, ev = os.path.join(work, "subs.csv"), os.path.join(work, "events.csv")
    try:
        g = run([drv, "gen", subs, ev, str(a.subs), str(a.mb), "1"])
        size = os.path.getsize(ev)
        n = int(g["generated_events"])
        print(f"events CSV: {size / 1e6:.0f} MB, {n} events; load average "
              f"{os.getloadavg()[0]:.1f}")
        import pandas as pd
        best = {t: [float("inf"), float("inf")] for t in threads}
        seen = {}
        pw = pc = float("inf")
        for _ in range(a.repeat):
            for t in threads:
                r = run([drv, "events", subs, ev, str(t)])
                best[t][0] = min(best[t][0], r["events_csv_seconds"])
                best[t][1] = min(best[t][1], r["events_csv_cpu_seconds"])
                seen.setdefault((r["events"], r["rejected"]), []).append(t)
            w, c = time.perf_counter(), time.process_time()
            df = pd.read_csv(ev)
            pw, pc = min(pw, time.perf_counter() - w), min(pc, time.process_time() - c)
            assert len(df) == n, (len(df), n)
            del df
        assert len(seen) == 1, f"thread counts disagree on (events, rejected): {seen}"
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        print()
        print("| reader | wall s (best) | CPU s (best, all threads) | pandas wall / this wall |")
        print("|---|---|---|---|")
        for t in threads:
            print(f"| libchurn, ingest.threads = {t} | {best[t][0]:.2f} | {best[t][1]:.2f} | "
                  f"{pw / best[t][0]:.1f}x |")
        print(f"| pandas.read_csv (defaults) | {pw:.2f} | {pc:.2f} | 1.0x |")
        t0 = threads[0]
        for t in threads[1:]:
            print(f"\nthreads {t} against {t0}: {best[t0][0] / best[t][0]:.2f}x wall")
    finally:
        for f in os.listdir(work):
            os.remove(os.path.join(work, f))
        os.rmdir(work)


if __name__ == "__main__":
    sys.exit(main())
