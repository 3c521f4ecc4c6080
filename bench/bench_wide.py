#!/usr/bin/python3
"""bench_wide.py -- a wide subscribers CSV (issue 22 item 5): COLS columns (the id, then numeric
attributes) and one row, read by churn_dataset_read_subscribers_csv in a child process, whose
wall time, CPU time and peak RSS (ru_maxrss of the child) are printed next to pandas.read_csv
on the same file (also in a child).  The cost used to be quadratic in the columns (pairwise
name comparisons) with ~1 GB RSS at 100,000 columns (row batches of 4,096 x columns cells).

Usage: /usr/bin/python3 bench/bench_wide.py [LIBCHURN_SO] [COLS ...]
       (default build-speed/lib/libchurn.so; columns 20000 100000)
"""
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
LIB = args.pop(0) if args and not args[0].isdigit() else os.path.join(ROOT, "build-speed", "lib",
                                                                        "libchurn.so")
COLS = [int(a) for a in args] or [20000, 100000]

RSS = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
CHURN_CHILD = r"""
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.churn_dataset_new.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
lib.churn_dataset_read_subscribers_csv.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
lib.churn_dataset_free.argtypes = [ctypes.c_void_p]
lib.churn_last_error.restype = ctypes.c_char_p
ds = ctypes.c_void_p()
assert lib.churn_dataset_new(ctypes.byref(ds)) == 0
st = lib.churn_dataset_read_subscribers_csv(ds, sys.argv[2].encode(), None)
if st != 0:
    sys.exit(lib.churn_last_error().decode())
lib.churn_dataset_free(ds)
""" + RSS
PANDAS_CHILD = "import sys, pandas; pandas.read_csv(sys.argv[1])\n" + RSS


def child(code, *argv):
    """Wall, CPU (user + sys) and the child's own peak RSS (MiB, printed by the child) of a
    fresh interpreter running code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(["/usr/bin/python3", "-c", code, *argv], check=True,
                         capture_output=True, text=True).stdout
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, int(out.split()[-1]) / 1024


def main():
    print(f"library {LIB}")
    for cols in COLS:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "wide.csv")
            with open(path, "w") as f:
                f.write("subscriber_id," + ",".join(f"a{j}" for j in range(cols - 1)) + "\n")
                f.write("S1," + ",".join(str(j % 997) for j in range(cols - 1)) + "\n")
            size = os.path.getsize(path) / 1e6
            w0, c0, _ = child("import ctypes\n" + RSS)  # interpreter start-up, subtracted below
            w, c, rss = child(CHURN_CHILD, LIB, path)
            pw, pc, prss = child(PANDAS_CHILD, path)
            print(f"{cols:7d} columns x 1 row ({size:.2f} MB): libchurn {w - w0:7.2f} s wall "
                  f"{c - c0:7.2f} s cpu, peak RSS {rss:6.0f} MiB | pandas.read_csv {pw - w0:6.2f} s "
                  f"wall {pc - c0:6.2f} s cpu, peak RSS {prss:6.0f} MiB")


if __name__ == "__main__":
    main()
