"""bench_forecast.py -- which cohort model projects the simulator's cohorts better: the
shifted-beta-geometric, the beta-discrete-Weibull or the plain geometric?  And what a fit costs.

For every snapshot cohort of a simulated operator (all subscribers, each tier, each region,
photographed at the start and 6 months in), each model is fitted on the first `--fit` months
and projected to the end of the 18 months; reported: the in-sample log-likelihood on all 18
months (and AIC), and the mean absolute error of the projected share against the actual one.

Run:  /usr/bin/python3 bench/bench_forecast.py [--subscribers N] [--fit M]
"""
import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bindings",
                                "python"))
import churn  # noqa: E402

MODELS = {"sbg": churn.ShiftedBetaGeometric, "bdw": churn.BetaDiscreteWeibull,
          "geometric": churn.GeometricRetention}


def cohorts(ds, start, months):
    out = []
    for base_k in (0, 6):
        base = (pd.Timestamp(start) + pd.DateOffset(months=base_k))
        specs = [(None, None)] + [("tier", t) for t in ("low", "mid", "high")] + \
                [("region", r) for r in ("north", "south", "east", "west")]
        for col, lab in specs:
            snap = churn.kpi.snapshot(ds, base, months, column=col, label=lab)
            alive = np.r_[snap.cohort.iloc[0], np.minimum.accumulate(snap.active.to_numpy())]
            out.append((f"{base:%Y-%m} {lab or 'all'}", alive.astype(float)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscribers", type=int, default=50000)
    ap.add_argument("--fit", type=int, default=6)
    args = ap.parse_args()
    months = 18
    ds, _ = churn.simulate(subscribers=args.subscribers, months=months + 7, seed=2026,
                           start="2024-01-01")
    rows = []
    for name, alive in cohorts(ds, "2024-01-01", months):
        for kind, cls in MODELS.items():
            row = {"cohort": name, "size": int(alive[0]), "model": kind}
            try:
                full = cls().fit(alive)
                row["loglik"] = full.loglik_
                row["aic"] = 2 * len(full.params_) - 2 * full.loglik_
            except churn.ChurnError as e:
                row["loglik"] = row["aic"] = np.nan
                row["note"] = str(e).split(":")[-1][:40]
            try:
                m = cls().fit(alive[:args.fit + 1])
                fc = m.forecast(months)
                actual = alive[args.fit + 1:] / alive[0]
                row["mae_pts"] = 100 * np.mean(np.abs(fc.share.to_numpy() - actual))
                row["fit_kind"] = m.fitted_kind_
            except churn.ChurnError as e:
                row["mae_pts"] = np.nan
                row.setdefault("note", str(e).split(":")[-1][:40])
            rows.append(row)
    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(df.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nmean over cohorts (where the model fits):")
    print(df.groupby("model")[["aic", "mae_pts"]].mean().to_string(float_format=lambda v:
                                                                   f"{v:.3f}"))
    wins = df.pivot(index="cohort", columns="model", values="mae_pts").idxmin(axis=1)
    print("\nbest projection (lowest MAE) per cohort:", wins.value_counts().to_dict())
    # cost of a fit on Fader & Hardie's regular cohort
    reg = [1000, 631, 468, 382, 326, 289, 262, 241]
    for kind, cls in MODELS.items():
        t0, n = time.perf_counter(), 0
        while time.perf_counter() - t0 < 0.5:
            cls().fit(reg)
            n += 1
        print(f"fit {kind:9s}: {1e6 * (time.perf_counter() - t0) / n:8.1f} us per fit "
              "(8 periods, through Python)")


if __name__ == "__main__":
    main()
