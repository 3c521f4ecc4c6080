"""bench_robust.py -- the cost of Firth's bias-reduced fit and of cluster-robust standard errors
next to the plain unpenalised fit, on the data set of bench_fit.py (n = 1,000,000 rows, d = 32
float64 features), ONE thread (OPENBLAS_NUM_THREADS=1 is set before numpy loads).

Rows, all through the Python binding (the ctypes call is the whole cost; X is passed zero-copy):
  - libchurn penalty=None, cov_type="nonrobust" (one exact X'WX at the optimum for inference)
  - libchurn penalty=None, cov_type="cluster" with ~400,000 households (sizes 1-4), their rows
    adjacent, and the same households with their rows scattered over X (random reads)
  - libchurn penalty="firth" (with its covariance, the inverse Fisher information)
Peers run in the same script on the same data:
  - statsmodels Logit.fit(method="newton", cov_type="cluster") -- what a Python user would run
    for clustered errors (the nonrobust statsmodels fit is timed too);
  - Firth in numpy: Newton on the modified score with the hat diagonal from a Cholesky factor
    (rowwise ||L^-1 x_i||^2, no n x n matrix) -- what a user without brglm2/logistf would write;
    there is no Firth in scikit-learn or statsmodels.
Each row prints the best of REPS runs, the ratio to libchurn's plain fit, and the largest
coefficient / standard-error difference against the peer (the same estimate, within tolerance).

Run:  /usr/bin/python3 bench/bench_robust.py [path/to/libchurn.so]   (default build/lib)
"""
import os
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build", "lib", "libchurn.so")
os.environ["CHURN_LIBRARY"] = os.path.abspath(LIB)
sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
import churn  # noqa: E402

N, D, REPS = 1_000_000, 32, 3


def make_data():
    """bench_fit.py's design plus household ids of 1-4 consecutive rows."""
    rng = np.random.default_rng(20261125)
    X = rng.standard_normal((N, D)) + 0.1 * np.arange(D)
    beta = rng.normal(0, 0.3, D)
    eta = -1.0 + (X - 0.1 * np.arange(D)) @ beta
    y = (rng.random(N) < 1 / (1 + np.exp(-eta))).astype(np.float64)
    sizes = rng.integers(1, 5, N)
    households = np.repeat(np.arange(N), sizes)[:N]
    return X, y, households


def best_of(fn, reps=REPS):
    best, out = float("inf"), None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def firth_numpy(X, y, tol=1e-8, max_iter=50):
    """Firth's logistic regression by Newton on the modified score, numpy only."""
    Z = np.hstack([np.ones((X.shape[0], 1)), X])
    b = np.zeros(Z.shape[1])

    def pen_loglik(b):
        eta = Z @ b
        p = 1 / (1 + np.exp(-eta))
        W = p * (1 - p)
        info = Z.T @ (Z * W[:, None])
        L = np.linalg.cholesky(info)
        ll = np.sum(y * eta - np.logaddexp(0, eta))
        return ll + np.log(np.diag(L)).sum(), p, W, L

    f, p, W, L = pen_loglik(b)
    for _ in range(max_iter):
        A = np.linalg.solve(L, Z.T)                  # L^-1 z_i as columns
        h = W * np.einsum("ij,ij->j", A, A)
        U = Z.T @ (y - p + h * (0.5 - p))
        if np.max(np.abs(U)) / len(y) <= tol:
            break
        step = np.linalg.solve(L.T, np.linalg.solve(L, U))
        for _ in range(30):                          # step halving on the penalised loglik
            fn, pn, Wn, Ln = pen_loglik(b + step)
            if fn >= f - 1e-12 * abs(f):
                break
            step *= 0.5
        b, f, p, W, L = b + step, fn, pn, Wn, Ln
    cov = np.linalg.inv(L @ L.T)
    return b, np.sqrt(np.diag(cov))


def coef_se(model):
    sf = model.summary_frame()
    return sf["coef"].to_numpy(), sf["std_err"].to_numpy()


def rel(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def main():
    X, y, groups = make_data()
    print(f"n = {N:,}, d = {D}, households = {groups.max() + 1:,}, one thread, best of {REPS}")
    rows = []

    def fit(**kw):
        g = kw.pop("groups", None)
        m = churn.LogisticRegression(penalty=kw.pop("penalty", None), n_jobs=1, **kw)
        return m.fit(X, y, groups=g) if g is not None else m.fit(X, y)

    t_plain, m_plain = best_of(lambda: fit())
    rows.append(("libchurn plain (nonrobust inference)", t_plain, None))
    t_clu, m_clu = best_of(lambda: fit(cov_type="cluster", groups=groups))
    rows.append(("libchurn cluster (households)", t_clu, None))
    perm = np.random.default_rng(7).permutation(N)
    Xp, yp, gp = np.ascontiguousarray(X[perm]), y[perm], groups[perm]
    t_scat, _ = best_of(lambda: churn.LogisticRegression(penalty=None, n_jobs=1,
                                                         cov_type="cluster").fit(Xp, yp, groups=gp))
    t_scat_plain, _ = best_of(lambda: churn.LogisticRegression(penalty=None, n_jobs=1).fit(Xp, yp))
    rows.append(("libchurn cluster, rows scattered", t_scat, None))
    del Xp
    t_firth, m_firth = best_of(lambda: fit(penalty="firth"))
    rows.append(("libchurn Firth", t_firth, None))

    import statsmodels.api as sm
    Xc = sm.add_constant(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sm, r_sm = best_of(lambda: sm.Logit(y, Xc).fit(method="newton", disp=0), reps=1)
        t_smc, r_smc = best_of(lambda: sm.Logit(y, Xc).fit(
            method="newton", disp=0, cov_type="cluster", cov_kwds={"groups": groups}), reps=1)
    c, s = coef_se(m_plain)
    rows.append(("statsmodels Logit newton", t_sm, (rel(c, r_sm.params), rel(s, r_sm.bse))))
    c, s = coef_se(m_clu)
    rows.append(("statsmodels Logit newton, cluster", t_smc,
                 (rel(c, r_smc.params), rel(s, r_smc.bse))))
    t_np, (b_np, se_np) = best_of(lambda: firth_numpy(X, y), reps=1)
    c, s = coef_se(m_firth)
    rows.append(("numpy Firth (Cholesky hat diagonal)", t_np, (rel(c, b_np), rel(s, se_np))))

    print(f"{'fit':40s} {'time':>10s} {'/ plain':>8s}  max rel diff coef / std err vs libchurn")
    for name, t, diff in rows:
        d = "" if diff is None else f"  {diff[0]:.1e} / {diff[1]:.1e}"
        print(f"{name:40s} {t * 1e3:8.0f} ms {t / t_plain:7.2f}x{d}")
    print(f"Firth / plain = {t_firth / t_plain:.2f}x (aim <= 3x); cluster / plain = "
          f"{t_clu / t_plain:.2f}x (rows scattered: {t_scat / t_scat_plain:.2f}x the plain fit of "
          f"the same permuted rows); statsmodels cluster / libchurn cluster = {t_smc / t_clu:.1f}x; "
          f"numpy Firth / libchurn Firth = {t_np / t_firth:.1f}x")


if __name__ == "__main__":
    main()
