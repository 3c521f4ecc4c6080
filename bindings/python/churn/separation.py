"""churn.check_separation -- whether the logistic maximum-likelihood estimate exists (Konis 2007
linear programs, in the C library: churn_separation_check) and which coefficients would run to
+/- infinity in an unpenalised fit.
"""
import ctypes

import numpy as np
import pandas as pd

from ._arrays import as_matrix, as_vector, ptr
from ._lib import LIB, check

__all__ = ["check_separation", "Separation"]

_KINDS = {0: "none", 1: "quasi-complete", 2: "complete"}


class Separation:
    """The result of check_separation.

    kind: "none", "quasi-complete" or "complete".
    infinite: a pandas Series indexed like LogisticRegression.summary_frame() ("intercept" first
        when fitted, then the feature names) holding 0.0 for a coefficient that stays finite and
        +inf / -inf for one whose maximum-likelihood estimate runs off in that direction.
    """

    __slots__ = ("kind", "infinite")

    def __init__(self, kind, infinite):
        self.kind = kind
        self.infinite = infinite

    @property
    def separated(self):
        """True for complete or quasi-complete separation."""
        return self.kind != "none"

    def __repr__(self):
        inf = [str(t) for t, v in self.infinite.items() if v != 0]
        return f"Separation(kind={self.kind!r}, infinite={inf})"


def check_separation(X, y, fit_intercept=True):
    """Checks rows X (2-D array or DataFrame, n x d) with 0/1 labels y (length n) for complete or
    quasi-complete separation.  Returns a Separation.  Raises churn.ChurnValueError for
    non-finite X (naming row and column) or labels other than 0/1 (naming the row)."""
    m = as_matrix(X, float32_ok=True)
    y01 = as_vector(y, m.rows, name="y")
    names = m.names or [f"x{j}" for j in range(m.cols)]
    terms = (["intercept"] if fit_intercept else []) + list(names)
    kind = ctypes.c_int(-1)
    direction = np.zeros(len(terms), dtype=np.int8)
    check(LIB.churn_separation_check(m.ptr, m.dtype, m.rows, m.cols, m.stride, ptr(y01),
                                     1 if fit_intercept else 0, ctypes.byref(kind),
                                     ptr(direction)))
    values = np.where(direction > 0, np.inf, np.where(direction < 0, -np.inf, 0.0))
    infinite = pd.Series(values, index=pd.Index(terms, name="term"), name="infinite")
    return Separation(_KINDS[kind.value], infinite)
