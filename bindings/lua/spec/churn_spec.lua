-- churn_spec.lua -- busted specs of the Lua binding: the surface, the error convention
-- (nil, message, code for expected failures; raised errors for programming errors), object
-- lifetimes, and the cross-language check against scores computed by the C API.
--
-- Run from the build tree: LUA_CPATH="<build>/bindings/lua/?.so;;" \
--   CHURN_LUA_BUILD=<build>/bindings/lua busted bindings/lua/spec

local churn = require "churn"

local build_dir = os.getenv("CHURN_LUA_BUILD") or "."

-- A small deterministic sample: churn rises with arrears and faults, falls with tenure.
local function sample(n)
  local X, y, seed = {}, {}, 12345
  local function rand()
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  end
  for i = 1, n do
    local tenure, arrears, faults = math.floor(rand() * 60), math.floor(rand() * 200),
      math.floor(rand() * 4)
    local eta = -0.3 - 0.04 * tenure + 0.01 * arrears + 0.5 * faults
    X[i] = { tenure, arrears, faults }
    y[i] = rand() < 1 / (1 + math.exp(-eta)) and 1 or 0
  end
  return X, y
end

local NAMES = { "tenure", "arrears", "faults" }

local function fit_sample(opts)
  local X, y = sample(200)
  opts = opts or {}
  opts.feature_names = opts.feature_names or NAMES
  return assert(churn.fit(X, y, opts)), X, y
end

local function tmpname()
  local p = os.tmpname()
  os.remove(p)
  return p
end

-- |a - b| <= tol * max(1, |a|, |b|)
local function close(a, b, tol)
  return math.abs(a - b) <= tol * math.max(1, math.abs(a), math.abs(b))
end

-- The expected failure shape: nil, a message containing `fragment`, the status name `code`.
local function assert_fails(code, fragment, ok, msg, got_code)
  assert.is_nil(ok)
  assert.is_string(msg)
  assert.are.equal(code, got_code)
  if fragment then
    assert.truthy(msg:find(fragment, 1, true), ("message '%s' lacks '%s'"):format(msg, fragment))
  end
end

describe("churn module", function()
  it("reports the library version", function()
    local s, n = churn.version()
    assert.are.equal(churn._VERSION, s)
    assert.truthy(s:match("^%d+%.%d+%.%d+$"))
    local major, minor, patch = s:match("^(%d+)%.(%d+)%.(%d+)$")
    assert.are.equal(tonumber(major) * 10000 + tonumber(minor) * 100 + tonumber(patch), n)
  end)

  it("names status codes", function()
    assert.are.equal("CHURN_E_IO", churn.status_name(3))
    assert.are.equal("CHURN_OK", churn.status_name(0))
  end)
end)

describe("fit and score", function()
  it("fits from positional rows and scores with the logistic formula", function()
    local model, X = fit_sample()
    assert.are.same(NAMES, model:features())
    assert.are.equal(3, model:n_features())
    local coef, b0 = model:coef()
    local p = assert(model:score(X))
    assert.are.equal(#X, #p)
    for i, row in ipairs(X) do
      local eta = b0 + coef.tenure * row[1] + coef.arrears * row[2] + coef.faults * row[3]
      assert.truthy(close(p[i], 1 / (1 + math.exp(-eta)), 1e-12), i)
    end
    local lin = assert(model:decision_function(X))
    for i = 1, #X do
      assert.truthy(close(lin[i], math.log(p[i] / (1 - p[i])), 1e-9))
    end
    -- the data were made with these signs
    assert.is_true(coef.tenure < 0 and coef.arrears > 0 and coef.faults > 0)
  end)

  it("scores name->value rows like positional rows, ignoring extra fields", function()
    local model, X = fit_sample()
    local named = {}
    for i, row in ipairs(X) do
      named[i] = { faults = row[3], tenure = row[1], arrears = row[2], region = "north" }
    end
    local a, b = assert(model:score(X)), assert(model:score(named))
    assert.are.same(a, b)
    assert.are.equal(a[7], model:score_one(named[7]))
    assert.are.equal(a[7], model:score_one(X[7]))
  end)

  it("accepts booleans and numeric strings as values", function()
    local model = fit_sample()
    local a = model:score({ { 10, 50, 1 } })
    local b = model:score({ { tenure = "10", arrears = 50.0, faults = true } })
    assert.are.same(a, b)
  end)

  it("fits from name->value rows with names taken in sorted order", function()
    local X, y = sample(200)
    local named = {}
    for i, row in ipairs(X) do named[i] = { tenure = row[1], arrears = row[2], faults = row[3] } end
    local model = assert(churn.fit(named, y))
    assert.are.same({ "arrears", "faults", "tenure" }, model:features())
    local ref = assert(churn.fit(X, y, { feature_names = NAMES }))
    local c1, b1 = model:coef()
    local c2, b2 = ref:coef()
    assert.truthy(close(b1, b2, 1e-10))
    for _, name in ipairs(NAMES) do assert.truthy(close(c1[name], c2[name], 1e-10)) end
  end)

  it("returns an empty list for no rows", function()
    local model = fit_sample()
    assert.are.same({}, model:score({}))
  end)

  it("passes options by short name, full name and enum label", function()
    local free = fit_sample()
    local l2 = fit_sample({ penalty = "l2", C = 0.01, ["fit.max_iter"] = 200,
                            fit_intercept = true, standardize = 1 })
    local cf, cl = free:coef(), l2:coef()
    -- a strong ridge penalty shrinks every coefficient toward 0
    for _, name in ipairs(NAMES) do
      assert.truthy(math.abs(cl[name]) < math.abs(cf[name]), name)
    end
    local balanced = fit_sample({ class_weight = "balanced" })
    assert.are_not.equal(select(2, free:coef()), select(2, balanced:coef()))
  end)

  it("takes sample weights: weight 2 equals a duplicated row", function()
    local X, y = sample(60)
    local w, X2, y2 = {}, {}, {}
    for i = 1, #X do
      w[i] = (i % 3 == 0) and 2 or 1
      for _ = 1, w[i] do X2[#X2 + 1] = X[i]; y2[#y2 + 1] = y[i] end
    end
    local a = assert(churn.fit(X, y, { sample_weight = w, feature_names = NAMES }))
    local b = assert(churn.fit(X2, y2, { feature_names = NAMES }))
    local ca, ba = a:coef()
    local cb, bb = b:coef()
    assert.truthy(close(ba, bb, 1e-8))
    for _, name in ipairs(NAMES) do assert.truthy(close(ca[name], cb[name], 1e-8)) end
  end)

  it("gives the coefficient table and fit statistics", function()
    local model, X = fit_sample()
    local rows = assert(model:summary())
    assert.are.equal(4, #rows)
    assert.are.equal("intercept", rows[1].term)
    assert.are.equal("tenure", rows[2].term)
    local coef, b0 = model:coef()
    assert.are.equal(b0, rows[1].coef)
    assert.are.equal(coef.faults, rows[4].coef)
    for _, r in ipairs(rows) do
      assert.truthy(r.std_err > 0)
      assert.truthy(close(r.z, r.coef / r.std_err, 1e-12))
      assert.truthy(close(r.odds_ratio, math.exp(r.coef), 1e-12))
    end
    local stats = model:stats()
    assert.are.equal(#X, stats.n_obs)
    assert.are.equal(1, stats.converged)
    assert.truthy(close(stats.aic, -2 * stats.loglik + 2 * 4, 1e-12))
  end)
end)

describe("Firth's bias-reduced fit", function()
  -- A 2x2 table is a saturated model: Firth's probability in each cell is (y_g + 1/2) / (n_g + 1).
  local function table_fit(a, n0, c, n1)
    local X, y = {}, {}
    for i = 1, n0 do X[#X + 1] = { 0 }; y[#y + 1] = i <= a and 1 or 0 end
    for i = 1, n1 do X[#X + 1] = { 1 }; y[#y + 1] = i <= c and 1 or 0 end
    local model = assert(churn.fit(X, y, { penalty = "firth", tol = 1e-13,
                                           feature_names = { "port_out" } }))
    local p0, p1 = (a + 0.5) / (n0 + 1), (c + 0.5) / (n1 + 1)
    return model, p0, p1, n0, n1
  end

  it("is finite under complete separation and equals the closed form", function()
    local model, p0, p1, n0, n1 = table_fit(0, 6, 7, 7)  -- x = 1 iff churn
    local coef, b0 = model:coef()
    local lo0 = math.log(p0 / (1 - p0))
    assert.truthy(math.abs(b0 - lo0) <= 1e-10)
    assert.truthy(math.abs(coef.port_out - (math.log(p1 / (1 - p1)) - lo0)) <= 1e-10)
    local rows = assert(model:summary())
    assert.are.equal("port_out", rows[2].term)
    local a0, a1 = n0 * p0 * (1 - p0), n1 * p1 * (1 - p1)
    assert.truthy(close(rows[2].std_err, math.sqrt(1 / a0 + 1 / a1), 1e-9))
    assert.truthy(close(rows[1].std_err, math.sqrt(1 / a0), 1e-9))
    assert.truthy(close(rows[2].z, rows[2].coef / rows[2].std_err, 1e-12))
    local stats = model:stats()
    local ll = 6 * math.log(1 - p0) + 7 * math.log(p1)
    assert.truthy(close(stats.loglik, ll, 1e-10))
    assert.truthy(close(stats.penalized_loglik, ll + 0.5 * math.log(a0 * a1), 1e-10))
  end)

  it("refuses a robust covariance with nil, message, code", function()
    local X, y = sample(50)
    assert_fails("CHURN_E_ARG", "only the nonrobust covariance",
                 churn.fit(X, y, { penalty = "firth", cov_type = "hc0" }))
  end)
end)

describe("cluster-robust standard errors", function()
  local function rel(a, b, tol) return math.abs(a - b) <= tol * math.max(math.abs(a), math.abs(b)) end
  local function std_errors(model)
    local out = {}
    for i, r in ipairs(assert(model:summary())) do out[i] = r.std_err end
    return out
  end

  it("each row its own cluster gives HC0 times n/(n-k), whatever the labels", function()
    local X, y = sample(200)
    local ints, strs = {}, {}
    for i = 1, #X do ints[i] = 1000 - 7 * i; strs[i] = "hh-" .. i end
    local hc0 = assert(churn.fit(X, y, { cov_type = "hc0", feature_names = NAMES }))
    local a = assert(churn.fit(X, y, { cov_type = "cluster", groups = ints, feature_names = NAMES }))
    local b = assert(churn.fit(X, y, { cov_type = "cluster", groups = strs, feature_names = NAMES }))
    local f = math.sqrt(200 / (200 - 4))
    local s0, sa, sb = std_errors(hc0), std_errors(a), std_errors(b)
    for j = 1, 4 do
      assert.truthy(rel(sa[j], f * s0[j], 1e-9), ("se %d: %.17g vs %.17g"):format(j, sa[j], f * s0[j]))
      assert.are.equal(sa[j], sb[j])
    end
    assert.are.equal(200, a:stats().n_clusters)
    assert.are.equal(0, hc0:stats().n_clusters)
  end)

  it("two identical copies of each row in one cluster give the base HC0 times the factor", function()
    local X, y = sample(150)
    local X2, y2, g = {}, {}, {}
    for i = 1, #X do
      X2[i], X2[#X + i], y2[i], y2[#X + i] = X[i], X[i], y[i], y[i]
      g[i], g[#X + i] = "c" .. i, "c" .. i
    end
    local hc0 = assert(churn.fit(X, y, { cov_type = "hc0", feature_names = NAMES, tol = 1e-12 }))
    local cl = assert(churn.fit(X2, y2, { cov_type = "cluster", groups = g, feature_names = NAMES,
                                          tol = 1e-12 }))
    local n0, n, k = 150, 300, 4
    local f = math.sqrt(n0 / (n0 - 1) * (n - 1) / (n - k))
    local s0, s1 = std_errors(hc0), std_errors(cl)
    for j = 1, 4 do assert.truthy(rel(s1[j], f * s0[j], 1e-8)) end
    assert.are.equal(150, cl:stats().n_clusters)
    -- the model file keeps the cluster covariance
    local back = assert(churn.load_model_buffer(assert(cl:to_buffer())))
    local s2 = std_errors(back)
    for j = 1, 4 do assert.are.equal(s1[j], s2[j]) end
    assert.are.equal(150, back:stats().n_clusters)
  end)

  it("returns nil, message, code for bad groups", function()
    local X, y = sample(40)
    local g = {}
    for i = 1, #X do g[i] = i % 5 end
    assert_fails("CHURN_E_ARG", "cluster covariance needs groups",
                 churn.fit(X, y, { cov_type = "cluster", feature_names = NAMES }))
    assert_fails("CHURN_E_ARG", "groups only serve the cluster covariance",
                 churn.fit(X, y, { groups = g, feature_names = NAMES }))
    assert_fails("CHURN_E_ARG", "groups has 3 values, X has 40 rows",
                 churn.fit(X, y, { cov_type = "cluster", groups = { 1, 2, 3 }, feature_names = NAMES }))
    local one = {}
    for i = 1, #X do one[i] = "same" end
    assert_fails("CHURN_E_DATA", "single cluster",
                 churn.fit(X, y, { cov_type = "cluster", groups = one, feature_names = NAMES }))
    g[3] = 1.5
    assert_fails("CHURN_E_DATA", "groups[3]: expected a string or an integer label",
                 churn.fit(X, y, { cov_type = "cluster", groups = g, feature_names = NAMES }))
    g[3] = {}
    assert_fails("CHURN_E_DATA", "groups[3]: expected a string or an integer label, got table",
                 churn.fit(X, y, { cov_type = "cluster", groups = g, feature_names = NAMES }))
  end)
end)

describe("explain", function()
  it("returns the strongest pushes toward churn, c_j = coef_j * (x_j - mean_j)", function()
    local model, X = fit_sample()
    local mean = { 0, 0, 0 }
    for _, row in ipairs(X) do for j = 1, 3 do mean[j] = mean[j] + row[j] / #X end end
    local coef = model:coef()
    local row = { tenure = 2, arrears = 180, faults = 3 }
    local reasons = assert(model:explain(row, 3))
    assert.are.equal(3, #reasons)
    for r, reason in ipairs(reasons) do
      local j = reason.index
      assert.are.equal(NAMES[j], reason.feature)
      assert.are.equal(row[reason.feature], reason.value)
      assert.truthy(close(reason.contribution, coef[reason.feature] * (reason.value - mean[j]),
                          1e-9))
      if r > 1 then assert.truthy(reasons[r - 1].contribution >= reason.contribution) end
    end
    assert.are.equal(2, #assert(model:explain(row, 2)))
    assert.are.equal(3, #assert(model:explain(row)))  -- default min(5, d)
  end)

  it("refuses k outside [1, d]", function()
    local model = fit_sample()
    assert_fails("CHURN_E_ARG", "k = 4", model:explain({ 1, 2, 3 }, 4))
    assert_fails("CHURN_E_ARG", "k = 0", model:explain({ 1, 2, 3 }, 0))
  end)
end)

describe("persistence", function()
  it("round-trips through a file and a string bit-exactly", function()
    local model, X = fit_sample()
    local path = tmpname()
    assert.is_true(model:save(path))
    local from_file = assert(churn.load_model(path))
    os.remove(path)
    local bytes = assert(model:to_buffer())
    assert.is_string(bytes)
    local from_bytes = assert(churn.load_model_buffer(bytes))
    local p = model:score(X)
    assert.are.same(p, from_file:score(X))
    assert.are.same(p, from_bytes:score(X))
    assert.are.same(model:features(), from_bytes:features())
    assert.are.equal(bytes, from_file:to_buffer())
  end)

  it("scores a model saved from C exactly as C did (cross-language, 1e-12)", function()
    local model_path, data_path = tmpname(), tmpname()
    local writer = build_dir .. "/lua_xlang_writer"
    assert.is_true(os.execute(("%q %q %q"):format(writer, model_path, data_path)) == true)
    local lines = {}
    for line in io.lines(data_path) do lines[#lines + 1] = line end
    os.remove(data_path)
    local names = {}
    for w in lines[1]:gmatch("%S+") do names[#names + 1] = w end
    local X, y, p_c, coef_c = {}, {}, {}, nil
    for i = 2, #lines do
      local v = {}
      for w in lines[i]:gmatch("%S+") do v[#v + 1] = w end
      if v[1] == "coef" then
        coef_c = { tonumber(v[2]), tonumber(v[3]), tonumber(v[4]), tonumber(v[5]) }
      else
        X[#X + 1] = { tonumber(v[1]), tonumber(v[2]), tonumber(v[3]) }
        y[#y + 1] = tonumber(v[4])
        p_c[#p_c + 1] = tonumber(v[5])
      end
    end
    assert.are.equal(240, #X)
    local model = assert(churn.load_model(model_path))
    os.remove(model_path)
    assert.are.same(names, model:features())
    local p = assert(model:score(X))
    local worst = 0
    for i = 1, #X do worst = math.max(worst, math.abs(p[i] - p_c[i])) end
    assert.truthy(worst <= 1e-12, "max |p_lua - p_c| = " .. worst)
    -- fitting the same data from Lua tables gives the same model
    local refit = assert(churn.fit(X, y, { feature_names = names }))
    local coef, b0 = refit:coef()
    assert.truthy(close(b0, coef_c[1], 1e-12))
    for j, name in ipairs(names) do assert.truthy(close(coef[name], coef_c[j + 1], 1e-12)) end
  end)
end)

describe("a model saved from Python", function()
  it("scores the same rows as Python did (cross-language, 1e-12)", function()
    if os.getenv("CHURN_LUA_SANITIZED") then
      pending("a sanitizer build's library cannot be loaded by an uninstrumented Python")
      return
    end
    local model_path, data_path = tmpname(), tmpname()
    local lib = build_dir .. "/../../lib/libchurn.so"
    local spec_dir = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
    local script, python_dir = spec_dir .. "/xlang_python.py", spec_dir .. "/../../python"
    local ok, _, code = os.execute(("env -u LD_PRELOAD CHURN_LIBRARY=%q PYTHONPATH=%q "
      .. "/usr/bin/python3 %q %q %q"):format(lib, python_dir, script, model_path, data_path))
    -- any failure of the Python side (a broken install too) fails this check
    assert.is_true(ok, "xlang_python.py failed with exit status " .. tostring(code))
    local names, X, p_py = {}, {}, {}
    for line in io.lines(data_path) do
      local v = {}
      for w in line:gmatch("%S+") do v[#v + 1] = w end
      if #names == 0 then
        names = v
      else
        X[#X + 1] = { tonumber(v[1]), tonumber(v[2]), tonumber(v[3]) }
        p_py[#p_py + 1] = tonumber(v[4])
      end
    end
    os.remove(data_path)
    local model = assert(churn.load_model(model_path))
    os.remove(model_path)
    assert.are.same(names, model:features())
    assert.are.equal(150, #X)
    local p = assert(model:score(X))
    local worst = 0
    for i = 1, #X do worst = math.max(worst, math.abs(p[i] - p_py[i])) end
    assert.truthy(worst <= 1e-12, "max |p_lua - p_python| = " .. worst)
  end)
end)

describe("expected failures return nil, message, code", function()
  it("for a missing file", function()
    assert_fails("CHURN_E_IO", "/no/such/dir/model.msgpack",
                 churn.load_model("/no/such/dir/model.msgpack"))
  end)

  it("for corrupt bytes", function()
    assert_fails("CHURN_E_FORMAT", nil, churn.load_model_buffer("not a model at all"))
    local model = fit_sample()
    local bytes = model:to_buffer()
    local at = #bytes - 30  -- inside the checksummed payload (the coefficients)
    local flipped = bytes:sub(1, at - 1) .. string.char((bytes:byte(at) + 1) % 256) .. bytes:sub(at + 1)
    assert_fails("CHURN_E_FORMAT", nil, churn.load_model_buffer(flipped))
    assert_fails("CHURN_E_FORMAT", nil, churn.load_model_buffer(bytes:sub(1, #bytes - 5)))
  end)

  it("for an unwritable path", function()
    local model = fit_sample()
    assert_fails("CHURN_E_IO", "/no/such/dir", model:save("/no/such/dir/m.msgpack"))
  end)

  it("for rows that do not match the model", function()
    local model = fit_sample()
    assert_fails("CHURN_E_SCHEMA", "row 2: missing feature 'faults'",
                 model:score({ { tenure = 1, arrears = 2, faults = 3 }, { tenure = 1, arrears = 2 } }))
    assert_fails("CHURN_E_SCHEMA", "row 1 has 2 values, expected 3", model:score({ { 1, 2 } }))
    assert_fails("CHURN_E_DATA", "row 1, feature 'arrears': expected a number, got string",
                 model:score({ { tenure = 1, arrears = "lots", faults = 3 } }))
    assert_fails("CHURN_E_DATA", "row 1, column 3 ('faults')", model:score({ { 1, 2, {} } }))
    assert_fails("CHURN_E_SCHEMA", "missing feature 'tenure'", model:score_one({ arrears = 1 }))
    assert_fails("CHURN_E_SCHEMA", "missing feature", model:explain({ arrears = 1 }, 2))
  end)

  it("when the library runs out of memory", function()
    local bytes = fit_sample():to_buffer()
    churn.testing_fail_alloc(1)
    local ok, msg, code = churn.load_model_buffer(bytes)
    churn.testing_fail_alloc(0)
    assert_fails("CHURN_E_NOMEM", nil, ok, msg, code)
    assert.truthy(churn.load_model_buffer(bytes))
  end)

  it("for data the fit refuses", function()
    local X = sample(20)
    local ones = {}
    for i = 1, #X do ones[i] = 1 end
    assert_fails("CHURN_E_DATA", nil, churn.fit(X, ones))
    assert_fails("CHURN_E_ARG", "y has 3 values, X has 20 rows", churn.fit(X, { 0, 1, 0 }))
    assert_fails("CHURN_E_DATA", "y[2]: expected a number", churn.fit({ { 1 }, { 2 } }, { 0, "x" }))
    assert_fails("CHURN_E_RANGE", nil, churn.fit(X, ones, { C = -1 }))
  end)

  it("naming the caller's rows and columns from 1, as Lua counts", function()
    -- The library numbers rows and columns from 0; the binding shows them as Lua indices.
    local X, y = sample(20)
    local bad_y = {}
    for i = 1, #y do bad_y[i] = y[i] end
    bad_y[3] = 2
    assert_fails("CHURN_E_DATA", "y at row 3 is 2", churn.fit(X, bad_y))
    local w = {}
    for i = 1, #y do w[i] = 1 end
    w[4] = -1
    assert_fails("CHURN_E_DATA", "sample_weight at row 4 is -1",
                 churn.fit(X, y, { sample_weight = w }))
    local bad_x = {}
    for i = 1, #X do bad_x[i] = { X[i][1], X[i][2], X[i][3] } end
    bad_x[2][1] = 0 / 0
    local ok, msg, code = churn.fit(bad_x, y, { feature_names = NAMES })
    assert_fails("CHURN_E_DATA", "at row 2, column 1 ('tenure')", ok, msg, code)
    bad_x[2][1], bad_x[5][3] = 1, math.huge
    assert_fails("CHURN_E_DATA", "at row 5, column 3 ('faults')",
                 churn.fit(bad_x, y, { feature_names = NAMES }))
    -- the binding's own checks were already 1-based: a bad cell in model:score / explain
    local model = fit_sample()
    assert_fails("CHURN_E_DATA", "row 2, column 3 ('faults'): expected a number, got table",
                 model:score({ { 1, 2, 3 }, { 1, 2, {} } }))
    assert_fails("CHURN_E_DATA", "row 1, feature 'arrears': expected a number, got table",
                 model:explain({ tenure = 1, arrears = {}, faults = 0 }))
  end)
end)

describe("programming errors raise", function()
  it("for wrong argument types", function()
    local model = fit_sample()
    assert.has_error(function() model:score(42) end)
    assert.has_error(function() model:score({ 1, 2, 3 }) end)  -- a row, not a list of rows
    assert.has_error(function() churn.load_model() end)
    assert.has_error(function() churn.fit("X", {}) end)
    assert.has_error(function() model.score({}, {}) end)          -- not a model
    assert.has_error(function() model:explain({ 1, 2, 3 }, "two") end)
  end)

  it("for unknown options and values of the wrong type", function()
    local X, y = sample(20)
    assert.has_error(function() churn.fit(X, y, { penalty = "lasso" }) end, "option 'fit.penalty': unknown value 'lasso'")
    assert.has_error(function() churn.fit(X, y, { no_such_thing = 1 }) end, "unknown option 'fit.no_such_thing'")
    assert.has_error(function() churn.fit(X, y, { C = "big" }) end)
  end)
end)

describe("lifetimes", function()
  it("closes once, by close(), <close> or the collector, and refuses use after close", function()
    local model = fit_sample()
    model:close()
    model:close()  -- idempotent
    assert.has_error(function() model:score({}) end, "attempt to use a closed churn model")
    assert.truthy(tostring(model):find("closed", 1, true))
    do
      local m <close> = fit_sample()
      assert.truthy(tostring(m):find("3 features", 1, true))
    end
    for _ = 1, 20 do fit_sample() end
    collectgarbage("collect")
  end)
end)
