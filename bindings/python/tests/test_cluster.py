"""Cluster-robust standard errors: churn.LogisticRegression(penalty=None, cov_type="cluster")
.fit(X, y, groups=...) against statsmodels' Logit(y, X).fit(cov_type="cluster",
cov_kwds={"groups": g}) on the Telco design, HC0/HC1 re-checked there, the weighted sandwich
against a few lines of numpy, and the argument checks."""
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.utils.estimator_checks import check_estimator

import churn

RTOL = 1e-6
COLS = ["coef", "std_err", "z", "p_value", "ci_low", "ci_high"]


def _households(n, seed=7):
    """Random household ids (sizes 1-4) in a shuffled row order: labels are ints, not sorted."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 5, size=n)
    ids = np.repeat(np.arange(len(sizes)), sizes)[:n]
    return rng.permutation(ids) * 13 + 1000


def _regions(n, seed=11):
    rng = np.random.default_rng(seed)
    names = np.array([f"region-{c}" for c in "ABCDEFGHIJKLMNOPQRST"])  # 20 regions
    return names[rng.integers(0, len(names), size=n)]


def _statsmodels(X, y, cov_type, groups=None):
    kw = {"cov_kwds": {"groups": groups}} if groups is not None else {}
    res = sm.Logit(y, sm.add_constant(X.to_numpy(float))).fit(
        method="newton", tol=1e-14, maxiter=100, disp=False, cov_type=cov_type, **kw)
    ci = res.conf_int()
    return pd.DataFrame({"coef": res.params, "std_err": res.bse, "z": res.tvalues,
                         "p_value": res.pvalues, "ci_low": ci[:, 0], "ci_high": ci[:, 1]})


def _compare(est, want, rtol=RTOL):
    got = est.summary_frame()[COLS].to_numpy()
    w = want[COLS].to_numpy()
    # p-values far below any level of interest are compared in absolute terms
    scale = np.maximum(np.abs(w), np.where(np.arange(len(COLS)) == 3, 1e-8, 0.0))
    err = np.abs(got - w) / scale
    assert err.max() <= rtol, (err.max(), np.unravel_index(err.argmax(), err.shape))
    return err.max()


@pytest.mark.parametrize("kind", ["households", "regions"])
def test_cluster_matches_statsmodels(telco, kind):
    X, y, _ = telco
    if kind == "households":
        g = _households(len(y))
        labels = g
    else:
        g_str = _regions(len(y))
        labels = pd.Series(g_str, name="region")
        g = pd.factorize(g_str)[0]  # statsmodels wants numbers
    est = churn.LogisticRegression(penalty=None, cov_type="cluster", tol=1e-12)
    est.fit(X, y, groups=labels)
    want = _statsmodels(X, y, "cluster", g)
    _compare(est, want)
    assert est.n_clusters_ == len(np.unique(g))
    if kind == "regions":
        assert est.n_clusters_ == 20


def test_categorical_and_string_list_labels_give_the_same_fit(telco):
    X, y, _ = telco
    g = _regions(len(y))
    a = churn.LogisticRegression(penalty=None, cov_type="cluster").fit(X, y, groups=list(g))
    b = churn.LogisticRegression(penalty=None, cov_type="cluster").fit(
        X, y, groups=pd.Categorical(g, categories=sorted(set(g)) + ["unused"]))
    np.testing.assert_array_equal(a.cov_params().to_numpy(), b.cov_params().to_numpy())
    assert b.n_clusters_ == 20  # unused categories are no clusters


@pytest.mark.parametrize("cov_type", ["HC0", "HC1"])
def test_hc_still_match_statsmodels(telco, cov_type):
    X, y, _ = telco
    est = churn.LogisticRegression(penalty=None, cov_type=cov_type, tol=1e-12).fit(X, y)
    want = _statsmodels(X, y, "HC0")  # statsmodels 0.13's Logit returns HC0 for "HC1"
    if cov_type == "HC1":
        n, k = X.shape[0], X.shape[1] + 1
        f = np.sqrt(n / (n - k))
        want["std_err"] *= f
        want["z"] /= f
        from scipy.stats import norm
        want["p_value"] = 2 * norm.sf(np.abs(want["z"]))
        want["ci_low"] = want["coef"] - norm.ppf(0.975) * want["std_err"]
        want["ci_high"] = want["coef"] + norm.ppf(0.975) * want["std_err"]
    _compare(est, want)
    assert est.n_clusters_ == 0


def test_weighted_sandwich_against_numpy(telco):
    X, y, _ = telco
    rng = np.random.default_rng(3)
    w = rng.uniform(0.2, 3.0, size=len(y))
    g = _households(len(y), seed=5)
    est = churn.LogisticRegression(penalty=None, cov_type="cluster", tol=1e-12)
    est.fit(X, y, sample_weight=w, groups=g)
    # independent: the weighted sandwich at the library's estimate
    Z = np.column_stack([np.ones(len(y)), X.to_numpy(float)])
    b = np.concatenate([est.intercept_, est.coef_.ravel()])
    p = 1 / (1 + np.exp(-Z @ b))
    H = (Z * (w * p * (1 - p))[:, None]).T @ Z
    scores = Z * (w * (y - p))[:, None]
    ids, inv = np.unique(g, return_inverse=True)
    S = np.zeros((len(ids), Z.shape[1]))
    np.add.at(S, inv, scores)
    n, k, G = len(y), Z.shape[1], len(ids)
    Hi = np.linalg.inv(H)
    want = G / (G - 1) * (n - 1) / (n - k) * Hi @ (S.T @ S) @ Hi
    got = est.cov_params().to_numpy()
    d = np.sqrt(np.diag(want))
    err = np.abs(got - want) / np.outer(d, d)
    assert err.max() < 1e-6, err.max()
    np.testing.assert_allclose(np.sqrt(np.diag(got)), d, rtol=1e-6)
    # the gradient at the estimate is ~0 (so the numpy sandwich is at the optimum)
    assert np.abs(scores.sum(0)).max() / w.sum() < 1e-8


def test_save_load_keeps_the_cluster_covariance(telco, tmp_path):
    X, y, _ = telco
    est = churn.LogisticRegression(penalty=None, cov_type="cluster").fit(
        X, y, groups=_households(len(y)))
    path = tmp_path / "m.churnmodel"
    est.save(path)
    back = churn.load_model(path)
    np.testing.assert_array_equal(back.cov_params().to_numpy(), est.cov_params().to_numpy())
    assert back.n_clusters_ == est.n_clusters_ > 0


def test_argument_errors(telco):
    X, y, _ = telco
    n = len(y)
    est = churn.LogisticRegression(penalty=None, cov_type="cluster")
    with pytest.raises(ValueError, match="needs the cluster labels"):
        est.fit(X, y)
    with pytest.raises(ValueError, match=f"groups has {n - 1} labels but X has {n} rows"):
        est.fit(X, y, groups=np.arange(n - 1))
    with pytest.raises(ValueError, match="only used by the cluster-robust covariance"):
        churn.LogisticRegression(penalty=None, cov_type="HC0").fit(X, y, groups=np.arange(n))
    with pytest.raises(ValueError, match="only used by the cluster-robust covariance"):
        churn.LogisticRegression(penalty=None).fit(X, y, groups=np.arange(n))
    with pytest.raises(ValueError, match="single cluster \\(every label is 'same'\\)"):
        est.fit(X, y, groups=["same"] * n)
    with pytest.raises(ValueError, match="missing label .* at row 5"):
        est.fit(X, y, groups=[None if i == 5 else i % 7 for i in range(n)])
    with pytest.raises(ValueError, match="1-D"):
        est.fit(X, y, groups=np.zeros((n, 2)))
    with pytest.raises(ValueError, match="cov_type must be"):
        churn.LogisticRegression(cov_type="cluster2").fit(X, y)
    with pytest.raises(NotImplementedError, match="in-memory fit only"):
        est.fit_csv("unused.csv", "churn")


def test_dask_fit_refuses_cluster(telco):
    import dask.dataframe as dd  # a missing or broken dask fails here instead of skipping
    import churn.dask as cd
    X, y, _ = telco
    Xd = dd.from_pandas(X, npartitions=2)
    yd = dd.from_pandas(pd.Series(y), npartitions=2)
    with pytest.raises(NotImplementedError, match="cov_type='cluster' is not available"):
        cd.fit(Xd, yd, penalty=None, cov_type="cluster")


def test_penalised_fit_has_no_inference_but_checks_groups(telco):
    X, y, _ = telco
    est = churn.LogisticRegression(penalty="l2", cov_type="cluster")
    est.fit(X, y, groups=_households(len(y)))
    assert est.summary_frame()["std_err"].isna().all()
    assert est.n_clusters_ == 0


def test_check_estimator_still_passes():
    check_estimator(churn.LogisticRegression())
