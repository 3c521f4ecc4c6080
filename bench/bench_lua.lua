-- bench_lua.lua -- what calling libchurn from Lua costs: scoring N rows held in Lua tables
-- through model:score (positional rows and name->value rows: table reads plus the C call) and
-- model:score_one per row, against the same logistic formula written in plain Lua as the peer,
-- plus churn.fit from Lua tables.  Prints times, rows/s and ratios measured in one run.
-- Run: LUA_CPATH="build/bindings/lua/?.so;;" lua5.4 bench/bench_lua.lua [N]
local churn = require "churn"

local N = tonumber(arg[1]) or 200000
local D = 8
local clock = os.clock

local names = {}
for j = 1, D do names[j] = "f" .. j end
local seed = 1
local function rand()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end
local X, named, y = {}, {}, {}
for i = 1, N do
  local row, nrow, eta = {}, {}, -0.5
  for j = 1, D do
    row[j] = rand() * 4 - 2
    nrow[names[j]] = row[j]
    eta = eta + (j % 3 - 1) * 0.4 * row[j]
  end
  X[i], named[i] = row, nrow
  y[i] = rand() < 1 / (1 + math.exp(-eta)) and 1 or 0
end

local function best_of(k, f)
  local best = math.huge
  for _ = 1, k do
    local t0 = clock()
    f()
    best = math.min(best, clock() - t0)
  end
  return best
end

local model
local t_fit = best_of(3, function() model = assert(churn.fit(X, y, { feature_names = names })) end)
local coef, b0 = model:coef()
local c = {}
for j = 1, D do c[j] = coef[names[j]] end

local p_lua = {}
local t_lua = best_of(5, function()
  for i = 1, N do
    local row, eta = X[i], b0
    for j = 1, D do eta = eta + c[j] * row[j] end
    p_lua[i] = 1 / (1 + math.exp(-eta))
  end
end)
local p
local t_pos = best_of(5, function() p = assert(model:score(X)) end)
local t_named = best_of(5, function() assert(model:score(named)) end)
local t_one = best_of(3, function()
  for i = 1, N do model:score_one(X[i]) end
end)
local worst = 0
for i = 1, N do worst = math.max(worst, math.abs(p[i] - p_lua[i])) end

local function line(what, t)
  print(("%-44s %8.1f ms  %6.2f M rows/s  %5.2fx the plain-Lua peer"):format(
    what, t * 1e3, N / t / 1e6, t / t_lua))
end
print(("rows %d, features %d, %s; max |p_churn - p_lua| = %.1e"):format(N, D, _VERSION, worst))
line("plain Lua loop (peer)", t_lua)
line("model:score(rows), positional", t_pos)
line("model:score(rows), name->value", t_named)
line("model:score_one(row) per row", t_one)
print(("%-44s %8.1f ms  (Newton, %d iterations)"):format("churn.fit from Lua tables", t_fit * 1e3,
  model:stats().n_iter))
