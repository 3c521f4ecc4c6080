#!/usr/bin/python3
"""bench_features.py -- point-in-time feature extraction speed.

Generates a synthetic operator (default 100,000 subscribers, ~20 million events over a year:
viewing, usage, heartbeats, bills, payments, faults, complaints, package changes, suspensions)
with numpy, loads it into a libchurn dataset through ctypes column appends, and times
churn_features_extract for the whole catalog with 1 and 2 threads.  Next to it, in the same
script and on the same events, a pandas groupby version and a numpy bincount version of a
handful of the same features (viewing minutes in the window and before it, the relative drop,
faults and complaints in the window, days since the last payment), checked equal to libchurn's
columns, so the ratio is measured on equal work.

Usage:  /usr/bin/python3 bench/bench_features.py [--subscribers N] [--events-per-sub K]
          [--repeat R] [--lib path/to/libchurn.so]
The library is found through --lib, CHURN_LIBRARY, or build-feat/lib/libchurn.so.
"""
import argparse
import ctypes as C
import os
import time

import numpy as np
import pandas as pd

DAY = 86400
T_END = 1704067200 + 365 * DAY  # 2025-01-01, after every generated event

# event kinds (churn.h)
BILL, PAYMENT, VIEW, HEARTBEAT, FAULT, COMPLAINT, PACKAGE_CHANGE, SUSPEND, RESUME, USAGE = (
    1, 2, 3, 4, 7, 8, 9, 10, 11, 14)


class Column(C.Structure):
    _fields_ = [("name", C.c_char_p), ("dtype", C.c_int), ("data", C.c_void_p),
                ("length", C.c_int64), ("valid", C.c_void_p), ("reserved", C.c_int64)]


F64, I64, I32, U8, STR = 1, 3, 4, 5, 6
DTYPE = {np.dtype(np.float64): F64, np.dtype(np.int64): I64, np.dtype(np.int32): I32,
         np.dtype(np.uint8): U8}


def load_lib(path):
    here = os.path.dirname(os.path.abspath(__file__))
    cands = [path, os.environ.get("CHURN_LIBRARY"),
             os.path.join(here, "..", "build-feat", "lib", "libchurn.so")]
    for c in cands:
        if c and os.path.exists(c):
            lib = C.CDLL(c)
            break
    else:
        raise SystemExit("libchurn.so not found: pass --lib")
    vp = C.c_void_p
    lib.churn_last_error.restype = C.c_char_p
    lib.churn_dataset_new.argtypes = [C.POINTER(vp)]
    lib.churn_dataset_free.argtypes = [vp]
    lib.churn_dataset_append_subscribers.argtypes = [vp, C.POINTER(Column), C.c_size_t, vp]
    lib.churn_dataset_append_events.argtypes = [vp, C.POINTER(Column), C.c_size_t, vp]
    lib.churn_dataset_finalize.argtypes = [vp, vp]
    lib.churn_options_new.argtypes = [C.POINTER(vp)]
    lib.churn_options_free.argtypes = [vp]
    lib.churn_options_set_int.argtypes = [vp, C.c_int, C.c_int64]
    lib.churn_features_extract.argtypes = [vp, C.POINTER(C.c_int64), C.c_size_t,
                                           C.POINTER(C.c_char_p), C.c_size_t, vp, C.POINTER(vp)]
    lib.churn_features_free.argtypes = [vp]
    lib.churn_features_nrows.argtypes = [vp]
    lib.churn_features_nrows.restype = C.c_int64
    lib.churn_features_ncols.argtypes = [vp]
    lib.churn_features_ncols.restype = C.c_int64
    lib.churn_features_matrix.argtypes = [vp]
    lib.churn_features_matrix.restype = C.POINTER(C.c_double)
    lib.churn_features_names.argtypes = [vp]
    lib.churn_features_names.restype = C.POINTER(C.c_char_p)
    lib.churn_features_subscribers.argtypes = [vp]
    lib.churn_features_subscribers.restype = C.POINTER(C.c_int64)
    return lib


def check(lib, st, what):
    if st != 0:
        raise RuntimeError(f"{what}: status {st}: {lib.churn_last_error().decode()}")


def columns(pairs):
    cols = (Column * len(pairs))()
    for i, (name, arr) in enumerate(pairs):
        cols[i] = Column(name.encode(), DTYPE[arr.dtype], arr.ctypes.data, len(arr), None, 0)
    return cols


def generate(n_subs, per_sub, rng):
    """Events as numpy columns, sorted by (subscriber, time) as a billing export would be."""
    counts = rng.poisson(per_sub, n_subs)
    n = int(counts.sum())
    sub = np.repeat(np.arange(n_subs, dtype=np.int32), counts)
    start = T_END - 365 * DAY
    t = rng.integers(start, T_END, n, dtype=np.int64)
    order = np.lexsort((t, sub))
    t = t[order]
    kinds = np.array([VIEW, HEARTBEAT, USAGE, BILL, PAYMENT, FAULT, COMPLAINT, PACKAGE_CHANGE,
                      SUSPEND, RESUME], dtype=np.uint8)
    p = np.array([0.50, 0.24, 0.14, 0.05, 0.05, 0.007, 0.005, 0.003, 0.0025, 0.0025])
    kind = kinds[rng.choice(len(kinds), n, p=p / p.sum())]
    value = np.where(kind == VIEW, rng.gamma(2.0, 40.0, n),
                     np.where(kind == USAGE, rng.gamma(2.0, 500.0, n),
                              np.where((kind == BILL) | (kind == PAYMENT), 50.0 + 10 * rng.integers(0, 5, n), 0.0)))
    code = np.where(kind == VIEW, rng.integers(0, 12, n),
                    np.where(kind == USAGE, rng.integers(1, 4, n),
                             np.where(kind == PACKAGE_CHANGE, rng.integers(0, 3, n), 0))).astype(np.uint8)
    code2 = np.where(kind == VIEW, rng.integers(1, 5, n), 0).astype(np.uint8)
    none = np.int32(-2**31)
    aux1 = np.full(n, none, dtype=np.int32)
    aux2 = np.full(n, none, dtype=np.int32)
    isbill = kind == BILL
    aux1[isbill] = 20 * DAY
    isfault = kind == FAULT
    aux1[isfault] = rng.integers(60, 7200, int(isfault.sum()))
    aux2[isfault] = rng.integers(3600, 4 * DAY, int(isfault.sum()))
    return dict(subscriber_index=sub, time=t, kind=kind, code=code, code2=code2, value=value,
                aux1=aux1, aux2=aux2), start


def build_dataset(lib, n_subs, ev, start):
    ds = C.c_void_p()
    check(lib, lib.churn_dataset_new(C.byref(ds)), "dataset_new")
    ids = np.arange(n_subs, dtype=np.int64)
    act = np.full(n_subs, start - 400 * DAY, dtype=np.int64)
    sc = columns([("subscriber_id", ids), ("activation", act)])
    check(lib, lib.churn_dataset_append_subscribers(ds, sc, len(sc), None), "append_subscribers")
    ec = columns(list(ev.items()))
    check(lib, lib.churn_dataset_append_events(ds, ec, len(ec), None), "append_events")
    check(lib, lib.churn_dataset_finalize(ds, None), "finalize")
    return ds


def extract(lib, ds, T, threads, names=None):
    opts = C.c_void_p()
    check(lib, lib.churn_options_new(C.byref(opts)), "options_new")
    check(lib, lib.churn_options_set_int(opts, 207, threads), "threads")  # FEAT_THREADS
    f = C.c_void_p()
    tt = (C.c_int64 * 1)(T)
    arr = None
    if names:
        arr = (C.c_char_p * len(names))(*[n.encode() for n in names])
    t0, c0 = time.perf_counter(), time.process_time()
    check(lib, lib.churn_features_extract(ds, tt, 1, arr, len(names) if names else 0, opts,
                                          C.byref(f)), "features_extract")
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    lib.churn_options_free(opts)
    return f, dt, cpu


def matrix(lib, f):
    n, d = lib.churn_features_nrows(f), lib.churn_features_ncols(f)
    X = np.ctypeslib.as_array(lib.churn_features_matrix(f), shape=(n, d)).copy()
    names = [lib.churn_features_names(f)[j].decode() for j in range(d)]
    return X, names


HANDFUL = ["usage.view_minutes", "usage.view_minutes_prev", "usage.view_drop", "service.faults",
           "service.complaints", "payment.days_since_payment"]


def pandas_features(df, n_subs, T, act):
    """The handful with a pandas groupby (window W = (T-90d, T], previous (T-180d, T-90d])."""
    L = 90 * DAY
    d = df[df.time <= T]
    recent = d.time > T - L
    prev = (d.time > T - 2 * L) & ~recent
    view = d.kind == VIEW
    out = pd.DataFrame(index=pd.RangeIndex(n_subs))
    g = d.value.where(view & recent, 0.0).groupby(d.subscriber).sum()
    out["view"] = g.reindex(out.index, fill_value=0.0)
    g = d.value.where(view & prev, 0.0).groupby(d.subscriber).sum()
    out["prev"] = g.reindex(out.index, fill_value=0.0)
    out["drop"] = np.where(out.prev > 0, (out.prev - out.view) / out.prev.where(out.prev > 0, 1), 0.0)
    out["faults"] = ((d.kind == FAULT) & recent).groupby(d.subscriber).sum().reindex(out.index, fill_value=0)
    out["complaints"] = ((d.kind == COMPLAINT) & recent).groupby(d.subscriber).sum().reindex(out.index, fill_value=0)
    lastpay = d.time[d.kind == PAYMENT].groupby(d.subscriber[d.kind == PAYMENT]).max()
    lastpay = lastpay.reindex(out.index).fillna(act).to_numpy()
    out["days_pay"] = (T - lastpay) / DAY
    return out.to_numpy(dtype=np.float64)


def numpy_features(ev, n_subs, T, act):
    """The same handful with np.bincount over masked columns."""
    L = 90 * DAY
    t, k, s, v = ev["time"], ev["kind"], ev["subscriber_index"], ev["value"]
    upto = t <= T
    recent = upto & (t > T - L)
    prev = upto & (t > T - 2 * L) & ~recent
    view = k == VIEW
    rv = np.bincount(s, weights=np.where(view & recent, v, 0.0), minlength=n_subs)
    pv = np.bincount(s, weights=np.where(view & prev, v, 0.0), minlength=n_subs)
    drop = np.divide(pv - rv, pv, out=np.zeros(n_subs), where=pv > 0)
    faults = np.bincount(s, weights=(k == FAULT) & recent, minlength=n_subs)
    compl = np.bincount(s, weights=(k == COMPLAINT) & recent, minlength=n_subs)
    pay = upto & (k == PAYMENT)
    last = np.full(n_subs, act, dtype=np.int64)
    np.maximum.at(last, s[pay], t[pay])
    return np.column_stack([rv, pv, drop, faults, compl, (T - last) / DAY])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscribers", type=int, default=100_000)
    ap.add_argument("--events-per-sub", type=float, default=200.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lib")
    a = ap.parse_args()
    lib = load_lib(a.lib)
    rng = np.random.default_rng(2024)
    ev, start = generate(a.subscribers, a.events_per_sub, rng)
    n_ev = len(ev["time"])
    t0 = time.perf_counter()
    ds = build_dataset(lib, a.subscribers, ev, start)
    print(f"dataset: {a.subscribers:,} subscribers, {n_ev:,} events "
          f"(append + finalize {time.perf_counter() - t0:.2f} s)")
    T = T_END  # every event is at or before T: each one is read
    act = start - 400 * DAY

    print(f"machine load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          f"(wall times suffer from other processes; 'cpu' is the CPU time the call used)")
    best, bestcpu = {}, {}
    for threads in (1, 2):
        times, cpus = [], []
        for _ in range(a.repeat):
            f, dt, cpu = extract(lib, ds, T, threads)
            times.append(dt)
            cpus.append(cpu)
            X, names = matrix(lib, f)
            lib.churn_features_free(f)
        best[threads], bestcpu[threads] = min(times), min(cpus)
        n, d = X.shape
        print(f"libchurn, all {d} catalog features, {threads} thread(s): wall {best[threads]*1e3:8.1f} ms"
              f" = {n_ev / best[threads] / 1e6:6.1f} M events/s, {n * d / best[threads] / 1e6:6.1f} M "
              f"feature values/s; cpu {bestcpu[threads]*1e3:7.1f} ms = "
              f"{n_ev / bestcpu[threads] / 1e6:6.1f} M events per cpu-second")
    print(f"  scaling 2 threads / 1 thread (wall): {best[1] / best[2]:.2f}x; cpu-seconds "
          f"2 threads / 1 thread: {bestcpu[2] / bestcpu[1]:.2f} (1.00 = no parallel overhead)")

    f, dt_hand, cpu_hand = extract(lib, ds, T, 1, HANDFUL)
    for _ in range(a.repeat - 1):
        f2, dt, cpu = extract(lib, ds, T, 1, HANDFUL)
        dt_hand, cpu_hand = min(dt_hand, dt), min(cpu_hand, cpu)
        lib.churn_features_free(f2)
    Xc, _ = matrix(lib, f)
    lib.churn_features_free(f)
    print(f"libchurn, the handful ({len(HANDFUL)}), 1 thread: wall {dt_hand*1e3:8.1f} ms"
          f" = {n_ev / dt_hand / 1e6:6.1f} M events/s; cpu {cpu_hand*1e3:7.1f} ms")

    df = pd.DataFrame({"subscriber": ev["subscriber_index"], "time": ev["time"], "kind": ev["kind"],
                       "value": ev["value"]})
    t0, c0 = time.perf_counter(), time.process_time()
    Xp = pandas_features(df, a.subscribers, T, act)
    dt_pd, cpu_pd = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    Xn = numpy_features(ev, a.subscribers, T, act)
    dt_np, cpu_np = time.perf_counter() - t0, time.process_time() - c0
    for name, Xo in (("pandas", Xp), ("numpy", Xn)):
        err = np.max(np.abs(Xo - Xc) / np.maximum(1.0, np.abs(Xc)))
        assert err < 1e-9, f"{name} differs from libchurn: {err}"
    print(f"pandas groupby, the handful:        wall {dt_pd*1e3:8.1f} ms = {n_ev / dt_pd / 1e6:6.1f} M events/s;"
          f" cpu {cpu_pd*1e3:7.1f} ms = {n_ev / cpu_pd / 1e6:6.1f} M events per cpu-second")
    print(f"numpy bincount, the handful:        wall {dt_np*1e3:8.1f} ms = {n_ev / dt_np / 1e6:6.1f} M events/s;"
          f" cpu {cpu_np*1e3:7.1f} ms = {n_ev / cpu_np / 1e6:6.1f} M events per cpu-second")
    print("  (pandas and numpy agree with libchurn's columns to 1e-9 relative)")
    print(f"ratios (wall): libchurn all {X.shape[1]} features, 1 thread, vs pandas handful: "
          f"{dt_pd / best[1]:.1f}x faster; vs numpy handful: {dt_np / best[1]:.1f}x; "
          f"libchurn handful vs pandas handful: {dt_pd / dt_hand:.1f}x")
    print(f"ratios (cpu):  libchurn all features vs pandas handful: {cpu_pd / bestcpu[1]:.1f}x; "
          f"vs numpy handful: {cpu_np / bestcpu[1]:.1f}x")
    lib.churn_dataset_free(ds)


if __name__ == "__main__":
    main()
