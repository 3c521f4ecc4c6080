"""bench_fit.py -- logistic-regression fit and scoring speed of libchurn against its peers, on one
synthetic data set (n = 1,000,000 rows, d = 32 float64 features), everything on ONE thread unless
said otherwise (OPENBLAS_NUM_THREADS=1 is set before numpy loads).

Fits compared (time, final gradient norm of each solver's own objective, mean log loss):
  - libchurn churn_model_fit, unpenalised, 1 and 2 threads, with and without inference
    (fit.inference = 0 skips the one exact X'WX at the optimum that the covariance needs)
  - scikit-learn 1.2 LogisticRegression(penalty=None, solver="lbfgs") (defaults otherwise)
  - statsmodels Logit.fit(method="newton")
  - liblinear 2.3 -s 0 (L2 with C=1 and a penalised bias: its objective) called in-process through
    ctypes on liblinear.so (so no file parsing is timed), against libchurn with penalty L2, C=1 on
    raw columns (scikit-learn's objective: the intercept is not penalised).
Scoring: churn_model_predict_proba over all rows, as rows/s and GB/s of X read, against the memory
bandwidth measured here (numpy sum over X, one thread).

Churn-like fit (--part churnlike): 1M x 32, ~10% churners (intercept -2, true coefficients
N(0, 0.3), standard-normal columns), L2 with C = 1 on raw columns (scikit-learn's objective:
sum_i logloss_i + |b|^2 / 2, intercept unpenalised), both solvers at tol = 1e-6 in their own
terms: scikit-learn lbfgs stops when max_j |dF/db_j| <= tol (scipy's gtol on the raw objective);
libchurn when max_j |dF/db~_j| / sum of weights <= tol, b~ the coefficients of its internally
scaled columns (fit.tol in churn.h).  Both are then judged by the same yardstick: the Euclidean
norm and the max-norm of the raw gradient of F at their answers.

Python scoring (--part scoring): churn.LogisticRegression.predict_proba / decision_function /
predict / explain through the Python API on the same X, as GB/s of X read, against the fastest
numpy read of X (the min of X.sum() and X @ w, one thread), and the C call alone.  The package is
imported from PYTHONPATH (default bindings/python), so an older binding can be timed with the
same script.

Run:  /usr/bin/python3 bench/bench_fit.py [path/to/libchurn.so] [--part all|fits|scoring]
      (default library build-model/lib; default part all; parts: all, scoring, churnlike)
"""
import os
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
import ctypes as C
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
PART = "all"
for _i, _a in enumerate(sys.argv):
    if _a == "--part":
        PART = sys.argv[_i + 1]
        ARGS = [a for a in ARGS if a != PART]
LIB = ARGS[0] if ARGS else os.path.join(HERE, "..", "build-model", "lib", "libchurn.so")
N, D, REPS = 1_000_000, 32, 3

# --- libchurn through ctypes -------------------------------------------------------------------
lib = C.CDLL(LIB)
P, I64, DBL = C.c_void_p, C.c_int64, C.c_double
lib.churn_options_new.argtypes = [C.POINTER(P)]
lib.churn_options_free.argtypes = [P]
lib.churn_options_set_int.argtypes = [P, C.c_int, I64]
lib.churn_options_set_real.argtypes = [P, C.c_int, DBL]
lib.churn_model_fit.argtypes = [P, C.c_int, I64, I64, I64, P, P, P, P, C.POINTER(P)]
lib.churn_model_free.argtypes = [P]
lib.churn_model_coef.argtypes = [P, P, P]
lib.churn_model_stat.argtypes = [P, C.c_int, C.POINTER(DBL)]
lib.churn_model_predict_proba.argtypes = [P, P, C.c_int, I64, I64, I64, P]
lib.churn_last_error.restype = C.c_char_p
F64 = 1
OPT_PENALTY, OPT_C, OPT_STANDARDIZE, OPT_THREADS, OPT_INFERENCE = 100, 101, 107, 108, 112
STAT_N_ITER, STAT_N_PASSES = 8, 16


def churn_fit(X, y, threads=1, inference=1, penalty=0, standardize=1):
    o = P()
    lib.churn_options_new(C.byref(o))
    lib.churn_options_set_int(o, OPT_THREADS, threads)
    lib.churn_options_set_int(o, OPT_INFERENCE, inference)
    lib.churn_options_set_int(o, OPT_PENALTY, penalty)
    lib.churn_options_set_int(o, OPT_STANDARDIZE, standardize)
    lib.churn_options_set_real(o, OPT_C, 1.0)
    m = P()
    t = time.perf_counter()
    st = lib.churn_model_fit(X.ctypes.data, F64, X.shape[0], X.shape[1], X.shape[1],
                             y.ctypes.data, None, None, o, C.byref(m))
    el = time.perf_counter() - t
    lib.churn_options_free(o)
    if st != 0:
        raise RuntimeError(lib.churn_last_error().decode())
    coef, b0 = np.empty(X.shape[1]), DBL()
    lib.churn_model_coef(m, coef.ctypes.data, C.byref(b0))
    it, ps = DBL(), DBL()
    lib.churn_model_stat(m, STAT_N_ITER, C.byref(it))
    lib.churn_model_stat(m, STAT_N_PASSES, C.byref(ps))
    return el, b0.value, coef, m, int(it.value), int(ps.value)


# --- liblinear 2.3 through ctypes ----------------------------------------------------------------
class FeatureNode(C.Structure):
    _fields_ = [("index", C.c_int), ("value", C.c_double)]


class Problem(C.Structure):
    _fields_ = [("l", C.c_int), ("n", C.c_int), ("y", C.POINTER(C.c_double)),
                ("x", C.POINTER(C.POINTER(FeatureNode))), ("bias", C.c_double)]


class Parameter(C.Structure):  # liblinear 2.30 layout (no nu / regularize_bias yet)
    _fields_ = [("solver_type", C.c_int), ("eps", C.c_double), ("C", C.c_double),
                ("nr_weight", C.c_int), ("weight_label", C.POINTER(C.c_int)),
                ("weight", C.POINTER(C.c_double)), ("p", C.c_double),
                ("init_sol", C.POINTER(C.c_double))]


def liblinear_fit(X, y):
    ll = C.CDLL("liblinear.so.4")
    ll.train.restype = P
    ll.train.argtypes = [C.POINTER(Problem), C.POINTER(Parameter)]
    ll.get_decfun_coef.restype = C.c_double
    ll.get_decfun_coef.argtypes = [P, C.c_int, C.c_int]
    ll.get_decfun_bias.restype = C.c_double
    ll.get_decfun_bias.argtypes = [P, C.c_int]
    ll.get_labels.argtypes = [P, C.POINTER(C.c_int)]
    ll.free_and_destroy_model.argtypes = [C.POINTER(P)]
    PRINT = C.CFUNCTYPE(None, C.c_char_p)
    quiet = PRINT(lambda s: None)
    ll.set_print_string_function(quiet)
    n, d = X.shape
    nodes = np.zeros((n, d + 2), dtype=np.dtype([("index", np.int32), ("value", np.float64)], align=True))
    nodes["index"][:, :d] = np.arange(1, d + 1, dtype=np.int32)
    nodes["value"][:, :d] = X
    nodes["index"][:, d] = d + 1          # the bias feature (value = bias)
    nodes["value"][:, d] = 1.0
    nodes["index"][:, d + 1] = -1
    base = nodes.ctypes.data
    rows = (C.POINTER(FeatureNode) * n)()
    addr = np.frombuffer(rows, dtype=np.uintp)
    addr[:] = base + np.arange(n, dtype=np.uintp) * nodes.strides[0]
    yy = np.ascontiguousarray(y, dtype=np.float64)
    prob = Problem(n, d + 1, yy.ctypes.data_as(C.POINTER(C.c_double)), rows, 1.0)
    param = Parameter(0, 0.01, 1.0, 0, None, None, 0.1, None)  # -s 0 defaults: eps 0.01, C 1
    t = time.perf_counter()
    model = ll.train(C.byref(prob), C.byref(param))
    el = time.perf_counter() - t
    labels = (C.c_int * 2)()
    ll.get_labels(model, labels)
    sign = 1.0 if labels[0] == 1 else -1.0
    coef = np.array([ll.get_decfun_coef(model, j + 1, 0) for j in range(d)]) * sign
    b0 = ll.get_decfun_bias(model, 0) * sign
    mp = P(model)
    ll.free_and_destroy_model(C.byref(mp))
    return el, b0, coef


# --- helpers -------------------------------------------------------------------------------------
def grad_norm(X, y, b0, b, l2=0.0, penalize_bias=False):
    """Euclidean norm of the gradient of sum_i logloss_i + l2/2 (|b|^2 [+ b0^2])."""
    eta = X @ b + b0
    r = 1.0 / (1.0 + np.exp(-eta)) - y
    g = np.concatenate([[r.sum()], X.T @ r])
    g[1:] += l2 * b
    if penalize_bias:
        g[0] += l2 * b0
    return float(np.sqrt(g @ g))


def log_loss(X, y, b0, b):
    eta = X @ b + b0
    return float(np.mean(np.logaddexp(0, eta) - y * eta))


def best_of(fn, reps=REPS):
    out = [fn() for _ in range(reps)]
    return min(out, key=lambda r: r[0])


def python_scoring(X, y, read_s):
    """Scoring through the Python API (the estimator a user holds), best of 7 each."""
    os.environ["CHURN_LIBRARY"] = os.path.abspath(LIB)
    if not any(p.endswith(os.path.join("bindings", "python")) or "churn" in p
               for p in sys.path[1:] if p):
        sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
    import churn
    print(f"python scoring: churn package from {os.path.dirname(churn.__file__)}")
    est = churn.LogisticRegression(penalty=None, tol=1e-6).fit(X[:200_000], y[:200_000])
    out = np.empty(X.shape[0])

    def timed(fn, reps=7):
        best = float("inf")
        for _ in range(reps):
            t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
        return best

    gb = X.nbytes / 1e9
    h = est._model.ptr
    t_c = timed(lambda: lib.churn_model_predict_proba(h, X.ctypes.data, F64, X.shape[0],
                                                      X.shape[1], X.shape[1], out.ctypes.data))
    print(f"  {'C churn_model_predict_proba alone':44s} {t_c * 1e3:7.1f} ms {gb / t_c:5.1f} GB/s "
          f"= {100 * read_s / t_c:3.0f}% of the fastest numpy read")
    for name, fn in [("predict_proba(X)", lambda: est.predict_proba(X)),
                     ("decision_function(X)", lambda: est.decision_function(X)),
                     ("predict(X)", lambda: est.predict(X))]:
        t = timed(fn)
        print(f"  {name:44s} {t * 1e3:7.1f} ms {gb / t:5.1f} GB/s = {100 * read_s / t:3.0f}% of "
              f"the fastest numpy read")
    Xe = X[:100_000]
    t = timed(lambda: est.explain(Xe), 3)
    print(f"  {'explain(X[:100000]) (top 3 reasons)':44s} {t * 1e3:7.1f} ms")


def numpy_read(X):
    """The fastest numpy read of X, one thread: min over 5 runs of X.sum() and X @ w."""
    w = np.ones(X.shape[1])
    best = {}
    for name, fn in [("X.sum()", X.sum), ("X @ w", lambda: X @ w)]:
        b = float("inf")
        for _ in range(5):
            t0 = time.perf_counter(); fn(); b = min(b, time.perf_counter() - t0)
        best[name] = b
        print(f"  numpy {name:8s} {b * 1e3:6.1f} ms = {X.nbytes / b / 1e9:5.1f} GB/s")
    return min(best.values())


def churnlike():
    """The churn-like L2 problem at tol 1e-6 for both solvers (see the module docstring)."""
    rng = np.random.default_rng(20261207)
    X = rng.standard_normal((N, D))
    beta = rng.normal(0, 0.3, D)
    y = (rng.random(N) < 1 / (1 + np.exp(-(X @ beta - 2.0)))).astype(np.float64)
    print(f"churn-like data: n={N} d={D}, churners {y.mean():.3f}; L2 C=1 raw columns, tol 1e-6")

    def gmax(b0, b):
        eta = X @ b + b0
        r = 1.0 / (1.0 + np.exp(-eta)) - y
        g = np.concatenate([[r.sum()], X.T @ r + b])
        return float(np.sqrt(g @ g)), float(np.abs(g).max())

    o_tol = 104  # CHURN_OPT_FIT_TOL

    def churn_l2(threads=1):
        o = P()
        lib.churn_options_new(C.byref(o))
        for key, v in [(OPT_THREADS, threads), (OPT_INFERENCE, 0), (OPT_PENALTY, 1),
                       (OPT_STANDARDIZE, 0)]:
            lib.churn_options_set_int(o, key, v)
        lib.churn_options_set_real(o, OPT_C, 1.0)
        lib.churn_options_set_real(o, o_tol, 1e-6)
        m = P()
        t = time.perf_counter()
        st = lib.churn_model_fit(X.ctypes.data, F64, N, D, D, y.ctypes.data, None, None, o,
                                 C.byref(m))
        el = time.perf_counter() - t
        lib.churn_options_free(o)
        if st != 0:
            raise RuntimeError(lib.churn_last_error().decode())
        coef, b0 = np.empty(D), DBL()
        lib.churn_model_coef(m, coef.ctypes.data, C.byref(b0))
        it = DBL()
        lib.churn_model_stat(m, STAT_N_ITER, C.byref(it))
        lib.churn_model_free(m)
        return el, b0.value, coef, int(it.value)

    from sklearn.linear_model import LogisticRegression

    def sk():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            r = LogisticRegression(penalty="l2", C=1.0, tol=1e-6, solver="lbfgs",
                                   max_iter=1000).fit(X, y)
            return time.perf_counter() - t, r.intercept_[0], r.coef_.ravel(), int(r.n_iter_[0])

    res = {}
    for name, fn in [("libchurn L2 C=1, tol 1e-6, 1 thread", churn_l2),
                     ("libchurn L2 C=1, tol 1e-6, 2 threads", lambda: churn_l2(2)),
                     ("scikit-learn lbfgs L2 C=1, tol 1e-6", sk)]:
        el, b0, b, it = best_of(fn)
        g2, gm = gmax(b0, b)
        res[name] = el
        print(f"  {name:40s} {el * 1e3:8.1f} ms  |grad|_2 {g2:9.3g}  |grad|_max {gm:9.3g}  "
              f"logloss {log_loss(X, y, b0, b):.10f}  ({it} iterations)")
    a, a2, b = res.values()
    print(f"  ratio sklearn lbfgs / libchurn: {b / a:5.2f}x (1 thread), {b / a2:5.2f}x (2 threads)")


def main():
    if PART == "churnlike":
        churnlike()
        return
    rng = np.random.default_rng(20261125)
    X = rng.standard_normal((N, D)) + 0.1 * np.arange(D)
    beta = rng.normal(0, 0.3, D)
    eta = (X - 0.1 * np.arange(D)) @ beta - 1.0
    y = (rng.random(N) < 1 / (1 + np.exp(-eta))).astype(np.float64)
    print(f"data: n={N} d={D} float64 ({X.nbytes / 1e9:.3f} GB), positives {y.mean():.3f}")
    if PART == "scoring":
        print("numpy reads of X (one thread):")
        python_scoring(X, y, numpy_read(X))
        return

    # memory bandwidth, one thread: numpy reading X
    t0 = time.perf_counter(); X.sum(); tsum = time.perf_counter() - t0
    for _ in range(4):
        t0 = time.perf_counter(); X.sum(); tsum = min(tsum, time.perf_counter() - t0)
    bw = X.nbytes / tsum
    print(f"memory bandwidth (numpy X.sum(), 1 thread): {bw / 1e9:.1f} GB/s ({tsum * 1e3:.1f} ms per read of X)")

    rows = []

    def report(name, el, b0, b, l2=0.0, pen_bias=False, extra=""):
        g = grad_norm(X, y, b0, b, l2, pen_bias)
        rows.append((name, el, g, log_loss(X, y, b0, b), extra))
        print(f"  {name:48s} {el * 1e3:9.1f} ms  |grad| {g:9.3g}  logloss {rows[-1][3]:.10f} {extra}")

    print("fits (best of %d; gradient of each solver's own objective, summed over rows):" % REPS)
    models = []
    for th, inf in [(1, 0), (1, 1), (2, 0), (2, 1)]:
        el, b0, b, m, it, ps = best_of(lambda: churn_fit(X, y, th, inf))
        models.append(m)
        report(f"libchurn unpenalised, {th} thread(s), inference={inf}", el, b0, b,
               extra=f"({it} iterations, {ps} passes)")
    churn_none_1 = rows[0][1]
    churn_inf_1 = rows[1][1]

    from sklearn.linear_model import LogisticRegression
    def sk():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            r = LogisticRegression(penalty=None, solver="lbfgs").fit(X, y)
            return time.perf_counter() - t, r.intercept_[0], r.coef_.ravel()
    el, b0, b = best_of(sk)
    report("scikit-learn lbfgs, penalty=None", el, b0, b)
    t_sk = el

    import statsmodels.api as sm
    X1 = sm.add_constant(X)
    t = time.perf_counter()
    res = sm.Logit(y, X1).fit(method="newton", disp=False)
    el = time.perf_counter() - t
    report("statsmodels Logit newton (+ its covariance)", el, res.params[0], res.params[1:])
    del X1

    el, b0, b, m, it, ps = best_of(lambda: churn_fit(X, y, 1, 0, penalty=1, standardize=0))
    models.append(m)
    report("libchurn L2 C=1 raw columns, 1 thread", el, b0, b, l2=1.0, extra=f"({it} iterations)")
    t_l2 = el
    el, b0, b = liblinear_fit(X, y)
    report("liblinear 2.3 -s 0 C=1 in-process (bias penalised)", el, b0, b, l2=1.0, pen_bias=True)
    t_ll = el

    print("ratios (peer time / libchurn time, one thread):")
    print(f"  sklearn lbfgs / libchurn (inference=0):   {t_sk / churn_none_1:6.2f}x   (target >= 4x)")
    print(f"  sklearn lbfgs / libchurn (inference=1):   {t_sk / churn_inf_1:6.2f}x")
    print(f"  liblinear -s 0 / libchurn L2:             {t_ll / t_l2:6.2f}x   (target >= 10x)")

    # scoring throughput
    out = np.empty(N)
    m = models[0]
    def score():
        t = time.perf_counter()
        st = lib.churn_model_predict_proba(m, X.ctypes.data, F64, N, D, D, out.ctypes.data)
        assert st == 0
        return (time.perf_counter() - t,)
    ts = best_of(score, 5)[0]
    gbs = X.nbytes / ts
    print(f"scoring (predict_proba, 1 thread): {ts * 1e3:.1f} ms, {N / ts / 1e6:.1f} M rows/s, "
          f"{gbs / 1e9:.1f} GB/s of X = {100 * gbs / bw:.0f}% of the measured bandwidth (target >= 70%)")
    for mm in models:
        lib.churn_model_free(mm)
    if PART == "all":
        print("numpy reads of X (one thread):")
        python_scoring(X, y, numpy_read(X))


if __name__ == "__main__":
    main()
