"""bench_python.py -- what the Python binding costs on top of libchurn, against scikit-learn.

Usage: CHURN_LIBRARY=build/lib/libchurn.so PYTHONPATH=bindings/python \
       /usr/bin/python3 bench/bench_python.py [n] [d]

Same synthetic data (n x d float64, C order) for every contender:
  - fit: churn.LogisticRegression (L2, C=1, tol 1e-8) vs scikit-learn LogisticRegression lbfgs
    (its default) and newton-cholesky, with the final log-loss of each;
  - scoring: predict_proba throughput (rows/s) and the per-call overhead of a 1-row call;
  - memory: tracemalloc peak of the Python heap during fit / predict_proba against X's size
    (no copy of X: the peak stays O(n), far below n*d*8);
  - dask: churn.dask.fit on a LocalCluster(2 worker processes) with 8 partitions vs the
    in-memory fit (same estimate; the time is the distributed overhead on one machine).
Figures are the best of 3 runs; the machine is shared, so read ratios, not absolutes.
"""
import os
import sys
import time
import tracemalloc

import numpy as np
from sklearn.linear_model import LogisticRegression as SkLogit
from sklearn.metrics import log_loss

import churn


def best(fn, repeat=3):
    out, t = None, float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        t = min(t, time.perf_counter() - t0)
    return t, out


def peak(fn):
    tracemalloc.start()
    fn()
    p = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return p


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 5, d)
    beta = rng.normal(0, 0.3, d) / X.std(axis=0)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta - 1)))).astype(float)
    print(f"n={n} d={d} X={X.nbytes / 1e6:.0f} MB  libchurn {churn.library_version()} "
          f"({churn.library_path()})")

    t_churn, m = best(lambda: churn.LogisticRegression(C=1.0).fit(X, y))
    t_lbfgs, sk = best(lambda: SkLogit(C=1.0).fit(X, y))
    t_newton, skn = best(lambda: SkLogit(C=1.0, solver="newton-cholesky").fit(X, y))
    ll = {k: log_loss(y, e.predict_proba(X)[:, 1]) for k, e in
          (("churn", m), ("lbfgs", sk), ("newton", skn))}
    print(f"fit      churn {t_churn:7.3f} s  sklearn lbfgs {t_lbfgs:7.3f} s "
          f"({t_lbfgs / t_churn:4.1f}x)  newton-cholesky {t_newton:7.3f} s "
          f"({t_newton / t_churn:4.1f}x)")
    print(f"log-loss churn {ll['churn']:.10f}  lbfgs {ll['lbfgs']:.10f}  "
          f"newton {ll['newton']:.10f}")

    t_p, _ = best(lambda: m.predict_proba(X))
    t_sp, _ = best(lambda: sk.predict_proba(X))
    print(f"predict_proba  churn {n / t_p / 1e6:6.2f} M rows/s  sklearn {n / t_sp / 1e6:6.2f} "
          f"M rows/s  ({t_sp / t_p:4.1f}x)")
    one = X[:1]
    t1, _ = best(lambda: [m.predict_proba(one) for _ in range(1000)])
    t1s, _ = best(lambda: [sk.predict_proba(one) for _ in range(1000)])
    print(f"1-row call     churn {t1 * 1e3:6.1f} us  sklearn {t1s * 1e3:6.1f} us")

    pf = peak(lambda: churn.LogisticRegression(C=1.0).fit(X, y))
    pp = peak(lambda: m.predict_proba(X))
    pfs = peak(lambda: SkLogit(C=1.0).fit(X, y))
    print(f"python heap peak: churn fit {pf / 1e6:6.1f} MB, predict {pp / 1e6:6.1f} MB, "
          f"sklearn lbfgs fit {pfs / 1e6:6.1f} MB  (X is {X.nbytes / 1e6:.0f} MB)")

    import dask.array as da
    import distributed
    os.environ["CHURN_LIBRARY"] = churn.library_path()
    os.environ["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(
        churn.__file__)))
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        Xd = da.from_array(X, chunks=(n // 8, d)).persist()
        yd = da.from_array(y, chunks=n // 8).persist()
        t_dask, md = best(lambda: churn.dask.fit(Xd, yd, C=1.0), repeat=2)
        md12 = churn.dask.fit(Xd, yd, C=1.0, tol=1e-12)
    m12 = churn.LogisticRegression(C=1.0, tol=1e-12).fit(X, y)
    diff12 = np.max(np.abs(md12.coef_ - m12.coef_) / np.abs(m12.coef_).max())
    diff = np.max(np.abs(md.coef_ - m.coef_) / np.abs(m.coef_).max())
    print(f"dask fit (2 workers, 8 partitions) {t_dask:7.3f} s vs in-memory {t_churn:7.3f} s; "
          f"{md.n_passes_} passes; max |coef diff| / max |coef| {diff:.1e} (tol 1e-8), "
          f"{diff12:.1e} (tol 1e-12)")


if __name__ == "__main__":
    main()
