"""design.py -- churn.Design: the library's encoding of a flat per-subscriber table (string
columns one-hot, numeric columns as they are, ids and excluded columns left out, missing values
rejected or filled, constant and duplicate columns dropped), learned from a DataFrame in C
(churn_design_learn_columns) with the same rules as ``churn fit --data TABLE.csv``.

A model fitted with ``churn.LogisticRegression(design=churn.Design(...))`` or by the CLI carries
its design, so ``load_model(path).predict_proba(frame)`` encodes the frame exactly as in
training (the same C code), and the CLI, Python and Lua score a row identically.
"""
import ctypes

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from ._arrays import ptr
from ._handle import Handle
from ._lib import LIB, check, cstr, pystr
from ._options import Options
from ._table import table_to_frame
from .dataset import _Columns

_MISSING = {"reject": 0, "mean": 1, "zero": 2}
_REFERENCE = {"most_frequent": 0, "first": 1, "none": 2}


def _names(v):
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return ",".join(str(x) for x in v)


class Design(TransformerMixin, BaseEstimator):
    """The encoding of a flat table.

    id: column name or list of names carried to outputs and never used as features.
    exclude: columns left out.  missing: "reject" (rows with a missing value are dropped by
    LogisticRegression.fit and give NaN rows in transform), "mean" or "zero" (filled, with a
    "COL=missing" indicator).  reference: the one-hot level left out, "most_frequent" (default,
    as the CLI), "first" (pandas get_dummies(drop_first=True)) or "none".  max_levels: a string
    column with more distinct values fails (an id left in, typically).

    After fit: feature_names_out_ (the encoded columns), n_features_out_, report_ (a DataFrame:
    rejected rows, dropped columns, each column's type and reference level).
    """

    def __init__(self, id=None, exclude=None, missing="reject", reference="most_frequent",
                 max_levels=1000):
        self.id = id
        self.exclude = exclude
        self.missing = missing
        self.reference = reference
        self.max_levels = max_levels

    def _options(self):
        if self.missing not in _MISSING:
            raise ValueError(f"missing must be 'reject', 'mean' or 'zero'; got {self.missing!r}")
        if self.reference not in _REFERENCE:
            raise ValueError("reference must be 'most_frequent', 'first' or 'none'; got "
                             f"{self.reference!r}")
        opts = Options()
        opts["design.id"] = _names(self.id)
        opts["design.exclude"] = _names(self.exclude)
        opts["design.missing"] = _MISSING[self.missing]
        opts["design.max_levels"] = int(self.max_levels)
        opts["features.onehot_reference"] = _REFERENCE[self.reference]
        return opts

    def fit(self, X, y=None):
        """Learns the encoding from a DataFrame; returns self."""
        if not isinstance(X, pd.DataFrame):
            raise TypeError("churn.Design learns from a pandas DataFrame (named columns)")
        opts = self._options()
        h = ctypes.c_void_p()
        check(LIB.churn_design_new(opts.handle, ctypes.byref(h)))
        handle = Handle(h.value, LIB.churn_design_free)
        cols = _Columns(X)
        check(LIB.churn_design_learn_columns(handle.ptr, ctypes.byref(cols.array), cols.count,
                                             len(X)))
        self._adopt(handle)
        return self

    def _adopt(self, handle):
        self._design = handle
        d = LIB.churn_design_n_features(handle.ptr)
        self.n_features_out_ = int(d)
        self.feature_names_out_ = np.array(
            [pystr(LIB.churn_design_feature_name(handle.ptr, j)) for j in range(d)], dtype=object)
        out = ctypes.c_void_p()
        check(LIB.churn_design_report(handle.ptr, ctypes.byref(out)))
        self.report_ = table_to_frame(out.value)

    @classmethod
    def from_model(cls, model_ptr):
        """The design a C model handle carries, or None when it has none."""
        h = ctypes.c_void_p()
        if LIB.churn_design_from_model(model_ptr, ctypes.byref(h)) != 0:
            LIB.churn_clear_error()
            return None
        self = cls()
        self._adopt(Handle(h.value, LIB.churn_design_free))
        return self

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_out_.copy()

    def transform_kept(self, X):
        """(matrix (n, d) float64, kept (n,) bool, unseen count): rows rejected for a missing
        value are NaN and not kept; unseen levels are encoded as the reference and counted."""
        if not hasattr(self, "_design"):
            raise ValueError("this Design is not fitted yet: call fit(frame) first")
        if not isinstance(X, pd.DataFrame):
            raise TypeError("churn.Design encodes a pandas DataFrame (named columns)")
        n, d = len(X), self.n_features_out_
        out = np.empty((n, d), dtype=np.float64)
        kept = np.zeros(n, dtype=np.uint8)
        rej, uns = ctypes.c_int64(), ctypes.c_int64()
        cols = _Columns(X)
        check(LIB.churn_design_transform_columns(self._design.ptr, ctypes.byref(cols.array),
                                                 cols.count, n, ptr(out), max(d, 1), ptr(kept),
                                                 ctypes.byref(rej), ctypes.byref(uns)))
        return out, kept.astype(bool), int(uns.value)

    def transform(self, X):
        """The encoded matrix (n, d); NaN rows for rows rejected for a missing value."""
        return self.transform_kept(X)[0]

    def attach(self, model_ptr):
        """Stores the encoding in a C model fitted on its columns."""
        check(LIB.churn_design_attach(self._design.ptr, model_ptr))
