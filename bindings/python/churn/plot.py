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

__all__ = ["gains_chart", "lift_chart", "calibration_plot", "retention_curve", "churn_rate_chart",
           "snapshot_chart", "cumulative_incidence_chart", "forecast_chart"]


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
    bins = t.bin.to_numpy()
    ax.bar(bins, t.lift.to_numpy(), color="tab:blue", alpha=0.6, label="lift of the bin")
    ax.plot(bins, t.cumulative_lift.to_numpy(), marker="o", color="tab:red",
            label="cumulative lift")
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


def retention_curve(km_table, ax=None, label=None, time_label="tenure (days)"):
    """A Kaplan-Meier retention curve (step function with its confidence band) from the table
    of churn.kpi.km or churn.kpi.retention_curve; a table with a "segment" column draws one
    curve per segment."""
    fig, ax = _axes(ax)
    groups = km_table.groupby("segment", sort=False) if "segment" in km_table else [
        (label or "retention", km_table)]
    for name, t in groups:
        time = np.r_[0.0, t.time.to_numpy()]
        surv = np.r_[1.0, t.survival.to_numpy()]
        line = ax.step(time, surv * 100, where="post", label=str(name))[0]
        lo = np.r_[1.0, t.ci_low.to_numpy()]
        hi = np.r_[1.0, t.ci_high.to_numpy()]
        ax.fill_between(time, lo * 100, hi * 100, step="post", alpha=0.15,
                        color=line.get_color())
    ax.set_xlabel(time_label)
    ax.set_ylabel("still subscribed (%)")
    ax.set_title("Retention (Kaplan-Meier)")
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left")
    return fig


def churn_rate_chart(movement_table, ax=None):
    """Monthly churn rate (离网率) against its control target, from churn.kpi.movement (one
    line per segment when grouped); months over target are marked."""
    fig, ax = _axes(ax, size=(7.0, 4.5))
    t = movement_table
    groups = t.groupby("segment", sort=False) if "segment" in t else [("churn rate", t)]
    for name, g in groups:
        rate = g.churn_rate.to_numpy() * 100
        ax.plot(g.month.to_numpy(), rate, marker="o", label=str(name))
        over = g.margin.to_numpy() < 0
        ax.scatter(g.month.to_numpy()[over], rate[over], color="tab:red", zorder=3)
    first = next(iter(groups))[1]
    ax.plot(first.month.to_numpy(), first.target.to_numpy() * 100, linestyle="--",
            color="grey", label="target")
    ax.set_xlabel("month")
    ax.set_ylabel("monthly churn rate (%)")
    ax.set_title("Churn rate against target")
    ax.tick_params(axis="x", labelrotation=45)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    return fig


def snapshot_chart(snapshot_table, ax=None, label="actual"):
    """Snapshot retention (拍照用户保有率) month by month against its time-series target,
    from churn.kpi.snapshot."""
    fig, ax = _axes(ax)
    t = snapshot_table
    ax.plot(t.month.to_numpy(), t.retention.to_numpy() * 100, marker="o", label=label)
    ax.plot(t.month.to_numpy(), t.target.to_numpy() * 100, linestyle="--", color="grey",
            label="target")
    ax.set_xlabel("month")
    ax.set_ylabel("cohort still active (%)")
    ax.set_title(f"Snapshot retention (cohort of {int(t.cohort.iloc[0])})" if len(t)
                 else "Snapshot retention")
    ax.tick_params(axis="x", labelrotation=45)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left")
    return fig


def cumulative_incidence_chart(cif_table, ax=None, time_label="tenure (days)", segment=None):
    """Cumulative incidence of churn by category (step curves with their confidence bands),
    from churn.kpi.cumulative_incidence, churn.kpi.cif or churn.kpi.churn_incidence; with a
    "segment" column, pass segment= to draw one segment (default: the first)."""
    fig, ax = _axes(ax)
    t = cif_table
    if "segment" in t:
        seg = t["segment"].iloc[0] if segment is None else segment
        t = t[t["segment"] == seg]
        ax.set_title(f"Churn by category ({seg})")
    else:
        ax.set_title("Churn by category (cumulative incidence)")
    for cat, g in t.groupby("category", sort=True):
        time = np.r_[0.0, g.time.to_numpy()]
        cif = np.r_[0.0, g.cif.to_numpy()]
        line = ax.step(time, cif * 100, where="post", label=str(cat))[0]
        lo = np.r_[0.0, g.ci_low.to_numpy()]
        hi = np.r_[0.0, g.ci_high.to_numpy()]
        ax.fill_between(time, lo * 100, hi * 100, step="post", alpha=0.15,
                        color=line.get_color())
    ax.set_xlabel(time_label)
    ax.set_ylabel("churned by then (%)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", title="category")
    return fig


def forecast_chart(forecast_table, ax=None):
    """Retention forecast against target: from churn.kpi.snapshot_forecast (observed months
    as dots, the projection with its prediction band, the target line; months projected to
    miss the target marked) or from a cohort model's forecast() DataFrame (indexed by
    period)."""
    fig, ax = _axes(ax, size=(7.0, 4.5))
    t = forecast_table
    if "month_index" in t:
        x = t.month_index.to_numpy()
        obs = t.observed.to_numpy() == 1
        ax.plot(x[obs], t.retention.to_numpy()[obs] * 100, marker="o", label="actual")
        ax.plot(x, t.expected.to_numpy() * 100, linestyle="-", color="tab:orange",
                label="model")
        proj = ~obs
        share = t.expected.to_numpy()
        ax.set_xticks(x)
        ax.set_xticklabels(t.month.to_numpy(), rotation=45)
        ax.set_title(f"Snapshot retention forecast (cohort of {int(t.cohort.iloc[0])})")
    else:
        x = t.index.to_numpy()
        proj = np.ones(len(t), dtype=bool)
        share = t.share.to_numpy()
        ax.plot(x, share * 100, color="tab:orange", marker=".", label="forecast")
        ax.set_title("Retention forecast")
        ax.set_xlabel("period")
    ax.fill_between(x[proj], t.ci_low.to_numpy()[proj] * 100, t.ci_high.to_numpy()[proj] * 100,
                    color="tab:orange", alpha=0.2, label="prediction interval")
    if "target" in t:
        tg = t.target.to_numpy()
        ax.plot(x, tg * 100, linestyle="--", color="grey", label="target")
        miss = proj & (share < tg)
        ax.scatter(x[miss], share[miss] * 100, color="tab:red", zorder=3,
                   label="projected below target")
    ax.set_ylabel("cohort still active (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left")
    return fig
