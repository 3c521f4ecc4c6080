"""bench_separation.py -- cost of churn_separation_check (Konis's LPs by libchurn's own small
simplex on the dual, k x k basis) against scipy.optimize.linprog (HiGHS) solving Konis's "is
there separation" LP (max sum(A b) s.t. A b >= 0, |b| <= 1) once on the same sign-adjusted,
column-scaled rows, and against one unpenalised churn_model_fit (on separated data: the time
until it fails with CHURN_E_SEPARATION, the exact check included), on:
  - the Telco design (7032 x 23, not separated: one LP),
  - simulated n x 32 float64 non-separated data (logistic with noise),
  - the same with one column equal to y (complete separation),
  - the same with a dummy set for 30% of the churners only (quasi-complete separation),
at 20,000 and 100,000 rows, and with --large also at 1,000,000 rows (there each figure is one
run: HiGHS takes tens of seconds).  One thread; each figure the best of REPS runs.  The scipy time includes building its sparse
constraint matrix, not the Python-side scaling.

Run:  /usr/bin/python3 bench/bench_separation.py [path/to/libchurn.so] [--large]
      (default build-sep/lib)
"""
import os
os.environ["OPENBLAS_NUM_THREADS"] = "1"
import sys
import time

import numpy as np
import pandas as pd
from scipy.optimize import linprog

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
LARGE = "--large" in sys.argv[1:]
os.environ.setdefault("CHURN_LIBRARY", ARGS[0] if ARGS else
                      os.path.join(HERE, "..", "build-sep", "lib", "libchurn.so"))
sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
import churn  # noqa: E402

REPS = 3


def best(f, reps=REPS):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        t.append(time.perf_counter() - t0)
    return min(t), out


def scipy_lp(X, y):
    Z = np.column_stack([np.ones(len(y)), X])
    A = (2 * y - 1)[:, None] * Z
    s = np.abs(A).max(axis=0)
    A = A / np.where(s > 0, s, 1)
    k = A.shape[1]
    def run():
        r = linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * k,
                    method="highs")
        return -r.fun > 1e-7
    return run


def case(name, X, y, reps=REPS):
    t_c, res = best(lambda: churn.check_separation(X, y), reps)
    t_s, sep = best(scipy_lp(X, y), reps)
    def fit():
        try:
            churn.LogisticRegression(penalty=None).fit(X, y)
            return "fits"
        except churn.ChurnError as e:
            return f"fails ({e.status_name})"
    t_f, how = best(fit, reps)
    fit = f"{t_f * 1e3:9.1f} ms, {how}"
    print(f"{name:40s} libchurn {t_c * 1e3:9.1f} ms ({res.kind:14s})  scipy/HiGHS {t_s * 1e3:9.1f} "
          f"ms (separated={sep})  ratio {t_c / t_s:5.2f}   unpenalised fit {fit}")


def main():
    d = pd.read_csv(os.path.join(HERE, "..", "..", "shared", "data", "telco", "telco_design.csv"))
    y = d.pop("churn").to_numpy(float)
    case("Telco 7032 x 23", d.to_numpy(), y)
    rng = np.random.default_rng(1)
    for n in (20_000, 100_000) + ((1_000_000,) if LARGE else ()):
        reps = 1 if n >= 1_000_000 else REPS
        X = rng.normal(size=(n, 32))
        y = (X @ rng.normal(size=32) * 0.3 + rng.logistic(size=n) > 0).astype(float)
        case(f"simulated {n} x 32", X, y, reps)
        Xs = X.copy()
        Xs[:, 5] = y
        case(f"simulated {n} x 32, x5 = y", Xs, y, reps)
        Xq = X.copy()
        Xq[:, 6] = (y == 1) & (rng.random(n) < 0.3)
        case(f"simulated {n} x 32, x6 churners only", Xq, y, reps)


if __name__ == "__main__":
    main()
