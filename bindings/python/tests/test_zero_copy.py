"""The binding adds no copy of X for float64 input with contiguous rows: the library is handed
the array's own address (checked by wrapping the C functions), and the Python heap stays far
below the size of X during fit and scoring (< X/4: only O(n) label and output vectors), as
tracemalloc sees it (it tracks numpy's allocations; a Fortran-ordered X, which must be
converted once, shows the copy the method would catch)."""
import tracemalloc

import numpy as np
import pytest

import churn
from churn import _lib


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((40000, 40))  # 12.8 MB
    y = (X[:, 0] - X[:, 1] + rng.standard_normal(len(X)) > 0).astype(float)
    return X, y


def _spy(monkeypatch, name, arg):
    seen = []
    real = getattr(_lib.LIB, name)

    def wrapper(*args):
        seen.append(args[arg])
        return real(*args)
    monkeypatch.setattr(_lib.LIB, name, wrapper)
    return seen


def test_library_reads_x_where_it_lies(big, monkeypatch):
    X, y = big
    fit = _spy(monkeypatch, "churn_model_fit", 0)
    score = _spy(monkeypatch, "churn_model_score", 1)
    expl = _spy(monkeypatch, "churn_model_explain_finite", 1)
    m = churn.LogisticRegression().fit(X, y)
    m.predict_proba(X)
    m.predict(X)
    m.decision_function(X)
    m.explain(X[:100])
    assert fit == [X.ctypes.data] and score == [X.ctypes.data] * 3
    assert expl == [X.ctypes.data]


def test_row_slices_and_column_prefixes_are_not_copied(big, monkeypatch):
    X, y = big
    m = churn.LogisticRegression().fit(X[:, :10], y)
    proba = _spy(monkeypatch, "churn_model_score", 1)
    view = X[100:2000:3, :10]  # rows 3 apart, 10 of 40 columns: a row stride of 120 doubles
    p = m.predict_proba(view)
    assert proba == [view.ctypes.data]
    np.testing.assert_array_equal(p, m.predict_proba(np.ascontiguousarray(view)))


def test_float32_is_passed_as_float32(big, monkeypatch):
    X, y = big
    X32 = X[:1000].astype(np.float32)
    fit = _spy(monkeypatch, "churn_model_fit", 0)
    m = churn.LogisticRegression().fit(X32, y[:1000])
    assert fit == [X32.ctypes.data]
    ref = churn.LogisticRegression().fit(X32.astype(np.float64), y[:1000])
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-10)


def _peak(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_heap_stays_far_below_x(big):
    X, y = big
    m = churn.LogisticRegression().fit(X, y)
    assert _peak(lambda: churn.LogisticRegression().fit(X, y)) < X.nbytes / 4
    assert _peak(lambda: m.predict_proba(X)) < X.nbytes / 4
    assert _peak(lambda: m.decision_function(X)) < X.nbytes / 4
    # the measurement sees a conversion when one happens
    assert _peak(lambda: m.predict_proba(np.asfortranarray(X))) > X.nbytes
