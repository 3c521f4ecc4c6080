"""churn.plot draws headless (Agg) figures whose data are the metrics tables'."""
import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import churn
import churn.plot


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(4)
    y = (rng.random(3000) < 0.25).astype(float)
    p = np.clip(0.25 + 0.25 * (y - 0.25) + 0.15 * rng.standard_normal(3000), 0.001, 0.999)
    return y, p


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_gains_chart_plots_the_lift_table(scored):
    y, p = scored
    fig = churn.plot.gains_chart(y, p)
    assert isinstance(fig, Figure) and _png(fig).startswith(b"\x89PNG")
    line = fig.axes[0].lines[0]
    t = churn.metrics.lift_table(y, p)
    np.testing.assert_allclose(line.get_ydata()[1:], 100 * t.cumulative_gain)
    assert line.get_xdata()[-1] == pytest.approx(100.0)


def test_lift_chart_and_calibration(scored):
    y, p = scored
    fig = churn.plot.lift_chart(y, p, bins=5)
    bars = [b.get_height() for b in fig.axes[0].patches]
    np.testing.assert_allclose(bars, churn.metrics.lift_table(y, p, bins=5).lift)
    fig = churn.plot.calibration_plot(y, p, bins=8)
    t = churn.metrics.calibration_table(y, p, bins=8)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), t.observed_rate)
    assert _png(fig).startswith(b"\x89PNG")


def test_draws_into_a_given_axes(scored):
    y, p = scored
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert churn.plot.gains_chart(y, p, ax=axes[0]) is fig
    assert churn.plot.calibration_plot(y, p, ax=axes[1]) is fig


def test_bad_input_raises_the_library_error(scored):
    y, p = scored
    with pytest.raises(churn.ChurnValueError) as e:
        churn.plot.calibration_plot(y, p * 3)
    assert e.value.status_name == "CHURN_E_DATA"


def test_retention_curve_from_km():
    rng = np.random.default_rng(2)
    d = rng.exponential(300, 400)
    e = (rng.random(400) < 0.6).astype(float)
    km = churn.kpi.km(d, e)
    fig = churn.plot.retention_curve(km)
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata()[1:], 100 * km.survival)
    seg = pd.concat([km.assign(segment="north"), km.assign(segment="south")])
    assert len(churn.plot.retention_curve(seg).axes[0].lines) == 2


def test_churn_rate_and_snapshot_charts_plot_the_tables():
    # tables shaped as churn.kpi.movement / churn.kpi.snapshot return them (DOMAIN's example)
    months = ["2024-01", "2024-02", "2024-03"]
    mv = pd.DataFrame({"month": months, "churn_rate": [0.031, 0.037, 0.029],
                       "target": [0.035] * 3, "margin": [0.004, -0.002, 0.006]})
    fig = churn.plot.churn_rate_chart(mv)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [3.1, 3.7, 2.9])
    assert len(fig.axes[0].collections[0].get_offsets()) == 1  # one month over target
    snap = pd.DataFrame({"month": months, "cohort": [1000] * 3,
                         "retention": [1.0, 0.9902, 0.9785],
                         "target": [0.9875, 0.975, 0.9625]})
    fig = churn.plot.snapshot_chart(snap)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [100.0, 99.02, 97.85])
    assert "cohort of 1000" in fig.axes[0].get_title()
