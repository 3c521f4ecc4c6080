-- survival_spec.lua -- busted specs of the survival, cohort and campaign calls of the Lua binding
-- (churn.kpi.kaplan_meier, cumulative_incidence, gray_test, campaign_effect; churn.cohort_fit and
-- its model objects; ds:kpi_snapshot_forecast; churn.metrics.qini_curve, qini_auc).  Expected
-- values come from hand computations on tiny inputs (worked out in the comments), from published
-- figures (Fader & Hardie 2007; R's cmprsk on the bmtcrr data), from the models' closed forms
-- evaluated here in Lua, and from the Python binding on the same inputs (xlang_survival.py).
local churn = require "churn"

local build_dir = os.getenv("CHURN_LUA_BUILD") or "."
local spec_dir = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local Z95, Z90 = 1.959963984540054, 1.6448536269514722  -- normal quantiles 0.975, 0.95

local function close(a, b, tol)
  if a ~= a and b ~= b then return true end  -- both NaN
  return math.abs(a - b) <= tol * math.max(1, math.abs(b))
end

local function assert_close(want, got, tol, what)
  assert.truthy(close(got, want, tol), ("%s: got %.17g, want %.17g"):format(what or "", got, want))
end

local function assert_fails(code, fragment, ok, msg, got_code)
  assert.is_nil(ok)
  assert.are.equal(code, got_code)
  assert.is_string(msg)
  if fragment then
    assert.truthy(msg:find(fragment, 1, true), ("%q does not contain %q"):format(msg, fragment))
  end
end

-- The log(-log) interval of churn.h: S^exp(+-z se / (S |log S|)).
local function loglog(s, se, z)
  local w = z * se / (s * math.abs(math.log(s)))
  return s ^ math.exp(w), s ^ math.exp(-w)
end

describe("churn.kpi.kaplan_meier", function()
  it("equals the product-limit estimate worked out by hand", function()
    -- t=2: 5 at risk, 1 event -> S = 4/5; t=3: 4 at risk (one censored at 3 still counts),
    -- 1 event -> S = 3/5; t=5: 2 at risk, 1 event -> S = 3/10; t=8 is censored (no row).
    -- Greenwood sums: 1/(5*4), + 1/(4*3), + 1/(2*1).
    local rows = assert(churn.kpi.kaplan_meier({ 2, 3, 3, 5, 8 }, { 1, 1, 0, 1, 0 }))
    local want = {
      { 2, 5, 1, 0.8, 1 / 20 }, { 3, 4, 1, 0.6, 1 / 20 + 1 / 12 },
      { 5, 2, 1, 0.3, 1 / 20 + 1 / 12 + 1 / 2 },
    }
    assert.are.equal(#want, #rows)
    for i, w in ipairs(want) do
      local r = rows[i]
      assert.are.equal(w[1], r.time)
      assert.are.equal(w[2], r.at_risk)
      assert.are.equal(w[3], r.events)
      assert.is_true(math.type(r.at_risk) == "integer")
      assert_close(w[4], r.survival, 1e-15, "survival")
      assert_close(w[4] * math.sqrt(w[5]), r.std_err, 1e-14, "std_err")
      local lo, hi = loglog(w[4], w[4] * math.sqrt(w[5]), Z95)
      assert_close(lo, r.ci_low, 1e-12, "ci_low")
      assert_close(hi, r.ci_high, 1e-12, "ci_high")
    end
  end)

  it("counts delayed entries in the risk set only after they enter", function()
    -- at risk at t when entry < t <= duration.  t=2: subjects 1-3 (4 enters at 2.5, 5 at 4),
    -- 1 event -> 2/3; t=3: subjects 2, 3, 4 -> 2/3 * 2/3; t=5: subjects 4, 5 -> 4/9 * 1/2.
    local rows = assert(churn.kpi.kaplan_meier({ 2, 3, 3, 5, 8 }, { true, true, false, true, false },
                                               { entry = { 0, 0, 1, 2.5, 4 }, alpha = 0.1 }))
    local want = { { 2, 3, 2 / 3 }, { 3, 3, 4 / 9 }, { 5, 2, 2 / 9 } }
    assert.are.equal(3, #rows)
    for i, w in ipairs(want) do
      assert.are.equal(w[1], rows[i].time)
      assert.are.equal(w[2], rows[i].at_risk)
      assert_close(w[3], rows[i].survival, 1e-15, "survival")
    end
    local se = rows[1].std_err  -- sqrt(1/(3*2)) * 2/3, interval at alpha = 0.1
    assert_close(2 / 3 * math.sqrt(1 / 6), se, 1e-14, "std_err")
    local lo = loglog(2 / 3, se, Z90)
    assert_close(lo, rows[1].ci_low, 1e-12, "ci_low at alpha 0.1")
  end)

  it("gives an empty array for no subjects", function()
    assert.are.same({}, assert(churn.kpi.kaplan_meier({}, {})))
  end)

  it("reports bad arrays as nil, message, code with 1-based indices", function()
    assert_fails("CHURN_E_DATA", "duration[3] is a string, not a number",
                 churn.kpi.kaplan_meier({ 2, 3, "x" }, { 1, 1, 0 }))
    assert_fails("CHURN_E_DATA", "duration[2] is nil",
                 churn.kpi.kaplan_meier({ 2, nil, 4 }, { 1, 1, 1 }))
    assert_fails("CHURN_E_DATA", "event[2] is a table",
                 churn.kpi.kaplan_meier({ 2, 3 }, { 1, {} }))
    assert_fails("CHURN_E_ARG", "event has 2 values, expected 3",
                 churn.kpi.kaplan_meier({ 2, 3, 4 }, { 1, 1 }))
    assert_fails("CHURN_E_ARG", "entry has 1 values, expected 2",
                 churn.kpi.kaplan_meier({ 2, 3 }, { 1, 1 }, { entry = { 0 } }))
    -- the library's own checks, its 0-based indices shown 1-based
    assert_fails("CHURN_E_DATA", "duration[2] = -3 is negative",
                 churn.kpi.kaplan_meier({ 2, -3, 4 }, { 1, 1, 1 }))
    assert_fails("CHURN_E_DATA", "event[3] = 2 is not 0 or 1",
                 churn.kpi.kaplan_meier({ 2, 3, 4 }, { 1, 0, 2 }))
    assert_fails("CHURN_E_DATA", "entry[1] = 2 is not before duration[1] = 2",
                 churn.kpi.kaplan_meier({ 2, 3 }, { 1, 0 }, { entry = { 2, 0 } }))
    assert_fails("CHURN_E_ARG", "alpha", churn.kpi.kaplan_meier({ 2 }, { 1 }, { alpha = 1.5 }))
    -- programming errors raise
    assert.has_error(function() churn.kpi.kaplan_meier("x", { 1 }) end)
    assert.has_error(function() churn.kpi.kaplan_meier({ 1 }, { 1 }, { bogus = 1 }) end,
                     "unknown option 'bogus' (expected one of: entry, alpha)")
    assert.has_error(function() churn.kpi.kaplan_meier({ 1 }, { 1 }, { alpha = "x" }) end)
    assert.has_error(function() churn.kpi.kaplan_meier({ 1 }, { 1 }, { entry = 0 }) end)
  end)
end)

describe("churn.kpi.cumulative_incidence", function()
  it("splits 1 - S(t) by category (hand case) and takes any labels", function()
    -- same subjects as the first Kaplan-Meier case, events b@2, a@3, censored@3, b@5, censored@8:
    -- F_b(2) = 1 * 1/5, F_a(3) = S(2) * 1/4 = 0.2, F_b(5) = 0.2 + S(3) * 1/2 = 0.5.
    local d = { 2, 3, 3, 5, 8 }
    local rows = assert(churn.kpi.cumulative_incidence(d, { "b", "a", 0, "b", false }))
    local want = { { 2, "a", 0 }, { 2, "b", 0.2 }, { 3, "a", 0.2 }, { 3, "b", 0.2 },
                   { 5, "a", 0.2 }, { 5, "b", 0.5 } }
    assert.are.equal(#want, #rows)
    for i, w in ipairs(want) do
      assert.are.same({ w[1], w[2] }, { rows[i].time, rows[i].category })
      assert_close(w[3], rows[i].cif, 1e-15, "cif")
    end
    -- numeric labels come back as numbers, in numeric order; churn.missing is censored
    local num = assert(churn.kpi.cumulative_incidence(d, { 10, 2, churn.missing, 10, 0 }))
    assert.are.same({ 2, 10 }, { num[1].category, num[2].category })
    assert_close(0.5, num[6].cif, 1e-15, "cif of 10 at 5")
  end)

  it("sums with the Kaplan-Meier survival to one at every event time", function()
    local seed, d, cat, ev, entry = 7, {}, {}, {}, {}
    local function rand(k)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % k
    end
    local names = { "natural", "competitive", "service" }
    for i = 1, 200 do
      d[i] = 1 + rand(30)
      local c = rand(4)
      cat[i] = c == 0 and 0 or names[c]
      ev[i] = c == 0 and 0 or 1
      entry[i] = rand(3) == 0 and math.floor(d[i] / 2) or 0
    end
    for _, opts in ipairs({ {}, { entry = entry } }) do
      local km = assert(churn.kpi.kaplan_meier(d, ev, opts))
      local cif = assert(churn.kpi.cumulative_incidence(d, cat, opts))
      local total = {}
      for _, r in ipairs(cif) do total[r.time] = (total[r.time] or 0) + r.cif end
      assert.are.equal(3 * #km, #cif)
      for _, r in ipairs(km) do
        assert.truthy(math.abs(total[r.time] + r.survival - 1) < 1e-12, "at t = " .. r.time)
      end
    end
  end)

  it("reports bad labels", function()
    assert_fails("CHURN_E_DATA", "event[2] is true, not a label",
                 churn.kpi.cumulative_incidence({ 1, 2 }, { "a", true }))
    assert_fails("CHURN_E_DATA", "event[2] is nil",
                 churn.kpi.cumulative_incidence({ 1, 2, 3 }, { "a", nil, "b" }))
    assert_fails("CHURN_E_ARG", "event has 1 values, expected 2",
                 churn.kpi.cumulative_incidence({ 1, 2 }, { "a" }))
    assert_fails("CHURN_E_DATA", "duration[1] is not finite",
                 churn.kpi.cumulative_incidence({ 0 / 0, 2 }, { "a", 0 }))
  end)
end)

-- The bmtcrr data (Scrucca et al. 2007) from the C tests' fixture: ftime, Status, D.
local function bmtcrr()
  local path = spec_dir .. "/../../../tests/fixtures/bmtcrr.h"
  local f = io.open(path)
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local function array(name)
    local body = text:match(name .. "%[BMTCRR_N%] = {(.-)}")
    local out = {}
    for v in body:gmatch("[%d%.]+") do out[#out + 1] = tonumber(v) end
    return out
  end
  return array("BMTCRR_FTIME"), array("BMTCRR_STATUS"), array("BMTCRR_D")
end

describe("churn.kpi.gray_test", function()
  it("gives the hand-worked two-subject case", function()
    -- group ALL: one event at t = 1; group AML: censored at 2.  score 1/2, variance 1/4,
    -- statistic 1, p = P(chi2_1 > 1) (see tests/test_gray.c for the working).
    local rows = assert(churn.kpi.gray_test({ 1, 2 }, { "relapse", 0 }, { "ALL", "AML" }))
    assert.are.equal(1, #rows)
    local r = rows[1]
    assert.are.equal("relapse", r.category)
    assert.are.equal(1, r.df)
    assert_close(0.5, r.score, 1e-15, "score")
    assert_close(0.25, r.variance, 1e-15, "variance")
    assert_close(1, r.statistic, 1e-15, "statistic")
    assert_close(0.31731050786291415, r.p_value, 1e-14, "p_value")
    -- the group that sorts first is the one scored: swapping the labels negates the score
    local swapped = assert(churn.kpi.gray_test({ 1, 2 }, { "relapse", 0 }, { "b", "a" }))
    assert_close(-0.5, swapped[1].score, 1e-15, "swapped score")
  end)

  it("equals R's cmprsk::cuminc on the bmtcrr data", function()
    local ftime, status, D = bmtcrr()
    if not ftime then
      pending("tests/fixtures/bmtcrr.h not found from " .. spec_dir)
      return
    end
    assert.are.equal(177, #ftime)
    local names = { [0] = 0, "relapse", "death" }
    local event, group = {}, {}
    for i = 1, #status do
      event[i] = names[status[i]]
      group[i] = D[i] == 0 and "ALL" or "AML"
    end
    local rows = assert(churn.kpi.gray_test(ftime, event, group))
    -- cmprsk prints: 1 2.8623325 0.09067592 1; 2 0.4481279 0.50322531 1 (categories death <
    -- relapse here, in byte order of the labels)
    assert.are.same({ "death", "relapse" }, { rows[1].category, rows[2].category })
    assert_close(0.4481279, rows[1].statistic, 2e-7, "death statistic")
    assert_close(0.50322531, rows[1].p_value, 2e-7, "death p")
    assert_close(2.8623325, rows[2].statistic, 2e-7, "relapse statistic")
    assert_close(0.09067592, rows[2].p_value, 2e-7, "relapse p")
  end)

  it("reports groups that are not two", function()
    assert_fails("CHURN_E_DATA", "exactly two distinct labels; got 1",
                 churn.kpi.gray_test({ 1, 2 }, { 1, 0 }, { "a", "a" }))
    assert_fails("CHURN_E_DATA", "exactly two distinct labels; got 3",
                 churn.kpi.gray_test({ 1, 2, 3 }, { 1, 0, 1 }, { 1, 2, 3 }))
    assert_fails("CHURN_E_ARG", "group has 1 values, expected 2",
                 churn.kpi.gray_test({ 1, 2 }, { 1, 0 }, { "a" }))
    assert_fails("CHURN_E_DATA", "group[2] is NaN",
                 churn.kpi.gray_test({ 1, 2 }, { 1, 0 }, { 1, 0 / 0 }))
    assert.has_error(function() churn.kpi.gray_test({ 1 }, { 1 }, { 1 }, { rho = "x" }) end)
  end)
end)

describe("churn.cohort_fit", function()
  -- Fader & Hardie (2007), "How to project customer retention", Journal of Interactive
  -- Marketing 21(1): the sBG estimates on the first 7 periods of their two cohorts.
  local REGULAR = { 1000, 631, 468, 382, 326, 289, 262, 241 }  -- alpha 0.704, beta 1.182
  local HIGH_END = { 1000, 869, 743, 653, 593, 551, 517, 491 } -- alpha 0.668, beta 3.806

  it("reproduces Fader & Hardie's sBG estimates", function()
    local m = assert(churn.cohort_fit(REGULAR))
    assert.are.equal("sbg", m:kind())
    local p = m:params()
    assert.are.same({ "alpha", "beta" }, p.names)
    assert.are.equal("0.704", ("%.3f"):format(p.alpha))
    assert.are.equal("1.182", ("%.3f"):format(p.beta))
    local h = assert(churn.cohort_fit(HIGH_END, { kind = "sbg" })):params()
    assert.are.equal("0.668", ("%.3f"):format(h.alpha))
    assert.are.equal("3.806", ("%.3f"):format(h.beta))
    assert.truthy(p.std_err.alpha > 0 and p.std_err.beta > 0)
    assert_close(p.std_err.alpha ^ 2, p.cov[1][1], 1e-12, "var alpha")
    assert_close(p.cov[1][2], p.cov[2][1], 1e-12, "cov symmetric")
  end)

  it("has the sBG's closed forms: survival, retention, log-likelihood, forecast, DERL", function()
    local m = assert(churn.cohort_fit(REGULAR))
    local p = m:params()
    local a, b = p.alpha, p.beta
    local function S(t)  -- prod_{i=1..t} (b + i - 1) / (a + b + i - 1)
      local s = 1
      for i = 1, t do s = s * (b + i - 1) / (a + b + i - 1) end
      return s
    end
    -- LL = sum_t (n_{t-1} - n_t) log(S(t-1) - S(t)) + n_7 log S(7)
    local ll = REGULAR[8] * math.log(S(7))
    for t = 1, 7 do ll = ll + (REGULAR[t] - REGULAR[t + 1]) * math.log(S(t - 1) - S(t)) end
    assert_close(ll, p.loglik, 1e-12, "loglik")
    local s3, r3 = m:survival(3)
    assert_close(S(3), s3, 1e-12, "S(3)")
    assert_close((b + 2) / (a + b + 2), r3, 1e-12, "r(3)")
    local s, r = m:survival({ 0, 1, 12 })
    assert.are.same(3, #s)
    assert_close(1, s[1], 1e-15, "S(0)")
    assert.truthy(r[1] ~= r[1], "r(0) is NaN")
    assert_close(S(12), s[3], 1e-12, "S(12)")
    assert_close(r[3], m:retention_rate({ 12 })[1], 0, "retention_rate")
    assert_close(r3, m:retention_rate(3), 0, "retention_rate scalar")
    -- the forecast starts from the last count (241 after 7 periods): expected = 241 S(t)/S(7)
    local fc = assert(m:forecast(10, { target = { 1, 1, 1, 1, 1, 1, 1, 1, 0.2, 0.2 } }))
    assert.are.equal(3, #fc)
    for i, row in ipairs(fc) do
      local t = 7 + i
      assert.are.equal(t, row.period)
      assert_close(S(t), row.survival, 1e-12, "forecast survival")
      assert_close(241 * S(t) / S(7), row.expected, 1e-12, "expected")
      assert_close(row.expected / 1000, row.share, 1e-12, "share")
      assert.truthy(row.ci_low < row.share and row.share < row.ci_high)
      assert_close(row.share - row.target, row.margin, 1e-12, "margin")
    end
    assert.are.equal(0, fc[1].prob_meet)  -- share 0.22 cannot reach a target of 1
    -- a new cohort of 500: expected = 500 S(t)
    local new = assert(m:forecast(2, { size = 500 }))
    assert_close(500 * S(2), new[2].expected, 1e-12, "new cohort")
    -- DERL(d | n) = sum_{t > n} S(t) / S(n) / (1 + d)^(t - n - 1)
    for _, n in ipairs({ 0, 3 }) do
      local sum, t = 0, n + 1
      repeat
        local term = S(t) / S(n) / 1.1 ^ (t - n - 1)
        sum, t = sum + term, t + 1
      until term < 1e-17
      assert_close(sum, m:derl(0.1, n), 1e-10, "DERL n = " .. n)
    end
  end)

  it("fits the geometric and beta-discrete-Weibull models and several cohorts", function()
    -- geometric: p = churned / member-periods at risk = 759 / (1000 + 631 + ... + 262)
    local g = assert(churn.cohort_fit(REGULAR, { kind = "geometric" }))
    assert.are.equal("geometric", g:kind())
    assert_close(759 / 3358, g:params().p, 1e-12, "p")
    assert_close((1 - 759 / 3358) ^ 4, g:survival(4), 1e-12, "geometric S(4)")
    -- the BdW nests the sBG (c = 1): its likelihood is at least as high
    local bdw = assert(churn.cohort_fit(REGULAR, { kind = "bdw" })):params()
    assert.are.same({ "alpha", "beta", "c" }, bdw.names)
    local sbg = assert(churn.cohort_fit(REGULAR)):params()
    assert.truthy(bdw.loglik >= sbg.loglik - 1e-6)
    -- two cohorts: the likelihood is the sum of the cohorts' (checked at the joint optimum
    -- against each cohort's closed form); forecasts pick a cohort (1-based)
    local two = assert(churn.cohort_fit({ REGULAR, { 500, 330, 250 } }))
    local p = two:params()
    local function S(t)
      local s = 1
      for i = 1, t do s = s * (p.beta + i - 1) / (p.alpha + p.beta + i - 1) end
      return s
    end
    local function ll(c)
      local v = c[#c] * math.log(S(#c - 1))
      for t = 1, #c - 1 do v = v + (c[t] - c[t + 1]) * math.log(S(t - 1) - S(t)) end
      return v
    end
    assert_close(ll(REGULAR) + ll({ 500, 330, 250 }), p.loglik, 1e-12, "joint loglik")
    local fc = assert(two:forecast(4, { cohort = 2.0 }))  -- a float with an integer value
    assert.are.equal(3, fc[1].period)
    assert_close(250 * S(3) / S(2), fc[1].expected, 1e-12, "cohort 2 forecast")
    assert_fails("CHURN_E_ARG", "the model was fitted on 2 cohort(s)", two:forecast(4, { cohort = 3 }))
  end)

  it("reports bad counts as nil, message, code and releases the model once", function()
    assert_fails("CHURN_E_DATA", "cohort 1 rises at period 2",
                 churn.cohort_fit({ 1000, 600, 700 }))
    assert_fails("CHURN_E_DATA", "cohort 2, period 1: alive count -5",
                 churn.cohort_fit({ REGULAR, { 100, -5, 3 } }))
    assert_fails("CHURN_E_DATA", "alive[3] is a string", churn.cohort_fit({ 1000, 600, "x" }))
    assert_fails("CHURN_E_DATA", "alive[2] is a number, not an array",
                 churn.cohort_fit({ REGULAR, 5 }))
    assert_fails("CHURN_E_ARG", "need at least 2", churn.cohort_fit({ 1000 }))
    assert_fails("CHURN_E_DATA", "no cohort shows any churn", churn.cohort_fit({ 10, 10, 10 }))
    assert_fails("CHURN_E_NOT_CONVERGED", "fit the geometric model",
                 churn.cohort_fit({ 1000, 500, 250, 125, 62.5 }))
    assert.has_error(function() churn.cohort_fit(REGULAR, { kind = "weibull" }) end,
                     "option 'kind' must be \"sbg\", \"bdw\" or \"geometric\"")
    assert.has_error(function() churn.cohort_fit(REGULAR, { knd = "sbg" }) end)
    local m = assert(churn.cohort_fit(REGULAR))
    assert_fails("CHURN_E_ARG", "target has 2 values, expected 10", m:forecast(10, { target = { 1, 2 } }))
    assert_fails("CHURN_E_DATA", "t[2] = -1 is not a finite time", m:survival({ 1, -1 }))
    assert_fails("CHURN_E_ARG", "discount", m:derl(0))
    assert.has_error(function() m:forecast(10, { cohort = 1.5 }) end)
    m:close()
    m:close()  -- idempotent
    assert.has_error(function() m:params() end, "attempt to use a closed churn cohort model")
    assert.truthy(tostring(m):find("closed", 1, true))
    do
      local scoped <close> = assert(churn.cohort_fit(REGULAR))
      assert.truthy(tostring(scoped):find("sbg", 1, true))
    end
  end)
end)

describe("ds:kpi_snapshot_forecast", function()
  local JAN = 1704067200  -- 2024-01-01
  local MONTH_STARTS = { 1704067200, 1706745600, 1709251200, 1711929600, 1714521600 }
  local ALIVE = { 1000, 631, 468, 382, 326 }  -- after 0..4 months

  local function dataset()
    local ids, act, cancel = {}, {}, {}
    for i = 1, ALIVE[1] do
      ids[i] = ("S%04d"):format(i)
      act[i] = JAN - 400 * 86400
      cancel[i] = churn.missing
      for k = 1, 4 do  -- members ALIVE[k+1]+1 .. ALIVE[k] cancel in month k (on its 10th)
        if i > ALIVE[k + 1] and i <= ALIVE[k] then cancel[i] = MONTH_STARTS[k] + 9 * 86400 end
      end
    end
    local ds = assert(churn.dataset())
    assert(ds:append_subscribers({ subscriber_id = ids, activation = act, cancellation = cancel }))
    assert(ds:finalize())
    return ds
  end

  it("fits the months seen by as_of and projects the rest", function()
    local ds = dataset()
    local rows, model = ds:kpi_snapshot_forecast(JAN, MONTH_STARTS[5], 8)
    assert(rows, model)
    assert.are.equal(8, #rows)
    -- the model is the sBG on the alive counts seen: the same as churn.cohort_fit's
    local direct = assert(churn.cohort_fit(ALIVE)):params()
    local p = model:params()
    assert.are.equal("sbg", p.kind)
    assert_close(direct.alpha, p.alpha, 1e-12, "alpha")
    assert_close(direct.beta, p.beta, 1e-12, "beta")
    for k, r in ipairs(rows) do
      assert.are.equal(k, r.month_index)
      assert.are.equal(1000, r.cohort)
      if k <= 4 then
        assert.are.equal(1, r.observed)
        assert.are.equal(ALIVE[k + 1], r.active)
        assert_close(ALIVE[k + 1] / 1000, r.retention, 1e-15, "retention")
        assert_close(model:survival(k), r.expected, 1e-12, "fitted share")
      else
        assert.are.equal(0, r.observed)
        assert_close(326 * model:survival(k) / model:survival(4) / 1000, r.expected, 1e-12,
                     "projected share")
      end
    end
    -- the target's length sets nmonths; the model kind by name
    local r2, m2 = ds:kpi_snapshot_forecast(JAN, MONTH_STARTS[5], nil,
      { target = { 0.7, 0.5, 0.4, 0.35, 0.3, 0.3 }, model = "geometric", alpha = 0.1 })
    assert(r2, m2)
    assert.are.equal(6, #r2)
    assert.are.equal("geometric", m2:kind())
    assert.are.equal(0.3, r2[6].target)
    -- a model from a snapshot forecast has no stored counts: its forecast needs a size
    assert_fails("CHURN_E_ARG", "give opts.size", model:forecast(10))
    assert.are.equal(2, #assert(model:forecast(2, { size = 100 })))
    ds:close()
  end)

  it("reports what it cannot do", function()
    local ds = dataset()
    assert_fails("CHURN_E_DATA", "only 1 month(s)",
                 ds:kpi_snapshot_forecast(JAN, MONTH_STARTS[2] + 1, 6))
    assert_fails("CHURN_E_ARG", "give nmonths", ds:kpi_snapshot_forecast(JAN, MONTH_STARTS[5]))
    assert_fails("CHURN_E_ARG", "target has 2 values, expected 6",
                 ds:kpi_snapshot_forecast(JAN, MONTH_STARTS[5], 6, { target = { 1, 1 } }))
    assert_fails("CHURN_E_DATA", "members[2] = 1.5 is not an index",
                 ds:kpi_snapshot_forecast(JAN, MONTH_STARTS[5], 6, { members = { 1, 1.5 } }))
    local S = ds:num_subscribers()
    assert_fails("CHURN_E_ARG", ("members[2] = %d is not an index in 1..%d"):format(S + 1, S),
                 ds:kpi_snapshot_forecast(JAN, MONTH_STARTS[5], 6, { members = { 1, S + 1 } }))
    assert.has_error(function() ds:kpi_snapshot_forecast(JAN, MONTH_STARTS[5], 6, { model = "x" }) end)
    assert.has_error(function() ds:kpi_snapshot_forecast(JAN, MONTH_STARTS[5], 6, { bogus = 1 }) end)
    ds:close()
  end)
end)

-- Wilson's score interval and Newcombe's hybrid interval of p1 - p2 (Newcombe 1998, method 10).
local function wilson(k, n, z)
  local p = k / n
  local c = (p + z * z / (2 * n)) / (1 + z * z / n)
  local h = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
  return c - h, c + h
end

local function newcombe(k1, n1, k2, n2, z)
  local p1, p2 = k1 / n1, k2 / n2
  local l1, u1 = wilson(k1, n1, z)
  local l2, u2 = wilson(k2, n2, z)
  local d = p1 - p2
  return d - math.sqrt((p1 - l1) ^ 2 + (u2 - p2) ^ 2), d + math.sqrt((u1 - p1) ^ 2 + (p2 - l2) ^ 2)
end

describe("churn.kpi.campaign_effect", function()
  it("gives the rates, difference and Newcombe interval of a hand-made campaign", function()
    -- segment a: treated 3 (1 churned), control 2 (2 churned); b: treated 2 (0), control 3 (1)
    local treated = { 1, 1, 1, 0, 0, 1, 1, 0, 0, 0 }
    local churned = { 1, 0, 0, 1, 1, 0, 0, 1, 0, 0 }
    local segment = { "a", "a", "a", "a", "a", "b", "b", "b", "b", "b" }
    local rows = assert(churn.kpi.campaign_effect(treated, churned, segment))
    assert.are.same({ "a", "b", "(all)" }, { rows[1].segment, rows[2].segment, rows[3].segment })
    local want = { { 3, 2, 1, 2 }, { 2, 3, 0, 1 }, { 5, 5, 1, 3 } }
    for i, w in ipairs(want) do
      local r = rows[i]
      assert.are.same(w, { r.treated, r.control, r.treated_churned, r.control_churned })
      local rt, rc = w[3] / w[1], w[4] / w[2]
      assert_close(rt, r.churn_rate_treated, 1e-15, "treated rate")
      assert_close(rc, r.churn_rate_control, 1e-15, "control rate")
      assert_close(rt - rc, r.difference, 1e-15, "difference")
      local lo, hi = newcombe(w[3], w[1], w[4], w[2], Z95)
      assert_close(lo, r.ci_low, 1e-12, "ci_low")
      assert_close(hi, r.ci_high, 1e-12, "ci_high")
      assert_close((rc - rt) / rc, r.relative_reduction, 1e-15, "relative reduction")
      assert_close(1000 * (rc - rt), r.saved_per_1000, 1e-12, "saved per 1000")
    end
    -- booleans, no segments, another alpha
    local tb, cb = {}, {}
    for i = 1, #treated do tb[i], cb[i] = treated[i] == 1, churned[i] == 1 end
    local all = assert(churn.kpi.campaign_effect(tb, cb, nil, { alpha = 0.1 }))
    assert.are.equal(1, #all)
    assert.are.equal("(all)", all[1].segment)
    local lo = newcombe(1, 5, 3, 5, Z90)
    assert_close(lo, all[1].ci_low, 1e-12, "ci_low at alpha 0.1")
    -- numbers as segment labels, churn.missing as "(missing)"
    local mixed = assert(churn.kpi.campaign_effect({ 1, 0, 1, 0 }, { 0, 1, 0, 0 },
                                                   { 2024, 2024, churn.missing, churn.missing }))
    assert.are.same({ "(missing)", "2024", "(all)" },
                    { mixed[1].segment, mixed[2].segment, mixed[3].segment })
  end)

  it("reports bad inputs", function()
    assert_fails("CHURN_E_DATA", "treated[2] = 2 is not 0 or 1",
                 churn.kpi.campaign_effect({ 1, 2 }, { 0, 1 }))
    assert_fails("CHURN_E_DATA", "no control group", churn.kpi.campaign_effect({ 1, 1 }, { 0, 1 }))
    assert_fails("CHURN_E_ARG", "churned has 1 values, expected 2",
                 churn.kpi.campaign_effect({ 1, 0 }, { 0 }))
    assert_fails("CHURN_E_ARG", "segment has 1 values, treated has 2",
                 churn.kpi.campaign_effect({ 1, 0 }, { 0, 1 }, { "a" }))
    assert_fails("CHURN_E_DATA", "segment[2] is a table, not a string",
                 churn.kpi.campaign_effect({ 1, 0 }, { 0, 1 }, { "a", {} }))
    assert_fails("CHURN_E_DATA", "churned[1] is a string",
                 churn.kpi.campaign_effect({ 1, 0 }, { "1", 1 }))
  end)
end)

describe("churn.metrics.qini_curve and qini_auc", function()
  it("follow the hand-worked curve", function()
    -- ranked by score: T (stays), C (churns), T (churns), C (stays).  Q = Y_C N_T / N_C - Y_T:
    -- after 1: no control yet -> 0; after 2: 1*1/1 - 0 = 1; after 3: 1*2/1 - 1 = 1;
    -- after 4: 1*2/2 - 1 = 0.  Area between the curve and the (flat) random line, by
    -- trapezoids over shares 0, .25, .5, .75, 1: .125 + .25 + .125 = .5, per subject: .125.
    local score, treated, churned = { 0.9, 0.8, 0.3, 0.1 }, { 1, 0, 1, 0 }, { 0, 1, 1, 0 }
    local rows = assert(churn.metrics.qini_curve(score, treated, churned))
    assert.are.equal(5, #rows)
    local want = { 0, 0, 1, 1, 0 }
    for i, r in ipairs(rows) do
      assert.are.equal(i - 1, r.n)
      assert_close((i - 1) / 4, r.share, 1e-15, "share")
      assert_close(want[i], r.qini, 1e-15, "qini")
      assert_close(0, r.random, 1e-15, "random")
    end
    assert_close(0.125, assert(churn.metrics.qini_auc(score, treated, churned)), 1e-15, "auc")
  end)

  it("reports bad inputs", function()
    assert_fails("CHURN_E_DATA", "score[2] is not finite",
                 churn.metrics.qini_auc({ 1, 1 / 0 }, { 1, 0 }, { 0, 1 }))
    assert_fails("CHURN_E_ARG", "treated has 1 values, expected 2",
                 churn.metrics.qini_curve({ 1, 2 }, { 1 }, { 0, 1 }))
    assert_fails("CHURN_E_DATA", "score[1] is a boolean, not a number",
                 churn.metrics.qini_auc({ true, 1 }, { 1, 0 }, { 0, 1 }))
  end)
end)

describe("the survival calls against the Python binding", function()
  it("give what Python gives on the same inputs (cross-language, 1e-12)", function()
    if os.getenv("CHURN_LUA_SANITIZED") then
      pending("a sanitizer build's library cannot be loaded by an uninstrumented Python")
      return
    end
    local path = os.tmpname()
    local lib = build_dir .. "/../../lib/libchurn.so"
    local ok, _, code = os.execute(("env -u LD_PRELOAD CHURN_LIBRARY=%q PYTHONPATH=%q "
      .. "/usr/bin/python3 %q %q"):format(lib, spec_dir .. "/../../python",
                                          spec_dir .. "/xlang_survival.py", path))
    -- any failure of the Python side (a broken install too) fails this check
    assert.is_true(ok, "xlang_survival.py failed with exit status " .. tostring(code))
    local rec = {}
    for line in io.lines(path) do
      local tag, v = line:match("^(%S+)"), {}
      for w in line:gmatch("%S+") do v[#v + 1] = w == "nan" and 0 / 0 or tonumber(w) or w end
      table.remove(v, 1)
      rec[tag] = rec[tag] or {}
      table.insert(rec[tag], v)
    end
    os.remove(path)
    local function input(tag) return rec[tag][1] end
    local duration, entry, group = input("duration"), input("entry"), input("group")
    local event, event01 = {}, {}
    for i, e in ipairs(input("event")) do
      event[i] = e == "-" and 0 or e
      event01[i] = e == "-" and 0 or 1
    end
    local function same(rows, records, columns, what)
      assert.are.equal(#records, #rows, what .. " rows")
      for i, w in ipairs(records) do
        for j, col in ipairs(columns) do
          local got = rows[i][col]
          if type(w[j]) == "number" then
            assert_close(w[j], got, 1e-12, ("%s[%d].%s"):format(what, i, col))
          else
            assert.are.equal(w[j], got, ("%s[%d].%s"):format(what, i, col))
          end
        end
      end
    end
    same(assert(churn.kpi.kaplan_meier(duration, event01, { entry = entry })), rec.km,
         { "time", "at_risk", "events", "survival", "std_err", "ci_low", "ci_high" }, "km")
    same(assert(churn.kpi.cumulative_incidence(duration, event, { entry = entry, alpha = 0.1 })),
         rec.cif, { "time", "category", "cif", "std_err", "ci_low", "ci_high" }, "cif")
    same(assert(churn.kpi.gray_test(duration, event, group)), rec.gray,
         { "category", "statistic", "p_value", "score", "variance" }, "gray")

    local alive = input("alive")
    local sbg = assert(churn.cohort_fit(alive))
    local p = sbg:params()
    same({ { alpha = p.alpha, beta = p.beta, loglik = p.loglik, a_se = p.std_err.alpha,
             b_se = p.std_err.beta } }, rec.sbg, { "alpha", "beta", "loglik", "a_se", "b_se" },
         "sbg")
    local b = assert(churn.cohort_fit(alive, { kind = "bdw" })):params()
    same({ b }, rec.bdw, { "alpha", "beta", "c", "loglik" }, "bdw")
    local g = assert(churn.cohort_fit(alive, { kind = "geometric" })):params()
    same({ g }, rec.geometric, { "p", "loglik" }, "geometric")
    local s, r = sbg:survival({ 0, 1, 2.5, 12 })
    for i = 1, 4 do
      assert_close(rec.survival[1][i], s[i], 1e-12, "survival")
      assert_close(rec.retention[1][i], r[i], 1e-12, "retention")
    end
    local target = {}
    for k = 1, 12 do target[k] = 0.9 - 0.04 * (k - 1) end
    same(assert(sbg:forecast(12, { target = target, alpha = 0.1 })), rec.forecast,
         { "period", "survival", "expected", "share", "std_err", "ci_low", "ci_high",
           "prob_meet" }, "forecast")
    assert_close(rec.derl[1][1], sbg:derl(0.1), 1e-12, "derl")
    assert_close(rec.derl[1][2], sbg:derl(0.1, 4), 1e-12, "derl 4 renewals")

    local treated, churned, score = input("treated"), input("churned"), input("score")
    same(assert(churn.kpi.campaign_effect(treated, churned, input("segment"), { alpha = 0.1 })),
         rec.campaign, { "segment", "treated", "control", "difference", "ci_low", "ci_high",
                         "relative_reduction", "saved_per_1000" }, "campaign")
    same(assert(churn.metrics.qini_curve(score, treated, churned)), rec.qini,
         { "n", "share", "qini", "random" }, "qini")
    assert_close(rec.qini_auc[1][1], churn.metrics.qini_auc(score, treated, churned), 1e-12,
                 "qini_auc")
  end)
end)
