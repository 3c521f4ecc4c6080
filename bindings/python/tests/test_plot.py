"""churn.plot draws headless (Agg) figures whose data are the metrics tables'."""
import io

import numpy as np
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
