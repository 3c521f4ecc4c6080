"""The end-to-end demo (README's first command): a retention team's month, start to finish.

Simulates a 100,000-subscriber operator over 24 months, trains the churn-risk model on several
snapshots, evaluates it on a later holdout snapshot, and reports what operators report: the
model summary, holdout AUC and decile lift, the monthly churn-rate table against target,
snapshot retention against target, the warning accuracy of the early-warning rules and of the
model, and the top-20 dispatch list with reasons.  Writes PNG charts and an HTML report.

Run:  /usr/bin/python3 examples/demo.py [--out DIR] [--subscribers N]
"""
import argparse
import html
import os
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))

import churn  # noqa: E402

import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)


def month(start, k):
    """The first day of the k-th month after start (a Timestamp)."""
    return (start + pd.DateOffset(months=k)).normalize()


def section(title):
    print("\n" + "=" * 100 + "\n" + title + "\n" + "=" * 100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="demo-output", help="folder for the charts and report")
    ap.add_argument("--subscribers", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()
    start = pd.Timestamp("2024-01-01")
    horizon = 90
    report = []  # (title, html) pieces of the HTML report

    # --- 1. the operator ------------------------------------------------------------------
    section(f"1. Simulating {args.subscribers:,} subscribers over {args.months} months "
            f"(libchurn {churn.__version__})")
    t0 = time.time()
    ds, truth = churn.simulate(subscribers=args.subscribers, months=args.months, seed=args.seed,
                               start=start, threads=0)
    print(f"{ds.num_subscribers:,} subscribers, {ds.num_events:,} events "
          f"in {time.time() - t0:.1f} s")

    # --- 2. training on snapshots, holdout later -------------------------------------------
    train_dates = [month(start, k) for k in (6, 9, 12, 15)]
    holdout = month(start, 19)
    section("2. Training on snapshots " + ", ".join(d.strftime("%Y-%m-%d") for d in train_dates)
            + f"; holdout {holdout:%Y-%m-%d}; churn within {horizon} days")
    t0 = time.time()
    X = churn.features(ds, train_dates, threads=0)
    y = churn.labels(ds, train_dates, horizon_days=horizon, index=X)["churned"].to_numpy()
    model = churn.LogisticRegression(penalty=None).fit(X, y)
    print(f"{len(X):,} training rows x {X.shape[1]} features, churn rate {y.mean():.2%}, "
          f"fitted in {time.time() - t0:.1f} s (features + labels + fit)")
    print(model.summary())

    Xh = churn.features(ds, holdout, threads=0)
    lab_h = churn.labels(ds, holdout, horizon_days=horizon, index=Xh)
    yh = lab_h["churned"].to_numpy()
    ph = model.predict_proba(Xh)[:, 1]
    auc = churn.metrics.roc_auc(yh, ph)
    lift = churn.metrics.lift_table(yh, ph, bins=10)
    section(f"3. Holdout evaluation: {len(Xh):,} subscribers, churn rate {yh.mean():.2%}")
    print(f"ROC AUC {auc:.4f}   PR AUC {churn.metrics.pr_auc(yh, ph):.4f}   "
          f"log loss {churn.metrics.log_loss(yh, ph):.4f}   Brier {churn.metrics.brier(yh, ph):.4f}")
    print("\nDecile lift (decile 1 = highest risk):")
    print(lift.to_string(index=False))
    report.append(("Holdout evaluation", f"<p>ROC AUC <b>{auc:.4f}</b> on {len(Xh):,} "
                   f"subscribers (churn rate {yh.mean():.2%}).</p>" + lift.to_html(index=False)))

    fig = churn.plot.gains_chart(yh, ph).figure
    fig.savefig(os.path.join(args.out, "gains.png"), dpi=90)
    fig = churn.plot.lift_chart(yh, ph).figure
    fig.savefig(os.path.join(args.out, "lift.png"), dpi=90)
    fig = churn.plot.calibration_plot(yh, ph).figure
    fig.savefig(os.path.join(args.out, "calibration.png"), dpi=90)
    plt.close("all")

    # --- 4. KPIs --------------------------------------------------------------------------
    end = month(start, args.months) - pd.Timedelta(seconds=1)
    mv = churn.kpi.movement(ds, start, end, target=0.035)
    section("4. Monthly churn rate against the 3.5% control target (churn as the domain defines "
            "it: a cancellation or 3 months without use, whichever comes first)")
    print(mv[["month", "opening", "activations", "rejoins", "churned", "churned_cancel",
              "churned_non_use", "closing", "churn_rate", "target",
              "margin"]].to_string(index=False, formatters={"churn_rate": "{:.2%}".format,
                                                            "target": "{:.2%}".format,
                                                            "margin": "{:+.2%}".format}))
    print("churn_rate = churned / opening; closing = opening + activations - churned "
          "(rejoins, returns of churned subscribers, are counted among the activations)")
    report.append(("Monthly movement and churn rate", mv.to_html(index=False)))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(mv["month"], mv["churn_rate"] * 100, color="#4878a8", label="churn rate")
    ax.plot(mv["month"], mv["target"] * 100, color="#c0392b", label="target")
    ax.set_ylabel("% of opening base")
    ax.set_title("Monthly churn rate against target")
    ax.tick_params(axis="x", rotation=90)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "churn_rate.png"), dpi=90)

    base = month(start, 12)
    snap = churn.kpi.snapshot(ds, base, 12, column="tier", label="high")
    section(f"5. Snapshot retention of the high-value cohort photographed on {base:%Y-%m-%d} "
            "(target falls 1.25 points a month)")
    print(snap.to_string(index=False, formatters={"retention": "{:.2%}".format,
                                                  "target": "{:.2%}".format,
                                                  "margin": "{:+.2%}".format}))
    report.append(("Snapshot retention (high value)", snap.to_html(index=False)))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(snap["month"], snap["retention"] * 100, marker="o", label="retention")
    ax.plot(snap["month"], snap["target"] * 100, linestyle="--", color="#c0392b", label="target")
    ax.set_ylabel("% of cohort still active")
    ax.set_title(f"Snapshot retention, high value, base {base:%Y-%m}")
    ax.tick_params(axis="x", rotation=90)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "snapshot.png"), dpi=90)

    seg = churn.kpi.segments(ds, start, end, segment="region")
    section("6. Churn by region over the whole period, with 95% Wilson intervals and categories")
    print(seg.to_string(index=False))
    report.append(("Churn by region", seg.to_html(index=False)))

    wb = churn.kpi.winback(ds, start, end, by="category")
    section("6a. Win-back: churners who came back within 90 days (same id or same person), "
            "by category")
    print(wb.to_string(index=False))
    report.append(("Win-back by category", wb.to_html(index=False)))

    # the operator's March question: will the cohort make the year-end target?
    as_of = month(base, 3)
    target = [1 - 0.0125 * k for k in range(1, 13)]
    fc, cm = churn.kpi.snapshot_forecast(ds, base, as_of, column="tier", label="high",
                                         target=target, return_model=True)
    section(f"6b. Year-end forecast of the high-value cohort as of {as_of:%Y-%m-%d} "
            f"({cm.fitted_kind_} model fitted on the first 3 months) against target")
    print(fc[["month", "observed", "retention", "expected", "ci_low", "ci_high", "target",
              "margin", "prob_meet"]].to_string(
        index=False, formatters={c: "{:.2%}".format for c in
                                 ("retention", "expected", "ci_low", "ci_high", "target")}
        | {"margin": "{:+.2%}".format, "prob_meet": "{:.2f}".format}))
    last = fc.iloc[-1]
    print(f"\nYear-end ({last['month']}): forecast {last['expected']:.2%} "
          f"(95% PI {last['ci_low']:.2%} - {last['ci_high']:.2%}) against target "
          f"{last['target']:.2%}: probability of making it {last['prob_meet']:.2f}; "
          f"actual (known to the simulator) {snap['retention'].iloc[-1]:.2%}")
    report.append(("Year-end forecast against target (high value)", fc.to_html(index=False)))
    churn.plot.forecast_chart(fc).savefig(os.path.join(args.out, "forecast.png"), dpi=90)

    # what kind of churn is coming: cumulative incidence by category over tenure
    inc = churn.kpi.churn_incidence(ds, end, window_start=start, time_unit="months")
    section("6c. Churn by category: cumulative incidence (%) by tenure, competing risks")
    grid = [3, 6, 12, 24, 36, 60]
    rows = {}
    for cat, g in inc.groupby("category"):
        s = g.set_index("time").cif
        rows[cat] = [100 * s[s.index <= t].iloc[-1] if (s.index <= t).any() else 0.0
                     for t in grid]
    table = pd.DataFrame(rows, index=[f"{t} months" for t in grid]).T
    print(table.round(2).to_string())
    report.append(("Churn by category (cumulative incidence, %)", table.round(2).to_html()))
    churn.plot.cumulative_incidence_chart(inc, time_label="tenure (months)").savefig(
        os.path.join(args.out, "churn_by_category.png"), dpi=90)

    # --- 7. warning accuracy of the rules and of the model ---------------------------------
    horizon_end = holdout + pd.Timedelta(days=horizon)
    warn = churn.warnings(ds, holdout)
    acc = churn.kpi.warning_accuracy(ds, holdout, horizon_end, warn)
    n_warned = int(acc.loc[acc["rule"] == "(any)", "warned"].iloc[0])
    score = np.full(ds.num_subscribers, np.nan)
    score[[ds.find_subscriber(i) for i in Xh.index]] = ph
    topk = churn.kpi.topk_accuracy(ds, holdout, horizon_end, score, k=(n_warned, 1000, 5000))
    section(f"7. Warning accuracy as of {holdout:%Y-%m-%d} (churn within {horizon} days): rules "
            "and the model's risk list of the same length")
    print(acc.to_string(index=False))
    print("\nModel risk list:")
    print(topk.to_string(index=False))
    report.append(("Warning accuracy: rules", acc.to_html(index=False)))
    report.append(("Warning accuracy: model risk list", topk.to_html(index=False)))

    # --- 8. the dispatch list -------------------------------------------------------------
    reasons = model.explain(Xh, top_k=3)
    order = np.argsort(-ph, kind="stable")[:20]
    subs = ds.subscribers
    rows = []
    for i in order:
        sid = Xh.index[i]
        r = reasons.iloc[i]
        rows.append({"subscriber_id": sid, "probability": round(float(ph[i]), 4),
                     "reasons": "; ".join(f"{r[f'reason_{k}']} ({r[f'contribution_{k}']:+.2f})"
                                          for k in (1, 2, 3)),
                     "category": r["category_1"],
                     "tier": subs.at[sid, "tier"], "manager": subs.at[sid, "manager"],
                     "contact_by": (holdout + pd.offsets.BDay(2)).strftime("%Y-%m-%d"),
                     "truth": truth.at[sid, "category_name"]})
    dispatch = pd.DataFrame(rows)
    section("8. Top-20 dispatch list (work orders for outbound retention calls)")
    print(dispatch.to_string(index=False))
    dispatch.to_csv(os.path.join(args.out, "dispatch.csv"), index=False)
    report.append(("Top-20 dispatch list", dispatch.to_html(index=False)))

    # --- 9. the report --------------------------------------------------------------------
    charts = ["gains.png", "lift.png", "calibration.png", "churn_rate.png", "snapshot.png",
              "forecast.png", "churn_by_category.png"]
    body = "".join(f"<h2>{html.escape(t)}</h2>{h}" for t, h in report)
    imgs = "".join(f'<img src="{c}" style="max-width:48%;margin:4px">' for c in charts)
    with open(os.path.join(args.out, "report.html"), "w", encoding="utf-8") as f:
        f.write("<!doctype html><html><head><meta charset='utf-8'><title>libchurn demo</title>"
                "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
                "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>"
                f"<h1>Churn report: {args.subscribers:,} subscribers, holdout {holdout:%Y-%m-%d}"
                f"</h1>{imgs}<h2>Model</h2><pre>{html.escape(str(model.summary()))}</pre>"
                f"{body}</body></html>")
    section("Done")
    print(f"charts and report.html in {os.path.abspath(args.out)}; "
          f"total {time.time() - t_start:.1f} s")


if __name__ == "__main__":
    main()
