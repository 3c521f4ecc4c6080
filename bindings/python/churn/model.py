"""churn.LogisticRegression -- the libchurn risk model behind a scikit-learn estimator.

Fitting is exact Newton / IRLS in the C library (churn_model_fit) on scikit-learn's objective
for the same arguments; on top of scikit-learn's interface the model has statsmodels-style
inference (summary_frame, summary, loglik_, ...), per-row churn reasons (explain) and msgpack
persistence (save / churn.load_model).
"""
import ctypes
import math
import numbers
import os

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _assert_all_finite, _check_sample_weight, check_is_fitted

from ._arrays import as_matrix, ptr, string_array
from ._handle import Handle
from . import _lib
from ._lib import (CHURN_E_BUFFER, ENUM_COV_TYPE, ENUM_PENALTY, ENUM_STAT, ENUM_STATUS, LIB, check, cstr,
                   enum_names, pystr)
from ._options import Options, option_info, option_key
from ._table import table_to_frame
from .design import Design

__all__ = ["LogisticRegression", "load_model"]

# The names of churn_penalty, churn_cov_type and churn_stat come from the library (churn.h's list
# macros); None is scikit-learn's spelling of no penalty.
_PENALTIES = {**enum_names(ENUM_PENALTY), None: 0}
_PENALTY_NAMES = {v: (None if k == "none" else k) for k, v in enum_names(ENUM_PENALTY).items()}
_COV_TYPES = enum_names(ENUM_COV_TYPE)
_COV_NAMES = {v: k for k, v in _COV_TYPES.items()}
_STATS = enum_names(ENUM_STAT)
_CHURN_E_DATA = enum_names(ENUM_STATUS)["CHURN_E_DATA"]
_SCORE_LINEAR, _SCORE_PROBA_PAIR = 1, 3  # churn_score_output


def _stat(model_ptr, key):
    out = ctypes.c_double()
    check(LIB.churn_model_stat(model_ptr, _STATS[key], ctypes.byref(out)))
    return out.value


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic-regression churn-risk model fitted by libchurn.

    Parameters (scikit-learn's meaning and objective):
      penalty: "l2" (default), "l1", "elasticnet" or None (unpenalised maximum likelihood, with
        statsmodels-style inference: standard errors, z, p-values, intervals).
        The objective is sum_i w_i logloss_i + penalty(b) / C with the intercept never penalised,
        on the raw (not standardised) columns, exactly as scikit-learn's LogisticRegression.
        "firth": Firth's bias-reduced logistic regression (R's logistf, brglm2 "AS_mean"):
        maximises loglik + 0.5 log det I(b), I the Fisher information; finite under complete
        and quasi-complete separation, with the same inference as None (std errors from
        I(b)^-1, z, p-values, intervals; cov_type "nonrobust" only).  C and l1_ratio are
        ignored; in-memory fit() only (fit_csv / fit_chunks raise).
      C: inverse penalty strength (> 0; not used by "firth").
      l1_ratio: the L1 share of the elastic-net penalty, in [0, 1]; required for "elasticnet".
      fit_intercept: fit an (unpenalised) intercept.
      class_weight: None, "balanced" or a dict {label: weight}; multiplies the sample weights
        as scikit-learn does (balanced: n / (2 * n_c), counted without sample weights).
      tol: Newton stops when max |gradient| / sum of weights <= tol (standardised scale).
        Not scikit-learn's tol, which bounds max |gradient| on the raw coefficients without
        dividing by the sum of weights: on centred unit-scale columns tol = t here is
        scikit-learn's t * n (fit.tol in churn.h).
      max_iter: the most Newton iterations; reaching it raises churn.ChurnFitError
        (status CHURN_E_NOT_CONVERGED) instead of returning an unconverged model.
      cov_type: the covariance behind the standard errors of an unpenalised fit, as statsmodels'
        Logit.fit(cov_type=...): "nonrobust" (default, the inverse Hessian), "HC0" (the
        sandwich H^-1 (sum_i s_i s_i') H^-1) or "HC1" (HC0 times n / (n - k)).  Also through
        fit_csv, fit_chunks and churn.dask.fit.  "cluster": cluster-robust standard errors
        (statsmodels' cov_type="cluster" with its default correction G/(G-1) (n-1)/(n-k)) for
        rows correlated within clusters (households, regions); needs fit(X, y, groups=...),
        in-memory fits only.
      population_rate: None, or the population's churn rate tau in (0, 1) when the training
        rows were sampled by outcome (all churners, a tenth of the stayers, say).  The fitted
        intercept is then corrected (King & Zeng 2001 prior correction: minus
        log((1 - tau) / tau * ybar / (1 - ybar)), ybar the weighted training churn rate) so
        predict_proba returns population-scale probabilities; slopes and their standard errors
        are unchanged (they are consistent under outcome-based sampling).  Saved in the model.
        class_weight="balanced" distorts probabilities the same way (it shifts the intercept
        by log(w1 / w0), so every churner-poor segment looks riskier than it is): use one or
        the other, not both (ValueError).  A class_weight dict or sample weights that undo the
        sampling (King & Zeng's weighting) need no population_rate.
      n_jobs: threads for the fit (None = 1, -1 = one per core); the estimate does not depend
        on it beyond floating-point summation order.

    Inputs: X as a numpy array or pandas DataFrame (its column names become the feature names,
    feature_names_in_).  A float64 (or float32) array with contiguous rows is read by the library
    where it lies, never copied; other inputs are converted once.  y holds any two labels
    (classes_, sorted; the second is "churn", probability column 1).

    design: None (X is a numeric matrix) or a churn.Design: X is then a DataFrame with string,
    categorical and numeric columns, encoded in C as `churn fit --data` does; rows with a
    missing value are left out (n_rejected_), design_ is the learned encoding (report_), and
    the saved model keeps it.  A loaded model that carries a design (fitted this way or by the
    CLI) has design_ too, and predict_proba / decision_function take DataFrames through it.

    Fitted attributes: coef_ (1, d), intercept_ (1,), classes_, n_iter_ (1,), n_features_in_,
    feature_names_in_ (DataFrame input), loglik_, null_loglik_, pseudo_r2_, llr_, llr_p_value_
    (also as llr_pvalue_, statsmodels' spelling),
    aic_, bic_, converged_, gradient_norm_, penalized_loglik_ (the log-likelihood with the
    penalty: loglik_ + 0.5 log det I for "firth", loglik_ - penalty / C for l2 / l1 /
    elasticnet, loglik_ for None; NaN for a model saved before it existed; loglik_ is always
    the unpenalised one), n_obs_, n_clusters_ (clusters of the cluster
    covariance, 0 without one), fit_options_ (the options the model records: penalty, C,
    l1_ratio, fit_intercept, class_weight, standardize, cov_type, population_rate, tol,
    max_iter, inference; a loaded model's parameters come from them).
    """

    def __init__(self, penalty="l2", C=1.0, l1_ratio=None, fit_intercept=True,
                 class_weight=None, tol=1e-8, max_iter=100, cov_type="nonrobust",
                 population_rate=None, n_jobs=None, design=None):
        self.design = design
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter
        self.cov_type = cov_type
        self.population_rate = population_rate
        self.n_jobs = n_jobs

    # --- fitting -------------------------------------------------------------------------

    def _options(self):
        if self.penalty not in _PENALTIES:
            raise ValueError(f"penalty must be 'l2', 'l1', 'elasticnet', 'firth' or None; got "
                             f"{self.penalty!r}")
        if not isinstance(self.C, numbers.Real) or not self.C > 0:
            raise ValueError(f"C must be a positive number; got {self.C!r}")
        if not isinstance(self.tol, numbers.Real) or not self.tol > 0:
            raise ValueError(f"tol must be a positive number; got {self.tol!r}")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be an integer >= 1; got {self.max_iter!r}")
        opts = Options()
        opts["fit.penalty"] = _PENALTIES[self.penalty]
        opts["fit.C"] = float(self.C)
        if self.penalty == "elasticnet":
            if self.l1_ratio is None or not 0 <= self.l1_ratio <= 1:
                raise ValueError("l1_ratio must be a number in [0, 1] for penalty="
                                 f"'elasticnet'; got {self.l1_ratio!r}")
            opts["fit.l1_ratio"] = float(self.l1_ratio)
        opts["fit.intercept"] = 1 if self.fit_intercept else 0
        # "balanced" is the library's own weighting (same definition), so the model records it;
        # a dict of class weights goes into the sample weights (_weights)
        opts["fit.class_weight"] = 1 if _is_balanced(self.class_weight) else 0
        opts["fit.tol"] = float(self.tol)
        opts["fit.max_iter"] = int(self.max_iter)
        if self.cov_type not in _COV_TYPES:
            raise ValueError(f"cov_type must be 'nonrobust', 'HC0', 'HC1' or 'cluster'; got "
                             f"{self.cov_type!r}")
        opts["fit.cov_type"] = _COV_TYPES[self.cov_type]
        rate = self.population_rate
        if rate is not None:
            if (not isinstance(rate, numbers.Real) or isinstance(rate, bool)
                    or not 0 < rate < 1):
                raise ValueError(f"population_rate must be a number in (0, 1) (the population's "
                                 f"churn rate); got {rate!r}")
            if self.class_weight is not None:
                raise ValueError("population_rate and class_weight both move the intercept: "
                                 "give one of them (population_rate for outcome-sampled rows)")
            if not self.fit_intercept:
                raise ValueError("population_rate corrects the intercept: it needs "
                                 "fit_intercept=True")
            opts["fit.population_rate"] = float(rate)
        jobs = self.n_jobs
        if jobs is not None and (not isinstance(jobs, numbers.Integral) or isinstance(jobs, bool)
                                 or not (jobs >= 1 or jobs == -1)):
            raise ValueError(f"n_jobs must be None, -1 (one thread per core) or an integer >= 1; "
                             f"got {jobs!r}")
        opts["fit.threads"] = 1 if jobs is None else (0 if jobs == -1 else int(jobs))
        # scikit-learn penalises the coefficients of the raw columns
        opts["fit.standardize"] = 0
        return opts

    def _labels(self, y):
        check_classification_targets(y)
        classes, y_enc = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, but "
                             f"the data contains only one class: {classes[0]!r}")
        if len(classes) > 2:
            raise ValueError("churn.LogisticRegression is a binary classifier (churn or not); "
                             f"y has {len(classes)} classes")
        return classes, y_enc.astype(np.float64)

    def _weights(self, y, y01, sample_weight, X):
        if sample_weight is None and self.class_weight is None:
            return None
        if sample_weight is None and _is_balanced(self.class_weight):
            return None  # fit.class_weight = 1 (_options)
        w = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if self.class_weight is not None and not _is_balanced(self.class_weight):
            cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            w = w * cw[y01.astype(np.intp)]
        return np.ascontiguousarray(w, dtype=np.float64)

    def fit(self, X, y, sample_weight=None, groups=None):
        """Fits the model; returns self.  groups (only with cov_type="cluster", and then
        required): one cluster label per row, any hashable values (ints, strings, a pandas
        Series or Categorical; taken in row order, not by index).  Raises churn.ChurnError
        subclasses (ValueError for bad data, ChurnFitError for separation / singular design /
        no convergence) whose message names the row, column or feature at fault."""
        opts = self._options()
        if self.design is not None:
            return self._fit_design(X, y, sample_weight, groups, opts)
        if self.cov_type == "cluster" and groups is None:
            raise ValueError("cov_type='cluster' needs the cluster labels: fit(X, y, "
                             "groups=...) with one label per row")
        if groups is not None and self.cov_type != "cluster":
            raise ValueError(f"groups are only used by the cluster-robust covariance "
                             f"(cov_type='cluster'); this estimator has cov_type="
                             f"{self.cov_type!r}, which would ignore them")
        self._target_name = str(getattr(y, "name", None) or "y")
        X, y = self._validate_data(X, y, dtype=[np.float64, np.float32], order=None,
                                   y_numeric=False)
        codes = None if groups is None else _cluster_codes(groups, X.shape[0])
        self.classes_, y01 = self._labels(y)
        w = self._weights(y, y01, sample_weight, X)
        m = as_matrix(X, float32_ok=True)
        names = getattr(self, "feature_names_in_", None)
        names_c = string_array(names)
        out = ctypes.c_void_p()
        if codes is None:
            check(LIB.churn_model_fit(m.ptr, m.dtype, m.rows, m.cols, m.stride, ptr(y01), ptr(w),
                                      names_c.ptr if names_c else None, opts.handle,
                                      ctypes.byref(out)))
        else:
            check(LIB.churn_model_fit_clustered(m.ptr, m.dtype, m.rows, m.cols, m.stride,
                                                ptr(y01), ptr(w), ptr(codes),
                                                names_c.ptr if names_c else None, opts.handle,
                                                ctypes.byref(out)))
        self._set_model(Handle(out.value, LIB.churn_model_free))
        return self

    def _fit_design(self, X, y, sample_weight, groups, opts):
        """fit() through a churn.Design: X a DataFrame with string, categorical and numeric
        columns, encoded in C; rows rejected for a missing value are left out (n_rejected_)."""
        if self.cov_type == "cluster" and groups is None:
            raise ValueError("cov_type='cluster' needs the cluster labels: fit(X, y, "
                             "groups=...) with one label per row")
        design = clone(self.design).fit(X)
        Xe, kept, _ = design.transform_kept(X)
        self._target_name = str(getattr(y, "name", None) or "y")
        y = np.asarray(y)
        if len(y) != len(Xe):
            raise ValueError(f"X has {len(Xe)} rows and y {len(y)}")
        y = y[kept]
        Xe = np.ascontiguousarray(Xe[kept])
        self.classes_, y01 = self._labels(y)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)[kept]
        w = self._weights(y, y01, sample_weight, Xe)
        codes = None if groups is None else _cluster_codes(np.asarray(groups)[kept], len(Xe))
        names_c = string_array(list(design.feature_names_out_))
        d = Xe.shape[1]
        out = ctypes.c_void_p()
        if codes is None:
            check(LIB.churn_model_fit(ptr(Xe), _lib.CHURN_F64, len(Xe), d, d, ptr(y01), ptr(w),
                                      names_c.ptr if names_c else None, opts.handle,
                                      ctypes.byref(out)))
        else:
            check(LIB.churn_model_fit_clustered(ptr(Xe), _lib.CHURN_F64, len(Xe), d, d,
                                                ptr(y01), ptr(w), ptr(codes),
                                                names_c.ptr if names_c else None, opts.handle,
                                                ctypes.byref(out)))
        handle = Handle(out.value, LIB.churn_model_free)
        design.attach(handle.ptr)
        self._set_model(handle)
        self.design_ = design  # the learned one, with its report_
        self.n_rejected_ = int((~kept).sum())
        return self

    def fit_csv(self, path, label, weight=None):
        """Fits out of core on a numeric CSV file (header of names, then decimal numbers), read
        in chunks on every Newton pass within the fit.memory_budget option: the label column
        (0/1) is y, the weight column (if any) the sample weights, every other column a
        feature, named by the header.  Equals fit() on the same rows.  classes_ are [0, 1];
        class_weight must be None (weights come from the file).  Returns self."""
        self._check_out_of_core()
        opts = self._options()
        out = ctypes.c_void_p()
        check(LIB.churn_model_fit_csv(cstr(os.fspath(path)), cstr(label),
                                      None if weight is None else cstr(weight), opts.handle,
                                      ctypes.byref(out)))
        return self._adopt(out.value, label)

    def fit_chunks(self, chunks, n_features, feature_names=None, sample_weight=False):
        """Fits out of core on rows given chunk by chunk: chunks() must return a new iterable
        of (X, y) pairs (or (X, y, w) with sample_weight=True) over the same rows each time it
        is called (libchurn makes one pass per Newton step, typically 5 to 15), e.g. a
        function reading a file with pandas.read_csv(chunksize=...).  y holds 0/1 labels.
        Equals fit() on the concatenated rows.  Returns self."""
        self._check_out_of_core()
        opts = self._options()
        d = int(n_features)
        names = string_array(feature_names)
        state = {"pass": -1, "it": None, "pending": None, "error": None}

        def source(_ctx, pass_no, capacity, X, y, w, nrows):
            try:
                if pass_no != state["pass"]:
                    state.update({"pass": pass_no, "it": iter(chunks()), "pending": None})
                filled = 0
                while filled < capacity:
                    if state["pending"] is None:
                        nxt = next(state["it"], None)
                        if nxt is None:
                            break
                        state["pending"] = _chunk_arrays(nxt, d, sample_weight)
                    cx, cy, cw = state["pending"]
                    take = min(capacity - filled, cx.shape[0])
                    _write(X, filled * d, cx[:take].ravel())
                    _write(y, filled, cy[:take])
                    if sample_weight:
                        _write(w, filled, cw[:take])
                    filled += take
                    rest = (cx[take:], cy[take:], None if cw is None else cw[take:])
                    state["pending"] = rest if rest[0].shape[0] else None
                nrows[0] = filled
                return 0
            except Exception as e:  # reported after the C call returns
                state["error"] = e
                return 16  # CHURN_E_INTERNAL: aborts the fit

        callback = _lib.ROW_SOURCE(source)
        out = ctypes.c_void_p()
        st = LIB.churn_model_fit_stream(d, names.ptr if names else None,
                                        ctypes.cast(callback, ctypes.c_void_p), None,
                                        1 if sample_weight else 0, opts.handle,
                                        ctypes.byref(out))
        if state["error"] is not None:
            raise state["error"]
        check(st)
        return self._adopt(out.value, None)

    def _check_out_of_core(self):
        if self.cov_type == "cluster":
            raise NotImplementedError("cov_type='cluster' is available for the in-memory fit "
                                      "only: fit(X, y, groups=...); the out-of-core fits take "
                                      "no cluster labels")
        if self.class_weight is not None:
            raise ValueError("class_weight is not supported by the out-of-core fits: put the "
                             "class weights into the sample weights")

    def _adopt(self, model_ptr, target):
        self._target_name = str(target or "y")
        self._set_model(Handle(model_ptr, LIB.churn_model_free))
        self.classes_ = np.array([0, 1])
        names = self._feature_names
        if not all(n == f"x{j}" for j, n in enumerate(names)):
            self.feature_names_in_ = np.array(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    def _set_model(self, handle):
        """Reads the fitted state out of a model handle (after fit or load)."""
        self._model = handle
        h = handle.ptr
        d = LIB.churn_model_n_features(h)
        coef = np.zeros(d)
        b0 = ctypes.c_double()
        check(LIB.churn_model_coef(h, ptr(coef), ctypes.byref(b0)))
        self.coef_ = coef.reshape(1, d)
        self.intercept_ = np.array([b0.value])
        self.n_features_in_ = int(d)
        self.n_iter_ = np.array([int(_stat(h, "n_iter"))], dtype=np.int32)
        for key in ("loglik", "null_loglik", "pseudo_r2", "llr", "llr_p_value", "aic", "bic",
                    "gradient_norm", "penalized_loglik"):
            setattr(self, key + "_", _stat(h, key))
        self.llr_pvalue_ = self.llr_p_value_  # the name before 1.2 (statsmodels' llr_pvalue)
        self.converged_ = bool(_stat(h, "converged"))
        self.fit_options_ = _fit_options(h)
        self.n_obs_ = int(_stat(h, "n_obs"))
        self.n_clusters_ = int(_stat(h, "n_clusters"))
        self._feature_names = [pystr(LIB.churn_model_feature_name(h, j)) for j in range(d)]
        self.design_ = Design.from_model(h)

    # --- scoring -------------------------------------------------------------------------

    def _matrix(self, X):
        """X checked for shape and feature names, without scikit-learn's finiteness pass and
        without a copy: the library refuses non-finite values itself (_score)."""
        check_is_fitted(self)
        if getattr(self, "design_", None) is not None and isinstance(X, pd.DataFrame):
            # the design's rejected rows are NaN rows, scored as NaN (the unchecked calls)
            return as_matrix(self.design_.transform(X)), True
        X = self._validate_data(X, reset=False, dtype=[np.float64, np.float32], order=None,
                                force_all_finite=False)
        return as_matrix(X, float32_ok=True), False

    def _call_checked(self, mx, fn, *args):
        """Calls a churn_model_score / churn_model_explain_finite function on mx = (matrix,
        from a design); a non-finite value (CHURN_E_DATA) raises scikit-learn's own ValueError
        ("Input X contains NaN." ...), found on this error path only.  A design's matrix goes
        to the unchecked calls: its rejected rows are NaN rows, scored as NaN."""
        m, nan_rows = mx
        if nan_rows:  # NaN rows stay NaN: the unchecked calls
            return self._call_unchecked(m, fn, *args)
        st = fn(self._model.ptr, m.ptr, m.dtype, m.rows, m.cols, m.stride, *args)
        if st == _CHURN_E_DATA:
            _assert_all_finite(m.array, input_name="X", estimator_name=type(self).__name__)
        check(st)

    def _call_unchecked(self, m, fn, *args):
        """_call_checked's calls without the finiteness check (a design's NaN rows)."""
        head = (self._model.ptr, m.ptr, m.dtype, m.rows, m.cols, m.stride)
        if fn is LIB.churn_model_explain_finite:
            return check(LIB.churn_model_explain(*head, *args))
        what, out = args
        if what == _SCORE_LINEAR:
            return check(LIB.churn_model_decision_function(*head, out))
        p = np.empty(m.rows)
        check(LIB.churn_model_predict_proba(*head, ptr(p)))
        pair = np.ctypeslib.as_array(ctypes.cast(out, ctypes.POINTER(ctypes.c_double)),
                                     shape=(m.rows, 2))
        pair[:, 0], pair[:, 1] = 1.0 - p, p
        return None

    def decision_function(self, X):
        """The linear score b0 + x.b of each row (n,)."""
        mx = self._matrix(X)
        out = np.empty(mx[0].rows)
        self._call_checked(mx, LIB.churn_model_score, _SCORE_LINEAR, ptr(out))
        return out

    def predict_proba(self, X):
        """(n, 2): the probabilities of classes_[0] and classes_[1] (churn), written by the
        library in one pass over X."""
        mx = self._matrix(X)
        out = np.empty((mx[0].rows, 2))
        self._call_checked(mx, LIB.churn_model_score, _SCORE_PROBA_PAIR, ptr(out))
        return out

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """classes_[1] where the linear score is > 0, else classes_[0]."""
        churn_side = self.decision_function(X) > 0
        return self.classes_[churn_side.astype(np.intp)]

    # --- inference -----------------------------------------------------------------------

    @property
    def feature_names_(self):
        """The model's feature names (those of the DataFrame it was fitted on, else x0..)."""
        check_is_fitted(self)
        return list(self._feature_names)

    def summary_frame(self):
        """The coefficient table, indexed by term ("intercept" first, then the features):
        coef, std_err, z, p_value, ci_low, ci_high (95%), odds_ratio.  The inference columns
        are NaN for penalised fits (no valid covariance)."""
        check_is_fitted(self)
        h = ctypes.c_void_p()
        check(LIB.churn_model_summary(self._model.ptr, ctypes.byref(h)))
        df = table_to_frame(h).set_index("term")
        return df[["coef", "std_err", "z", "p_value", "ci_low", "ci_high", "odds_ratio"]]

    def cov_params(self):
        """The covariance matrix of the coefficients as a DataFrame (terms as in
        summary_frame); ChurnStateError for penalised fits."""
        check_is_fitted(self)
        terms = list(self.summary_frame().index)
        k = len(terms)
        cov = np.zeros((k, k))
        check(LIB.churn_model_covariance(self._model.ptr, ptr(cov)))
        return pd.DataFrame(cov, index=terms, columns=terms)

    def summary(self):
        """A printable text report in the layout of statsmodels' Logit summary."""
        check_is_fitted(self)
        sf = self.summary_frame()
        pen = "none" if self.penalty in (None, "none") else self.penalty
        target = f"{getattr(self, '_target_name', 'y')} = {self.classes_[1]}"
        left = [("Dep. Variable:", target), ("Model:", "Logit"),
                ("Method:", "Newton (libchurn)"), ("Penalty:", pen),
                ("converged:", str(self.converged_)), ("Iterations:", str(int(self.n_iter_[0])))]
        df_model = int(_stat(self._model.ptr, "df_model"))
        df_resid = int(_stat(self._model.ptr, "df_resid"))
        right = [("No. Observations:", str(self.n_obs_)), ("Df Residuals:", str(df_resid)),
                 ("Df Model:", str(df_model)), ("Pseudo R-squ.:", f"{self.pseudo_r2_:.4f}"),
                 ("Log-Likelihood:", f"{self.loglik_:.2f}"),
                 ("LL-Null:", f"{self.null_loglik_:.2f}"),
                 ("LLR p-value:", f"{self.llr_pvalue_:.4g}")]
        tw = max(12, max(len(t) for t in sf.index))
        width = tw + 63
        lines = ["Logit Regression Results".center(width), "=" * width]
        for i in range(max(len(left), len(right))):
            lk, lv = left[i] if i < len(left) else ("", "")
            rk, rv = right[i] if i < len(right) else ("", "")
            lines.append(f"{lk:<16}{lv:>{width // 2 - 19}}   {rk:<18}"
                         f"{rv:>{width - width // 2 - 21}}")
        lines.append("=" * width)
        lines.append(f"{'':<{tw}} {'coef':>10} {'std err':>10} {'z':>8} {'P>|z|':>8} "
                     f"{'[0.025':>10} {'0.975]':>10}")
        lines.append("-" * (tw + 63))
        for term, r in sf.iterrows():
            lines.append(f"{term:<{tw}} {_num(r.coef, 10)} {_num(r.std_err, 10)} "
                         f"{_num(r.z, 8, 3)} {_num(r.p_value, 8, 3)} {_num(r.ci_low, 10)} "
                         f"{_num(r.ci_high, 10)}")
        lines.append("=" * (tw + 63))
        if self.penalty == "firth":
            lines.append(f"Firth's bias-reduced fit: penalised log-likelihood "
                         f"{self.penalized_loglik_:.2f}; std errors from the Fisher information.")
        elif self.penalty not in (None, "none"):
            lines.append(f"Penalised fit ({pen}, C={self.C}): no standard errors.")
        return "\n".join(lines)

    # --- reasons -------------------------------------------------------------------------

    def explain(self, X, top_k=3):
        """Per-row churn reasons: the top_k features pushing each row's score toward churn
        most, as contribution coef_j * (x_j - training mean_j) on the linear-score scale.
        Returns a DataFrame with one row per input row (the DataFrame's index if X is one) and
        columns reason_r, category_r, contribution_r for r = 1..top_k (capped at the number of
        features); category_r is the churn category ("natural", "competitive", "service",
        "unknown") of a feature from libchurn's catalog (churn.features), None for others."""
        index = X.index if isinstance(X, pd.DataFrame) else None
        mx = self._matrix(X)
        m = mx[0]
        k = min(int(top_k), m.cols) if m.cols else int(top_k)
        idx = np.empty((m.rows, max(k, 1)), dtype=np.int32)
        contrib = np.empty((m.rows, max(k, 1)))
        self._call_checked(mx, LIB.churn_model_explain_finite, k, idx.ctypes.data, ptr(contrib))
        names = np.array(self._feature_names, dtype=object)
        cats = np.array([_category(n) for n in self._feature_names], dtype=object)
        cols = {}
        for r in range(k):
            cols[f"reason_{r + 1}"] = names[idx[:, r]]
            cols[f"category_{r + 1}"] = cats[idx[:, r]]
            cols[f"contribution_{r + 1}"] = contrib[:, r]
        return pd.DataFrame(cols, index=index)

    # --- persistence ---------------------------------------------------------------------

    def save(self, path):
        """Writes the fitted model to path (msgpack "churn-model" format, atomic); the C
        library, the Lua binding and churn.load_model read it back."""
        check_is_fitted(self)
        check(LIB.churn_model_save(self._model.ptr, cstr(os.fspath(path))))

    def to_bytes(self):
        """The model's msgpack image (what save writes)."""
        check_is_fitted(self)
        return _model_bytes(self._model.ptr)

    @classmethod
    def from_bytes(cls, data, **params):
        """A fitted estimator from a msgpack image (see load_model)."""
        buf = bytes(data)
        out = ctypes.c_void_p()
        check(LIB.churn_model_load_buffer(buf, len(buf), ctypes.byref(out)))
        return cls._from_handle(Handle(out.value, LIB.churn_model_free), params)

    @classmethod
    def _from_handle(cls, handle, params):
        est = cls(**params) if params else cls(**_params_of(handle.ptr))
        est._set_model(handle)
        est.classes_ = np.array([0, 1])
        names = est._feature_names
        if not all(n == f"x{j}" for j, n in enumerate(names)):
            est.feature_names_in_ = np.array(names, dtype=object)
        return est

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns __dict__
        model = state.pop("_model", None)
        if model:
            state["_model_bytes"] = _model_bytes(model.ptr)
        return state

    def __setstate__(self, state):
        data = state.pop("_model_bytes", None)
        super().__setstate__(state)
        if data is not None:
            out = ctypes.c_void_p()
            check(LIB.churn_model_load_buffer(data, len(data), ctypes.byref(out)))
            self._model = Handle(out.value, LIB.churn_model_free)

    # --- scikit-learn plumbing -----------------------------------------------------------

    def _more_tags(self):
        return {"binary_only": True}


def _cluster_codes(groups, n):
    """groups as dense int64 cluster codes (pandas.factorize), checked against n rows."""
    if isinstance(groups, (pd.DataFrame, str, bytes)) or (
            isinstance(groups, np.ndarray) and groups.ndim != 1):
        raise ValueError("groups must be a 1-D sequence of cluster labels, one per row (two-way "
                         f"clustering is not supported); got {type(groups).__name__}"
                         + (f" of shape {groups.shape}" if hasattr(groups, "shape") else ""))
    if not isinstance(groups, (np.ndarray, pd.Series, pd.Categorical, pd.Index)):
        groups = pd.Series(list(groups))
    if len(groups) != n:
        raise ValueError(f"groups has {len(groups)} labels but X has {n} rows")
    try:
        codes, _ = pd.factorize(groups)
    except TypeError as e:
        raise ValueError(f"groups must hold hashable labels: {e}") from None
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        raise ValueError(f"groups has a missing label (None/NaN) at row {int(missing[0])}: "
                         "every row needs a cluster")
    if n and codes.max() < 1:
        first = groups.iloc[0] if isinstance(groups, pd.Series) else groups[0]
        raise ValueError(f"groups hold a single cluster (every label is {first!r}): the cluster "
                         "covariance needs at least 2 clusters")
    return np.ascontiguousarray(codes, dtype=np.int64)


def _num(v, width, decimals=4):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return f"{'nan':>{width}}"
    return f"{v:>{width}.{decimals}f}"


def _model_bytes(model_ptr):
    needed = ctypes.c_size_t()
    st = LIB.churn_model_save_buffer(model_ptr, None, 0, ctypes.byref(needed))
    if st not in (0, CHURN_E_BUFFER):
        check(st)
    buf = ctypes.create_string_buffer(needed.value)
    check(LIB.churn_model_save_buffer(model_ptr, buf, needed.value, ctypes.byref(needed)))
    return buf.raw[:needed.value]


def _is_balanced(class_weight):
    return isinstance(class_weight, str) and class_weight == "balanced"


_FIT_KEYS = ("fit.penalty", "fit.C", "fit.l1_ratio", "fit.intercept", "fit.class_weight",
             "fit.standardize", "fit.cov_type", "fit.population_rate", "fit.tol", "fit.max_iter",
             "fit.inference")


def _fit_options(model_ptr):
    """The fit options the model records (churn_model_fit_options), in the estimator's terms:
    penalty (None, "l2", "l1", "elasticnet", "firth"), C, l1_ratio, fit_intercept,
    class_weight ("balanced" or None: a dict of class weights went into the sample weights and
    is not recorded), standardize, cov_type ("nonrobust", "HC0", "HC1", "cluster"),
    population_rate, tol, max_iter, inference."""
    h = ctypes.c_void_p()
    check(LIB.churn_model_fit_options(model_ptr, ctypes.byref(h)))
    raw = {}
    try:
        for name in _FIT_KEYS:
            if option_info(name)[0] == "int":
                v = ctypes.c_int64()
                check(LIB.churn_options_get_int(h, option_key(name), ctypes.byref(v)))
            else:
                v = ctypes.c_double()
                check(LIB.churn_options_get_real(h, option_key(name), ctypes.byref(v)))
            raw[name] = v.value
    finally:
        LIB.churn_options_free(h)
    return {"penalty": _PENALTY_NAMES.get(raw["fit.penalty"], raw["fit.penalty"]),
            "C": raw["fit.C"], "l1_ratio": raw["fit.l1_ratio"],
            "fit_intercept": bool(raw["fit.intercept"]),
            "class_weight": "balanced" if raw["fit.class_weight"] else None,
            "standardize": bool(raw["fit.standardize"]),
            "cov_type": _COV_NAMES.get(raw["fit.cov_type"], raw["fit.cov_type"]),
            "population_rate": raw["fit.population_rate"] or None, "tol": raw["fit.tol"],
            "max_iter": int(raw["fit.max_iter"]), "inference": bool(raw["fit.inference"])}


def _params_of(model_ptr):
    """Estimator parameters for a loaded model when the caller gives none: the options it was
    fitted with (churn_model_fit_options), for those the estimator has as parameters (all of
    them are in fit_options_).  l1_ratio is kept only for the elastic net (scikit-learn's None
    otherwise)."""
    opts = _fit_options(model_ptr)
    if opts["penalty"] != "elasticnet":
        opts["l1_ratio"] = None
    names = LogisticRegression._get_param_names()
    return {k: v for k, v in opts.items() if k in names}


def load_model(path, **params):
    """Loads a model written by LogisticRegression.save (or churn_model_save in C) as a fitted
    churn.LogisticRegression.  classes_ are [0, 1] (the file stores the 0/1 model); the
    estimator's parameters are the options the model was fitted with (fit_options_), or params
    when given (for get_params / refitting)."""
    out = ctypes.c_void_p()
    check(LIB.churn_model_load(cstr(os.fspath(path)), ctypes.byref(out)))
    return LogisticRegression._from_handle(Handle(out.value, LIB.churn_model_free), params)


def _category(name):
    """The churn category of a feature name from the catalog, None for other names."""
    if not LIB.has("churn_feature_category"):
        return None
    from .features import feature_category
    return feature_category(name)


def _chunk_arrays(chunk, d, weighted):
    """One chunk as C-contiguous float64 (X rows, y, w or None), checked."""
    if weighted:
        X, y, w = chunk
    else:
        X, y = chunk[0], chunk[1]
        w = None
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != d:
        raise ValueError(f"a chunk of X has shape {X.shape}; expected (rows, {d})")
    y = np.ascontiguousarray(y, dtype=np.float64).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"a chunk has {X.shape[0]} rows of X but {y.shape[0]} labels")
    if w is not None:
        w = np.ascontiguousarray(w, dtype=np.float64).reshape(-1)
        if w.shape[0] != X.shape[0]:
            raise ValueError(f"a chunk has {X.shape[0]} rows but {w.shape[0]} weights")
    return X, y, w


def _write(dst, offset, values):
    """Copies values into the library's buffer dst (a double pointer) from offset."""
    if values.shape[0]:
        ctypes.memmove(ctypes.addressof(dst.contents) + offset * 8, values.ctypes.data,
                       values.nbytes)
