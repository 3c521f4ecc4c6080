"""churn.LogisticRegression(penalty="firth"): Firth's bias-reduced logistic regression against an
independent reference written here in numpy (plain Newton on the modified score with the hat
matrix, float64), on the real Telco design without separation and on a real-data subset that a
column separates; against statsmodels' MLE on the full data (Firth's correction is small
there); the 2x2 closed form; bad input.  Tolerances are stated at each assertion."""
import os

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import churn
from conftest import shared_data_dir

DESIGN = os.path.join(shared_data_dir(), "telco", "telco_design.csv")


@pytest.fixture(scope="module")
def design():
    df = pd.read_csv(DESIGN)
    return df.drop(columns="churn"), df["churn"].to_numpy()


def firth_reference(X, y, w=None, full_hat=False):
    """Firth by plain Newton (Fisher scoring) on U*(b) = Z'(w(y - p) + h(1/2 - p)), h the diagonal
    of the hat matrix W^1/2 Z (Z'WZ)^-1 Z' W^1/2 (the whole n x n matrix when full_hat), on
    columns z-scored here (Firth's estimate is equivariant), mapped back at the end.  Returns
    the coefficients (intercept first), the covariance (Z'WZ)^-1 on the original scale, the
    log-likelihood and the penalised log-likelihood l + 0.5 log det (X~'WX~)."""
    X = np.asarray(X, float)
    n, d = X.shape
    w = np.ones(n) if w is None else np.asarray(w, float)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    Z = np.column_stack([np.ones(n), (X - mu) / sd])
    b = np.zeros(d + 1)
    for _ in range(500):
        p = 1 / (1 + np.exp(-Z @ b))
        q = w * p * (1 - p)
        info = Z.T @ (q[:, None] * Z)
        inv = np.linalg.inv(info)
        if full_hat:
            Ws = np.sqrt(q)[:, None] * Z
            h = np.diag(Ws @ inv @ Ws.T)
        else:
            h = q * np.einsum("ij,jk,ik->i", Z, inv, Z)
        U = Z.T @ (w * (y - p) + h * (0.5 - p))
        step = np.linalg.solve(info, U)
        b = b + step
        if np.max(np.abs(step)) < 1e-14 * (1 + np.max(np.abs(b))):
            break
    T = np.zeros((d + 1, d + 1))  # original-scale coefficients = T b
    T[0, 0] = 1
    T[0, 1:] = -mu / sd
    T[1:, 1:] = np.diag(1 / sd)
    p = 1 / (1 + np.exp(-Z @ b))
    q = w * p * (1 - p)
    Xt = np.column_stack([np.ones(n), X])
    ll = np.sum(w * (y * np.log(p) + (1 - y) * np.log1p(-p)))
    pll = ll + 0.5 * np.linalg.slogdet(Xt.T @ (q[:, None] * Xt))[1]
    return T @ b, T @ np.linalg.inv(Z.T @ (q[:, None] * Z)) @ T.T, ll, pll


def coefs(m):
    return np.r_[m.intercept_, m.coef_.ravel()]


def test_telco_against_numpy_reference(design):
    X, y = design
    m = churn.LogisticRegression(penalty="firth", tol=1e-12).fit(X, y)
    b, cov, ll, pll = firth_reference(X, y)
    sf = m.summary_frame()
    # 1e-6 relative on coefficients and std errors (the design's condition number is ~1.6e5)
    np.testing.assert_allclose(coefs(m), b, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(sf["std_err"].to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-6)
    np.testing.assert_allclose(m.cov_params().to_numpy(), cov, rtol=1e-6, atol=1e-14)
    assert m.loglik_ == pytest.approx(ll, rel=1e-10)
    assert m.penalized_loglik_ == pytest.approx(pll, rel=1e-10)
    # the same columns as an unpenalised fit
    mle = churn.LogisticRegression(penalty=None, tol=1e-10).fit(X, y)
    assert list(sf.columns) == list(mle.summary_frame().columns)
    assert list(sf.index) == list(mle.summary_frame().index)
    assert sf.notna().all().all()
    assert mle.penalized_loglik_ == mle.loglik_
    assert "Firth" in m.summary()


def test_telco_firth_close_to_statsmodels_mle(design):
    X, y = design
    m = churn.LogisticRegression(penalty="firth").fit(X, y)
    res = sm.Logit(y, sm.add_constant(X.to_numpy())).fit(method="newton", maxiter=100, disp=0,
                                                         tol=1e-10)
    # 7,032 rows, 24 coefficients, no separation: Firth's correction is O(1/n), a small part
    # of a standard error (measured: at most 0.05 of one)
    shift = np.abs(coefs(m) - res.params) / res.bse
    assert shift.max() < 0.1, shift
    # and it moves towards zero in the log-odds: Firth's loglik is below the MLE's maximum
    assert m.loglik_ < res.llf
    np.testing.assert_allclose(m.summary_frame()["std_err"], res.bse, rtol=0.05)


def separated_subset(design):
    """A real-data subset made quasi-completely separated: 300 Telco customers, 4 columns, and
    'port_out_request' = 1 for a fifth of the churners only (it predicts churn perfectly)."""
    X, y = design
    rows = np.arange(0, 3000, 10)
    Xs = X.iloc[rows][["tenure", "MonthlyCharges", "Contract_Two year",
                       "PaperlessBilling_Yes"]].reset_index(drop=True)
    ys = y[rows].astype(float)
    flag = np.zeros(len(rows))
    churners = np.flatnonzero(ys == 1)
    flag[churners[::5]] = 1
    Xs["port_out_request"] = flag
    return Xs, ys


def test_separated_subset_against_full_hat_reference(design):
    Xs, ys = separated_subset(design)
    sep = churn.check_separation(Xs, ys)
    assert sep.kind == "quasi-complete"
    assert sep.infinite["port_out_request"] == np.inf
    with pytest.raises(churn.ChurnFitError, match="separat"):
        churn.LogisticRegression(penalty=None).fit(Xs, ys)
    m = churn.LogisticRegression(penalty="firth", tol=1e-12).fit(Xs, ys)
    b, cov, ll, pll = firth_reference(Xs, ys, full_hat=True)
    assert np.all(np.isfinite(coefs(m)))
    np.testing.assert_allclose(coefs(m), b, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(m.summary_frame()["std_err"], np.sqrt(np.diag(cov)), rtol=1e-6)
    assert m.penalized_loglik_ == pytest.approx(pll, rel=1e-10)


def test_weights_equal_duplication(design):
    Xs, ys = separated_subset(design)
    w = np.arange(len(ys)) % 3  # 0, 1, 2
    m = churn.LogisticRegression(penalty="firth", tol=1e-12).fit(Xs, ys, sample_weight=w)
    rep = np.repeat(np.arange(len(ys)), w)
    md = churn.LogisticRegression(penalty="firth", tol=1e-12).fit(Xs.iloc[rep], ys[rep])
    np.testing.assert_allclose(coefs(m), coefs(md), rtol=1e-8, atol=1e-12)
    b, cov, _, _ = firth_reference(Xs, ys, w=w)
    np.testing.assert_allclose(coefs(m), b, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("a,n0,c,n1", [(3, 10, 6, 10), (0, 8, 5, 10), (0, 6, 7, 7)])
def test_two_by_two_closed_form(a, n0, c, n1):
    x = np.r_[np.zeros(n0), np.ones(n1)][:, None]
    y = np.r_[np.arange(n0) < a, np.arange(n1) < c].astype(int)
    m = churn.LogisticRegression(penalty="firth", tol=1e-13).fit(x, y)
    p0, p1 = (a + 0.5) / (n0 + 1), (c + 0.5) / (n1 + 1)
    b0 = np.log(p0 / (1 - p0))
    assert m.intercept_[0] == pytest.approx(b0, abs=1e-10)
    assert m.coef_[0, 0] == pytest.approx(np.log(p1 / (1 - p1)) - b0, abs=1e-10)
    se = np.sqrt(1 / (n0 * p0 * (1 - p0)) + 1 / (n1 * p1 * (1 - p1)))
    assert m.summary_frame()["std_err"].iloc[1] == pytest.approx(se, rel=1e-9)


def test_bad_input(design, tmp_path):
    X, y = design
    Xd = X.iloc[:500, :3].copy()
    Xd["tenure_again"] = Xd["tenure"]
    with pytest.raises(churn.ChurnFitError, match="tenure"):
        churn.LogisticRegression(penalty="firth").fit(Xd, y[:500])
    Xc = X.iloc[:500, :3].copy()
    Xc["one"] = 1.0
    with pytest.raises(churn.ChurnFitError, match="'one'"):
        churn.LogisticRegression(penalty="firth").fit(Xc, y[:500])
    with pytest.raises(ValueError, match="rows with positive weight"):
        churn.LogisticRegression(penalty="firth").fit(X.iloc[:5, :8], [0, 1, 0, 1, 1])
    with pytest.raises(ValueError, match="only the nonrobust covariance"):
        churn.LogisticRegression(penalty="firth", cov_type="HC0").fit(X, y)
    path = tmp_path / "rows.csv"
    pd.DataFrame({"x": [0.0, 1, 2, 3], "churn": [0, 1, 0, 1]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="Firth needs the in-memory fit"):
        churn.LogisticRegression(penalty="firth").fit_csv(path, "churn")
    with pytest.raises(ValueError, match="'firth'"):
        churn.LogisticRegression(penalty="frith").fit(X, y)


def test_save_load_keeps_firth(design, tmp_path):
    Xs, ys = separated_subset(design)
    m = churn.LogisticRegression(penalty="firth").fit(Xs, ys)
    m.save(tmp_path / "firth.msgpack")
    back = churn.load_model(tmp_path / "firth.msgpack")
    assert back.penalty == "firth"
    assert back.penalized_loglik_ == m.penalized_loglik_
    assert back.loglik_ == m.loglik_
    np.testing.assert_array_equal(back.predict_proba(Xs), m.predict_proba(Xs))


def test_penalized_loglik_of_other_penalties(design):
    X, y = design
    Xs = X[["tenure", "MonthlyCharges", "SeniorCitizen"]]
    # L2 on the raw columns (scikit-learn's objective): l(b) - 0.5 ||b||^2 / C
    m = churn.LogisticRegression(penalty="l2", C=0.5, tol=1e-12).fit(Xs, y)
    expect = m.loglik_ - 0.5 * np.sum(m.coef_ ** 2) / 0.5
    assert m.penalized_loglik_ == pytest.approx(expect, rel=1e-9)
    mle = churn.LogisticRegression(penalty=None).fit(Xs, y)
    assert mle.penalized_loglik_ == mle.loglik_


def test_check_estimator_firth():
    # scikit-learn's own conventions, on its small (often separated) data sets
    from sklearn.utils.estimator_checks import check_estimator
    check_estimator(churn.LogisticRegression(penalty="firth"))
