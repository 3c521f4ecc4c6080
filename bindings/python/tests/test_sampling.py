"""Sampling correction (King & Zeng 2001 prior correction) through
churn.LogisticRegression(population_rate=tau): a population drawn from a known logistic model,
a training set sampled by outcome (every churner, a tenth of the stayers); the corrected model
must give back the population's intercept and population-scale probabilities.  Oracles: the
generating coefficients, statsmodels' Logit on the same sample (slopes and standard errors are
untouched by the correction), the closed form of the intercept shift."""
import numpy as np
import pytest
import statsmodels.api as sm

import churn

B0, B = -3.2, np.array([0.8, -0.5])


@pytest.fixture(scope="module")
def population():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((300_000, 2))
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-(B0 + X @ B)))).astype(float)
    keep = (y == 1) | (rng.random(len(X)) < 0.1)
    return X, y, X[keep], y[keep]


def test_prior_correction_recovers_the_population(population):
    X, y, Xs, ys = population
    tau = y.mean()
    raw = churn.LogisticRegression(penalty=None).fit(Xs, ys)
    cor = churn.LogisticRegression(penalty=None, population_rate=tau).fit(Xs, ys)
    ref = sm.Logit(ys, sm.add_constant(Xs)).fit(disp=0, tol=1e-12)
    sf = cor.summary_frame()
    # slopes and all standard errors are those of the plain fit on the sample
    np.testing.assert_allclose(cor.coef_[0], ref.params[1:], rtol=1e-6)
    np.testing.assert_allclose(sf["std_err"].to_numpy(), ref.bse, rtol=1e-6)
    # the intercept: closed form of the shift, and the population's own value within 4 s.e.
    ybar = ys.mean()
    shift = np.log((1 - tau) / tau * ybar / (1 - ybar))
    assert cor.intercept_[0] == pytest.approx(raw.intercept_[0] - shift, rel=1e-12)
    assert abs(cor.intercept_[0] - B0) < 4 * sf["std_err"].iloc[0]
    assert abs(raw.intercept_[0] - B0 - np.log(10)) < 4 * sf["std_err"].iloc[0] + 0.05
    np.testing.assert_array_less(np.abs(cor.coef_[0] - B), 4 * sf["std_err"].to_numpy()[1:])
    # population-scale probabilities: their mean over the population is its churn rate
    assert cor.predict_proba(X)[:, 1].mean() == pytest.approx(tau, rel=0.05)
    assert raw.predict_proba(X)[:, 1].mean() > 3 * tau
    # saved with the model
    back = churn.LogisticRegression.from_bytes(cor.to_bytes())
    assert back.population_rate == tau
    np.testing.assert_array_equal(back.predict_proba(X[:100]), cor.predict_proba(X[:100]))


@pytest.mark.parametrize("rate", [0, 1, 1.5, -0.1, float("nan"), "0.1", True])
def test_population_rate_outside_the_open_unit_interval(population, rate):
    _, _, Xs, ys = population
    with pytest.raises(ValueError, match="population_rate must be a number in \\(0, 1\\)"):
        churn.LogisticRegression(penalty=None, population_rate=rate).fit(Xs[:500], ys[:500])


def test_population_rate_needs_the_intercept_and_no_class_weight(population):
    _, _, Xs, ys = population
    with pytest.raises(ValueError, match="needs fit_intercept=True"):
        churn.LogisticRegression(population_rate=0.05, fit_intercept=False).fit(Xs, ys)
    with pytest.raises(ValueError, match="give one of them"):
        churn.LogisticRegression(population_rate=0.05, class_weight="balanced").fit(Xs, ys)


def test_n_jobs(population):
    _, _, Xs, ys = population
    one = churn.LogisticRegression(penalty=None).fit(Xs, ys)
    two = churn.LogisticRegression(penalty=None, n_jobs=2).fit(Xs, ys)
    np.testing.assert_allclose(two.coef_, one.coef_, rtol=1e-10)
    with pytest.raises(ValueError, match="n_jobs"):
        churn.LogisticRegression(n_jobs=0).fit(Xs, ys)
