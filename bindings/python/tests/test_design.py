"""Flat tables (issue 23): the Telco file fitted through the library's design (the CLI's
churn_design_fit_csv, and churn.Design on a DataFrame) against statsmodels on an encoding built
independently here in pandas; scoring through the encoding saved in the model; the CLI's
scores equal Python's.

Oracle encoding (pandas, written without the library): TotalCharges to numbers, rows with a
missing value dropped (11 blanks, 7,032 rows left); each string column one-hot with its levels
in sorted order and the most frequent level left out (ties: the first in order); numeric
columns as they are; an encoded column equal to an earlier one, or constant, dropped.
statsmodels Logit (Newton, tol 1e-12) on that matrix is the reference.
Tolerances: log-likelihood 1e-9 relative, coefficients 1e-6 absolute (both fits converge to
about 1e-10; the difference is rounding in the Newton steps), probabilities 1e-9 absolute;
the same model scored by the CLI and by Python: 1e-12 (both run the same C code on the same
parsed doubles; the CLI prints %.17g).
"""
import ctypes
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import churn
from churn._handle import Handle
from churn._lib import LIB, check, cstr
from churn._options import Options
from churn.model import LogisticRegression

from conftest import REPO, shared_data_dir

TELCO = os.path.join(shared_data_dir(), "telco", "telco_customer_churn.csv")


def oracle_encoding(df):
    df = df.copy()
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"].str.strip().replace("", np.nan))
    df = df.dropna()
    y = (df.pop("Churn") == "Yes").to_numpy(dtype=float)
    ids = df.pop("customerID")
    cols = {}
    for name in df.columns:
        s = df[name]
        if s.dtype == object:
            levels = sorted(s.unique())
            counts = s.value_counts()
            ref = max(levels, key=lambda v: (counts[v], -levels.index(v)))
            for lev in levels:
                if lev != ref:
                    cols[f"{name}={lev}"] = (s == lev).to_numpy(dtype=float)
        else:
            cols[name] = s.to_numpy(dtype=float)
    kept = {}
    for name, v in cols.items():
        if np.all(v == v[0]):
            continue
        if any(np.array_equal(v, w) for w in kept.values()):
            continue
        kept[name] = v
    return pd.DataFrame(kept), y, ids.to_numpy()


@pytest.fixture(scope="module")
def oracle():
    sm = pytest.importorskip("statsmodels.api")
    X, y, ids = oracle_encoding(pd.read_csv(TELCO))
    res = sm.Logit(y, sm.add_constant(X)).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    return X, y, ids, res


def fit_csv(path, **design):
    """churn_design_fit_csv, as `churn fit --data` calls it."""
    opts = Options({f"design.{k}": v for k, v in design.items()})
    opts["fit.penalty"] = 0
    h = ctypes.c_void_p()
    check(LIB.churn_design_new(opts.handle, ctypes.byref(h)))
    d = Handle(h.value, LIB.churn_design_free)
    m = ctypes.c_void_p()
    check(LIB.churn_design_fit_csv(d.ptr, cstr(path), opts.handle, ctypes.byref(m)))
    return LogisticRegression._from_handle(Handle(m.value, LIB.churn_model_free), {})


def test_telco_fit_csv_equals_statsmodels_on_the_same_encoding(oracle):
    X, y, ids, res = oracle
    assert X.shape == (7032, 23)
    model = fit_csv(TELCO, label="Churn", id="customerID")
    assert model.n_obs_ == 7032
    assert list(model.feature_names_in_) == list(X.columns)
    assert model.loglik_ == pytest.approx(res.llf, rel=1e-9)
    np.testing.assert_allclose(model.intercept_[0], res.params["const"], atol=1e-6)
    np.testing.assert_allclose(model.coef_[0], res.params[list(X.columns)].to_numpy(), atol=1e-6)
    # scoring a DataFrame read by pandas through the encoding saved in the model
    df = pd.read_csv(TELCO)
    p = model.predict_proba(df)[:, 1]
    missing = df["TotalCharges"].str.strip() == ""
    assert np.isnan(p[missing.to_numpy()]).all() and missing.sum() == 11
    np.testing.assert_allclose(p[~missing.to_numpy()], res.predict(), atol=1e-9, rtol=0)


def test_design_on_a_dataframe_equals_the_csv_fit(oracle):
    X, y, ids, res = oracle
    df = pd.read_csv(TELCO)
    target = (df.pop("Churn") == "Yes").astype(int)
    est = LogisticRegression(penalty=None, design=churn.Design(id="customerID")).fit(df, target)
    assert est.n_rejected_ == 11
    assert list(est.design_.feature_names_out_) == list(X.columns)
    assert est.loglik_ == pytest.approx(res.llf, rel=1e-9)
    np.testing.assert_allclose(est.coef_[0], res.params[list(X.columns)].to_numpy(), atol=1e-6)
    rep = est.design_.report_
    dropped = rep[rep.kind == "dropped"].detail.tolist()
    assert "'OnlineSecurity=No internet service' duplicates 'InternetService=No'" in dropped
    assert len(dropped) == 7


def test_saved_model_keeps_the_encoding(tmp_path):
    df = pd.read_csv(TELCO)
    target = (df.pop("Churn") == "Yes").astype(int)
    est = LogisticRegression(penalty="l2", C=0.5, design=churn.Design(id="customerID",
                                                                          missing="mean"))
    est.fit(df, target)
    path = tmp_path / "m.msgpack"
    est.save(path)
    back = churn.load_model(path)
    assert "TotalCharges=missing" in list(back.design_.feature_names_out_)
    np.testing.assert_array_equal(back.predict_proba(df), est.predict_proba(df))


def test_unseen_level_and_missing_column():
    df = pd.read_csv(TELCO)
    target = (df.pop("Churn") == "Yes").astype(int)
    est = LogisticRegression(penalty=None, design=churn.Design(id="customerID")).fit(df, target)
    row = df.iloc[[0]].copy()
    ref = est.predict_proba(row.assign(Contract="Month-to-month"))[0, 1]
    X, kept, unseen = est.design_.transform_kept(row.assign(Contract="Ten years"))
    assert unseen == 1 and kept.all()
    # the reference level of Contract is Month-to-month (the most frequent): an unseen level
    # gets its all-zero columns, so the same probability
    assert est.predict_proba(row.assign(Contract="Ten years"))[0, 1] == ref
    with pytest.raises(churn.ChurnSchemaError, match="'Contract'"):
        est.predict_proba(row.drop(columns="Contract"))


def cli():
    lib = os.environ.get("CHURN_LIBRARY", "")
    exe = os.path.join(os.path.dirname(os.path.dirname(lib)), "cli", "churn")
    if not os.path.exists(exe):
        pytest.skip("no churn CLI next to CHURN_LIBRARY")
    return exe


def test_cli_model_scores_identically_in_python(tmp_path):
    exe = cli()
    model, scores = tmp_path / "m.msgpack", tmp_path / "s.csv"
    subprocess.run([exe, "fit", "--data", TELCO, "--label", "Churn", "--id", "customerID",
                    "--out", str(model)], check=True, capture_output=True)
    out = subprocess.run([exe, "score", "--model", str(model), "--data", TELCO, "--id",
                          "customerID", "--out", str(scores)], check=True, capture_output=True,
                         text=True)
    assert "11 rows not scored" in out.stderr
    s = pd.read_csv(scores)
    assert len(s) == 7032 and list(s.columns[:2]) == ["customerID", "probability"]
    assert (np.diff(s.probability.to_numpy()) <= 0).all()  # highest risk first
    assert s.reason1.str.match(r"^\w+ = .+ \([+-]\d+\.\d\d\)$").all()
    est = churn.load_model(model)
    df = pd.read_csv(TELCO).set_index("customerID", drop=False)
    p = est.predict_proba(df.loc[s.customerID])[:, 1]
    np.testing.assert_allclose(p, s.probability.to_numpy(), atol=1e-12, rtol=0)


def test_weights_and_clusters_from_columns(oracle, tmp_path):
    """--weight COL: integer weights 1..3 (frequency weights) against statsmodels' GLM with
    freq_weights on the oracle encoding (same estimate, 1e-6); --cluster COL: statsmodels'
    Logit cov_type="cluster" standard errors (1e-6 relative)."""
    sm = pytest.importorskip("statsmodels.api")
    X, y, ids, res = oracle
    df = pd.read_csv(TELCO)
    rng = np.random.default_rng(3)
    df["w"] = rng.integers(1, 4, size=len(df))
    df["household"] = rng.integers(0, 1500, size=len(df)).astype(str)
    path = tmp_path / "telco_w.csv"
    df.to_csv(path, index=False)
    kept = df.set_index("customerID").loc[ids]
    model = fit_csv(str(path), label="Churn", id="customerID", weight="w",
                    exclude="household")
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(),
                 freq_weights=kept["w"].to_numpy()).fit(tol=1e-12)
    np.testing.assert_allclose(model.coef_[0], glm.params[list(X.columns)].to_numpy(),
                               atol=1e-6)
    assert model.loglik_ == pytest.approx(glm.llf, rel=1e-9)
    opts = Options({"design.label": "Churn", "design.id": "customerID", "design.exclude": "w",
                    "design.cluster": "household", "fit.cov_type": 3})
    h = ctypes.c_void_p()
    check(LIB.churn_design_new(opts.handle, ctypes.byref(h)))
    d = Handle(h.value, LIB.churn_design_free)
    m = ctypes.c_void_p()
    check(LIB.churn_design_fit_csv(d.ptr, cstr(str(path)), opts.handle, ctypes.byref(m)))
    cl = LogisticRegression._from_handle(Handle(m.value, LIB.churn_model_free), {})
    ref = sm.Logit(y, sm.add_constant(X)).fit(method="newton", tol=1e-12, disp=0,
                                              cov_type="cluster",
                                              cov_kwds={"groups": kept["household"].astype(int)
                                                        .to_numpy()})
    se = cl.summary_frame()["std_err"].to_numpy()
    np.testing.assert_allclose(se, ref.bse.to_numpy(), rtol=1e-6)
