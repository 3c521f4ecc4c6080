"""churn.LogisticRegression: the Telco oracle (statsmodels and scikit-learn results stored in
the shared data), scikit-learn's own estimator checks, agreement with scikit-learn's objectives
for every penalty, pandas round trips, errors with status and message, and persistence.

Tolerances: Telco MLE coefficients and standard errors 1e-6 relative, log-likelihood 1e-8
relative (the issue's); L2 coefficients 1e-6 relative; small-data agreement with scikit-learn
solvers run to tol 1e-12: 1e-6 (1e-5 for L1/elastic net, whose reference is saga)."""
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression as SkLogit
from sklearn.utils.estimator_checks import check_estimator

import churn


# --- the Telco oracle ------------------------------------------------------------------------

def test_telco_mle_matches_statsmodels(telco):
    X, y, oracle = telco
    mle = oracle["mle"]
    m = churn.LogisticRegression(penalty=None, tol=1e-10).fit(X, y)
    sf = m.summary_frame()
    assert list(sf.index) == mle["terms"]
    assert list(sf.columns) == ["coef", "std_err", "z", "p_value", "ci_low", "ci_high",
                                "odds_ratio"]
    np.testing.assert_allclose(sf.coef, mle["coef"], rtol=1e-6)
    np.testing.assert_allclose(sf.std_err, mle["std_err"], rtol=1e-6)
    np.testing.assert_allclose(sf.z, mle["z"], rtol=1e-6)
    np.testing.assert_allclose(sf.p_value, mle["p_value"], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(sf.ci_low, mle["ci_low"], rtol=1e-6)
    np.testing.assert_allclose(sf.ci_high, mle["ci_high"], rtol=1e-6)
    np.testing.assert_allclose(sf.odds_ratio, np.exp(mle["coef"]), rtol=1e-6)
    assert m.loglik_ == pytest.approx(mle["loglik"], rel=1e-8)
    assert m.null_loglik_ == pytest.approx(mle["null_loglik"], rel=1e-8)
    assert m.pseudo_r2_ == pytest.approx(mle["pseudo_r2"], rel=1e-7)
    assert m.aic_ == pytest.approx(mle["aic"], rel=1e-8)
    assert m.bic_ == pytest.approx(mle["bic"], rel=1e-8)
    assert m.converged_ and m.n_obs_ == len(y)
    np.testing.assert_allclose(m.intercept_, mle["coef"][:1], rtol=1e-6)
    np.testing.assert_allclose(m.coef_[0], mle["coef"][1:], rtol=1e-6)
    p = m.predict_proba(X)[:, 1]
    assert churn.metrics.roc_auc(y, p) == pytest.approx(mle["train_auc"], rel=1e-9)
    assert churn.metrics.log_loss(y, p) == pytest.approx(mle["train_log_loss"], rel=1e-8)
    assert churn.metrics.brier(y, p) == pytest.approx(mle["train_brier"], rel=1e-8)
    cov = m.cov_params()
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), mle["std_err"], rtol=1e-6)
    text = m.summary()
    assert "Logit Regression Results" in text and "Log-Likelihood:" in text
    assert "PaymentMethod_Electronic check" in text


def test_telco_l2_matches_sklearn_objective(telco):
    X, y, oracle = telco
    ref = oracle["l2_raw"]
    m = churn.LogisticRegression(penalty="l2", C=1.0).fit(X, y)
    np.testing.assert_allclose(np.r_[m.intercept_, m.coef_[0]], ref["coef"], rtol=1e-6)
    sf = m.summary_frame()  # penalised: no inference, coefficients still reported
    assert sf.std_err.isna().all() and np.isfinite(sf.coef).all()
    assert "no standard errors" in m.summary()


# --- scikit-learn conventions ----------------------------------------------------------------

def test_check_estimator():
    check_estimator(churn.LogisticRegression())


def _small(seed=0, n=400, d=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * [1, 2, 0.5, 3][:d] + [0, 1, -1, 2][:d]
    eta = 0.3 + X @ np.array([1.0, -0.5, 0.8, 0.1][:d])
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return X, y


@pytest.mark.parametrize("params", [
    dict(penalty=None), dict(penalty="l2", C=0.1), dict(penalty="l2", C=10.0),
    dict(penalty="l2", class_weight="balanced"), dict(penalty="l2", class_weight={0: 1, 1: 3}),
    dict(penalty="l2", fit_intercept=False)])
def test_l2_and_none_equal_sklearn_newton(params):
    X, y = _small()
    w = np.random.default_rng(3).uniform(0.5, 2, len(y))
    sk_params = dict(params, penalty=params.get("penalty"))
    for sw in (None, w):
        ours = churn.LogisticRegression(**params).fit(X, y, sample_weight=sw)
        ref = SkLogit(solver="newton-cholesky", tol=1e-12, max_iter=1000, **sk_params).fit(
            X, y, sample_weight=sw)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize("params", [dict(penalty="l1", C=0.05), dict(penalty="l1", C=1.0),
                                    dict(penalty="elasticnet", C=0.05, l1_ratio=0.5)])
def test_l1_and_elasticnet_equal_sklearn_saga(params):
    X, y = _small(1)
    ours = churn.LogisticRegression(**params).fit(X, y)
    ref = SkLogit(solver="saga", tol=1e-12, max_iter=200000, **params).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    assert (ours.coef_ == 0).sum() == (np.abs(ref.coef_) < 1e-8).sum()


def test_any_two_labels_and_params():
    X, y = _small()
    labels = np.array(["stays", "churns"])[y]
    m = churn.LogisticRegression(C=2.0).fit(X, labels)
    assert list(m.classes_) == ["churns", "stays"]  # sorted; column 1 is "stays"
    ref = churn.LogisticRegression(C=2.0).fit(X, 1 - y)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-12)
    assert set(m.predict(X)) <= {"stays", "churns"}
    assert m.get_params()["C"] == 2.0
    assert m.set_params(C=3.0).C == 3.0
    assert m.n_iter_.shape == (1,) and m.n_iter_[0] >= 1
    assert m.coef_.shape == (1, 4) and m.intercept_.shape == (1,)


def test_parameter_errors_are_value_errors():
    X, y = _small()
    for params, match in [(dict(penalty="l3"), "penalty"), (dict(C=0), "C must"),
                          (dict(penalty="elasticnet"), "l1_ratio"), (dict(tol=-1), "tol"),
                          (dict(max_iter=0), "max_iter")]:
        with pytest.raises(ValueError, match=match):
            churn.LogisticRegression(**params).fit(X, y)
    with pytest.raises(ValueError, match="binary classifier"):
        churn.LogisticRegression().fit(X, np.arange(len(y)) % 3)


# --- pandas ----------------------------------------------------------------------------------

def _frame():
    X, y = _small(2)
    df = pd.DataFrame(X, columns=["price", "faults", "complaints", "tenure"],
                      index=[f"sub{i}" for i in range(len(y))])
    return df, y


def test_dataframe_names_flow_through():
    df, y = _frame()
    m = churn.LogisticRegression(penalty=None).fit(df, y)
    assert list(m.feature_names_in_) == list(df.columns)
    assert list(m.summary_frame().index) == ["intercept"] + list(df.columns)
    assert m.feature_names_ == list(df.columns)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(m.predict_proba(df), m.predict_proba(df.to_numpy()))
    with pytest.raises(ValueError, match="feature names"):
        m.predict_proba(df[df.columns[::-1]])


def test_explain_gives_reasons_per_row():
    df, y = _frame()
    m = churn.LogisticRegression(penalty=None).fit(df, y)
    r = m.explain(df.iloc[:25], top_k=2)
    assert list(r.index) == list(df.index[:25])
    assert list(r.columns) == ["reason_1", "category_1", "contribution_1", "reason_2",
                               "category_2", "contribution_2"]
    assert r.category_1.isna().all()  # not catalog features
    # independent recomputation: c_ij = coef_j * (x_ij - mean_j)
    contrib = m.coef_[0] * (df.iloc[:25].to_numpy() - df.to_numpy().mean(axis=0))
    order = np.argsort(-contrib, axis=1, kind="stable")
    names = np.array(df.columns)
    np.testing.assert_array_equal(r.reason_1, names[order[:, 0]])
    np.testing.assert_array_equal(r.reason_2, names[order[:, 1]])
    np.testing.assert_allclose(r.contribution_1, contrib[np.arange(25), order[:, 0]],
                               rtol=1e-9, atol=1e-12)
    assert len(m.explain(df.iloc[:3], top_k=10).columns) == 12  # capped at d


# --- errors from the library: status and message ---------------------------------------------

def test_separation_singular_and_convergence_errors():
    df, y = _frame()
    rng = np.random.default_rng(5)
    with pytest.raises(churn.ChurnFitError) as e:
        churn.LogisticRegression(penalty=None).fit(df.assign(cancel=y * 2 - 1 + 0.1 *
                                                              rng.random(len(y))), y)
    assert e.value.status_name == "CHURN_E_SEPARATION" and "'cancel'" in e.value.message
    with pytest.raises(churn.ChurnFitError) as e:
        churn.LogisticRegression(penalty=None).fit(df.assign(dup=2 * df.price), y)
    assert e.value.status_name == "CHURN_E_SINGULAR" and "'dup'" in e.value.message
    with pytest.raises(churn.ChurnFitError) as e:
        churn.LogisticRegression(penalty=None, max_iter=1).fit(df, y)
    assert e.value.status_name == "CHURN_E_NOT_CONVERGED" and "max_iter" in e.value.message
    assert isinstance(e.value, ValueError)


def test_bad_weights_are_reported_by_row():
    df, y = _frame()
    w = np.ones(len(y))
    w[7] = -1
    with pytest.raises(churn.ChurnValueError) as e:
        churn.LogisticRegression().fit(df, y, sample_weight=w)
    assert e.value.status == 6 and e.value.status_name == "CHURN_E_DATA"
    assert "row 7" in e.value.message


def test_non_finite_input_is_a_value_error():
    df, y = _frame()
    bad = df.copy()
    bad.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        churn.LogisticRegression().fit(bad, y)
    m = churn.LogisticRegression().fit(df, y)
    with pytest.raises(ValueError, match="infinity|inf"):
        m.predict_proba(bad.fillna(np.inf))


def test_scoring_keeps_scikit_learns_error_for_non_finite_x():
    """The binding skips scikit-learn's finiteness pass (the library refuses non-finite values
    itself) but raises scikit-learn's own ValueError and message, wherever the value sits."""
    from sklearn.utils.validation import _assert_all_finite
    X, y = _small(5, n=3000)
    m = churn.LogisticRegression().fit(X, y)
    for value, row in [(np.nan, 0), (np.nan, 2999), (np.inf, 1500), (-np.inf, 1024)]:
        bad = X.copy()
        bad[row, 2] = value
        with pytest.raises(ValueError) as want:
            _assert_all_finite(bad, input_name="X", estimator_name="LogisticRegression")
        for method in (m.predict_proba, m.decision_function, m.predict, m.explain):
            with pytest.raises(ValueError) as got:
                method(bad)
            assert type(got.value) is type(want.value) and str(got.value) == str(want.value)
    # DataFrame input, float32 input
    df, yy = _frame()
    mf = churn.LogisticRegression().fit(df, yy)
    bad = df.copy()
    bad.iloc[7, 3] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        mf.predict_proba(bad)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        m.predict_proba(np.where(np.arange(len(X))[:, None] == 9, np.nan, X).astype(np.float32))


def test_scoring_makes_no_finiteness_pass_and_writes_both_columns(monkeypatch):
    """Finite X is read once, by the library: scikit-learn's _assert_all_finite is not called,
    and predict_proba's two columns equal 1 - p, p of the plain C call bit for bit."""
    import churn.model as cm
    from churn import _lib
    X, y = _small(6, n=5000)
    m = churn.LogisticRegression().fit(X, y)
    calls = []
    real_check = cm._assert_all_finite
    monkeypatch.setattr(cm, "_assert_all_finite", lambda *a, **k: calls.append(1) or
                        real_check(*a, **k))
    import sklearn.utils.validation as skv
    monkeypatch.setattr(skv, "_assert_all_finite", lambda *a, **k: calls.append(2))
    proba = m.predict_proba(X)
    dec = m.decision_function(X)
    m.predict(X)
    m.explain(X[:50])
    assert calls == []
    p = np.empty(len(X))
    _lib.check(_lib.LIB.churn_model_predict_proba(m._model.ptr, X.ctypes.data, 1, len(X), 4, 4,
                                                  p.ctypes.data))
    assert proba.shape == (len(X), 2) and proba.flags.c_contiguous
    np.testing.assert_array_equal(proba, np.column_stack([1.0 - p, p]))
    np.testing.assert_allclose(dec, X @ m.coef_.ravel() + m.intercept_[0], rtol=1e-13,
                               atol=1e-13)


def test_threads_score_one_model_concurrently():
    """ctypes releases the GIL during the call; a fitted model is read-only in C."""
    from concurrent.futures import ThreadPoolExecutor
    X, y = _small(4, n=20000)
    m = churn.LogisticRegression().fit(X, y)
    want = m.predict_proba(X)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: m.predict_proba(X), range(8)))
    for g in got:
        np.testing.assert_array_equal(g, want)


# --- persistence -----------------------------------------------------------------------------

def test_save_load_round_trip(tmp_path):
    df, y = _frame()
    m = churn.LogisticRegression(penalty=None).fit(df, y)
    path = tmp_path / "model.churn"
    m.save(path)
    back = churn.load_model(path)
    assert back.penalty is None
    assert list(back.feature_names_in_) == list(df.columns)
    np.testing.assert_array_equal(back.predict_proba(df), m.predict_proba(df))
    pd.testing.assert_frame_equal(back.summary_frame(), m.summary_frame())
    assert back.loglik_ == m.loglik_ and back.n_iter_[0] == m.n_iter_[0]
    assert m.to_bytes() == back.to_bytes()


def test_load_rejects_corrupt_files(tmp_path):
    df, y = _frame()
    data = bytearray(churn.LogisticRegression().fit(df, y).to_bytes())
    data[len(data) // 2] ^= 0x10
    path = tmp_path / "flipped.churn"
    path.write_bytes(bytes(data))
    with pytest.raises(churn.ChurnFormatError) as e:
        churn.load_model(path)
    assert e.value.status_name == "CHURN_E_FORMAT" and e.value.message
    with pytest.raises(churn.ChurnIOError) as e:
        churn.load_model(tmp_path / "missing.churn")
    assert isinstance(e.value, OSError) and "missing.churn" in e.value.message


def test_pickle_keeps_the_model():
    df, y = _frame()
    m = churn.LogisticRegression().fit(df, y)
    back = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(back.predict_proba(df), m.predict_proba(df))
    assert list(back.classes_) == list(m.classes_)


# --- out-of-core fits ------------------------------------------------------------------------

def test_fit_csv_and_fit_chunks_equal_the_in_memory_fit(telco, tmp_path):
    import os
    from conftest import shared_data_dir
    X, y, _ = telco
    path = os.path.join(shared_data_dir(), "telco", "telco_design.csv")
    ref = churn.LogisticRegression(penalty=None, tol=1e-10).fit(X, y)
    m = churn.LogisticRegression(penalty=None, tol=1e-10).fit_csv(path, "churn")
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-9)
    assert list(m.feature_names_in_) == list(X.columns)
    pd.testing.assert_frame_equal(m.summary_frame(), ref.summary_frame(), rtol=1e-9)

    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))

    def chunks():  # a new pass over the rows in uneven chunks, every time it is called
        for lo, hi in ((0, 1000), (1000, 1001), (1001, 5000), (5000, len(y))):
            yield X.iloc[lo:hi].to_numpy(), y[lo:hi], w[lo:hi]
    m = churn.LogisticRegression(C=0.5).fit_chunks(chunks, X.shape[1], list(X.columns),
                                                   sample_weight=True)
    ref = churn.LogisticRegression(C=0.5).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-7)


def test_out_of_core_errors(tmp_path):
    X, y = _small()
    path = tmp_path / "small.csv"
    pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])]).assign(y=y).to_csv(
        path, index=False)
    with pytest.raises(ValueError, match=r"expected \(rows, 3\)"):
        churn.LogisticRegression().fit_chunks(lambda: iter([(X, y)]), 3)
    with pytest.raises(churn.ChurnSchemaError) as e:
        churn.LogisticRegression().fit_csv(path, "label")
    assert "'label'" in e.value.message
    with pytest.raises(ValueError, match="class_weight"):
        churn.LogisticRegression(class_weight="balanced").fit_csv(path, "y")
    m = churn.LogisticRegression().fit_csv(path, "y")
    np.testing.assert_allclose(m.coef_, churn.LogisticRegression().fit(X, y).coef_, rtol=1e-9)


# --- the fit options a model records (churn_model_fit_options) --------------------------------

@pytest.mark.parametrize("params", [
    dict(penalty=None, cov_type="HC1", tol=1e-9, max_iter=50),
    dict(penalty=None, population_rate=0.07),
    dict(penalty=None, fit_intercept=False, cov_type="HC0"),
    dict(penalty="l2", C=0.3, class_weight="balanced"),
    dict(penalty="l1", C=0.5, fit_intercept=False, max_iter=70),
    dict(penalty="elasticnet", C=0.2, l1_ratio=0.25, tol=1e-7)])
def test_loaded_model_has_the_fit_options(tmp_path, params):
    df, y = _frame()
    m = churn.LogisticRegression(**params).fit(df, y)
    want = dict(churn.LogisticRegression().get_params(), **params)
    if want["penalty"] != "elasticnet":
        want["l1_ratio"] = None
    assert m.get_params() == want
    path = tmp_path / "model.churn"
    m.save(path)
    for back in (churn.load_model(path), churn.LogisticRegression.from_bytes(m.to_bytes()),
                 pickle.loads(pickle.dumps(m))):
        assert back.get_params() == want  # no longer guessed from the covariance
        fo = back.fit_options_
        assert fo["penalty"] == want["penalty"] and fo["C"] == want["C"]
        assert fo["fit_intercept"] == want["fit_intercept"]
        assert fo["class_weight"] == want["class_weight"]
        assert fo["cov_type"] == want["cov_type"] and fo["population_rate"] == want["population_rate"]
        assert fo["tol"] == want["tol"] and fo["max_iter"] == want["max_iter"]
        assert fo["standardize"] is False  # scikit-learn's raw-column penalty
        if want["penalty"] == "elasticnet":
            assert fo["l1_ratio"] == want["l1_ratio"]
    # the loaded parameters refit to the same model
    back = churn.load_model(path)
    refit = churn.LogisticRegression(**back.get_params()).fit(df, y)
    np.testing.assert_array_equal(refit.coef_, m.coef_)
    np.testing.assert_array_equal(refit.intercept_, m.intercept_)


def test_fit_options_class_weight():
    """"balanced" is recorded (the library's own weighting, equal to scikit-learn's); a dict of
    class weights goes into the sample weights and is not."""
    df, y = _frame()
    bal = churn.LogisticRegression(class_weight="balanced").fit(df, y)
    assert bal.fit_options_["class_weight"] == "balanced"
    ref = SkLogit(solver="newton-cholesky", tol=1e-12, max_iter=1000,
                  class_weight="balanced").fit(df.to_numpy(), y)
    np.testing.assert_allclose(bal.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    d = churn.LogisticRegression(class_weight={0: 1, 1: 3}).fit(df, y)
    assert d.fit_options_["class_weight"] is None
    assert churn.LogisticRegression.from_bytes(d.to_bytes()).class_weight is None
