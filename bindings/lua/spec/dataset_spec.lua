-- dataset_spec.lua -- busted specs of the dataset, feature, label and warning calls of the Lua
-- binding.  Expected values are worked out by hand from the documented definitions (churn.h
-- section 5) on tiny CSV files written here.
local churn = require "churn"

local DAY = 86400
local T = 1711929600  -- 2024-04-01T00:00:00Z

local SUBSCRIBERS = [[
subscriber_id,activation,tier,price,vip,services,contract_end
S1,2023-01-01,high,50,1,2,2024-12-31
S2,2023-06-01,low,30,0,1,
S3,2024-01-15,low,25,0,1,
]]

-- S2 never pays its three bills and cancels (price) on 2024-04-20; S3's fault is contacted after
-- an hour and fixed after two days; the S9 line names an unknown subscriber.
local EVENTS = [[
subscriber_id,time,kind,value,code,due_date,first_contact,fixed_at
S1,2024-01-05,bill,50,,2024-01-20,,
S1,2024-01-10,payment,50,,,,
S2,2024-01-05,bill,30,,2024-01-20,,
S2,2024-02-05,bill,30,,2024-02-20,,
S2,2024-03-05,bill,30,,2024-03-20,,
S3,2024-02-01,fault,,,,2024-02-01T01:00:00Z,2024-02-03
S9,2024-01-01,bill,10,,,,
S2,2024-04-20,cancel,,price,,,
]]

local function write_tmp(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

local function assert_fails(code, fragment, ok, msg, got_code)
  assert.is_nil(ok)
  assert.are.equal(code, got_code)
  if fragment then
    assert.truthy(msg:find(fragment, 1, true), ("message '%s' lacks '%s'"):format(msg, fragment))
  end
end

local function column(F, name)
  for j, n in ipairs(F.names) do if n == name then return j end end
  error("no feature " .. name)
end

describe("datasets", function()
  local subs, events
  setup(function()
    subs, events = write_tmp(SUBSCRIBERS), write_tmp(EVENTS)
  end)
  teardown(function()
    os.remove(subs)
    os.remove(events)
  end)

  local function load()
    return assert(churn.dataset_from_csv(subs, events, { unknown_subscriber = "reject" }))
  end

  it("reads CSV exports, counts and reports rejected rows", function()
    local ds = load()
    assert.are.equal(3, ds:num_subscribers())
    assert.are.equal(7, ds:num_events())
    assert.is_true(ds:is_finalized())
    assert.are.equal("S2", ds:subscriber_id(2))
    assert_fails("CHURN_E_ARG", "subscriber index 4 is outside 1..3", ds:subscriber_id(4))
    assert_fails("CHURN_E_ARG", "subscriber index 0 is outside 1..3", ds:subscriber_id(0))
    assert.are.equal(3, ds:find_subscriber("S3"))
    local counts = ds:ingest_counts()
    assert.are.equal(8, counts.rows_read - 3)  -- 3 subscriber rows + 8 event rows
    assert.are.equal(1, counts.rejected_unknown_subscriber)
    local rej = ds:rejections()
    assert.are.equal(1, #rej)
    assert.are.equal(events, rej[1].source)
    assert.are.equal(8, rej[1].row)  -- CSV line of S9
    assert.are.same({ 1672531200, 1685577600, 1705276800 }, ds:subscriber_column("activation"))
    assert.are.equal(churn.TIME_NONE, ds:subscriber_column("contract_end")[2])
    local tiers = ds:subscriber_column("tier")
    assert.are.equal("high", ds:category_label("tier", tiers[1]))
    assert.truthy(#ds:subscriber_columns() >= 6)
    assert.are.equal(7, #ds:event_column("time"))
    local who = ds:event_column("subscriber")  -- 1-based dense indices, sorted by finalize
    assert.are.same({ 1, 1, 2, 2, 2, 2, 3 }, who)
  end)

  it("fails the read on an unknown subscriber by default, and on a missing file", function()
    assert_fails("CHURN_E_NOT_FOUND", "S9", churn.dataset_from_csv(subs, events))
    assert_fails("CHURN_E_IO", "/no/such.csv", churn.dataset_from_csv("/no/such.csv", events))
    assert.has_error(function() churn.dataset_from_csv(subs, events, { unknown = "x" }) end)
    assert.has_error(function()
      churn.dataset_from_csv(subs, events, { unknown_subscriber = "maybe" })
    end, "option 'ingest.unknown_subscriber': unknown value 'maybe'")
  end)

  it("saves and loads", function()
    local ds = load()
    local path = os.tmpname()
    assert.is_true(ds:save(path))
    local back = assert(churn.load_dataset(path))
    local f = assert(io.open(path, "rb"))
    local bytes = f:read("a")
    f:close()
    os.remove(path)
    assert.are.equal(7, back:num_events())
    assert.are.equal(3, assert(churn.load_dataset_buffer(bytes)):num_subscribers())
    assert_fails("CHURN_E_FORMAT", nil, churn.load_dataset_buffer(bytes:sub(1, 30)))
  end)

  it("appends columns from Lua arrays, kinds by name, churn.missing for gaps", function()
    local ds = assert(churn.dataset())
    assert.is_true(ds:append_subscribers({
      subscriber_id = { "a", "b" }, activation = { 1672531200, churn.missing }, price = { 10.5, 20 },
    }))
    assert.is_true(ds:append_events({
      subscriber_id = { "a", "b", "a" }, time = { 1704067200, 1704067200, 1704153600 },
      kind = { "bill", "fault", churn.missing }, value = { 12.5, churn.missing, 1 },
    }))
    assert.are.equal(2, ds:num_subscribers())
    local counts = ds:ingest_counts()
    assert.truthy(counts.rejected >= 1)  -- the event without a kind
    local rej = ds:rejections()
    assert.are.equal("append_events", rej[#rej].source)
    assert.are.equal(3, rej[#rej].row)  -- the third appended event, counted from 1 as in Lua
    assert.is_true(ds:finalize())
    assert.are.equal(churn.TIME_NONE, ds:subscriber_column("activation")[2])
    assert.is_true(ds:append_events({ subscriber_index = { 2 }, time = { 1704067200 }, kind = { "heartbeat" } }))
    assert(ds:finalize())
    local who, kinds = ds:event_column("subscriber"), ds:event_column("kind")
    local found = false
    for e = 1, #who do found = found or (who[e] == 2 and kinds[e] == 4) end  -- 4 = HEARTBEAT
    assert.is_true(found)
    assert_fails("CHURN_E_SCHEMA", "nonsense",
                 ds:append_events({ subscriber_id = { "a" }, time = { 1 }, kind = { 1 }, nonsense = { 1 } }))
    assert.has_error(function() ds:append_events({ subscriber_id = "a" }) end)
    -- a value of the wrong type is bad data: nil, message with the 1-based index, code
    assert_fails("CHURN_E_DATA", "value[2] is a table, not a string, number, boolean or churn.missing",
                 ds:append_events({ subscriber_id = { "a", "b" }, time = { 1, 2 }, kind = { 1, 1 },
                                    value = { 1, {} } }))
    assert_fails("CHURN_E_DATA", "subscriber_id[3] is a function",
                 ds:append_subscribers({ subscriber_id = { "c", "d", print } }))
    -- strict mode names the appended row from 1 as well
    assert_fails("CHURN_E_REJECTED", "append_events: row 2",
                 ds:append_events({ subscriber_id = { "a", "zz" }, time = { 1704067200, 1704067200 },
                                    kind = { "bill", "bill" }, value = { 5, 5 } }, { strict = true, unknown_subscriber = "reject" }))
  end)

  it("closes once and refuses use after close", function()
    local ds = load()
    ds:close()
    ds:close()
    assert.has_error(function() ds:num_events() end, "attempt to use a closed churn dataset")
  end)
end)

describe("features, labels and warnings", function()
  local ds
  setup(function()
    local subs, events = write_tmp(SUBSCRIBERS), write_tmp(EVENTS)
    ds = assert(churn.dataset_from_csv(subs, events, { unknown_subscriber = "reject" }))
    os.remove(subs)
    os.remove(events)
  end)

  it("extracts point-in-time features (hand-computed values)", function()
    local F = assert(ds:features(T, { select = { "payment.*", "service.faults", "account.tenure_months" } }))
    assert.are.equal(3, #F.rows)  -- S2 cancels after T: still in the base
    assert.are.same({ 1, 2, 3 }, F.subscriber)
    assert.are.same({ "S1", "S2", "S3" }, F.subscriber_id)
    assert.are.same({ T, T, T }, F.as_of)
    local arrears, faults = column(F, "payment.arrears"), column(F, "service.faults")
    local tenure = column(F, "account.tenure_months")
    assert.are.equal(0, F.rows[1][arrears])
    assert.are.equal(90, F.rows[2][arrears])  -- three unpaid bills of 30, all past due
    assert.are.equal(1, F.rows[3][faults])
    assert.are.equal(0, F.rows[2][faults])
    assert.truthy(math.abs(F.rows[1][tenure] - (T - 1672531200) / (30 * DAY)) < 1e-12)
    assert.are.equal("service", F.category[faults])
    -- two snapshots stack
    local G = assert(ds:features({ T, T + 30 * DAY }, { select = { "service.faults" } }))
    assert.are.equal(5, #G.rows)  -- S2 cancelled on 2024-04-20 is out of the second base
    assert.are.same({ "S1", "S2", "S3", "S1", "S3" }, G.subscriber_id)
    -- a window option by short name
    local H = assert(ds:features(T, { select = { "service.faults" }, window_months = 1 }))
    assert.are.equal(0, H.rows[3][1])  -- the February fault is outside (2024-03-02, 2024-04-01]
  end)

  it("reports unknown features and bad options", function()
    assert_fails("CHURN_E_NOT_FOUND", "no.such", ds:features(T, { select = { "no.such" } }))
    assert_fails("CHURN_E_RANGE", nil, ds:features(T, { window_months = 0 }))
    assert.has_error(function() ds:features("yesterday") end)
    -- bad data in an array of times: nil, message with the 1-based index, code (no raise)
    assert_fails("CHURN_E_DATA", "as_of[2] is a string, not a number", ds:features({ T, "later" }))
    assert_fails("CHURN_E_DATA", "as_of[2] = 1.5 is not a time", ds:features({ T, 1.5 }))
    assert_fails("CHURN_E_DATA", "as_of[2] is nil", ds:features({ T, nil, T }))
    assert_fails("CHURN_E_ARG", "as_of[2] is CHURN_TIME_NONE",  -- the library's as_of[1], from 1
                 ds:features({ T, churn.TIME_NONE }))
  end)

  it("labels churn in the horizon by cancellation", function()
    local F = assert(ds:features(T, { select = { "service.faults" } }))
    local y, category, when = ds:labels(F, { definition = "cancel" })
    assert.are.same({ 0, 1, 0 }, y)
    assert.are.same({ false, "competitive", false }, category)
    assert.are.equal(1713571200, when[2])  -- 2024-04-20
    local y2 = ds:labels({ 1, 2, 3 }, T, { definition = "cancel", horizon_days = 10 })
    assert.are.same({ 0, 0, 0 }, y2)  -- the cancellation is 19 days after T
    assert_fails("CHURN_E_ARG", "3 subscribers but 2 times", ds:labels({ 1, 2, 3 }, { T, T }))
    -- bad data: nil, message with the 1-based index, code (no raise)
    assert_fails("CHURN_E_DATA", "subscribers[2] = 1.5 is not an index", ds:labels({ 1, 1.5 }, T))
    assert_fails("CHURN_E_DATA", "subscribers[3] is a string, not a number",
                 ds:labels({ 1, 2, "S3" }, T))
    assert_fails("CHURN_E_ARG", "subscribers[2] = 4 is not an index in 1..3", ds:labels({ 1, 4 }, T))
    assert_fails("CHURN_E_DATA", "as_of[2] = 1.5 is not a time", ds:labels({ 1, 2 }, { T, 1.5 }))
    assert_fails("CHURN_E_ARG", "as_of[2] is CHURN_TIME_NONE",  -- the library's as_of[1], from 1
                 ds:labels({ 1, 2 }, { T, churn.TIME_NONE }))
  end)

  it("raises the early warnings", function()
    local rows = assert(ds:warnings(T))
    local seen = {}
    for _, w in ipairs(rows) do
      seen[w.subscriber_id .. ":" .. w.rule] = w
      assert.are.equal(ds:find_subscriber(w.subscriber_id), w.subscriber)
    end
    local pay = seen["S2:payment_anomaly"]
    assert.truthy(pay)
    assert.are.equal("unknown", pay.category)
    assert.are.equal(churn.contact_deadline(T, 2), pay.deadline)
    assert.truthy(seen["S3:contact_breach"])
    assert.truthy(seen["S3:fix_breach"])
    assert.is_nil(seen["S1:payment_anomaly"])
    -- thresholds by short name: three late months needed now
    local strict = assert(ds:warnings(T, { late_months = 4 }))
    for _, w in ipairs(strict) do assert.are_not.equal("payment_anomaly", w.rule) end
  end)

  it("describes the feature catalog", function()
    local cat = churn.feature_catalog()
    assert.truthy(#cat > 20)
    local by_name = {}
    for _, e in ipairs(cat) do by_name[e.name] = e end
    assert.are.equal("service", by_name["service.faults"].category)
    assert.are.equal("service", churn.feature_category("service.fix_breaches"))
    assert_fails("CHURN_E_NOT_FOUND", "bogus", churn.feature_category("bogus"))
    -- Friday 2024-03-29 + 1 working day = Monday 2024-04-01
    assert.are.equal(T, churn.contact_deadline(T - 3 * DAY, 1))
  end)
end)

describe("from events to reasons", function()
  it("fits on extracted features and explains with churn categories", function()
    local ids, act, sid, time, kind, value, code = {}, {}, {}, {}, {}, {}, {}
    local function ev(s, t, k, v, c)
      sid[#sid + 1], time[#time + 1], kind[#kind + 1] = s, t, k
      value[#value + 1], code[#code + 1] = v or churn.missing, c or churn.missing
    end
    for i = 1, 60 do
      local s = ("C%02d"):format(i)
      ids[i], act[i] = s, 1672531200 + i * DAY
      local faults = i % 4
      for f = 1, faults do ev(s, T - f * 10 * DAY, "fault") end
      ev(s, T - 20 * DAY, "bill", 40)
      if i % 3 ~= 0 then ev(s, T - 15 * DAY, "payment", 40) end
      -- churners: mostly those with faults, some others
      if (faults >= 2 and i % 5 ~= 0) or i % 11 == 0 then ev(s, T + 30 * DAY, "cancel", nil, 5) end
    end
    local ds = assert(churn.dataset())
    assert(ds:append_subscribers({ subscriber_id = ids, activation = act }))
    assert(ds:append_events({ subscriber_id = sid, time = time, kind = kind, value = value, code = code }))
    assert(ds:finalize())
    local F = assert(ds:features(T, { select = { "service.faults", "payment.arrears" } }))
    local y = ds:labels(F, { definition = "cancel" })
    local model = assert(churn.fit(F.rows, y, { feature_names = F.names, penalty = "l2", C = 1 }))
    assert.are.same(F.names, model:features())
    local p = assert(model:score(F.rows))
    assert.are.equal(60, #p)
    local reasons = assert(model:explain(F.rows[3], 1))  -- C03 has 3 faults
    assert.are.equal("service.faults", reasons[1].feature)
    assert.are.equal("service", reasons[1].category)
  end)
end)

describe("retention KPIs (hand-counted on the CSV sample)", function()
  local ds
  local JAN, END_APR, MAY = 1704067200, 1714435200, 1714521600
  setup(function()
    local subs, events = write_tmp(SUBSCRIBERS), write_tmp(EVENTS)
    ds = assert(churn.dataset_from_csv(subs, events, { unknown_subscriber = "reject" }))
    os.remove(subs)
    os.remove(events)
  end)

  it("gives the monthly movement table against the target", function()
    local rows = assert(ds:kpi_movement(JAN, END_APR, nil, { target = 0.05 }))
    assert.are.equal(4, #rows)
    local want = { -- month, opening, activations, churned, closing
      { "2024-01", 2, 1, 0, 3 }, { "2024-02", 3, 0, 0, 3 }, { "2024-03", 3, 0, 0, 3 },
      { "2024-04", 3, 0, 1, 2 },
    }
    for i, w in ipairs(want) do
      local r = rows[i]
      assert.are.same(w, { r.month, r.opening, r.activations, r.churned, r.closing })
      assert.are.equal(0.05, r.target)
    end
    assert.truthy(math.abs(rows[4].churn_rate - 1 / 3) < 1e-15)
    assert.truthy(math.abs(rows[4].margin - (0.05 - 1 / 3)) < 1e-15)
    assert.are.equal(2, #assert(ds:kpi_movement(JAN, JAN + 40 * DAY, "tier")) / 2)
    assert_fails("CHURN_E_NOT_FOUND", nil, ds:kpi_movement(JAN, END_APR, "no_such_column"))
  end)

  it("breaks churn down by segment and cause", function()
    local rows = assert(ds:kpi_segments(T, MAY, "tier"))
    local by = {}
    for _, r in ipairs(rows) do by[r.segment] = r end
    assert.are.equal(2, by.low.opening)
    assert.are.equal(1, by.low.churned)
    assert.are.equal(1, by.low.competitive)  -- the reason was "price"
    assert.are.equal(0, by.high.churned)
    assert.are.equal(3, by["(all)"].exposed)
    assert.truthy(math.abs(by["(all)"].churn_rate - 1 / 3) < 1e-15)
  end)

  it("follows a snapshot cohort against its time-series target", function()
    local rows = assert(ds:kpi_snapshot(JAN, 4))
    assert.are.equal(4, #rows)
    for k, r in ipairs(rows) do
      assert.are.equal(2, r.cohort)  -- S1 and S2; S3 came on 2024-01-15
      assert.are.equal(k < 4 and 2 or 1, r.active)
      assert.truthy(math.abs(r.target - (1 - 0.0125 * k)) < 1e-15)
    end
    local vip = assert(ds:kpi_snapshot(JAN, 2, { column = "tier", label = "high", target = { 0.9, 0.8 } }))
    assert.are.equal(1, vip[1].cohort)
    assert.are.equal(0.8, vip[2].target)
    assert_fails("CHURN_E_ARG", "target has 1 values for 2 months", ds:kpi_snapshot(JAN, 2, { target = { 1 } }))
    -- bad data in members / target: nil, message with the 1-based index, code (no raise)
    assert.are.equal(1, assert(ds:kpi_snapshot(JAN, 1, { members = { 1 } }))[1].cohort)
    assert_fails("CHURN_E_DATA", "members[2] is a string, not a number",
                 ds:kpi_snapshot(JAN, 2, { members = { 1, "x" } }))
    assert_fails("CHURN_E_DATA", "members[2] is nil",
                 ds:kpi_snapshot(JAN, 2, { members = { 1, nil, 3 } }))
    assert_fails("CHURN_E_DATA", "members[1] = 1.5 is not an index",
                 ds:kpi_snapshot(JAN, 2, { members = { 1.5 } }))
    assert_fails("CHURN_E_ARG", "members[2] = 4 is not an index in 1..3",
                 ds:kpi_snapshot(JAN, 2, { members = { 3, 4 } }))
    assert_fails("CHURN_E_ARG", "members[1] = 0 is not an index in 1..3",
                 ds:kpi_snapshot(JAN, 2, { members = { 0 } }))
    assert_fails("CHURN_E_DATA", "target[2] is a boolean, not a number",
                 ds:kpi_snapshot(JAN, 2, { target = { 0.9, true } }))
    assert_fails("CHURN_E_DATA", "target[2] is not finite",  -- the library's target[1], from 1
                 ds:kpi_snapshot(JAN, 2, { target = { 0.9, 0 / 0 } }))
    assert.has_error(function() ds:kpi_snapshot(JAN, 2, { members = 3 }) end)  -- not an array
  end)

  it("measures warning accuracy and a risk list's top-k accuracy", function()
    local warnings = assert(ds:warnings(T))
    local acc = assert(ds:kpi_warning_accuracy(T, T + 90 * DAY, warnings))
    local any = acc[#acc]
    assert.are.equal("(any)", any.rule)
    assert.are.equal(1, any.churners)       -- S2
    assert.are.equal(1, any.recall)
    assert.are.equal(0.5, any.precision)    -- S2 and S3 warned
    local top = assert(ds:kpi_topk_accuracy(T, T + 90 * DAY, { 0.1, 0.9, 0.5 }, { 1, 2 }))
    assert.are.same({ 1, 1 }, { top[1].flagged_churned, top[1].precision })
    assert.are.same({ 2, 0.5 }, { top[2].flagged, top[2].precision })
    assert_fails("CHURN_E_ARG", nil, ds:kpi_topk_accuracy(T, T + 90 * DAY, { 0.1 }, { 1 }))
    -- bad data: nil, message with the 1-based index, code (no raise)
    assert_fails("CHURN_E_DATA", "scores[3] is a string, not a number",
                 ds:kpi_topk_accuracy(T, T + 90 * DAY, { 0.1, 0.9, "high" }, { 1 }))
    assert_fails("CHURN_E_DATA", "scores[2] is nil",
                 ds:kpi_topk_accuracy(T, T + 90 * DAY, { 0.1, nil, 0.5 }, { 1 }))
    assert_fails("CHURN_E_DATA", "score[2] is not finite",  -- S2's score, the library's score[1]
                 ds:kpi_topk_accuracy(T, T + 90 * DAY, { 0.1, 0 / 0, 0.5 }, { 1 }))
    assert_fails("CHURN_E_DATA", "ks[2] = 1.5 is not an integer",
                 ds:kpi_topk_accuracy(T, T + 90 * DAY, { 0.1, 0.9, 0.5 }, { 1, 1.5 }))
    assert_fails("CHURN_E_DATA", "ks[1] is a string, not a number",
                 ds:kpi_topk_accuracy(T, T + 90 * DAY, { 0.1, 0.9, 0.5 }, { "2" }))
    assert_fails("CHURN_E_ARG", "k[2] = 0 is not >= 1",  -- the library's k[1], from 1
                 ds:kpi_topk_accuracy(T, T + 90 * DAY, { 0.1, 0.9, 0.5 }, { 1, 0 }))
    assert_fails("CHURN_E_DATA", "warnings[1] needs an integer subscriber and a string rule",
                 ds:kpi_warning_accuracy(T, T + 90 * DAY, { { subscriber = 1.5, rule = "x" } }))
    assert_fails("CHURN_E_ARG", "warnings[2].subscriber = 4 is not a subscriber index in 1..3",
                 ds:kpi_warning_accuracy(T, T + 90 * DAY,
                                         { { subscriber = 1, rule = "x" }, { subscriber = 4, rule = "x" } }))
    assert.has_error(function() ds:kpi_topk_accuracy(T, T + 90 * DAY, "scores", { 1 }) end)
    assert.has_error(function() ds:kpi_warning_accuracy(T, T + 90 * DAY, { 42 }) end)  -- a row, not a table
  end)

  it("draws retention curves by tenure", function()
    -- tenures in days as of END_APR: S1 485 (censored), S2 324 (churned, price: competitive),
    -- S3 106 (censored).  One event time, 324, with S1 and S2 at risk: S = 1/2, Greenwood's sum
    -- 1 / (2 * 1); the competitive cumulative incidence is 1/2 there.
    local km = assert(ds:kpi_km(churn.TIME_NONE, END_APR))
    assert.are.equal(1, #km)
    assert.are.same({ 324, 2, 1 }, { km[1].time, km[1].at_risk, km[1].events })
    assert.are.equal(0.5, km[1].survival)
    assert.truthy(math.abs(km[1].std_err - 0.5 * math.sqrt(0.5)) < 1e-15)
    local cif = assert(ds:kpi_cif(churn.TIME_NONE, END_APR, nil, { alpha = 0.1 }))
    assert.are.equal(1, #cif)
    assert.are.same({ 324, "competitive" }, { cif[1].time, cif[1].category })
    assert.truthy(math.abs(cif[1].cif - 0.5) < 1e-15)
    -- the window opening on S2's cancellation leaves S2 out (it ended before it was seen)
    assert.are.equal(0, #assert(ds:kpi_km(1713571200, END_APR)))  -- 2024-04-20
  end)

  it("gives ARPU by month", function()
    -- BILL amounts: Jan S1 50 + S2 30 = 80 (2 billed), Feb 30, Mar 30 (S2), Apr 0; average base
    -- (opening + closing) / 2 from the movement table: 2.5, 3, 3, 2.5.
    local rows = assert(ds:kpi_arpu(JAN, END_APR))
    local want = { -- month, revenue, billed, average_base, arpu
      { "2024-01", 80, 2, 2.5, 32 }, { "2024-02", 30, 1, 3, 10 }, { "2024-03", 30, 1, 3, 10 },
      { "2024-04", 0, 0, 2.5, 0 },
    }
    assert.are.equal(#want, #rows)
    for i, w in ipairs(want) do
      local r = rows[i]
      assert.are.same(w, { r.month, r.revenue, r.billed, r.average_base, r.arpu })
    end
    assert.truthy(rows[1].change ~= rows[1].change)  -- NaN in the first month
    assert.are.same({ -22, 0, -10 }, { rows[2].change, rows[3].change, rows[4].change })
    -- no retention contacts in this sample; the win-back rules change with the churn-definition
    -- work and are pinned there
    assert.is_table(assert(ds:kpi_winback(JAN, END_APR)))
  end)
end)
