#include "edgepost/click.hpp"
#include "edgepost/click_record.hpp"
#include "edgepost/json_text.hpp"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "edgepost/cap_closure.hpp"
#include "edgepost/click_rules.hpp"
#include "edgepost/config_cache.hpp"
#include "edgepost/events.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/macros.hpp"

namespace edgepost {
namespace {

Decision refuse(int status, std::string_view reason, const std::string& message, std::int64_t now) {
  Decision decision;
  decision.response.status = status;
  decision.response.headers = {{"content-type", "text/plain; charset=utf-8"},
                               {"cache-control", "no-store"}};
  decision.response.body = message + "\n";
  decision.events.push_back(rejection_event(now, "click", reason, message));
  return decision;
}

Decision redirect(const std::string& location) {
  Decision decision;
  decision.response.status = 302;
  decision.response.headers = {{"location", location}, {"cache-control", "no-store"}};
  return decision;
}

std::optional<std::uint32_t> parse_positive_id(const std::string* text) {
  if (text == nullptr || text->empty()) return std::nullopt;
  std::uint64_t value = 0;
  const char* end = text->data() + text->size();
  const auto [stop, status] = std::from_chars(text->data(), end, value);
  if (status != std::errc{} || stop != end || value == 0 ||
      value > std::numeric_limits<std::uint32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(value);
}

MacroValues click_macros(const ClickPlan& plan, const std::string& transaction_id,
                         std::int64_t now) {
  MacroValues values{{"transaction_id", transaction_id},
                     {"offer_id", std::to_string(plan.offer_id)},
                     {"aff_id", std::to_string(plan.affiliate_id)},
                     {"timestamp", std::to_string(now)}};
  for (const std::string_view field : kSubIdFields) {
    if (const std::string* value = plan.params.get(field)) values.emplace_back(field, *value);
  }
  return values;
}

ClickRecord click_record(const ClickPlan& plan, const std::string& transaction_id,
                         std::int64_t now) {
  ClickRecord record;
  record.transaction_id = transaction_id;
  record.offer_id = plan.offer_id;
  record.affiliate_id = plan.affiliate_id;
  record.time = now;
  record.ip = plan.client_ip;
  record.country = plan.country;
  for (const std::string_view field : kSubIdFields) {
    if (const std::string* value = plan.params.get(field)) {
      record.sub_ids.emplace_back(std::string(field), *value);
    }
  }
  return record;
}

bool affiliate_may_send(const Snapshot& snapshot, const Environment& env, const Offer& offer,
                        std::uint32_t affiliate_id) {
  const std::string key = affiliate_key(affiliate_id);
  const std::string* text = lookup(snapshot, key);
  if (text == nullptr || !offer.allows(affiliate_id)) return false;
  const auto affiliate = stored_affiliate(env.config_cache, key, *text);
  return affiliate && affiliate->active;
}

}  // namespace

ClickPlan plan_click(const Request& request) {
  ClickPlan plan;
  auto params = read_params(request, Endpoint::click);
  if (!params) {
    plan.refusal =
        Refusal{http_status(params.error().code), "invalid_request", params.error().message};
    return plan;
  }
  plan.params = std::move(*params);
  const auto offer_id = parse_positive_id(plan.params.get("offer_id"));
  const auto affiliate_id = parse_positive_id(plan.params.get("aff_id"));
  if (!offer_id || !affiliate_id) {
    const char* which = !offer_id ? "offer_id" : "aff_id";
    plan.refusal = Refusal{400, "invalid_request",
                           std::string(which) + " is required and must be a positive integer"};
    return plan;
  }
  plan.offer_id = *offer_id;
  plan.affiliate_id = *affiliate_id;
  plan.record = request.method != "HEAD";
  if (const std::string* agent = request.header("user-agent")) plan.user_agent = *agent;
  plan.client_ip = request.client_ip;
  plan.country = country_code(request.country);
  plan.keys = {offer_key(plan.offer_id), affiliate_key(plan.affiliate_id),
               cap_closures_key(plan.offer_id)};
  return plan;
}

namespace {

// The offer the click is for, when it may be sent there: else the answer instead.
Expected<std::shared_ptr<const Offer>, Decision> offer_for(const ClickPlan& plan,
                                                           const Snapshot& snapshot,
                                                           const Environment& env) {
  const std::int64_t now = env.now;
  const std::string key = offer_key(plan.offer_id);
  const std::string* offer_text = lookup(snapshot, key);
  if (offer_text == nullptr) {
    return Unexpected{
        refuse(404, "unknown_offer", "unknown offer " + std::to_string(plan.offer_id), now)};
  }
  auto offer = stored_offer(env.config_cache, key, *offer_text);
  if (offer == nullptr) {
    return Unexpected{
        refuse(500, "config_error",
               "offer " + std::to_string(plan.offer_id) + " has an invalid stored record", now)};
  }
  if (!offer->active) {
    if (!offer->fallback_url.empty()) return Unexpected{redirect(offer->fallback_url)};
    return Unexpected{refuse(404, "offer_inactive",
                             "offer " + std::to_string(plan.offer_id) + " is paused", now)};
  }
  if (!affiliate_may_send(snapshot, env, *offer, plan.affiliate_id)) {
    return Unexpected{refuse(403, "affiliate_not_allowed",
                             "affiliate " + std::to_string(plan.affiliate_id) +
                                 " may not send traffic to offer " + std::to_string(plan.offer_id),
                             now)};
  }
  return offer;
}

// A click that failed a traffic rule: recorded with its flags, then sent where the offer says.
Decision flagged_click(const Offer& offer, const ClickRecord& record, const std::string& landing,
                       std::int64_t now) {
  const std::string rules = "click failed traffic rules: " + [&] {
    std::string joined;
    for (const std::string& flag : record.flags) joined += (joined.empty() ? "" : ", ") + flag;
    return joined;
  }();
  Decision decision;
  switch (offer.traffic_rules.action) {
    case RuleAction::flag: decision = redirect(landing); break;
    case RuleAction::fallback:
      decision = offer.fallback_url.empty() ? refuse(404, "click_flagged", rules, now)
                                            : redirect(offer.fallback_url);
      break;
    case RuleAction::refuse: decision = refuse(403, "click_flagged", rules, now); break;
  }
  return decision;
}

}  // namespace

std::optional<RateCount> click_rate_count(const ClickPlan& plan, const Snapshot& snapshot,
                                          const Environment& env) {
  if (plan.refusal || !plan.record) return std::nullopt;
  const auto offer = offer_for(plan, snapshot, env);
  if (!offer) return std::nullopt;
  auto ledger = click_rate_ledger(**offer, plan.client_ip, env.now);
  if (!ledger) return std::nullopt;
  return RateCount{std::move(*ledger), (*offer)->traffic_rules.max_clicks_per_ip_per_minute};
}

Decision decide_click(const ClickPlan& plan, const Snapshot& snapshot, const Environment& env,
                      bool over_rate) {
  if (plan.refusal) {
    return refuse(plan.refusal->status, plan.refusal->reason, plan.refusal->message, env.now);
  }
  auto found = offer_for(plan, snapshot, env);
  if (!found) return std::move(found).error();
  const Offer& offer = **found;
  if (const std::string* text = lookup(snapshot, cap_closures_key(plan.offer_id))) {
    if (const auto full =
            closed_ledger(offer, plan.affiliate_id, env.now, parse_cap_closures(*text))) {
      if (!offer.fallback_url.empty()) return redirect(offer.fallback_url);
      return refuse(
          404, "cap_reached",
          "offer " + std::to_string(plan.offer_id) + " has reached its cap (" + *full + ")",
          env.now);
    }
  }

  // A HEAD (link checkers, prefetch) is not a click: it gets the redirect with an empty
  // transaction_id, so that no valid signed ID exists without its click record and event.
  if (!plan.record) return redirect(render(offer.landing, click_macros(plan, "", env.now)));

  ClickId click;
  click.click_time = static_cast<std::uint32_t>(env.now);
  click.offer_id = plan.offer_id;
  click.affiliate_id = plan.affiliate_id;
  std::copy(env.entropy.begin(), env.entropy.begin() + click.nonce.size(), click.nonce.begin());
  const std::string transaction_id = mint_click_id(click, *env.keys);

  ClickRecord record = click_record(plan, transaction_id, env.now);
  record.advertiser_id = offer.advertiser.id;
  // The address is personal data: kept only where a rule compares it with the conversion's.
  if (offer.traffic_rules.ip_mismatch == IpMismatch::ignore) record.ip.clear();
  record.flags = click_rule_flags(
      offer.traffic_rules, Visitor{plan.user_agent, plan.client_ip, plan.country}, over_rate);
  const std::string landing = render(offer.landing, click_macros(plan, transaction_id, env.now));
  Decision decision =
      record.flags.empty() ? redirect(landing) : flagged_click(offer, record, landing, env.now);
  // Unsynced: the signed transaction ID attributes the conversion without its click record,
  // so a click lost to a power cut costs reporting detail, never a conversion.
  decision.writes.push_back(KvWrite{.key = click_key(transaction_id),
                                    .value = encode(record),
                                    .ttl_seconds = offer.attribution_window_seconds,
                                    .durability = Durability::unsynced});
  decision.events.push_back(click_event(record));
  return decision;
}

}  // namespace edgepost
