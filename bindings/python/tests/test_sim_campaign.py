"""The simulator's retention campaign from Python: churn.simulate takes the campaign settings
and returns the campaign's truth columns; churn.kpi.campaign_effect on the simulated campaign
covers the true average effect of the truth table (overall and by price exposure), its
interval equals statsmodels' Newcombe interval, and the Qini AUC of the true effect beats
random scores."""
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

import churn

CAMPAIGN = dict(subscribers=40000, months=5, seed=22, campaign_month=2, campaign_share=0.8,
                control_share=0.3, campaign_effect=0.5, campaign_horizon=3)
WINDOW_END = pd.Timestamp("2024-06-01")  # start of month 2 + 3 after 2024-01-01


@pytest.fixture(scope="module")
def campaign():
    ds, truth = churn.simulate(**CAMPAIGN)
    sel = truth[truth.campaign_selected == 1]
    churned = ((sel.churn_time >= sel.campaign_time) & (sel.churn_time < WINDOW_END))
    subs = ds.subscribers.loc[sel.index]
    lo = pd.Timestamp("2023-11-01")  # 3 months before the campaign month
    near = np.zeros(len(sel), bool)
    for col in ("contract_end", "promotion_end"):
        near |= ((subs[col] >= lo) & (subs[col] < WINDOW_END)).to_numpy()
    exposure = np.where(near | (sel.competitor_region.to_numpy() == 1), "price", "other")
    return ds, truth, sel, churned.to_numpy(), exposure


def test_columns_without_a_campaign():
    ds, truth = churn.simulate(subscribers=800, months=3, seed=4)
    want = ["campaign_selected", "campaign_treated", "campaign_time", "campaign_driver",
            "campaign_true_effect"]
    at = list(truth.columns).index(want[0])
    assert list(truth.columns[at:at + 5]) == want
    assert (truth.campaign_selected == 0).all() and (truth.campaign_treated == 0).all()
    assert truth.campaign_time.isna().all() and (truth.campaign_true_effect == 0).all()


def test_campaign_design(campaign):
    ds, truth, sel, churned, _ = campaign
    eligible = truth[truth.campaign_time.notna()]
    assert len(sel) / len(eligible) == pytest.approx(0.8, abs=0.01)
    assert 1 - sel.campaign_treated.mean() == pytest.approx(0.3, abs=0.01)
    assert (eligible.campaign_time >= pd.Timestamp("2024-03-01 08:00")).all()
    assert (eligible.campaign_time < pd.Timestamp("2024-03-01 18:00")).all()
    # the offer: one RETENTION event with outcome unknown (0) for the treated, at the contact
    ev = ds.events
    offers = ev[(ev.kind == "retention") & (ev.code == 0)]
    treated = sel[sel.campaign_treated == 1]
    reached = treated[~(treated.churn_time < treated.campaign_time)]
    assert sorted(offers.subscriber_id) == sorted(reached.index)
    when = offers.set_index("subscriber_id").time
    assert (when == reached.campaign_time.loc[when.index]).all()
    # the rule: -0.5 for contract/promotion end and competitor, -0.25 for service, else 0
    rule = {4: -0.25, 5: -0.5, 6: -0.5, 7: -0.5}
    te = eligible.campaign_true_effect
    expected = eligible.campaign_driver.map(rule).fillna(0.0)
    assert ((te == expected) | (te == 0)).all()
    assert (te[eligible.campaign_driver.isin([0, 1, 2, 3, 8])] == 0).all()
    # campaign_driver is the untreated history's churn in the window: what controls and the
    # unselected live, and the treated too where the offer cannot act; where it can, the
    # treated churn with probability 1 + campaign_true_effect
    y = ((eligible.churn_time >= eligible.campaign_time) &
         (eligible.churn_time < WINDOW_END)).to_numpy()
    y0 = eligible.campaign_driver.to_numpy() != 0
    t = eligible.campaign_treated.to_numpy() == 1
    acted = t & (te.to_numpy() < 0)
    assert (y[~acted] == y0[~acted]).all()
    p = 1 + te.to_numpy()[acted].mean()
    assert y0[acted].all() and y[acted].mean() == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / acted.sum()))


def test_campaign_effect_covers_the_true_effect(campaign):
    _, _, sel, churned, exposure = campaign
    treated = sel.campaign_treated.to_numpy() == 1
    df = churn.kpi.campaign_effect(treated, churned, segment=exposure)
    assert list(df.segment) == ["other", "price", "(all)"]
    te = sel.campaign_true_effect.to_numpy()
    for _, row in df.iterrows():
        mask = np.ones(len(sel), bool) if row.segment == "(all)" else exposure == row.segment
        yt, nt = churned[mask & treated].sum(), (mask & treated).sum()
        yc, nc = churned[mask & ~treated].sum(), (mask & ~treated).sum()
        lo, hi = confint_proportions_2indep(yt, nt, yc, nc, method="newcomb", compare="diff")
        assert row.ci_low == pytest.approx(lo, rel=1e-12)
        assert row.ci_high == pytest.approx(hi, rel=1e-12)
        true = te[mask].mean()
        assert row.ci_low <= true <= row.ci_high, (row.segment, true, row.ci_low, row.ci_high)
    by = df.set_index("segment")
    assert by.loc["price", "ci_high"] < 0 and by.loc["(all)", "ci_high"] < 0
    assert te[exposure == "price"].mean() < 4 * te[exposure == "other"].mean()


def test_interval_coverage_over_seeds():
    """Over 8 seeds the 95% interval of the whole campaign covers the true mean effect
    (at least 6 times: a binomial(8, 0.95) falls below that with probability 0.6%), and the
    estimate is centred on the truth (mean z within +-1.2, 3.4 standard errors of the mean)."""
    covered, zs = 0, []
    for seed in range(300, 308):
        _, truth = churn.simulate(**dict(CAMPAIGN, subscribers=20000, seed=seed))
        sel = truth[truth.campaign_selected == 1]
        y = ((sel.churn_time >= sel.campaign_time) & (sel.churn_time < WINDOW_END)).to_numpy()
        t = sel.campaign_treated.to_numpy() == 1
        row = churn.kpi.campaign_effect(t, y).iloc[-1]
        true = sel.campaign_true_effect.mean()
        covered += row.ci_low <= true <= row.ci_high
        se = np.sqrt(y[t].var() / t.sum() + y[~t].var() / (~t).sum())
        zs.append((row.difference - true) / se)
    assert covered >= 6, zs
    assert abs(np.mean(zs)) < 1.2, zs


def test_zero_effect_subscribers_are_not_significant(campaign):
    _, _, sel, churned, _ = campaign
    treated = sel.campaign_treated.to_numpy() == 1
    group = np.where(sel.campaign_true_effect.to_numpy() == 0, "zero", "acted")
    by = churn.kpi.campaign_effect(treated, churned, segment=group).set_index("segment")
    assert by.loc["zero", "churn_rate_control"] > 0.01
    assert by.loc["zero", "ci_low"] < 0 < by.loc["zero", "ci_high"]
    assert by.loc["acted", "ci_high"] < 0


def test_qini_of_the_true_effect_beats_random(campaign):
    _, _, sel, churned, _ = campaign
    treated = sel.campaign_treated.to_numpy().astype(float)
    y = churned.astype(float)
    oracle = churn.metrics.qini_auc(-sel.campaign_true_effect.to_numpy(), treated, y)
    rng = np.random.default_rng(5)
    rand = [churn.metrics.qini_auc(rng.uniform(size=len(y)), treated, y) for _ in range(20)]
    assert oracle > np.mean(rand) + 5 * np.std(rand, ddof=1)
    assert oracle > 2 * max(rand)


def test_no_control_group_and_bad_settings():
    ds, truth = churn.simulate(subscribers=2000, months=3, seed=2, campaign_month=1,
                               campaign_share=1.0, control_share=0.0)
    sel = truth[truth.campaign_selected == 1]
    assert (sel.campaign_treated == 1).all() and len(sel) > 1800
    churned = sel.churn_time.notna().to_numpy()
    with pytest.raises(churn.ChurnError, match="no control group"):
        churn.kpi.campaign_effect(sel.campaign_treated, churned)
    with pytest.raises(churn.ChurnError, match="sim.campaign_month 3 is not one of the 3"):
        churn.simulate(subscribers=100, months=3, campaign_month=3)
    with pytest.raises(churn.ChurnError, match="sim.control_share"):
        churn.simulate(subscribers=100, months=3, campaign_month=1, control_share=2)
