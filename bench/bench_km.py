#!/usr/bin/python3
"""bench_km.py -- Kaplan-Meier (with delayed entry) and Aalen-Johansen cumulative incidence on
N subscribers: libchurn (churn_survival_km / churn_survival_cif through ctypes) next to statsmodels
(SurvfuncRight with entry / CumIncidenceRight) on the same arrays, in one process.

Data: tenure in whole days (exponential, mean 900 days, capped at 20 years: heavy ties, as in
billing data), 30% churned in one of 3 categories, 40% entered late (left-truncated).
statsmodels' CumIncidenceRight has no delayed entry, so the CIF comparison runs without entry.
The results are also compared (max |difference| of survival / cif / std_err).

Usage: /usr/bin/python3 bench/bench_km.py [N] [BUILD_DIR]   (defaults 10000000, build-kpi)
"""
import ctypes
import os
import sys
import time

import numpy as np
from statsmodels.duration.survfunc import SurvfuncRight, CumIncidenceRight

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
BUILD = sys.argv[2] if len(sys.argv) > 2 else "build-kpi"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
lib = ctypes.CDLL(os.path.join(ROOT, BUILD, "lib", "libchurn.so"))

P = ctypes.POINTER
dptr, i64ptr = P(ctypes.c_double), P(ctypes.c_int64)
lib.churn_survival_km.argtypes = [dptr, dptr, dptr, ctypes.c_int64, ctypes.c_double, P(ctypes.c_void_p)]
lib.churn_survival_km.restype = ctypes.c_int
lib.churn_survival_cif.argtypes = [dptr, i64ptr, dptr, ctypes.c_int64, ctypes.c_double, P(ctypes.c_void_p)]
lib.churn_survival_cif.restype = ctypes.c_int
lib.churn_table_nrows.argtypes = [ctypes.c_void_p]
lib.churn_table_nrows.restype = ctypes.c_int64
lib.churn_table_find.argtypes = [ctypes.c_void_p, ctypes.c_char_p, i64ptr]
lib.churn_table_f64.argtypes = [ctypes.c_void_p, ctypes.c_int64, P(dptr)]
lib.churn_table_i64.argtypes = [ctypes.c_void_p, ctypes.c_int64, P(i64ptr)]
lib.churn_table_free.argtypes = [ctypes.c_void_p]
lib.churn_last_error.restype = ctypes.c_char_p


def column(t, name, kind="f"):
    j = ctypes.c_int64()
    assert lib.churn_table_find(t, name.encode(), ctypes.byref(j)) == 0
    n = lib.churn_table_nrows(t)
    if kind == "f":
        p = dptr()
        assert lib.churn_table_f64(t, j, ctypes.byref(p)) == 0
    else:
        p = i64ptr()
        assert lib.churn_table_i64(t, j, ctypes.byref(p)) == 0
    return np.ctypeslib.as_array(p, shape=(n,)).copy()


def as_ptr(a, t=dptr):
    return a.ctypes.data_as(t)


def timed(f, repeat):
    """Best wall time and best process CPU time (the machine is shared: CPU time is the
    steadier figure; both implementations run on one thread here)."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = f()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return (best, best_cpu), out


def fmt(tc, ts):
    return (f"libchurn {tc[0]:7.3f} s wall {tc[1]:7.3f} s cpu   statsmodels {ts[0]:7.3f} s wall "
            f"{ts[1]:7.3f} s cpu   ratio (cpu) {ts[1] / tc[1]:5.1f}x")


def churn_call(fn, dur, second, entry, ptr2):
    tab = ctypes.c_void_p()
    st = fn(as_ptr(dur), as_ptr(second, ptr2), as_ptr(entry) if entry is not None else None,
            len(dur), 0.05, ctypes.byref(tab))
    if st != 0:
        raise RuntimeError(lib.churn_last_error().decode())
    return tab


def main():
    rng = np.random.default_rng(7)
    dur = np.minimum(np.floor(rng.exponential(900.0, N)) + 1, 7300).astype(np.float64)
    cat = np.where(rng.uniform(size=N) < 0.3, rng.integers(1, 4, N), 0).astype(np.int64)
    event = (cat > 0).astype(np.float64)
    late = rng.uniform(size=N) < 0.4
    entry = np.where(late, np.floor(rng.uniform(size=N) * dur), 0.0)
    entry = np.minimum(entry, dur - 1)  # strictly before the exit
    rep = 3 if N <= 1_000_000 else 1
    print(f"N = {N:,} subscribers, {len(np.unique(dur))} distinct tenures; best of {rep}")

    # --- Kaplan-Meier with delayed entry
    t_c, tab = timed(lambda: churn_call(lib.churn_survival_km, dur, event, entry, dptr), rep)
    s_c, se_c = column(tab, "survival"), column(tab, "std_err")
    lib.churn_table_free(tab)
    t_s, sf = timed(lambda: SurvfuncRight(dur, event, entry=entry), rep)
    print(f"KM with entry : {fmt(t_c, t_s)}   max|dS| {np.max(np.abs(s_c - sf.surv_prob)):.1e}   "
          f"max|dSE| {np.nanmax(np.abs(se_c - sf.surv_prob_se)):.1e}")

    # --- Kaplan-Meier without entry
    t_c, tab = timed(lambda: churn_call(lib.churn_survival_km, dur, event, None, dptr), rep)
    lib.churn_table_free(tab)
    t_s, sf = timed(lambda: SurvfuncRight(dur, event), rep)
    print(f"KM            : {fmt(t_c, t_s)}")

    # --- cumulative incidence, 3 categories, no entry (statsmodels has none)
    t_c, tab = timed(lambda: churn_call(lib.churn_survival_cif, dur, cat, None, i64ptr), rep)
    f_c, se_c, k_c = column(tab, "cif"), column(tab, "std_err"), column(tab, "category", "i")
    tm_c = column(tab, "time")
    lib.churn_table_free(tab)
    t_s, ci = timed(lambda: CumIncidenceRight(dur, cat), rep)
    idx = np.searchsorted(ci.times, tm_c)
    ref_f = np.array([ci.cinc[k - 1][i] for k, i in zip(k_c, idx)])
    ref_se = np.array([ci.cinc_se[k - 1][i] for k, i in zip(k_c, idx)])
    print(f"CIF (3 cat.)  : {fmt(t_c, t_s)}   max|dF| {np.max(np.abs(f_c - ref_f)):.1e}   "
          f"max|dSE| {np.nanmax(np.abs(se_c - ref_se)):.1e}")

    # --- cumulative incidence with entry: libchurn only
    t_c, tab = timed(lambda: churn_call(lib.churn_survival_cif, dur, cat, entry, i64ptr), rep)
    lib.churn_table_free(tab)
    print(f"CIF with entry: libchurn {t_c[0]:7.3f} s wall {t_c[1]:7.3f} s cpu   "
          "(statsmodels: not supported)")


if __name__ == "__main__":
    main()
