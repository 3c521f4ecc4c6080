-- leak_check.lua -- many create/free cycles of every binding object and every failure path,
-- run by meson under valgrind (plain build) or LeakSanitizer (sanitized build), which fail the
-- test on any leaked block.  Usage: lua5.4 leak_check.lua [cycles]  (LUA_CPATH finds churn.so)
local churn = require "churn"

local cycles = tonumber(arg and arg[1]) or tonumber(os.getenv("CHURN_LEAK_CYCLES")) or 60

local X, y = {}, {}
for i = 1, 40 do
  X[i] = { i % 7, (i * 13) % 11, (i * 5) % 3 }
  y[i] = (i * 7) % 5 < 2 and 1 or 0
end
local names = { "a", "b", "c" }
local T = 1711929600
local path = os.tmpname()

local function cycle(i)
  local model <close> = assert(churn.fit(X, y, { feature_names = names, penalty = "l2", C = 10 }))
  assert(model:score(X))
  assert(model:score({ { a = 1, b = 2, c = 3 } }))
  assert(model:explain({ 1, 2, 3 }, 2))
  assert(model:summary())
  model:stats()
  local bytes = assert(model:to_buffer())
  local copy = assert(churn.load_model_buffer(bytes))  -- left to the collector
  assert(model:save(path))
  local loaded = assert(churn.load_model(path))
  if i % 2 == 0 then loaded:close() end
  -- expected failures
  assert(not churn.load_model("/no/such/file"))
  assert(not churn.load_model_buffer(bytes:sub(1, 20)))
  assert(not model:score({ { a = 1 } }))
  assert(not churn.fit(X, y, { C = -1 }))
  local ones = {}
  for k = 1, #X do ones[k] = 1 end
  assert(not churn.fit(X, ones))
  -- raised errors in the middle of a conversion (scratch memory and options must not leak)
  assert(not pcall(model.score, model, { { 1, 2, 3 }, 7 }))
  assert(not pcall(churn.fit, X, y, { penalty = "nope" }))
  assert(not pcall(churn.fit, X, y, { C = 1, bogus = true }))
  -- library messages rewritten 1-based (row and column of X, y, sample_weight)
  local bad_y, w, bad_x = {}, {}, {}
  for k = 1, #X do bad_y[k], w[k], bad_x[k] = y[k], 1, { X[k][1], X[k][2], X[k][3] } end
  bad_y[3], w[4], bad_x[2][1] = 2, -1, 0 / 0
  assert(not churn.fit(X, bad_y))
  assert(not churn.fit(X, y, { sample_weight = w }))
  assert(not churn.fit(bad_x, y, { feature_names = names }))
  assert(not model:score({ { 1, 2, 3 }, { 1, 2, {} } }))
  return copy
end

local function dataset_cycle(i)
  local ds <close> = assert(churn.dataset())
  assert(ds:append_subscribers({ subscriber_id = { "a", "b", "c" },
                                 activation = { T - 400 * 86400, churn.missing, T - 90 * 86400 } }))
  assert(ds:append_events({ subscriber_id = { "a", "b", "c", "a", "x" },
                            time = { T - 86400, T - 2 * 86400, T - 3 * 86400, T + 86400, T },
                            kind = { "bill", "fault", "view", "cancel", "bill" },
                            value = { 10, churn.missing, 30, churn.missing, 1 } },
                          { unknown_subscriber = "reject" }))
  assert(ds:finalize())
  local F = assert(ds:features({ T, T - 86400 }))
  assert(ds:labels(F))
  local warnings = assert(ds:warnings(T))
  assert(ds:kpi_movement(T - 400 * 86400, T, "region"))
  assert(ds:kpi_snapshot(T - 100 * 86400, 3, { members = { 1, 3 } }))
  assert(ds:kpi_warning_accuracy(T, T + 90 * 86400, warnings))
  assert(ds:kpi_km(churn.TIME_NONE, T))
  assert(not ds:kpi_segments(T, T + 86400, "no_such_column"))
  assert(ds:rejections())
  ds:ingest_counts()
  assert(ds:subscriber_column("activation"))
  assert(ds:save(path))
  local back = assert(churn.load_dataset(path))
  if i % 2 == 0 then back:close() end
  assert(not churn.load_dataset("/no/such/file"))
  assert(not ds:features(T, { select = { "no.such" } }))
  assert(not ds:append_events({ subscriber_id = { "a" }, time = { 1 }, kind = { 1 }, bad = { 1 } }))
  assert(not pcall(ds.features, ds, T, { window_months = "x" }))
  -- bad data in the arrays: nil, message, code from the middle of a conversion
  assert(not ds:append_events({ subscriber_id = { "a" }, time = { {} } }))
  assert(not ds:append_events({ subscriber_id = { "a", "zz" }, time = { T, T }, kind = { "bill", "bill" },
                                value = { 1, 1 } }, { strict = true, unknown_subscriber = "reject" }))
  assert(not ds:subscriber_id(99))
  assert(not ds:features({ T, "later" }))
  assert(not ds:features({ T, churn.TIME_NONE }))
  assert(not ds:labels({ 1, 1.5 }, T))
  assert(not ds:labels({ 1, 99 }, T))
  assert(not ds:labels({ 1, 2 }, { T, churn.TIME_NONE }))
  assert(not ds:kpi_snapshot(T - 100 * 86400, 3, { members = { 1, "x" } }))
  assert(not ds:kpi_snapshot(T - 100 * 86400, 3, { members = { 1, 99 } }))
  assert(not ds:kpi_snapshot(T - 100 * 86400, 2, { target = { 0.9, true } }))
  assert(not ds:kpi_snapshot(T - 100 * 86400, 2, { target = { 0.9, 0 / 0 } }))
  assert(not ds:kpi_topk_accuracy(T, T + 90 * 86400, { 0.1, "x", 0.5 }, { 1 }))
  assert(not ds:kpi_topk_accuracy(T, T + 90 * 86400, { 0.1, 0.2, 0.5 }, { 1, 1.5 }))
  assert(not ds:kpi_topk_accuracy(T, T + 90 * 86400, { 0.1, 0.2, 0.5 }, { 1, 0 }))
  assert(not ds:kpi_topk_accuracy(T, T + 90 * 86400, { 0 / 0, 0.2, 0.5 }, { 1 }))
  assert(ds:kpi_topk_accuracy(T, T + 90 * 86400, { 0.1, 0.2, 0.5 }, { 1, 2 }))
  assert(not ds:kpi_warning_accuracy(T, T + 90 * 86400, { { subscriber = 1.5, rule = "x" } }))
  assert(not ds:kpi_warning_accuracy(T, T + 90 * 86400, { { subscriber = 99, rule = "x" } }))
  assert(not pcall(ds.kpi_snapshot, ds, T - 100 * 86400, 3, { members = 3 }))
  assert(not pcall(ds.kpi_warning_accuracy, ds, T, T + 90 * 86400, { 42 }))
  assert(not pcall(ds.kpi_topk_accuracy, ds, T, T + 90 * 86400, "scores", { 1 }))
  assert(churn.feature_catalog())
end

-- The survival, cohort and campaign calls (lua_survival.c, lua_cohort.c), their failures and
-- errors raised halfway through reading the arrays.
local D, EV, CAT, ENTRY = { 2, 3, 3, 5, 8, 9 }, { 1, 1, 0, 1, 0, 1 }, {}, { 0, 0, 1, 2.5, 4, 0 }
for k, e in ipairs({ "a", "b", 0, "a", false, "c" }) do CAT[k] = e end
local GROUP = { "x", "y", "x", "y", "x", "y" }
local ALIVE = { 1000, 631, 468, 382, 326, 289, 262, 241 }
local TREATED, CHURNED, SEG = { 1, 1, 1, 0, 0, 0 }, { 0, 1, 0, 1, 1, 0 }, { "a", "a", "b", "b", "a", "b" }
local SCORE = { 0.9, 0.8, 0.3, 0.1, 0.5, 0.5 }

local function snapshot_dataset()
  local ids, act, cancel = {}, {}, {}
  for i = 1, 40 do
    ids[i], act[i] = "C" .. i, T - 400 * 86400
    cancel[i] = i <= 20 and T + (5 + i * 3) * 86400 or churn.missing
  end
  local ds = assert(churn.dataset())
  assert(ds:append_subscribers({ subscriber_id = ids, activation = act, cancellation = cancel }))
  assert(ds:finalize())
  return ds
end

local function survival_cycle(i, ds)
  assert(churn.kpi.kaplan_meier(D, EV, { entry = ENTRY, alpha = 0.1 }))
  assert(churn.kpi.cumulative_incidence(D, CAT, { entry = ENTRY }))
  assert(churn.kpi.gray_test(D, CAT, GROUP))
  assert(churn.kpi.campaign_effect(TREATED, CHURNED, SEG))
  assert(churn.metrics.qini_curve(SCORE, TREATED, CHURNED))
  assert(churn.metrics.qini_auc(SCORE, TREATED, CHURNED))
  local m <close> = assert(churn.cohort_fit(ALIVE))
  m:params()
  assert(m:survival({ 1, 2, 3 }))
  assert(m:forecast(12, { target = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 } }))
  assert(m:derl(0.1, 2))
  local bdw = assert(churn.cohort_fit({ ALIVE, { 500, 300, 200 } }, { kind = "bdw" }))
  if i % 2 == 0 then bdw:close() end
  local rows, fitted = ds:kpi_snapshot_forecast(T, T + 100 * 86400, 6)
  assert(rows and fitted)
  -- expected failures
  assert(not churn.kpi.kaplan_meier({ 2, -3 }, { 1, 1 }))
  assert(not churn.kpi.cumulative_incidence(D, { "a", true }))
  assert(not churn.kpi.gray_test(D, CAT, { 1, 1, 1, 1, 1, 1 }))
  assert(not churn.kpi.campaign_effect({ 1, 1 }, { 0, 1 }))
  assert(not churn.cohort_fit({ 1000, 600, 700 }))
  assert(not churn.cohort_fit({ 10, 10, 10 }))
  assert(not m:forecast(3, { target = { 1 } }))
  assert(not m:survival({ -1 }))
  assert(not ds:kpi_snapshot_forecast(T, T + 86400, 6))
  assert(not ds:kpi_snapshot_forecast(T, T + 100 * 86400, 6, { members = { 1, 99 } }))
  assert(not ds:kpi_snapshot_forecast(T, T + 100 * 86400, 6, { members = { 1, 1.5 } }))
  -- raised errors with scratch arrays and option boxes already made
  assert(not pcall(churn.kpi.kaplan_meier, D, EV, { entry = ENTRY, bogus = 1 }))
  assert(not pcall(churn.kpi.gray_test, D, CAT, GROUP, { rho = "x" }))
  assert(not pcall(churn.cohort_fit, ALIVE, { kind = "nope" }))
  assert(not pcall(ds.kpi_snapshot_forecast, ds, T, T + 100 * 86400, 6, { bogus = true }))
  assert(not pcall(m.forecast, m, 12, { cohort = 0.5 }))
end

-- Every allocation of a binding call fails in turn: each call must return nil, message,
-- "CHURN_E_NOMEM" (or succeed when the failed allocation was optional) and leak nothing.
local function nomem_sweep(what, f)
  churn.testing_fail_alloc(0)
  f()
  local points = churn.testing_fail_alloc(0)
  local nomem = 0
  for k = 1, points do
    churn.testing_fail_alloc(k)
    local ok, msg, code = f()
    churn.testing_fail_alloc(0)
    if not ok then
      assert(code == "CHURN_E_NOMEM", what .. ": allocation " .. k .. " gave " .. tostring(code)
             .. ": " .. tostring(msg))
      nomem = nomem + 1
    end
  end
  assert(nomem > 0, what .. ": no allocation failure surfaced")
  return points
end

local sweep_model = assert(churn.fit(X, y, { feature_names = names }))
local sweep_bytes = sweep_model:to_buffer()
local swept = {
  fit = nomem_sweep("fit", function() return churn.fit(X, y, { feature_names = names, C = 2 }) end),
  load = nomem_sweep("load_model_buffer", function() return churn.load_model_buffer(sweep_bytes) end),
  summary = nomem_sweep("summary", function() return sweep_model:summary() end),
  dataset = nomem_sweep("dataset", function()
    local ds = churn.dataset()
    if not ds then return nil, "", "CHURN_E_NOMEM" end
    local ok, msg, code = ds:append_subscribers({ subscriber_id = { "a", "b" } })
    if not ok then return ok, msg, code end
    ok, msg, code = ds:append_events({ subscriber_id = { "a", "b" }, time = { T, T },
                                       kind = { "bill", "view" }, value = { 1, 2 } })
    if not ok then return ok, msg, code end
    ok, msg, code = ds:finalize()
    if not ok then return ok, msg, code end
    return ds:features(T)
  end),
}
sweep_model:close()
local sweep_ds = snapshot_dataset()
local sweep_cohort = assert(churn.cohort_fit(ALIVE))
swept.km = nomem_sweep("kaplan_meier", function() return churn.kpi.kaplan_meier(D, EV, { entry = ENTRY }) end)
swept.cif = nomem_sweep("cumulative_incidence", function() return churn.kpi.cumulative_incidence(D, CAT) end)
swept.gray = nomem_sweep("gray_test", function() return churn.kpi.gray_test(D, CAT, GROUP) end)
swept.campaign = nomem_sweep("campaign_effect", function()
  return churn.kpi.campaign_effect(TREATED, CHURNED, SEG)
end)
swept.qini = nomem_sweep("qini_curve", function() return churn.metrics.qini_curve(SCORE, TREATED, CHURNED) end)
swept.cohort = nomem_sweep("cohort_fit", function() return churn.cohort_fit(ALIVE, { kind = "bdw" }) end)
swept.forecast = nomem_sweep("forecast", function() return sweep_cohort:forecast(12) end)
swept.snapshot = nomem_sweep("kpi_snapshot_forecast", function()
  return sweep_ds:kpi_snapshot_forecast(T, T + 100 * 86400, 6)
end)

for i = 1, cycles do
  dataset_cycle(i)
  cycle(i)
  survival_cycle(i, sweep_ds)
  if i % 10 == 0 then collectgarbage("collect") end
end
os.remove(path)
collectgarbage("collect")
sweep_ds:close()
print(("leak_check: %d cycles done; allocation failures swept: fit %d, load %d, summary %d, "
       .. "dataset+features %d"):format(cycles, swept.fit, swept.load, swept.summary, swept.dataset))
print(("leak_check: survival calls swept: kaplan_meier %d, cumulative_incidence %d, gray_test %d, "
       .. "campaign_effect %d, qini_curve %d, cohort_fit(bdw) %d, forecast %d, "
       .. "kpi_snapshot_forecast %d"):format(swept.km, swept.cif, swept.gray, swept.campaign,
                                             swept.qini, swept.cohort, swept.forecast,
                                             swept.snapshot))
