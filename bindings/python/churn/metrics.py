"""churn.metrics -- how good a churn score is, computed by libchurn (section 7 of churn.h).

y_true holds outcomes 0/1 (bool or numbers); scores and probabilities are 1-D arrays of the same
length; sample_weight is None or non-negative weights.  C-contiguous float64 arrays are read
where they lie; other inputs are converted once.  Tables come back as pandas DataFrames.
"""
import ctypes

import numpy as np

from ._arrays import as_vector, ptr
from ._lib import ENUM_CALIBRATION_STRATEGY, LIB, check, enum_names
from ._table import table_to_frame

__all__ = ["roc_auc", "pr_auc", "log_loss", "brier", "confusion", "confusion_table",
           "lift_table", "calibration_table", "qini_curve", "qini_auc"]


def _inputs(y_true, score, sample_weight, score_name="y_score"):
    y = as_vector(y_true, name="y_true")
    s = as_vector(score, y.shape[0], name=score_name)
    w = None if sample_weight is None else as_vector(sample_weight, y.shape[0],
                                                     name="sample_weight")
    return y, s, w


def _scalar(fn, y_true, score, sample_weight, score_name):
    y, s, w = _inputs(y_true, score, sample_weight, score_name)
    out = ctypes.c_double()
    check(fn(ptr(y), ptr(s), ptr(w), y.shape[0], ctypes.byref(out)))
    return out.value


def roc_auc(y_true, y_score, sample_weight=None):
    """ROC AUC with ties counted one half; equals sklearn's roc_auc_score."""
    return _scalar(LIB.churn_eval_roc_auc, y_true, y_score, sample_weight, "y_score")


def pr_auc(y_true, y_score, sample_weight=None):
    """Area under the precision-recall curve as average precision (sklearn's definition)."""
    return _scalar(LIB.churn_eval_average_precision, y_true, y_score, sample_weight, "y_score")


def log_loss(y_true, y_prob, sample_weight=None):
    """Mean negative log-likelihood of probabilities (sklearn's log_loss, eps = DBL_EPSILON)."""
    return _scalar(LIB.churn_eval_log_loss, y_true, y_prob, sample_weight, "y_prob")


def brier(y_true, y_prob, sample_weight=None):
    """Brier score: the weighted mean of (p - y)^2."""
    return _scalar(LIB.churn_eval_brier_score, y_true, y_prob, sample_weight, "y_prob")


def confusion(y_true, y_score, threshold=0.5, sample_weight=None):
    """(tp, fp, tn, fn) when rows with score >= threshold are flagged (weighted counts)."""
    y, s, w = _inputs(y_true, y_score, sample_weight)
    out = [ctypes.c_double() for _ in range(4)]
    check(LIB.churn_eval_confusion(ptr(y), ptr(s), ptr(w), y.shape[0], float(threshold),
                                   *[ctypes.byref(o) for o in out]))
    return tuple(o.value for o in out)


def confusion_table(y_true, y_score, thresholds, sample_weight=None):
    """The warning list at each threshold: DataFrame with threshold, tp, fp, tn, fn, flagged,
    precision, recall, f1, accuracy (one row per threshold, in the order given)."""
    y, s, w = _inputs(y_true, y_score, sample_weight)
    t = as_vector(np.atleast_1d(thresholds), name="thresholds")
    h = ctypes.c_void_p()
    check(LIB.churn_eval_confusion_table(ptr(y), ptr(s), ptr(w), y.shape[0], ptr(t),
                                         t.shape[0], ctypes.byref(h)))
    return table_to_frame(h)


def lift_table(y_true, y_score, bins=10, sample_weight=None):
    """The lift / cumulative gains table over `bins` equal-weight bins (10 = deciles), bin 1
    the highest scores.  Columns: bin, n, positives, rate, lift, cumulative_n,
    cumulative_positives, cumulative_gain, cumulative_lift, score_min, score_max."""
    y, s, w = _inputs(y_true, y_score, sample_weight)
    h = ctypes.c_void_p()
    check(LIB.churn_eval_lift_table(ptr(y), ptr(s), ptr(w), y.shape[0], int(bins),
                                    ctypes.byref(h)))
    return table_to_frame(h)


_STRATEGIES = enum_names(ENUM_CALIBRATION_STRATEGY)


def calibration_table(y_true, y_prob, bins=10, strategy="uniform", sample_weight=None):
    """The reliability table (sklearn calibration_curve's binning, empty bins left out).
    Columns: bin, lower, upper, n, mean_predicted, observed_rate, ci_lower, ci_upper (95%
    Wilson interval).  strategy is "uniform" or "quantile"."""
    if strategy not in _STRATEGIES:
        raise ValueError(f"strategy must be 'uniform' or 'quantile'; got {strategy!r}")
    y, s, w = _inputs(y_true, y_prob, sample_weight, "y_prob")
    h = ctypes.c_void_p()
    check(LIB.churn_eval_calibration_table(ptr(y), ptr(s), ptr(w), y.shape[0], int(bins),
                                           _STRATEGIES[strategy], ctypes.byref(h)))
    return table_to_frame(h)


def _uplift_inputs(score, treated, churned):
    s = as_vector(score, name="score")
    t = as_vector(np.asarray(treated, dtype=np.float64), s.shape[0], "treated")
    c = as_vector(np.asarray(churned, dtype=np.float64), s.shape[0], "churned")
    return s, t, c


def qini_curve(score, treated, churned):
    """The Qini curve of an uplift score for churn (subjects ranked by decreasing score, tied
    scores together): after the first n, qini = Y_C N_T / N_C - Y_T, the churners the contacts
    among them prevented (scikit-uplift's qini_curve with outcome = 1 - churned).  DataFrame:
    n, share, treated, control, treated_churned, control_churned, qini, random."""
    s, t, c = _uplift_inputs(score, treated, churned)
    h = ctypes.c_void_p()
    check(LIB.churn_eval_qini_curve(ptr(s), ptr(t), ptr(c), s.shape[0], ctypes.byref(h)))
    return table_to_frame(h)


def qini_auc(score, treated, churned):
    """The Qini coefficient: the area between the Qini curve and the random line over the
    share targeted (0 to 1), divided by the number of subjects (> 0: the score ranks the
    subscribers a contact saves first)."""
    s, t, c = _uplift_inputs(score, treated, churned)
    out = ctypes.c_double()
    check(LIB.churn_eval_qini_auc(ptr(s), ptr(t), ptr(c), s.shape[0], ctypes.byref(out)))
    return out.value
