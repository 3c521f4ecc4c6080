"""bench_separation.py -- cost of churn_check_separation (Konis's LPs by libchurn's own small
simplex on the dual, k x k basis) against scipy.optimize.linprog (HiGHS) solving Konis's "is
there separation" LP (max sum(A b) s.t. A b >= 0, |b| <= 1) once on the same sign-adjusted,
column-scaled rows, and against one unpenalised churn_model_fit, on:
  - the Telco design (7032 x 23, not separated: one LP),
  - simulated n x 32 float64 non-separated data (logistic with noise),
  - the same with one column equal to y (complete separation: rounds + direction LPs).
One thread; each figure the best of REPS runs.  The scipy time includes building its sparse
constraint matrix, not the Python-side scaling.

Run:  /usr/bin/python3 bench/bench_separation.py [path/to/libchurn.so]   (default build-sep/lib)
"""
import os
os.environ["OPENBLAS_NUM_THREADS"] = "1"
import sys
import time

import numpy as np
import pandas as pd
from scipy.optimize import linprog

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("CHURN_LIBRARY", sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(HERE, "..", "build-sep", "lib", "libchurn.so"))
sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
import churn  # noqa: E402

REPS = 3


def best(f):
    t = []
    for _ in range(REPS):
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


def case(name, X, y):
    t_c, res = best(lambda: churn.check_separation(X, y))
    t_s, sep = best(scipy_lp(X, y))
    try:
        t_f, _ = best(lambda: churn.LogisticRegression(penalty=None).fit(X, y))
        fit = f"{t_f * 1e3:9.1f} ms"
    except churn.ChurnError as e:
        fit = f"fails ({e.status_name})"
    print(f"{name:34s} libchurn {t_c * 1e3:9.1f} ms ({res.kind:14s})  scipy/HiGHS {t_s * 1e3:9.1f} "
          f"ms (separated={sep})  ratio {t_c / t_s:5.2f}   unpenalised fit {fit}")


def main():
    d = pd.read_csv(os.path.join(HERE, "..", "..", "shared", "data", "telco", "telco_design.csv"))
    y = d.pop("churn").to_numpy(float)
    case("Telco 7032 x 23", d.to_numpy(), y)
    rng = np.random.default_rng(1)
    for n in (20_000, 100_000):
        X = rng.normal(size=(n, 32))
        y = (X @ rng.normal(size=32) * 0.3 + rng.logistic(size=n) > 0).astype(float)
        case(f"simulated {n} x 32", X, y)
        Xs = X.copy()
        Xs[:, 5] = y
        case(f"simulated {n} x 32, x5 = y", Xs, y)


if __name__ == "__main__":
    main()
