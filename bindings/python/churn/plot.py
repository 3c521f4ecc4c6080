"""churn.plot -- the charts a retention team reads, drawn with matplotlib.

Each function returns a matplotlib Figure (drawn with the Agg canvas, so it works without a
display and does not touch pyplot's global state; Jupyter shows it inline, fig.savefig writes
it).  Pass ax= to draw into an existing Axes instead (its figure is returned).  The numbers come
from churn.metrics (libchurn), so a chart always agrees with the tables.
"""
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import metrics

__all__ = ["gains_chart", "lift_chart", "calibration_plot"]


def _axes(ax, size=(6.0, 4.5)):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(1, 1, 1)


def gains_chart(y_true, y_score, bins=10, sample_weight=None, ax=None, label="model"):
    """Cumulative gains: the share of churners reached against the share of subscribers
    contacted in decreasing order of risk, with the random-order diagonal."""
    t = metrics.lift_table(y_true, y_score, bins=bins, sample_weight=sample_weight)
    fig, ax = _axes(ax)
    cum_n = t.cumulative_n.to_numpy()
    share = np.r_[0.0, cum_n / cum_n[-1]]
    gain = np.r_[0.0, t.cumulative_gain.to_numpy()]
    ax.plot(share * 100, gain * 100, marker="o", label=label)
    ax.plot([0, 100], [0, 100], linestyle="--", color="grey", label="random")
    ax.set_xlabel("subscribers contacted (% of base, highest risk first)")
    ax.set_ylabel("churners reached (%)")
    ax.set_title("Cumulative gains")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    return fig


def lift_chart(y_true, y_score, bins=10, sample_weight=None, ax=None):
    """Lift per risk bin (bars: the bin's churn rate over the base rate) and cumulative lift
    (line), bin 1 the highest scores."""
    t = metrics.lift_table(y_true, y_score, bins=bins, sample_weight=sample_weight)
    fig, ax = _axes(ax)
    ax.bar(t.bin.to_numpy(), t.lift.to_numpy(), color="tab:blue", alpha=0.6, label="lift of the bin")
    ax.plot(t.bin.to_numpy(), t.cumulative_lift.to_numpy(), marker="o", color="tab:red", label="cumulative lift")
    ax.axhline(1.0, linestyle="--", color="grey", label="random")
    ax.set_xticks(list(t.bin))
    ax.set_xlabel("risk bin (1 = highest scores)")
    ax.set_ylabel("lift (churn rate / base rate)")
    ax.set_title("Lift by risk bin")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper right")
    return fig


def calibration_plot(y_true, y_prob, bins=10, strategy="uniform", sample_weight=None, ax=None):
    """Reliability diagram: observed churn rate against mean predicted probability per bin,
    with 95% Wilson intervals, and the perfect-calibration diagonal."""
    t = metrics.calibration_table(y_true, y_prob, bins=bins, strategy=strategy,
                                  sample_weight=sample_weight)
    fig, ax = _axes(ax)
    obs = t.observed_rate.to_numpy()
    err = np.vstack([obs - t.ci_lower.to_numpy(), t.ci_upper.to_numpy() - obs])
    ax.errorbar(t.mean_predicted.to_numpy(), obs, yerr=err, marker="o", capsize=3,
                label="observed (95% CI)")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.set_xlabel("mean predicted churn probability")
    ax.set_ylabel("observed churn rate")
    ax.set_title("Calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    return fig
