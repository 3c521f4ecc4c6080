"""churn.metrics against scikit-learn on the same inputs (tolerance 1e-12 relative), the tables
as DataFrames, and error mapping of bad inputs."""
import numpy as np
import pandas as pd
import pytest
from sklearn import calibration, metrics as skm

import churn
from churn import metrics as cm


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    n = 2000
    y = (rng.random(n) < 0.27).astype(float)
    score = np.round(np.clip(0.25 + 0.3 * (y - 0.27) + 0.25 * rng.standard_normal(n), 0, 1), 2)
    w = rng.uniform(0.2, 3.0, n)
    return y, score, w


def test_scalar_metrics_match_sklearn(data):
    y, s, w = data
    for weight in (None, w):
        assert cm.roc_auc(y, s, weight) == pytest.approx(
            skm.roc_auc_score(y, s, sample_weight=weight), rel=1e-12)
        assert cm.pr_auc(y, s, weight) == pytest.approx(
            skm.average_precision_score(y, s, sample_weight=weight), rel=1e-12)
        assert cm.log_loss(y, s, weight) == pytest.approx(
            skm.log_loss(y, s, sample_weight=weight), rel=1e-12)
        assert cm.brier(y, s, weight) == pytest.approx(
            skm.brier_score_loss(y, s, sample_weight=weight), rel=1e-12)


def test_inputs_may_be_lists_bools_and_series(data):
    y, s, _ = data
    expected = skm.roc_auc_score(y, s)
    assert cm.roc_auc(y.astype(bool), list(s)) == pytest.approx(expected, rel=1e-12)
    assert cm.roc_auc(pd.Series(y), pd.Series(s)) == pytest.approx(expected, rel=1e-12)


def test_confusion_matches_sklearn(data):
    y, s, _ = data
    tn, fp, fn, tp = skm.confusion_matrix(y, s >= 0.4).ravel()
    assert cm.confusion(y, s, 0.4) == (tp, fp, tn, fn)
    table = cm.confusion_table(y, s, [0.6, 0.4])
    assert list(table.threshold) == [0.6, 0.4]
    row = table.iloc[1]
    assert (row.tp, row.fp, row.tn, row.fn) == (tp, fp, tn, fn)
    assert row.precision == pytest.approx(skm.precision_score(y, s >= 0.4), rel=1e-12)
    assert row.recall == pytest.approx(skm.recall_score(y, s >= 0.4), rel=1e-12)


def test_lift_table_is_a_dataframe_of_deciles(data):
    y, s, _ = data
    t = cm.lift_table(y, s)
    assert isinstance(t, pd.DataFrame) and len(t) == 10
    assert list(t.columns) == ["bin", "n", "positives", "rate", "lift", "cumulative_n",
                               "cumulative_positives", "cumulative_gain", "cumulative_lift",
                               "score_min", "score_max"]
    assert t.bin.dtype == np.int64 and list(t.bin) == list(range(1, 11))
    assert t.n.sum() == pytest.approx(len(y), rel=1e-12)
    assert t.positives.sum() == pytest.approx(y.sum(), rel=1e-12)
    assert t.cumulative_gain.iloc[-1] == pytest.approx(1.0, rel=1e-12)
    assert t.lift.iloc[0] > 1.0  # the score ranks churners first


def test_calibration_table_matches_calibration_curve(data):
    y, s, _ = data
    for strategy in ("uniform", "quantile"):
        t = cm.calibration_table(y, s, bins=8, strategy=strategy)
        prob_true, prob_pred = calibration.calibration_curve(y, s, n_bins=8, strategy=strategy)
        np.testing.assert_allclose(t.observed_rate, prob_true, rtol=1e-12)
        np.testing.assert_allclose(t.mean_predicted, prob_pred, rtol=1e-12)
    with pytest.raises(ValueError, match="strategy"):
        cm.calibration_table(y, s, strategy="nope")


def test_bad_inputs_raise_with_status_and_message(data):
    y, s, _ = data
    bad = y.copy()
    bad[5] = 2.0
    with pytest.raises(churn.ChurnValueError) as e:
        cm.roc_auc(bad, s)
    assert e.value.status_name == "CHURN_E_DATA" and "5" in e.value.message
    with pytest.raises(churn.ChurnValueError) as e:
        cm.roc_auc(np.zeros(10), np.linspace(0, 1, 10))
    assert e.value.status_name == "CHURN_E_DATA"
    with pytest.raises(churn.ChurnValueError) as e:
        cm.lift_table(y, s, bins=0)
    assert e.value.status_name in ("CHURN_E_ARG", "CHURN_E_RANGE")
    with pytest.raises(ValueError, match="y_score has 3 elements; expected"):
        cm.roc_auc(y, s[:3])


def test_vectors_are_not_copied(data, monkeypatch):
    """C-contiguous float64 y and scores reach the library at their own addresses."""
    y, s, w = data
    seen = []
    real = churn._lib.LIB.churn_eval_roc_auc
    monkeypatch.setattr(churn._lib.LIB, "churn_eval_roc_auc",
                        lambda *a: seen.append(a[:3]) or real(*a))
    cm.roc_auc(y, s, w)
    assert seen == [(y.ctypes.data, s.ctypes.data, w.ctypes.data)]
