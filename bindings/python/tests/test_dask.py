"""churn.dask on a distributed.LocalCluster (2 worker processes, 1 thread each) with >= 8
partitions: the fit equals the in-memory fit to 1e-8 (relative, coefficients, standard errors,
log-likelihood), for arrays and DataFrames, penalties, weights, robust (HC0/HC1) covariances;
pass 0 (column moments) on the workers; scoring on the workers; errors name the global row."""
import os
import pickle

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import dask.array as da
import dask.dataframe as dd
import distributed

import churn


@pytest.fixture(scope="module")
def client():
    # the worker processes must find the same package and library as this process
    os.environ["CHURN_LIBRARY"] = churn.library_path()
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(churn.__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [pkg] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(21)
    n = 4000
    X = rng.standard_normal((n, 5)) * [1, 3, 0.5, 2, 1] + [0, 1, 0, -2, 5]
    eta = 0.2 + X @ np.array([0.8, -0.3, 0.6, 0.1, -0.2])
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    w = rng.uniform(0.5, 2.0, n)
    return X, y, w


def _same(m, ref):
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(m.intercept_, ref.intercept_, rtol=1e-8, atol=1e-12)
    assert m.loglik_ == pytest.approx(ref.loglik_, rel=1e-8)


def test_mle_on_array_equals_in_memory(client, data):
    X, y, _ = data
    Xd, yd = da.from_array(X, chunks=(500, 5)), da.from_array(y, chunks=500)
    m = churn.dask.fit(Xd, yd, penalty=None)
    ref = churn.LogisticRegression(penalty=None).fit(X, y)
    assert m.n_partitions_ == 8
    _same(m, ref)
    pd.testing.assert_frame_equal(m.summary_frame(), ref.summary_frame(), rtol=1e-8)
    assert isinstance(m, churn.LogisticRegression)
    p = churn.dask.predict_proba(m, Xd)
    assert isinstance(p, da.Array)
    np.testing.assert_allclose(p.compute(), ref.predict_proba(X), rtol=1e-10)


@pytest.mark.parametrize("params", [dict(penalty="l2", C=0.5, class_weight="balanced"),
                                    dict(penalty="l1", C=0.05),
                                    dict(penalty="elasticnet", C=0.2, l1_ratio=0.3)])
def test_penalised_weighted_fit_equals_in_memory(client, data, params):
    X, y, w = data
    chunks = (400, 400, 600, 500, 300, 700, 500, 600)  # uneven partitions
    Xd = da.from_array(X, chunks=(chunks, (2, 3)))   # column chunks get merged
    m = churn.dask.fit(Xd, da.from_array(y, chunks=500), da.from_array(w, chunks=chunks),
                       **params)
    ref = churn.LogisticRegression(**params).fit(X, y, sample_weight=w)
    _same(m, ref)


@pytest.mark.parametrize("cov_type", ["HC0", "HC1"])
@pytest.mark.parametrize("weighted", [False, True])
def test_robust_covariance_equals_in_memory(client, data, cov_type, weighted):
    """The score outer products travel with the statistics: the sandwich errors of the dask
    fit are the in-memory fit's (1e-8), and those are statsmodels' (1e-7; statsmodels 0.13's
    Logit returns HC0 for "HC1", so HC1 is compared with HC0 * n / (n - k))."""
    X, y, w = data
    chunks = (400, 400, 600, 500, 300, 700, 500, 600)
    wd = da.from_array(w, chunks=chunks) if weighted else None
    m = churn.dask.fit(da.from_array(X, chunks=(chunks, 5)), da.from_array(y, chunks=chunks), wd,
                       penalty=None, cov_type=cov_type)
    ref = churn.LogisticRegression(penalty=None, cov_type=cov_type).fit(
        X, y, sample_weight=w if weighted else None)
    assert m.n_partitions_ == 8
    _same(m, ref)
    pd.testing.assert_frame_equal(m.summary_frame(), ref.summary_frame(), rtol=1e-8)
    np.testing.assert_allclose(m.cov_params().to_numpy(), ref.cov_params().to_numpy(),
                               rtol=1e-8, atol=0)
    plain = churn.LogisticRegression(penalty=None).fit(X, y, sample_weight=w if weighted else None)
    assert not np.allclose(ref.summary_frame()["std_err"], plain.summary_frame()["std_err"],
                           rtol=1e-3)
    if not weighted:
        r = sm.Logit(y, sm.add_constant(X)).fit(method="newton", tol=1e-12, maxiter=100, disp=0,
                                                cov_type="HC0")
        n, k = X.shape[0], X.shape[1] + 1
        factor = n / (n - k) if cov_type == "HC1" else 1.0
        np.testing.assert_allclose(ref.summary_frame()["std_err"].to_numpy(),
                                   r.bse * np.sqrt(factor), rtol=1e-7)


def test_streaming_fits_with_hc1(tmp_path, data):
    """fit_csv and fit_chunks (the C out-of-core fits) give the in-memory HC1 errors."""
    X, y, _ = data
    ref = churn.LogisticRegression(penalty=None, cov_type="HC1").fit(X, y)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame["y"] = y
    frame.to_csv(tmp_path / "d.csv", index=False, float_format="%.17g")
    m = churn.LogisticRegression(penalty=None, cov_type="HC1").fit_csv(tmp_path / "d.csv", "y")
    np.testing.assert_allclose(m.cov_params().to_numpy(), ref.cov_params().to_numpy(), rtol=1e-8)
    m = churn.LogisticRegression(penalty=None, cov_type="HC1").fit_chunks(
        lambda: ((X[i:i + 700], y[i:i + 700]) for i in range(0, len(y), 700)), X.shape[1])
    np.testing.assert_allclose(m.cov_params().to_numpy(), ref.cov_params().to_numpy(), rtol=1e-8)
    with pytest.raises(ValueError, match="cov_type must be"):
        churn.LogisticRegression(cov_type="HC3").fit(X, y)


def test_dataframe_names_and_labels(client, data):
    X, y, _ = data
    frame = pd.DataFrame(X, columns=["price", "faults", "complaints", "tenure", "arpu"])
    frame["label"] = np.where(y == 1, "churned", "active")
    ddf = dd.from_pandas(frame, npartitions=8)
    feats = ["price", "faults", "complaints", "tenure", "arpu"]
    m = churn.dask.fit(ddf[feats], ddf["label"], penalty=None)
    ref = churn.LogisticRegression(penalty=None).fit(frame[feats], frame["label"])
    _same(m, ref)
    assert list(m.classes_) == ["active", "churned"]
    assert list(m.feature_names_in_) == feats
    assert list(m.summary_frame().index) == ["intercept"] + feats
    p = churn.dask.predict_proba(m, ddf[feats]).compute()
    assert list(p.columns) == ["active", "churned"]
    np.testing.assert_allclose(p.to_numpy(), ref.predict_proba(frame[feats]), rtol=1e-10)


def test_errors_name_the_global_row(client, data):
    X, y, _ = data
    bad = X.copy()
    bad[2345, 3] = np.nan
    with pytest.raises(churn.ChurnValueError) as e:
        churn.dask.fit(da.from_array(bad, chunks=(500, 5)), da.from_array(y, chunks=500))
    # raised by pass 0 on a worker, pickled whole to the client, the global row and the column
    assert e.value.status_name == "CHURN_E_DATA" and "2345" in e.value.message
    assert "column 3 ('x3')" in e.value.message
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is churn.ChurnValueError and back.message == e.value.message
    assert back.status == e.value.status and back.status_name == "CHURN_E_DATA"
    with pytest.raises(ValueError, match="only one class"):
        churn.dask.fit(da.from_array(X, chunks=(500, 5)), da.zeros(len(y), chunks=500))
    with pytest.raises(TypeError, match="dask array or dask DataFrame"):
        churn.dask.fit(X, y)
