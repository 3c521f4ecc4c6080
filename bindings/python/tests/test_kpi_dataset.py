"""churn.kpi on a five-subscriber dataset whose figures are worked out by hand from the
definitions in churn.h (spells, opening/closing bases, cohorts, windows)."""
import numpy as np
import pandas as pd
import pytest

import churn

T = pd.Timestamp


@pytest.fixture(scope="module")
def ds():
    subs = pd.DataFrame({
        "subscriber_id": ["A", "B", "C", "D", "E"],
        "activation": pd.to_datetime(["2024-01-15", "2023-06-01", "2024-02-05", "2023-01-01",
                                      "2024-03-01"]),
        "tier": ["high", "low", "low", "low", "high"],
        "channel": ["shop", "online", "shop", "online", "shop"]})  # a categorical attribute
    ev = pd.DataFrame({
        "subscriber_id": ["B", "B", "C", "D", "A", "B"],
        "time": pd.to_datetime(["2024-02-10", "2024-02-05", "2024-02-20", "2024-02-15",
                                "2024-01-20", "2024-01-10"]),
        "kind": ["cancel", "retention", "cancel", "retention", "bill", "bill"],
        "code": [1, 2, 5, 1, 0, 0],          # price; lost; technical; retained
        "value": [0.0, 0.0, 0.0, 0.0, 40.0, 30.0]})
    return churn.Dataset.from_frames(subs, ev)


def test_movement(ds):
    mv = churn.kpi.movement(ds, "2024-01-01", "2024-03-31")
    assert mv.month.tolist() == ["2024-01", "2024-02", "2024-03"]
    assert mv.month_start.tolist() == [T("2024-01-01"), T("2024-02-01"), T("2024-03-01")]
    assert mv.opening.tolist() == [2, 3, 2]          # B, D | A, B, D | A, D
    assert mv.activations.tolist() == [1, 1, 1]      # A | C | E
    assert mv.churned.tolist() == [0, 2, 0]          # B and C in February
    assert mv.closing.tolist() == [3, 2, 3]
    assert mv.churn_rate.tolist() == pytest.approx([0.0, 2 / 3, 0.0])
    assert mv.target.tolist() == [0.035] * 3
    assert mv.margin.tolist() == pytest.approx([0.035, 0.035 - 2 / 3, 0.035])
    avg = churn.kpi.movement(ds, "2024-02-01", "2024-02-01", rate_base="average", target=0.5)
    assert avg.churn_rate.tolist() == pytest.approx([2 / 2.5])
    assert avg.target.tolist() == [0.5]
    by = churn.kpi.movement(ds, "2024-02-01", "2024-02-01", segment="tier")
    assert by.set_index("segment").churned.to_dict() == {"high": 0, "low": 2}


def test_snapshot(ds):
    s = churn.kpi.snapshot(ds, "2024-01-31", 3)
    assert s.cohort.tolist() == [3, 3, 3]            # A, B, D
    assert s.active.tolist() == [3, 2, 2]
    assert s.retention.tolist() == pytest.approx([1.0, 2 / 3, 2 / 3])
    assert s.target.tolist() == pytest.approx([0.9875, 0.975, 0.9625])
    s = churn.kpi.snapshot(ds, "2024-01-31", 2, column="tier", label="low",
                           target=[0.99, 0.98])
    assert s.cohort.tolist() == [2, 2] and s.active.tolist() == [2, 1]
    assert s.target.tolist() == [0.99, 0.98]
    s = churn.kpi.snapshot(ds, "2024-01-31", 1, members=["A", "D"])
    assert s.cohort.tolist() == [2]


def test_segments(ds):
    seg = churn.kpi.segments(ds, "2024-01-01", "2024-04-01", segment="tier").set_index(
        "segment")
    assert list(seg.index) == ["high", "low", "(all)"]
    assert seg.loc["low", ["opening", "activations", "exposed", "churned"]].tolist() == \
        [2, 1, 3, 2]
    assert seg.loc["(all)", ["opening", "activations", "exposed", "churned"]].tolist() == \
        [2, 3, 5, 2]
    assert seg.loc["(all)", "churn_rate"] == pytest.approx(0.4)
    assert seg.loc["(all)", ["competitive", "service", "natural"]].tolist() == [1, 1, 0]


def test_segments_by_a_categorical_attribute(ds):
    # channel groups unlike tier: shop = A (joins Jan 15), C (joins Feb 5, cancels Feb 20:
    # technical -> service), E (joins Mar 1); online = B (cancels Feb 10: price -> competitive),
    # D, both there before the period.
    seg = churn.kpi.segments(ds, "2024-01-01", "2024-04-01", segment="channel").set_index(
        "segment")
    assert list(seg.index) == ["shop", "online", "(all)"]
    cols = ["opening", "activations", "exposed", "churned", "competitive", "service"]
    assert seg.loc["shop", cols].tolist() == [0, 3, 3, 1, 0, 1]
    assert seg.loc["online", cols].tolist() == [2, 0, 2, 1, 1, 0]
    assert seg.loc["(all)", cols].tolist() == [2, 3, 5, 2, 1, 1]
    assert seg.loc[["shop", "online"], "churn_rate"].tolist() == pytest.approx([1 / 3, 1 / 2])


def test_winback(ds):
    wb = churn.kpi.winback(ds, "2024-01-01", "2024-04-01").set_index("group")
    assert wb.loc["(all)", ["attempted", "won_back"]].tolist() == [2, 1]
    assert wb.loc["(all)", "success_rate"] == pytest.approx(0.5)
    wb = churn.kpi.winback(ds, "2024-01-01", "2024-04-01", by="reason_category").set_index(
        "group")
    assert wb.loc["competitive", ["attempted", "won_back"]].tolist() == [1, 0]  # B
    assert wb.loc["unknown", ["attempted", "won_back"]].tolist() == [1, 1]      # D


def test_warning_and_topk_accuracy(ds):
    warned = pd.DataFrame({"subscriber_id": ["B", "D", "C"],
                           "rule": ["payment_anomaly", "viewing_drop", "viewing_drop"]})
    acc = churn.kpi.warning_accuracy(ds, "2024-02-01", "2024-03-01", warned).set_index("rule")
    assert list(acc.index) == ["payment_anomaly", "viewing_drop", "(any)"]
    assert acc.loc["payment_anomaly", ["warned", "warned_churned", "churners"]].tolist() == \
        [1, 1, 1]
    assert acc.loc["viewing_drop", ["warned", "warned_churned", "outside_base"]].tolist() == \
        [1, 0, 1]                                    # C joined after as_of
    assert acc.loc["(any)", ["recall", "precision"]].tolist() == [1.0, 0.5]
    score = pd.Series([0.1, 0.9, 0.8, 0.3, 0.5], index=list("ABCDE"))
    top = churn.kpi.topk_accuracy(ds, "2024-02-01", "2024-03-01", score, k=[1, 2])
    assert top.flagged.tolist() == [1, 2] and top.flagged_churned.tolist() == [1, 1]
    assert top.precision.tolist() == [1.0, 0.5] and top.recall.tolist() == [1.0, 1.0]


def test_retention_curve_equals_km_of_the_spells(ds):
    as_of = T("2024-04-01")
    start = pd.to_datetime(["2024-01-15", "2023-06-01", "2024-02-05", "2023-01-01",
                            "2024-03-01"])
    end = pd.to_datetime(["2024-04-01", "2024-02-10", "2024-02-20", "2024-04-01",
                          "2024-04-01"])
    days = (end - start) / pd.Timedelta(days=1)
    event = np.array([0, 1, 1, 0, 0], dtype=float)
    curve = churn.kpi.retention_curve(ds, as_of)
    ref = churn.kpi.km(days.to_numpy(), event)
    pd.testing.assert_frame_equal(curve.reset_index(drop=True), ref, check_dtype=False)
    inc = churn.kpi.churn_incidence(ds, as_of)
    assert set(inc.category) == {"competitive", "service"}


def test_unknown_segment_is_not_found(ds):
    with pytest.raises(churn.ChurnNotFoundError) as e:
        churn.kpi.movement(ds, "2024-01-01", "2024-03-01", segment="galaxy")
    assert "galaxy" in e.value.message
