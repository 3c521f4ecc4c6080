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


# --- the unpenalised fit decides by the exact check ----------------------------------------------

def _fit_error(X, y, **kw):
    with pytest.raises(churn.ChurnFitError) as e:
        churn.LogisticRegression(penalty=None, **kw).fit(X, y)
    assert e.value.status_name == "CHURN_E_SEPARATION"
    assert "fit.penalty = FIRTH" in e.value.message
    return e.value.message


def _sm_logit(X, y, w=None):
    """statsmodels' unpenalised estimate (intercept first) and its max-abs score / sum of w."""
    import statsmodels.api as sm
    Z = sm.add_constant(np.asarray(X, float), has_constant="add")
    w = np.ones(len(y)) if w is None else np.asarray(w, float)
    r = sm.GLM(np.asarray(y, float), Z, family=sm.families.Binomial(), freq_weights=w).fit(
        tol=1e-12, maxiter=200)
    return r.params


def test_fit_complete_separation_message():
    X = pd.DataFrame({"days_offline": np.arange(20) - 9.5})
    y = (X.days_offline > 0).astype(int)
    msg = _fit_error(X, y)
    assert "complete separation" in msg and "quasi" not in msg
    assert "'days_offline' (+inf)" in msg
    msg = _fit_error(-X, y)
    assert "'days_offline' (-inf)" in msg


def test_fit_quasi_complete_dummy_names_only_it():
    i = np.arange(60)
    y = (i % 3 == 0).astype(int)
    X = pd.DataFrame({"noise": np.sin(i * 1.7),
                      "complaint_open": ((y == 1) & (i % 2 == 0)).astype(float)})
    msg = _fit_error(X, y)
    assert "quasi-complete separation" in msg
    assert "'complaint_open' (+inf)" in msg and "'noise'" not in msg
    kind, up, down = oracle(X.to_numpy(), y)  # scipy agrees on what is infinite
    assert kind == "quasi-complete" and list(up) == [False, False, True] and not down.any()


def test_fit_quasi_complete_that_newton_converges_on():
    """A rare dummy (1 churner in 500): Newton meets tol at a coefficient near 17 with a huge
    standard error, as statsmodels returns; the fit reports separation instead."""
    rng = np.random.default_rng(5000)
    n = 5000
    Z = rng.normal(size=(n, 4))
    y = (rng.random(n) < 1 / (1 + np.exp(-(Z[:, 0] - 1)))).astype(float)
    dummy = ((y == 1) & (rng.random(n) < 0.008)).astype(float)
    X = pd.DataFrame(np.column_stack([Z, dummy]),
                     columns=["tenure", "charges", "calls", "faults", "port_out_request"])
    b = _sm_logit(X, y)
    assert b[-1] > 10  # statsmodels "converges" far out
    for tol in (1e-8, 1e-6, 1e-4):
        msg = _fit_error(X, y, tol=tol)
        assert "quasi-complete separation" in msg
        assert "estimate of 'port_out_request' (+inf) is infinite" in msg


def test_fit_quasi_complete_in_two_columns():
    i = np.arange(90)
    y = (i % 3 == 0).astype(int)
    a = np.where(i % 5 == 4, 2.0, np.where(i % 5 == 3, 1.0, 0.0))
    b = np.where((y == 1) & (i % 2 == 0) & (a > 0), a - 1, a)
    X = pd.DataFrame({"usage": np.cos(i * 0.9), "plan_before": a, "plan_after": b})
    msg = _fit_error(X, y)
    assert "'plan_before' (+inf)" in msg and "'plan_after' (-inf)" in msg
    assert "'usage'" not in msg
    kind, up, down = oracle(X.to_numpy(), y)
    assert kind == "quasi-complete" and list(up) == [False, False, True, False]
    assert list(down) == [False, False, False, True]


def test_fit_dummy_in_the_telco_design(telco):
    X, y, _ = telco
    X = X.copy()
    X["retention_call_refused"] = ((y == 1) & (np.arange(len(y)) % 20 == 7)).astype(float)
    msg = _fit_error(X, y)
    assert "estimate of 'retention_call_refused' (+inf) is infinite" in msg
    assert not any(f"'{c}'" in msg for c in telco[0].columns)


def test_fit_rare_dummy_in_both_classes_matches_statsmodels():
    """3 of 300 rows have the dummy (2 churners, 1 not): no separation, no false alarm."""
    y = np.r_[np.zeros(200), np.ones(97), 0, 1, 1]
    X = pd.DataFrame({"sim_swap": np.r_[np.zeros(297), 1, 1, 1]})
    m = churn.LogisticRegression(penalty=None, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(m.coef_[0, 0], np.log(2 * 200 / 97), rtol=1e-9)
    np.testing.assert_allclose(m.intercept_[0], np.log(97 / 200), rtol=1e-9)


def test_fit_nearly_separated_matches_statsmodels():
    """x > 0 for the churners but two swapped pairs: the MLE is finite and large; the solver's
    heuristic fires, the exact check finds no separation and the fit goes on."""
    rng = np.random.default_rng(5)
    x = np.sort(rng.normal(size=200))
    y = (x > 0).astype(float)
    mid = np.searchsorted(x, 0)
    y[mid - 1], y[mid], y[mid - 2], y[mid + 1] = 1, 0, 1, 0
    X = np.column_stack([x, rng.normal(size=200)])
    assert churn.check_separation(X, y).kind == "none"
    m = churn.LogisticRegression(penalty=None, tol=1e-12, max_iter=200).fit(X, y)
    b = _sm_logit(X, y)
    assert b[1] > 10
    np.testing.assert_allclose(np.r_[m.intercept_, m.coef_.ravel()], b, rtol=1e-6)


def test_fit_zero_weight_rows_do_not_count():
    y = np.r_[np.zeros(200), np.ones(97), 0, 1, 1]
    X = pd.DataFrame({"sim_swap": np.r_[np.zeros(297), 1, 1, 1]})
    w = np.ones(300)
    w[297] = 0  # the dummy's only non-churner
    with pytest.raises(churn.ChurnFitError, match=r"'sim_swap' \(\+inf\)"):
        churn.LogisticRegression(penalty=None).fit(X, y, sample_weight=w)
    w[297] = 2.0
    w[:150] = 0  # zero weights elsewhere: the fit equals statsmodels' on the weighted rows
    m = churn.LogisticRegression(penalty=None, tol=1e-12).fit(X, y, sample_weight=w)
    b = _sm_logit(X, y, w)
    np.testing.assert_allclose(np.r_[m.intercept_, m.coef_.ravel()], b, rtol=1e-8)


def test_fit_long_lists_are_capped():
    n, k = 80, 10
    y = np.arange(n) % 2
    flags = np.zeros((n, k))
    for j in range(k):
        flags[2 * j + 3, j] = 1  # each flag marks one churner only
    X = pd.DataFrame(np.column_stack([np.cos(np.arange(n) * 1.3), flags]),
                     columns=["usage"] + [f"flag{j}" for j in range(k)])
    msg = _fit_error(X, y)
    assert "'flag0' (+inf)" in msg and "'flag7' (+inf)" in msg
    assert "'flag9'" not in msg and "and 2 more columns" in msg
