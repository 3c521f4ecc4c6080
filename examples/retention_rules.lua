-- retention_rules.lua -- the kind of business rule a retention desk keeps in Lua inside its BSS:
-- score a subscriber with the churn model the host handed over, and when the risk is high
-- enough pick a retention action from the strongest reasons.  examples/lua_host.c runs it.
--
-- The host calls rules.decide(model, subscriber) where subscriber is a {field = value} table
-- (model features plus BSS fields such as vip); it returns the action, the churn probability and
-- the reasons ({feature=, contribution=, value=} from model:explain).

local rules = {}

rules.threshold = 0.35  -- contact subscribers at or above this churn probability

-- Which churn category each model feature speaks for, and what the desk does about it.
local CATEGORY = {
  faults_90d = "service",
  complaints_90d = "service",
  arrears = "price",
  viewing_drop_pct = "competitive",
  tenure_months = "new_subscriber",
}
local ACTION = {
  service = "technical_follow_up",        -- repair / call-back before anything else
  price = "payment_plan_offer",
  competitive = "package_offer",           -- stress content and bundle differentiators
  new_subscriber = "welcome_call",
}

-- The first reason (strongest first) that points at something the desk can act on wins; a
-- short tenure alone only earns a welcome call.
local function pick_action(subscriber, reasons)
  for _, r in ipairs(reasons) do
    local category = CATEGORY[r.feature]
    if r.contribution > 0 and category and category ~= "new_subscriber" then
      return ACTION[category]
    end
  end
  if (subscriber.tenure_months or math.huge) < 6 then return ACTION.new_subscriber end
  return "courtesy_call"
end

function rules.decide(model, subscriber)
  local p, msg = model:score_one(subscriber)
  if not p then return "error: " .. msg, nil, {} end
  if p < rules.threshold then return "none", p, {} end
  local reasons = assert(model:explain(subscriber, 3))
  local action = pick_action(subscriber, reasons)
  if subscriber.vip == 1 then action = "vip_manager:" .. action end
  return action, p, reasons
end

return rules
