-- design_spec.lua -- flat tables from Lua: a model fitted by the CLI on the raw Telco file
-- (`churn fit --data ... --label Churn --id customerID`) scores the file's columns read here
-- to the same probabilities as `churn score` (printed with 17 digits) to 1e-12, which
-- bindings/python/tests/test_design.py checks against Python too; the encoding's names, an
-- unseen level, a missing column, a model without a design.
local churn = require "churn"

local build_dir = os.getenv("CHURN_LUA_BUILD") or "."
local shared = os.getenv("CHURN_SHARED_DATA") or "../../../shared/data"
local telco = shared .. "/telco/telco_customer_churn.csv"
local cli = build_dir .. "/../../cli/churn"
local tmp = os.tmpname()

-- The Telco file has no quoted fields: a plain split is its CSV reader.
local function read_csv(path)
  local header, cols, n = nil, {}, 0
  for line in io.lines(path) do
    local fields = {}
    for f in (line .. ","):gmatch("([^,]*),") do fields[#fields + 1] = f end
    if not header then
      header = fields
      for _, h in ipairs(header) do cols[h] = {} end
    else
      n = n + 1
      for j, h in ipairs(header) do cols[h][n] = fields[j] end
    end
  end
  return cols, n
end

describe("flat tables", function()
  local model_path, scores_path = tmp .. ".msgpack", tmp .. ".csv"
  local cols, n = read_csv(telco)

  setup(function()
    assert(os.execute(string.format("'%s' fit --data '%s' --label Churn --id customerID --out '%s' >/dev/null 2>&1",
      cli, telco, model_path)))
    assert(os.execute(string.format("'%s' score --model '%s' --data '%s' --id customerID --out '%s' >/dev/null 2>&1",
      cli, model_path, telco, scores_path)))
  end)

  teardown(function()
    os.remove(model_path)
    os.remove(scores_path)
    os.remove(tmp)
  end)

  it("scores a CLI-fitted model as the CLI does", function()
    local m = assert(churn.load_model(model_path))
    local p, unseen = assert(m:score_columns(cols))
    assert.are.equal(n, #p)
    assert.are.equal(0, unseen)
    local row = {}
    for i, id in ipairs(cols.customerID) do row[id] = i end
    local compared, rejected = 0, 0
    for i = 1, n do if p[i] ~= p[i] then rejected = rejected + 1 end end
    assert.are.equal(11, rejected) -- blank TotalCharges
    local first = true
    for line in io.lines(scores_path) do
      if first then
        first = false
      else
        local id, prob = line:match("^([^,]+),([^,]+)")
        assert.is_true(math.abs(p[row[id]] - tonumber(prob)) <= 1e-12)
        compared = compared + 1
      end
    end
    assert.are.equal(7032, compared)
    assert.are.equal(23, #m:design_features())
    assert.are.equal("gender=Female", m:design_features()[1])
  end)

  it("counts an unseen level and names a missing column", function()
    local m = assert(churn.load_model(model_path))
    local small = {}
    for k, v in pairs(cols) do small[k] = { v[1], v[2] } end
    small.Contract = { "Ten years", small.Contract[2] }
    local p, unseen = assert(m:score_columns(small))
    assert.are.equal(1, unseen)
    assert.are.equal(2, #p)
    small.Contract = nil
    local none, msg, code = m:score_columns(small)
    assert.is_nil(none)
    assert.are.equal("CHURN_E_SCHEMA", code)
    assert.truthy(msg:find("'Contract'", 1, true))
  end)

  it("writes the CLI's score file from Lua", function()
    local m = assert(churn.load_model(model_path))
    local out = tmp .. ".lua.csv"
    assert.are.equal(10, assert(m:score_csv(telco, out, { top = 10, reasons = 2 })))
    local f = assert(io.open(out))
    assert.are.equal("customerID,probability,reason1,reason2", f:read("l"))
    f:close()
    os.remove(out)
  end)

  it("refuses a model without a design", function()
    local X, y = { { 1, 2 }, { 2, 1 }, { 3, 5 }, { 0, 1 } }, { 0, 1, 1, 0 }
    local m = assert(churn.fit(X, y, { penalty = 1 }))
    local none, msg, code = m:score_columns({ x0 = { 1 } })
    assert.is_nil(none)
    assert.are.equal("CHURN_E_NOT_FOUND", code)
  end)
end)
