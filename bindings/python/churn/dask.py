"""churn.dask -- fit the churn model on data spread over a Dask cluster, and score it there.

fit(X, y) runs libchurn's Newton driver (churn_solver_*) on the client and the passes over the
data on the workers, through the mergeable sufficient statistics of section 6d of churn.h:

  1. labels: each worker counts the labels of its partitions; the client merges them into
     classes_ (two labels, mapped to 0/1) and the class weights;
  2. moments (pass 0: column means and scales, class counts, data checks): each worker runs a
     solver of its own over its partitions (churn_solver_add_moments, errors naming the global
     row: the partition offsets come from the label counts of step 1) and returns its moments,
     3d + 5 numbers (churn_solver_get_moments); the client merges them in partition order
     (churn_solver_merge_moments);
  3. every Newton pass: the client sends the coefficients and an empty statistics object
     (msgpack, O(d^2) bytes) to the workers; each accumulates X'WX, the gradient and the
     log-likelihood over its partitions (churn_suffstats_accumulate) and returns them
     serialised; the client merges them (churn_suffstats_merge) and takes the step
     (churn_solver_step).  The data never leave the workers in these passes.  With
     cov_type="HC0"/"HC1" the passes that carry the Hessian also carry the score outer products
     (churn_solver_wants_hessian = 2; "meat" in the statistics' msgpack format 1.1), so the
     sandwich covariance is the in-memory fit's.

The data never leave the workers.  The result is a churn.LogisticRegression equal to the
in-memory fit on the same rows (the same driver and objective; only the floating-point summation
order differs).  The partitions are
persisted on the cluster for the duration of the fit.

X is a dask array (n x d; column chunks are merged) or a dask DataFrame (its column names
become the feature names); y (and sample_weight) a dask array or Series partitioned like X's
rows.  Uses the active dask scheduler: a distributed.Client if one is running.
"""
import ctypes

import numpy as np
import pandas as pd

import dask
import dask.array as da
import dask.dataframe as dd
from dask import delayed

from ._arrays import as_matrix, as_vector, ptr, string_array
from ._handle import Handle
from ._lib import CHURN_E_BUFFER, LIB, check
from .model import LogisticRegression

__all__ = ["fit", "predict_proba"]


# --- inputs as aligned lists of delayed partitions ---------------------------------------------

def _rows_parts(v, chunks, name):
    if v is None:
        return None
    if isinstance(v, (dd.Series, dd.DataFrame)):
        return list(v.to_delayed())
    if isinstance(v, da.Array):
        if v.ndim == 2 and v.shape[1] == 1:
            v = v[:, 0]
        if v.ndim != 1:
            raise ValueError(f"{name} must be 1-D; got shape {v.shape}")
        if chunks is not None and v.chunks[0] != chunks:
            v = v.rechunk({0: chunks})
        return list(v.to_delayed())
    raise TypeError(f"{name} must be a dask array or dask Series; got {type(v).__name__}")


def _partitions(X, y, sample_weight):
    """(X parts, y parts, w parts or None, feature names or None)."""
    if isinstance(X, dd.DataFrame):
        names = [str(c) for c in X.columns]
        xs = list(X.to_delayed())
        chunks = None
    elif isinstance(X, da.Array):
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D; got shape {X.shape}")
        names = None
        if len(X.chunks[1]) > 1:
            X = X.rechunk({1: -1})
        xs = list(X.to_delayed().ravel())
        chunks = X.chunks[0] if not any(np.isnan(X.chunks[0])) else None
    else:
        raise TypeError("X must be a dask array or dask DataFrame; got "
                        f"{type(X).__name__} (use churn.LogisticRegression for in-memory data)")
    ys = _rows_parts(y, chunks, "y")
    ws = _rows_parts(sample_weight, chunks, "sample_weight")
    for other, what in ((ys, "y"), (ws, "sample_weight")):
        if other is not None and len(other) != len(xs):
            raise ValueError(f"{what} has {len(other)} partitions but X has {len(xs)}: "
                             "partition them alike")
    return xs, ys, ws, names


# --- worker-side tasks ---------------------------------------------------------------------------

def _label_counts(y):
    values, counts = np.unique(np.asarray(y), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def _part_arrays(X, y, w, classes, class_factors):
    """A partition as (Matrix, y 0/1 float64, weights or None)."""
    m = as_matrix(X)
    yv = np.asarray(y)
    if yv.shape[0] != m.rows:
        raise ValueError(f"a partition has {m.rows} rows of X but {yv.shape[0]} labels")
    y01 = (yv == classes[1]).astype(np.float64)
    wv = None if w is None else as_vector(w, m.rows, "sample_weight")
    if class_factors is not None:
        f = np.where(y01 == 1.0, class_factors[1], class_factors[0])
        wv = f if wv is None else wv * f
    return m, y01, wv


def _accumulate(template, X, y, w, classes, class_factors, beta, want_hessian, first_row):
    """On a worker: the statistics of one partition at beta, serialised."""
    st = _stats_from_bytes(template)
    m, y01, wv = _part_arrays(X, y, w, classes, class_factors)
    b = np.ascontiguousarray(beta, dtype=np.float64)
    check(LIB.churn_suffstats_accumulate(st.ptr, m.ptr, m.dtype, m.rows, m.cols, m.stride,
                                         ptr(y01), ptr(wv), ptr(b), int(want_hessian),
                                         int(first_row)))
    return _stats_bytes(st.ptr)


def _moments(d, names, X, y, w, classes, class_factors, first_row):
    """On a worker: pass 0 over one partition, as the 3d + 5 moments of churn.h 6d."""
    m, y01, wv = _part_arrays(X, y, w, classes, class_factors)
    out = ctypes.c_void_p()
    names_c = string_array(names)
    check(LIB.churn_solver_new(d, names_c.ptr if names_c else None, None, ctypes.byref(out)))
    solver = Handle(out.value, LIB.churn_solver_free)
    check(LIB.churn_solver_add_moments(solver.ptr, m.ptr, m.dtype, m.rows, m.cols, m.stride,
                                       ptr(y01), ptr(wv), int(first_row)))
    mom = np.empty(3 * d + 5)
    check(LIB.churn_solver_get_moments(solver.ptr, ptr(mom), mom.size))
    return mom


def _merge_bytes(a, b):
    """On a worker: two serialised statistics merged (for the tree reduction)."""
    sa, sb = _stats_from_bytes(a), _stats_from_bytes(b)
    check(LIB.churn_suffstats_merge(sa.ptr, sb.ptr))
    return _stats_bytes(sa.ptr)


def _stats_bytes(h):
    needed = ctypes.c_size_t()
    st = LIB.churn_suffstats_save_buffer(h, None, 0, ctypes.byref(needed))
    if st not in (0, CHURN_E_BUFFER):
        check(st)
    buf = ctypes.create_string_buffer(needed.value)
    check(LIB.churn_suffstats_save_buffer(h, buf, needed.value, ctypes.byref(needed)))
    return buf.raw[:needed.value]


def _stats_from_bytes(data):
    out = ctypes.c_void_p()
    check(LIB.churn_suffstats_load_buffer(data, len(data), ctypes.byref(out)))
    return Handle(out.value, LIB.churn_suffstats_free)


def _tree_merge(parts):
    while len(parts) > 1:
        parts = [delayed(_merge_bytes)(parts[i], parts[i + 1]) if i + 1 < len(parts)
                 else parts[i] for i in range(0, len(parts), 2)]
    return parts[0]


# --- the driver ----------------------------------------------------------------------------------

def fit(X, y, sample_weight=None, **params):
    """Fits churn.LogisticRegression(**params) on dask data; returns the fitted estimator
    (equal to the in-memory fit).  Errors are those of the in-memory fit (churn.ChurnError
    subclasses naming the global row and the column)."""
    est = LogisticRegression(**params)
    if est.cov_type == "cluster":
        raise NotImplementedError("churn.dask.fit: cov_type='cluster' is not available for "
                                  "distributed fits (the statistics merged from the workers "
                                  "carry no per-cluster score sums); fit in memory with "
                                  "churn.LogisticRegression(cov_type='cluster').fit(X, y, "
                                  "groups=...) or use 'HC0'/'HC1'")
    opts = est._options()
    # class weights are applied here as row weights (_class_factors), not by the solver
    opts["fit.class_weight"] = 0
    xs, ys, ws, names = _partitions(X, y, sample_weight)
    if ys is None:
        raise ValueError("y is required")
    parts = dask.persist(*xs, *ys, *(ws or []))
    p = len(xs)
    xs, ys, ws = list(parts[:p]), list(parts[p:2 * p]), (list(parts[2 * p:]) if ws else None)

    # 1. labels and class weights; the partitions' row offsets
    counts, first_rows = {}, []
    row = 0
    for c in dask.compute(*[delayed(_label_counts)(yp) for yp in ys]):
        first_rows.append(row)
        row += sum(c.values())
        for k, v in c.items():
            counts[k] = counts.get(k, 0) + v
    classes = np.array(sorted(counts))
    if len(classes) != 2:
        est._labels(classes)  # raises the in-memory fit's message
    factors = _class_factors(est.class_weight, classes, counts)
    est.classes_ = classes

    # 2. pass 0 on the workers, merged on the client in partition order
    d = X.shape[1]
    if names is not None and len(names) != d:
        raise ValueError(f"X has {d} columns but {len(names)} names")
    names_c = string_array(names)
    out = ctypes.c_void_p()
    check(LIB.churn_solver_new(d, names_c.ptr if names_c else None, opts.handle,
                               ctypes.byref(out)))
    solver = Handle(out.value, LIB.churn_solver_free)
    moments = dask.compute(*[delayed(_moments)(d, names, xs[i], ys[i], ws[i] if ws else None,
                                               classes, factors, first_rows[i])
                             for i in range(p)])
    for mom in moments:
        check(LIB.churn_solver_merge_moments(solver.ptr, ptr(mom), mom.size))
    check(LIB.churn_solver_begin(solver.ptr))

    # 3. Newton passes on the workers
    k = d + (1 if est.fit_intercept else 0)
    beta = np.zeros(k)
    done = ctypes.c_int(0)
    tmpl = ctypes.c_void_p()
    check(LIB.churn_solver_stats_new(solver.ptr, ctypes.byref(tmpl)))
    tmpl = Handle(tmpl.value, LIB.churn_suffstats_free)
    template = _stats_bytes(tmpl.ptr)
    tmpl.close()
    passes = 0
    while not done.value:
        check(LIB.churn_solver_beta(solver.ptr, ptr(beta)))
        want_h = LIB.churn_solver_wants_hessian(solver.ptr)
        tasks = [delayed(_accumulate)(template, xs[i], ys[i], ws[i] if ws else None, classes,
                                      factors, beta.copy(), want_h, first_rows[i])
                 for i in range(p)]
        (total,) = dask.compute(_tree_merge(tasks))
        stats = _stats_from_bytes(total)
        check(LIB.churn_solver_step(solver.ptr, stats.ptr, ctypes.byref(done)))
        passes += 1
    out = ctypes.c_void_p()
    check(LIB.churn_solver_finish(solver.ptr, ctypes.byref(out)))
    est._set_model(Handle(out.value, LIB.churn_model_free))
    if names is not None:
        est.feature_names_in_ = np.array(names, dtype=object)
    est.n_partitions_ = p
    est.n_passes_ = passes + 1
    return est


def _class_factors(class_weight, classes, counts):
    """The per-class weight factors (None for none), scikit-learn's definitions computed from
    the label counts: balanced = n / (2 * n_c)."""
    if class_weight is None:
        return None
    if class_weight == "balanced":
        n = sum(counts.values())
        return [n / (2.0 * counts[c]) for c in classes.tolist()]
    if isinstance(class_weight, dict):
        return [float(class_weight.get(c, 1.0)) for c in classes.tolist()]
    raise ValueError(f"class_weight must be None, 'balanced' or a dict; got {class_weight!r}")


# --- scoring -------------------------------------------------------------------------------------

def _proba_block(block, model):
    return model.predict_proba(block)


def predict_proba(model, X):
    """The (n, 2) class probabilities of a fitted churn.LogisticRegression on dask data, computed
    on the workers partition by partition: a dask array for a dask array X, a dask DataFrame
    (columns = model.classes_, X's index) for a dask DataFrame."""
    if isinstance(X, dd.DataFrame):
        cols = [str(c) for c in model.classes_]
        meta = pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
        return X.map_partitions(
            lambda part: pd.DataFrame(model.predict_proba(part), index=part.index,
                                      columns=cols), meta=meta)
    if isinstance(X, da.Array):
        if len(X.chunks[1]) > 1:
            X = X.rechunk({1: -1})
        return X.map_blocks(_proba_block, model, dtype=np.float64,
                            chunks=(X.chunks[0], (2,)))
    raise TypeError(f"X must be a dask array or DataFrame; got {type(X).__name__}")
