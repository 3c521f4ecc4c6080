#!/usr/bin/python3
"""make_km_fixture.py -- writes tests/oracles/km_fixture.h, the oracle values that
tests/test_survival.c compares churn_survival_km and churn_survival_cif with.

Every expected value comes from statsmodels 0.13 / numpy / scipy, never from libchurn:
  Kaplan-Meier: statsmodels.duration.survfunc.SurvfuncRight(time, status, entry=entry):
    surv_times, n_risk, n_events, surv_prob, surv_prob_se; the log(-log) interval from those
    with scipy's norm.ppf:  S ** exp(+-z * se / (S * |log S|)).
  Cumulative incidence without entry: statsmodels CumIncidenceRight(time, status): cinc and
    cinc_se read at the distinct event times.
  Cumulative incidence with entry (statsmodels has none): `aj_direct` below, a direct O(T^2)
    numpy evaluation of the Aalen-Johansen estimate and of the Marubini-Valsecchi delta-method
    variance written out term by term, with each risk set counted explicitly as
    #{entry < t <= time}.  The script first checks aj_direct against CumIncidenceRight on the
    cases without entry (to 1e-12), so the formula itself is tied to statsmodels.
Inputs are small, seeded and full of ties (times rounded to 1 or 0.5), including entry times
equal to other subjects' exit times.  The data avoid times where the whole risk set has the
event (statsmodels returns NaN there; that case has hand-computed tests instead).
Run: /usr/bin/python3 tests/oracles/make_km_fixture.py  (from the repository root)
"""
import os
import numpy as np
from scipy.stats import norm
from statsmodels.duration.survfunc import SurvfuncRight, CumIncidenceRight

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "km_fixture.h")


def risk_sets(time, entry, t):
    if entry is None:
        return np.sum(time >= t)
    return np.sum((entry < t) & (time >= t))


def aj_direct(time, cat, entry):
    """Aalen-Johansen CIF and delta-method SE at the distinct event times, term by term."""
    ev_times = np.unique(time[cat > 0])
    cats = np.unique(cat[cat > 0])
    n = np.array([risk_sets(time, entry, t) for t in ev_times], dtype=float)
    dk = np.array([[np.sum((time == t) & (cat == k)) for k in cats] for t in ev_times], float)
    d = dk.sum(axis=1)
    assert np.all(n > d), "a time where the whole risk set has the event"
    S = np.cumprod(1 - d / n)
    Sprev = np.r_[1.0, S[:-1]]
    F = np.cumsum(Sprev[:, None] * dk / n[:, None], axis=0)
    se = np.zeros_like(F)
    for i in range(len(ev_times)):
        for kk in range(len(cats)):
            v = 0.0
            for j in range(i + 1):
                diff = F[i, kk] - F[j, kk]
                v += diff ** 2 * d[j] / (n[j] * (n[j] - d[j]))
                v += Sprev[j] ** 2 * dk[j, kk] * (n[j] - dk[j, kk]) / n[j] ** 3
                v -= 2 * diff * Sprev[j] * dk[j, kk] / n[j] ** 2
            se[i, kk] = np.sqrt(max(v, 0.0))
    return ev_times, cats, F, se, S


def loglog(p, se, z):
    with np.errstate(divide="ignore", invalid="ignore"):
        w = z * se / (p * np.abs(np.log(p)))
        lo, hi = p ** np.exp(w), p ** np.exp(-w)
    lo = np.where(p == 0, 0.0, lo)
    hi = np.where(p == 0, 0.0, hi)
    return lo, hi


def make_cases():
    rng = np.random.RandomState(20261125)
    cases = []
    # 1. 60 subjects, integer times 1..15, no entry, categories 1..3.
    t = rng.randint(1, 16, 60).astype(float)
    c = rng.choice([0, 0, 1, 2, 3], 60)
    t[0], c[0] = 16.0, 0  # the last time is censored
    cases.append(("ties60", t, c, None, 0.05))
    # 2. 80 subjects, times rounded to 0.5, delayed entry on integer/half grid (ties between
    #    entries and exits), categories 1, 2, 5 (not contiguous).
    t = np.round(rng.exponential(8.0, 80) * 2) / 2 + 0.5
    e = np.floor(rng.uniform(0, 1, 80) * t * 2) / 2
    e[rng.uniform(0, 1, 80) < 0.3] = 0.0
    e = np.minimum(e, t - 0.5)
    c = rng.choice([0, 1, 2, 5, 5], 80)
    i_max = np.argmax(t)
    c[i_max] = 0
    cases.append(("entry80", t, c, e, 0.05))
    # 3. 45 subjects, continuous times with a few exact ties, entry, alpha 0.1.
    t = np.round(rng.gamma(2.0, 3.0, 45), 3) + 0.01
    t[5:10] = t[0]
    e = np.round(rng.uniform(0, 0.6, 45) * t, 3)
    c = rng.choice([0, 1, 2], 45)
    c[np.argmax(t)] = 0
    cases.append(("cont45", t, c, e, 0.10))
    return cases


def check_direct_against_statsmodels(t, c):
    ev_times, cats, F, se, _ = aj_direct(t, c, None)
    ci = CumIncidenceRight(t, c)
    idx = np.searchsorted(ci.times, ev_times)
    for kk, k in enumerate(cats):
        assert np.allclose(F[:, kk], ci.cinc[k - 1][idx], rtol=0, atol=1e-12)
        assert np.allclose(se[:, kk], ci.cinc_se[k - 1][idx], rtol=0, atol=1e-12)


def fmt(a):
    return ", ".join(repr(float(x)) for x in np.asarray(a).ravel())


def fmti(a):
    return ", ".join(str(int(x)) for x in np.asarray(a).ravel())


def emit_case(out, name, t, c, e, alpha):
    up = name.upper()
    z = norm.ppf(1 - alpha / 2)
    status = (c > 0).astype(float)
    sf = SurvfuncRight(t, status, entry=e)
    lo, hi = loglog(sf.surv_prob, sf.surv_prob_se, z)
    out.append(f"#define {up}_N {len(t)}")
    out.append(f"static const double {up}_ALPHA = {alpha!r};")
    out.append(f"static const double {up}_TIME[] = {{{fmt(t)}}};")
    out.append(f"static const int64_t {up}_CAT[] = {{{fmti(c)}}};")
    out.append(f"static const double {up}_EVENT[] = {{{fmt(status)}}};")
    if e is None:
        out.append(f"static const double *const {up}_ENTRY = NULL;")
    else:
        out.append(f"static const double {up}_ENTRY_DATA[] = {{{fmt(e)}}};")
        out.append(f"static const double *const {up}_ENTRY = {up}_ENTRY_DATA;")
    out.append(f"#define {up}_KM_ROWS {len(sf.surv_times)}")
    km = np.concatenate([sf.surv_times, sf.n_risk, sf.n_events, sf.surv_prob, sf.surv_prob_se,
                         lo, hi])
    out.append(f"/* columns: time, at_risk, events, survival, std_err, ci_low, ci_high */")
    out.append(f"static const double {up}_KM[] = {{{fmt(km)}}};")
    if e is None:
        check_direct_against_statsmodels(t, c)
        ci = CumIncidenceRight(t, c)
        ev_times = np.unique(t[c > 0])
        idx = np.searchsorted(ci.times, ev_times)
        cats = np.unique(c[c > 0])
        F = np.column_stack([ci.cinc[k - 1][idx] for k in cats])
        se = np.column_stack([ci.cinc_se[k - 1][idx] for k in cats])
    else:
        ev_times, cats, F, se, S = aj_direct(t, c, e)
        # the KM survival of statsmodels and the direct CIF sum to one
        assert np.allclose(F.sum(axis=1) + sf.surv_prob, 1.0, atol=1e-12)
    rows = []
    for i, tt in enumerate(ev_times):
        for kk, k in enumerate(cats):
            l, h = loglog(np.array([F[i, kk]]), np.array([se[i, kk]]), z)
            rows.append([tt, k, F[i, kk], se[i, kk], l[0], h[0]])
    rows = np.array(rows)
    out.append(f"#define {up}_CIF_ROWS {len(rows)}")
    out.append(f"/* row-major: time, category, cif, std_err, ci_low, ci_high */")
    out.append(f"static const double {up}_CIF[] = {{{fmt(rows)}}};")
    out.append("")


def main():
    out = ["/* Generated by tests/oracles/make_km_fixture.py from statsmodels, numpy and scipy; "
           "do not edit. */",
           "#ifndef KM_FIXTURE_H", "#define KM_FIXTURE_H", "#include <stddef.h>",
           "#include <stdint.h>", ""]
    for name, t, c, e, alpha in make_cases():
        emit_case(out, name, t, c, e, alpha)
    out.append("#endif")
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
