"""Issue 14's Python surface: kaplan_meier / cumulative_incidence (names, index, columns,
labels), the cohort retention models (published sBG estimates, likelihood written here in numpy,
DERL by summation), snapshot_forecast, campaign_effect (statsmodels' Newcombe interval), Qini
(scikit-uplift's algorithm in numpy), Gray's test (log-rank for one cause) and the plots."""
import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight, survdiff
from statsmodels.stats.proportion import confint_proportions_2indep

import churn

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def sbg_loglik(a, b, cohorts):
    ll = 0.0
    for n in cohorts:
        s = 1.0
        for t in range(1, len(n)):
            ll += (n[t - 1] - n[t]) * np.log(s * a / (a + b + t - 1))
            s *= (b + t - 1) / (a + b + t - 1)
        ll += n[-1] * np.log(s)
    return ll


# --- kaplan_meier / cumulative_incidence ------------------------------------------------------

def _survival_data(n=300, seed=4):
    rng = np.random.default_rng(seed)
    dur = np.round(rng.exponential(20, n), 1) + 0.5
    entry = np.where(rng.uniform(size=n) < 0.4, dur * rng.uniform(0, 0.9, n), 0.0)
    cause = rng.choice([None, "natural", "competitive", "service"], size=n,
                       p=[0.3, 0.2, 0.3, 0.2])
    return dur, entry, cause


def test_kaplan_meier_name_index_columns_and_statsmodels():
    dur, entry, cause = _survival_data()
    event = np.array([c is not None for c in cause], dtype=float)
    km = churn.kpi.kaplan_meier(dur, event, entry=entry)
    assert km.index.name == "time"
    assert list(km.columns) == ["at_risk", "events", "survival", "std_err", "ci_low", "ci_high"]
    sf = SurvfuncRight(dur, event, entry=entry)
    np.testing.assert_allclose(km.index.to_numpy(), sf.surv_times, rtol=1e-12)
    np.testing.assert_allclose(km.survival.to_numpy(), sf.surv_prob, rtol=1e-10)
    np.testing.assert_allclose(km.std_err.to_numpy(), sf.surv_prob_se, rtol=1e-10)
    np.testing.assert_array_equal(km.at_risk.to_numpy(), sf.n_risk)


def test_cumulative_incidence_labels_and_sum_to_one():
    dur, entry, cause = _survival_data()
    ci = churn.kpi.cumulative_incidence(dur, cause, entry=entry)
    assert list(ci.columns) == ["time", "category", "cif", "std_err", "ci_low", "ci_high"]
    assert set(ci.category) == {"natural", "competitive", "service"}
    event = np.array([c is not None for c in cause], dtype=float)
    km = churn.kpi.kaplan_meier(dur, event, entry=entry)
    total = ci.groupby("time").cif.sum()
    np.testing.assert_allclose(total.to_numpy() + km.survival.reindex(total.index).to_numpy(),
                               1.0, atol=1e-12)
    # 0 / None both censored; integer labels work too
    codes = np.array([0 if c is None else {"natural": 1, "competitive": 2, "service": 3}[c]
                      for c in cause])
    ci2 = churn.kpi.cumulative_incidence(dur, codes, entry=entry)
    np.testing.assert_allclose(ci2.cif.to_numpy(), ci.sort_values(
        ["time", "category"], key=lambda s: s.map({"natural": 1, "competitive": 2,
                                                   "service": 3}) if s.name == "category"
        else s).cif.to_numpy(), rtol=1e-14)


def test_cumulative_incidence_equals_statsmodels_without_entry():
    dur, _, cause = _survival_data(seed=9)
    codes = np.array([0 if c is None else {"natural": 1, "competitive": 2, "service": 3}[c]
                      for c in cause])
    ci = churn.kpi.cumulative_incidence(dur, codes)
    sm = CumIncidenceRight(dur, codes)
    for k in (1, 2, 3):
        mine = ci[ci.category == k]
        ref = pd.Series(sm.cinc[k - 1], index=sm.times)
        np.testing.assert_allclose(mine.cif.to_numpy(), ref.reindex(mine.time).to_numpy(),
                                   rtol=1e-10)


def test_bad_survival_input():
    with pytest.raises(churn.ChurnError, match="duration"):
        churn.kpi.kaplan_meier([1.0, np.nan], [1, 0])
    with pytest.raises(ValueError, match="event has 1 elements"):
        churn.kpi.cumulative_incidence([1.0, 2.0], ["a"])


# --- cohort models -------------------------------------------------------------------------

def test_sbg_published_estimates_and_loglik():
    m = churn.ShiftedBetaGeometric().fit(REGULAR)
    assert round(m.alpha_, 3) == 0.704 and round(m.beta_, 3) == 1.182
    assert m.loglik_ == pytest.approx(sbg_loglik(m.alpha_, m.beta_, [REGULAR]), rel=1e-13)
    # an optimum: every nearby point is worse
    for da, db in ((1e-4, 0), (-1e-4, 0), (0, 1e-4), (0, -1e-4)):
        assert sbg_loglik(m.alpha_ + da, m.beta_ + db, [REGULAR]) < m.loglik_
    h = churn.ShiftedBetaGeometric().fit(HIGH_END)
    assert round(h.alpha_, 3) == 0.668 and round(h.beta_, 3) == 3.806
    assert h.alpha_se_ > 0 and h.beta_se_ > 0
    assert list(h.summary_frame().index) == ["alpha", "beta"]


def test_sbg_curves_forecast_and_derl():
    m = churn.ShiftedBetaGeometric().fit(REGULAR)
    a, b = m.alpha_, m.beta_
    t = np.arange(1, 13)
    r = (b + t - 1) / (a + b + t - 1)
    np.testing.assert_allclose(m.retention_rate(t), r, rtol=1e-12)
    np.testing.assert_allclose(m.survival(t), np.cumprod(r), rtol=1e-12)
    assert m.survival(0) == pytest.approx(1.0)
    target = np.linspace(0.3, 0.15, 12)
    fc = m.forecast(12, target=target)
    assert fc.index.name == "period" and list(fc.index) == list(range(8, 13))
    assert {"expected", "share", "ci_low", "ci_high", "margin", "prob_meet"} <= set(fc.columns)
    s7 = np.prod(r[:7])
    np.testing.assert_allclose(fc.expected.to_numpy(), 241 * np.cumprod(r)[7:] / s7, rtol=1e-12)
    np.testing.assert_allclose(fc.margin.to_numpy(), fc.share.to_numpy() - target[7:],
                               atol=1e-15)
    assert ((fc.prob_meet >= 0) & (fc.prob_meet <= 1)).all()
    new = m.forecast(5, start=0, size=500)
    np.testing.assert_allclose(new.expected.to_numpy(), 500 * np.cumprod(r)[:5], rtol=1e-12)
    # DERL by direct summation of the survival series
    for n in (0, 3):
        tt = np.arange(n + 1, 5000)
        ratio = np.exp(np.cumsum(np.log((b + tt - 1) / (a + b + tt - 1))))
        direct = np.sum(ratio / 1.1 ** (tt - n - 1))
        assert m.derl(0.1, renewals=n) == pytest.approx(direct, rel=1e-11)


def test_several_cohorts_bdw_and_geometric():
    m = churn.ShiftedBetaGeometric().fit([REGULAR, HIGH_END[:4]])
    assert m.loglik_ == pytest.approx(sbg_loglik(m.alpha_, m.beta_, [REGULAR, HIGH_END[:4]]),
                                      rel=1e-13)
    w = churn.BetaDiscreteWeibull().fit(HIGH_END)
    assert w.loglik_ > churn.ShiftedBetaGeometric().fit(HIGH_END).loglik_
    assert list(w.params_.index) == ["alpha", "beta", "c"]
    g = churn.GeometricRetention().fit([1000, 500, 250, 125])
    assert g.p_ == pytest.approx(0.5)


def test_cohort_errors():
    with pytest.raises(churn.ChurnError, match="rises at period 2"):
        churn.ShiftedBetaGeometric().fit([100, 90, 95, 80])
    with pytest.raises(churn.ChurnError, match="starts at 0"):
        churn.ShiftedBetaGeometric().fit([0, 0, 0])
    with pytest.raises(churn.ChurnError, match="no cohort shows any churn"):
        churn.ShiftedBetaGeometric().fit([100, 100, 100])
    with pytest.raises(churn.ChurnError, match="not a finite number"):
        churn.ShiftedBetaGeometric().fit([100, np.nan, 80])
    with pytest.raises(ValueError, match="not fitted"):
        churn.ShiftedBetaGeometric().survival(3)


# --- snapshot forecast ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sim():
    ds, _ = churn.simulate(subscribers=2000, months=13, seed=21, start="2024-01-01")
    return ds


def test_snapshot_forecast(sim):
    target = [1 - 0.0125 * k for k in range(1, 13)]
    df, model = churn.kpi.snapshot_forecast(sim, "2024-01-01", as_of="2024-04-01",
                                            target=target, return_model=True)
    assert len(df) == 12
    assert list(df.observed) == [1, 1, 1] + [0] * 9
    snap = churn.kpi.snapshot(sim, "2024-01-01", 12, target=target)
    np.testing.assert_allclose(df.retention[:3], snap.retention[:3], rtol=1e-15)
    assert df.retention[3:].isna().all()
    assert (df.ci_low[3:] < df.expected[3:]).all() and (df.expected[3:] < df.ci_high[3:]).all()
    assert model.fitted_kind_ in ("sbg", "geometric")
    # the returned model projects the photographed cohort like the table does
    again = model.forecast(12, target=target)
    assert list(again.index) == list(range(4, 13))
    np.testing.assert_allclose(again.share.to_numpy(), df.expected[3:].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(again.expected.to_numpy(), 2000 * df.expected[3:].to_numpy(),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="give months"):
        churn.kpi.snapshot_forecast(sim, "2024-01-01", as_of="2024-04-01")


# --- campaign effect and Qini -----------------------------------------------------------------

def test_campaign_effect_against_statsmodels():
    rng = np.random.default_rng(1)
    n = 3000
    treated = rng.uniform(size=n) < 0.8
    seg = rng.choice(["north", "south"], size=n)
    churned = rng.uniform(size=n) < np.where(treated, 0.05, 0.08)
    df = churn.kpi.campaign_effect(treated, churned, segment=seg)
    assert list(df.segment) == ["north", "south", "(all)"]
    for _, row in df.iterrows():
        mask = np.ones(n, bool) if row.segment == "(all)" else seg == row.segment
        yt, nt = churned[mask & treated].sum(), (mask & treated).sum()
        yc, nc = churned[mask & ~treated].sum(), (mask & ~treated).sum()
        lo, hi = confint_proportions_2indep(yt, nt, yc, nc, method="newcomb", compare="diff")
        assert row.ci_low == pytest.approx(lo, rel=1e-12)
        assert row.ci_high == pytest.approx(hi, rel=1e-12)
        assert row.saved_per_1000 == pytest.approx(1000 * (yc / nc - yt / nt), rel=1e-12)
    with pytest.raises(churn.ChurnError, match="no control group"):
        churn.kpi.campaign_effect(np.ones(5), np.zeros(5))
    with pytest.raises(ValueError, match="churned has 4 elements"):
        churn.kpi.campaign_effect(np.ones(5), np.zeros(4))


def _sklift_qini(score, treated, churned):
    order = np.argsort(score, kind="mergesort")[::-1]
    y, s, t = 1.0 - churned[order], score[order], treated[order]
    idx = np.r_[np.where(np.diff(s))[0], len(s) - 1]
    nt = np.cumsum(t)[idx]
    nc = idx + 1 - nt
    yt = np.cumsum(np.where(t == 1, y, 0))[idx]
    yc = np.cumsum(np.where(t == 0, y, 0))[idx]
    curve = yt - yc * np.divide(nt, nc, out=np.zeros_like(nt), where=nc != 0)
    return np.r_[0, idx + 1], np.r_[0.0, curve]


def test_qini_against_scikit_uplift_algorithm():
    rng = np.random.default_rng(3)
    n = 500
    score = np.round(rng.uniform(size=n), 2)
    treated = (rng.uniform(size=n) < 0.5).astype(float)
    churned = (rng.uniform(size=n) < 0.3 - 0.2 * treated * score).astype(float)
    q = churn.metrics.qini_curve(score, treated, churned)
    k, curve = _sklift_qini(score, treated, churned)
    np.testing.assert_array_equal(q.n.to_numpy(), k)
    np.testing.assert_allclose(q.qini.to_numpy(), curve, rtol=1e-12, atol=1e-12)
    x = k / n
    auc = np.trapz(curve - x * curve[-1], x) / n
    assert churn.metrics.qini_auc(score, treated, churned) == pytest.approx(auc, rel=1e-12)
    assert auc > 0  # the score carries the uplift
    with pytest.raises(ValueError, match="treated has 3 elements"):
        churn.metrics.qini_curve(score, treated[:3], churned)


# --- Gray's test ------------------------------------------------------------------------------

def test_gray_one_cause_is_close_to_logrank():
    rng = np.random.default_rng(8)
    n = 600
    grp = np.repeat(["a", "b"], n // 2)
    dur = np.ceil(rng.exponential(np.where(grp == "a", 10.0, 13.0)))
    event = (rng.uniform(size=n) < 0.8).astype(int)
    g = churn.kpi.gray_test(dur, event, grp)
    chi2, _ = survdiff(dur, event, grp)
    assert list(g.columns) == ["category", "statistic", "df", "p_value", "score", "variance"]
    assert g.statistic[0] == pytest.approx(chi2, rel=0.1)
    same = churn.kpi.gray_test(np.r_[dur, dur], np.r_[event, event], np.repeat([0, 1], n))
    assert abs(same.statistic[0]) < 1e-12


# --- plots ------------------------------------------------------------------------------------

def test_plots(sim):
    dur, entry, cause = _survival_data()
    fig = churn.plot.cumulative_incidence_chart(churn.kpi.cumulative_incidence(dur, cause))
    assert len(fig.axes[0].lines) == 3
    target = [1 - 0.0125 * k for k in range(1, 13)]
    df = churn.kpi.snapshot_forecast(sim, "2024-01-01", as_of="2024-04-01", target=target)
    fig = churn.plot.forecast_chart(df)
    assert fig.axes[0].get_title().startswith("Snapshot retention forecast")
    m = churn.ShiftedBetaGeometric().fit(REGULAR)
    fig = churn.plot.forecast_chart(m.forecast(12, target=np.linspace(0.3, 0.15, 12)))
    assert fig.axes[0].get_title() == "Retention forecast"


def test_forecast_interval_covers_simulated_sbg_cohorts():
    # cohorts drawn from an sBG (alpha 0.7, beta 1.2, 1,000 members): fit on 6 periods, the 95%
    # prediction interval of period 12 should hold the actual share about 95% of the time
    rng = np.random.default_rng(12)
    hits, reps = 0, 300
    for _ in range(reps):
        theta = rng.beta(0.7, 1.2, size=1000)
        life = rng.geometric(theta)               # periods until churn (>= 1)
        alive = np.array([(life > t).sum() for t in range(13)], dtype=float)
        fc = churn.ShiftedBetaGeometric().fit(alive[:7]).forecast(12)
        row = fc.loc[12]
        hits += row.ci_low <= alive[12] / 1000 <= row.ci_high
    assert 0.90 <= hits / reps <= 0.99, hits / reps


def test_campaign_estimates_recover_a_known_heterogeneous_effect():
    # a randomised campaign whose contact cuts churn by 6 points in "north", 1 point in
    # "south": the per-segment intervals hold the truth and a score that knows the uplift has
    # a larger Qini coefficient than one that does not
    rng = np.random.default_rng(21)
    n = 40000
    seg = rng.choice(["north", "south"], size=n)
    treated = rng.uniform(size=n) < 0.7
    effect = np.where(seg == "north", 0.06, 0.01)
    churned = rng.uniform(size=n) < 0.12 - effect * treated
    df = churn.kpi.campaign_effect(treated, churned, segment=seg).set_index("segment")
    for s, eff in (("north", 0.06), ("south", 0.01)):
        assert df.loc[s, "ci_low"] <= -eff <= df.loc[s, "ci_high"]
        assert df.loc[s, "saved_per_1000"] == pytest.approx(1000 * eff, abs=8)
    informed = effect + rng.normal(0, 0.005, n)
    blind = rng.uniform(size=n)
    assert churn.metrics.qini_auc(informed, treated, churned) > \
        churn.metrics.qini_auc(blind, treated, churned) + 1e-3
