"""churn.check_separation against an independent formulation of Konis's linear programs solved by
scipy.optimize.linprog (HiGHS), on hand-made, simulated and real (Telco) data."""
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import churn

TOL = 1e-7


def _rows(X, y, fit_intercept):
    Z = np.column_stack([np.ones(len(y)), X]) if fit_intercept else np.asarray(X, float)
    A = (2 * np.asarray(y, float) - 1)[:, None] * Z
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1
    return A / scale  # column scaling changes no sign pattern; it keeps HiGHS's numbers tame


def oracle(X, y, fit_intercept=True):
    """(kind, directions) from scipy: complete iff max t s.t. A b >= t, t <= 1, |b| <= 1 is > 0;
    separated iff max sum(A b) s.t. A b >= 0, |b| <= 1 is > 0; coefficient j can diverge upward
    (downward) iff max (min) b_j over {A b >= 0, |b| <= 1} is > 0 (< 0)."""
    A = _rows(X, y, fit_intercept)
    n, k = A.shape
    box = [(-1, 1)] * k
    res = linprog(-np.r_[np.zeros(k), 1.0], A_ub=np.column_stack([-A, np.ones(n)]),
                  b_ub=np.zeros(n), bounds=box + [(None, 1)], method="highs")
    assert res.status == 0
    complete = -res.fun > TOL
    res = linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(n), bounds=box, method="highs")
    assert res.status == 0
    separated = -res.fun > TOL
    kind = "complete" if complete else "quasi-complete" if separated else "none"
    up, down = np.zeros(k, bool), np.zeros(k, bool)
    for j in range(k):
        e = np.zeros(k)
        e[j] = 1
        up[j] = -linprog(-e, A_ub=-A, b_ub=np.zeros(n), bounds=box, method="highs").fun > TOL
        down[j] = linprog(e, A_ub=-A, b_ub=np.zeros(n), bounds=box, method="highs").fun < -TOL
    return kind, up, down


def assert_agrees(X, y, fit_intercept=True):
    got = churn.check_separation(X, y, fit_intercept=fit_intercept)
    kind, up, down = oracle(X, y, fit_intercept)
    assert got.kind == kind
    inf = got.infinite.to_numpy()
    assert np.all((inf != 0) == (up | down)), (inf, up, down)
    determined = up ^ down  # the sign is the data's, not the LP's choice
    assert np.all(inf[determined & up] == np.inf)
    assert np.all(inf[determined & down] == -np.inf)
    return got


def test_hand_made_complete():
    X = pd.DataFrame({"tenure": [1.0, 2, 3, 4, 5, 6]})
    s = churn.check_separation(X, [0, 0, 0, 1, 1, 1])
    assert s.kind == "complete"
    assert list(s.infinite.index) == ["intercept", "tenure"]
    assert s.infinite["intercept"] == -np.inf and s.infinite["tenure"] == np.inf
    assert_agrees(X.to_numpy(), [0, 0, 0, 1, 1, 1])


def test_hand_made_quasi_complete():
    s = churn.check_separation(np.array([[1.0], [2], [3], [3], [4], [5]]), [0, 0, 0, 1, 1, 1])
    assert s.kind == "quasi-complete"
    assert list(s.infinite) == [-np.inf, np.inf]
    assert list(s.infinite.index) == ["intercept", "x0"]


def test_index_matches_summary_frame(telco):
    X, y, _ = telco
    Xs = X.iloc[:2000]
    model = churn.LogisticRegression(penalty=None).fit(Xs, y[:2000])
    s = churn.check_separation(Xs, y[:2000])
    assert list(s.infinite.index) == list(model.summary_frame().index)


def test_telco_none(telco):
    X, y, _ = telco
    s = churn.check_separation(X, y)
    assert s.kind == "none"
    assert (s.infinite == 0).all()
    assert not s.separated


@pytest.mark.parametrize("rows", [30, 60, 120])
def test_telco_subsets_agree_with_scipy(telco, rows):
    X, y, _ = telco
    rng = np.random.default_rng(rows)
    idx = rng.choice(len(y), rows, replace=False)
    assert_agrees(X.to_numpy()[idx], y[idx])


@pytest.mark.parametrize("seed", range(12))
def test_simulated_agree_with_scipy(seed):
    rng = np.random.default_rng(seed)
    n, d = 40, 3
    X = rng.integers(-2, 3, size=(n, d)).astype(float)  # integer grid: many ties
    eta = X @ rng.normal(size=d) * (seed % 3) + rng.normal(size=n) * (seed % 2)
    y = (eta > 0).astype(float)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    assert_agrees(X, y, fit_intercept=bool(seed % 4))


def test_float32_and_no_intercept():
    X = np.array([[2, -1], [-1, 2], [1, 1], [-2, 1], [1, -2], [-1, -1]], dtype=np.float32)
    s = churn.check_separation(X, [1, 1, 1, 0, 0, 0], fit_intercept=False)
    assert s.kind == "complete"
    assert list(s.infinite.index) == ["x0", "x1"]
    assert list(s.infinite) == [np.inf, np.inf]


def test_fit_on_separated_data_names_the_column():
    X = pd.DataFrame({"tenure": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(churn.ChurnFitError, match="tenure"):
        churn.LogisticRegression(penalty=None).fit(X, [0, 0, 0, 1, 1, 1])


def test_bad_input():
    with pytest.raises(churn.ChurnValueError, match="row 1, column 0"):
        churn.check_separation(np.array([[1.0], [np.nan]]), [0, 1])
    with pytest.raises(churn.ChurnValueError, match="y at row 1"):
        churn.check_separation(np.array([[1.0], [2.0]]), [0, 2])
    with pytest.raises(ValueError, match="expected 2"):
        churn.check_separation(np.array([[1.0], [2.0]]), [0, 1, 1])


@pytest.mark.parametrize("seed", range(8))
def test_badly_scaled_columns_agree_with_scipy(seed):
    rng = np.random.default_rng(100 + seed)
    n, d = 150, 5
    scale = 10 ** rng.uniform(-3, 4, size=d)
    X = rng.normal(size=(n, d)) * scale
    noise = [0, 0.01, 1][seed % 3]
    y = (X @ (rng.normal(size=d) / scale) + rng.normal(size=n) * noise > 0).astype(float)
    assert_agrees(X, y, fit_intercept=bool(seed % 2))
