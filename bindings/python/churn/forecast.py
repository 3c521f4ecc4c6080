"""churn.forecast -- cohort retention models for projecting a cohort's survival (section 8c of
churn.h): the shifted-beta-geometric of Fader & Hardie (2007), its beta-discrete-Weibull
generalisation and the plain geometric model, fitted by maximum likelihood in libchurn.

    m = churn.ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    m.alpha_, m.beta_            # 0.704, 1.182 (Fader & Hardie's "regular" cohort)
    m.forecast(12, target=...)   # periods 8..12 from the last observed count, with intervals
    m.derl(0.1, renewals=3)      # discounted expected residual lifetime (periods)
"""
import ctypes

import numpy as np
import pandas as pd

from ._arrays import as_vector, ptr
from ._handle import Handle
from ._lib import ENUM_COHORT_KIND, LIB, check, enum_names
from ._table import table_to_frame

__all__ = ["ShiftedBetaGeometric", "BetaDiscreteWeibull", "GeometricRetention", "CohortModel"]

_KINDS = enum_names(ENUM_COHORT_KIND)
_NAMES = {0: ("alpha", "beta"), 1: ("alpha", "beta", "c"), 2: ("p",)}


def _cohorts(alive):
    """One sequence of alive counts, or a list of sequences (cohorts of different lengths)."""
    if isinstance(alive, (pd.Series, np.ndarray)) and np.ndim(alive) == 1:
        seqs = [alive]
    elif len(alive) and np.ndim(alive[0]) == 0:
        seqs = [alive]
    else:
        seqs = list(alive)
    arrays = [np.asarray(s, dtype=np.float64).reshape(-1) for s in seqs]
    return arrays


class CohortModel:
    """A cohort retention model fitted in libchurn; see ShiftedBetaGeometric."""

    kind = "sbg"

    def __init__(self):
        self._h = None

    def _handle(self):
        if self._h is None or not self._h:
            raise ValueError(f"this {type(self).__name__} is not fitted: call fit(alive) first")
        return self._h.ptr

    def fit(self, alive):
        """Fits the model to the alive counts of a cohort after 0, 1, 2, ... periods, or to a
        list of such sequences (cohorts of different lengths).  Returns self."""
        seqs = _cohorts(alive)
        flat = np.ascontiguousarray(np.concatenate(seqs) if seqs else np.empty(0))
        lengths = np.ascontiguousarray([len(s) for s in seqs], dtype=np.int64)
        h = ctypes.c_void_p()
        check(LIB.churn_cohort_fit(_KINDS[self.kind], ptr(flat), ptr(lengths), len(seqs),
                                   ctypes.byref(h)))
        self._set(h.value)
        self.cohorts_ = seqs
        return self

    def _set(self, hptr):
        self._h = Handle(hptr, LIB.churn_cohort_model_free)
        kind = LIB.churn_cohort_model_kind(hptr)
        self.fitted_kind_ = {v: k for k, v in _KINDS.items()}[kind]
        n = ctypes.c_int64()
        p, se = (ctypes.c_double * 3)(), (ctypes.c_double * 3)()
        cov, ll = (ctypes.c_double * 9)(), ctypes.c_double()
        check(LIB.churn_cohort_params(hptr, ctypes.byref(n), p, se, cov, ctypes.byref(ll)))
        k = n.value
        names = _NAMES[kind]
        self.params_ = pd.Series(list(p)[:k], index=names, name="estimate")
        self.std_err_ = pd.Series(list(se)[:k], index=names, name="std_err")
        self.cov_ = pd.DataFrame(np.array(list(cov)[:k * k]).reshape(k, k), index=names,
                                 columns=names)
        self.loglik_ = ll.value
        for name in names:
            setattr(self, name + "_", self.params_[name])
            setattr(self, name + "_se_", self.std_err_[name])

    def survival(self, t):
        """S(t): the share of a cohort still active after t periods (scalar or array)."""
        return self._curves(t)[0]

    def retention_rate(self, t):
        """r(t) = S(t) / S(t - 1), the share of those active after t - 1 periods who renew at
        period t (NaN for t < 1)."""
        return self._curves(t)[1]

    def _curves(self, t):
        scalar = np.ndim(t) == 0
        tt = as_vector(np.atleast_1d(t), name="t")
        s, r = np.empty_like(tt), np.empty_like(tt)
        check(LIB.churn_cohort_survival(self._handle(), ptr(tt), tt.shape[0], ptr(s), ptr(r)))
        return (s[0], r[0]) if scalar else (s, r)

    def forecast(self, periods, target=None, alpha=0.05, cohort=0, size=None, start=None,
                 alive=None):
        """Projects a cohort to each period after its last observation up to `periods`
        (counted from period 0).  By default the cohort is the `cohort`-th fitted one: its
        size alive[0] and its last count alive[start]; or give size, start and alive (the
        count after `start` periods; start=0, alive=size projects a new cohort).  target: the
        targets of periods 1..periods (a sequence of that length) for the margin and the
        probability of meeting it.  DataFrame indexed by period: survival, expected
        (survivors), share, std_err, ci_low, ci_high (1 - alpha prediction interval) [,
        target, margin, prob_meet]."""
        if size is None:
            if not getattr(self, "cohorts_", None):
                raise ValueError("this model has no fitted cohort counts: give size (and "
                                 "start, alive)")
            seq = self.cohorts_[cohort]
            size = float(seq[0])
            start = len(seq) - 1 if start is None else int(start)
            alive = float(seq[start]) if alive is None else float(alive)
        else:
            start = 0 if start is None else int(start)
            alive = float(size) if alive is None else float(alive)
        tg = None if target is None else as_vector(target, int(periods), "target")
        h = ctypes.c_void_p()
        check(LIB.churn_cohort_forecast(self._handle(), float(size), start, alive, int(periods),
                                        ptr(tg), float(alpha), ctypes.byref(h)))
        return table_to_frame(h).set_index("period")

    def derl(self, discount, renewals=0):
        """Discounted expected residual lifetime (Fader & Hardie 2010), in periods, of a
        member who has renewed `renewals` times, just before its next renewal decision:
        sum_{t > n} S(t) / S(n) / (1 + discount)^(t - n - 1).  Times the margin per period
        gives the residual value."""
        out = ctypes.c_double()
        check(LIB.churn_cohort_derl(self._handle(), float(discount), int(renewals),
                                    ctypes.byref(out)))
        return out.value

    def summary_frame(self):
        """The estimates with their standard errors."""
        return pd.concat([self.params_, self.std_err_], axis=1)

    def __repr__(self):
        if self._h is None:
            return f"{type(self).__name__}()"
        est = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({est}, loglik={self.loglik_:.6g})"


class ShiftedBetaGeometric(CohortModel):
    """The shifted-beta-geometric model (Fader & Hardie 2007): each member churns each period
    with its own probability theta ~ Beta(alpha, beta).  After fit: alpha_, beta_, loglik_ (as
    the paper writes it, no multinomial constant), alpha_se_, beta_se_ (inverse observed
    information), params_, std_err_, cov_."""
    kind = "sbg"


class BetaDiscreteWeibull(CohortModel):
    """The beta-discrete-Weibull model (Fader, Hardie et al. 2018): the sBG with each member's
    churn probability changing with tenure, S(t) = B(alpha, beta + t^c) / B(alpha, beta).
    Attributes alpha_, beta_, c_ and their _se_."""
    kind = "bdw"


class GeometricRetention(CohortModel):
    """Everyone churns with the same probability p_ each period (the sBG's limit without
    heterogeneity)."""
    kind = "geometric"
