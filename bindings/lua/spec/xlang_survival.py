"""xlang_survival.py -- the Python side of the Lua binding's cross-language check of the survival,
cohort and campaign calls: draws fixed random inputs, runs them through the Python binding
(churn.kpi.kaplan_meier / cumulative_incidence / gray_test / campaign_effect, churn.forecast's
cohort models, churn.metrics.qini_curve / qini_auc) and writes inputs and results to a text file
that survival_spec.lua reads, one record per line: a tag, then values (repr, which round-trips
doubles exactly; "-" for a censored event).  The spec feeds the same inputs to the Lua calls and
compares, so the two bindings' argument conventions (label order, defaults, 1-based vs 0-based
cohorts) are checked against each other.
Usage: /usr/bin/python3 xlang_survival.py OUT_PATH   (PYTHONPATH=bindings/python,
CHURN_LIBRARY=<build>/lib/libchurn.so).  A Python binding that cannot be loaded is an error
(a traceback and exit status 1), which fails the spec.
"""
import sys

import numpy as np
import churn
from churn import kpi, metrics
from churn.forecast import BetaDiscreteWeibull, GeometricRetention, ShiftedBetaGeometric

rng = np.random.RandomState(11)
n = 60
duration = rng.randint(1, 25, n).astype(float)
entry = np.where(rng.uniform(size=n) < 0.3, np.floor(duration * rng.uniform(size=n)), 0.0)
entry = np.minimum(entry, duration - 1)
labels = np.array(["natural", "competitive", "service"])
event = [0 if u < 0.3 else str(labels[rng.randint(0, 3)]) for u in rng.uniform(size=n)]
churned01 = np.array([0.0 if e == 0 else 1.0 for e in event])
group = [("west", "east")[g] for g in rng.randint(0, 2, n)]
alive = [1000, 869, 743, 653, 593, 551, 517, 491]
m = 80
treated = rng.randint(0, 2, m).astype(float)
churned = (rng.uniform(size=m) < np.where(treated == 1, 0.2, 0.35)).astype(float)
segment = [("prepaid", "postpaid", "business")[s] for s in rng.randint(0, 3, m)]
score = np.round(rng.uniform(size=m), 2)  # ties on purpose

out = open(sys.argv[1], "w")


def put(tag, *values):
    out.write(tag + " " + " ".join(v if isinstance(v, str) else repr(float(v)) for v in values)
              + "\n")


put("duration", *duration)
put("entry", *entry)
put("event", *["-" if e == 0 else e for e in event])
put("group", *group)
put("alive", *alive)
put("treated", *treated)
put("churned", *churned)
put("segment", *segment)
put("score", *score)

km = kpi.kaplan_meier(duration, churned01, entry=entry)
for t, r in km.iterrows():
    put("km", t, r.at_risk, r.events, r.survival, r.std_err, r.ci_low, r.ci_high)
cif = kpi.cumulative_incidence(duration, np.array(event, dtype=object), entry=entry, alpha=0.1)
for r in cif.itertuples(index=False):
    put("cif", r.time, r.category, r.cif, r.std_err, r.ci_low, r.ci_high)
gray = kpi.gray_test(duration, np.array(event, dtype=object), group)
for r in gray.itertuples(index=False):
    put("gray", r.category, r.statistic, r.p_value, r.score, r.variance)

sbg = ShiftedBetaGeometric().fit(alive)
put("sbg", sbg.alpha_, sbg.beta_, sbg.loglik_, sbg.alpha_se_, sbg.beta_se_)
bdw = BetaDiscreteWeibull().fit(alive)
put("bdw", bdw.alpha_, bdw.beta_, bdw.c_, bdw.loglik_)
geo = GeometricRetention().fit(alive)
put("geometric", geo.p_, geo.loglik_)
s, r = sbg.survival([0, 1, 2.5, 12]), sbg.retention_rate([0, 1, 2.5, 12])
put("survival", *s)
put("retention", *r)
target = [0.9 - 0.04 * k for k in range(12)]
fc = sbg.forecast(12, target=target, alpha=0.1)
for t, r in fc.iterrows():
    put("forecast", t, r.survival, r.expected, r.share, r.std_err, r.ci_low, r.ci_high,
        r.prob_meet)
put("derl", sbg.derl(0.1), sbg.derl(0.1, renewals=4))

ce = kpi.campaign_effect(treated, churned, segment, alpha=0.1)
for r in ce.itertuples(index=False):
    put("campaign", r.segment, r.treated, r.control, r.difference, r.ci_low, r.ci_high,
        r.relative_reduction, r.saved_per_1000)
qc = metrics.qini_curve(score, treated, churned)
for r in qc.itertuples(index=False):
    put("qini", r.n, r.share, r.qini, r.random)
put("qini_auc", metrics.qini_auc(score, treated, churned))
out.close()
