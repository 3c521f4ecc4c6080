-- retention_rules.lua -- the kind of business rule a retention desk keeps in Lua inside its BSS:
-- score a subscriber with the churn model the host handed over, and when the risk is high
-- enough pick a retention action from the strongest reasons.  examples/lua_host.c runs it.
--
-- The host calls rules.decide(model, subscriber) where subscriber is a {field = value} table
-- (model features by name plus BSS fields such as vip); it returns the action, the churn
-- probability and the reasons ({feature=, contribution=, value=, category=} from model:explain;
-- category is the churn category libchurn's feature catalog gives the feature).

local rules = {}

rules.threshold = 0.35  -- contact subscribers at or above this churn probability

-- What the desk does about each churn category (and, within "competitive", about price versus
-- viewing moving elsewhere).  Natural churn (moving, no TV) is rarely saved: a courtesy call.
local ACTION = {
  service = "technical_follow_up",         -- repair / call-back before anything else
  competitive = "retention_offer",
  natural = "courtesy_call",
}
local ACTION_BY_GROUP = {
  payment = "payment_plan_offer",
  usage = "content_package_offer",         -- stress content and bundle differentiators
}

-- The first reason (strongest first) that pushes toward churn and has a known cause wins; a
-- short tenure alone only earns a welcome call.
local function pick_action(subscriber, reasons)
  for _, r in ipairs(reasons) do
    local action = ACTION[r.category]
    if r.contribution > 0 and action then
      return ACTION_BY_GROUP[r.feature:match("^(%w+)%.")] or action
    end
  end
  if (subscriber["account.tenure_months"] or math.huge) < 6 then return "welcome_call" end
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
