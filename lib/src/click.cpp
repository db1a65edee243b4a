#include "edgepost/click.hpp"
#include "edgepost/click_record.hpp"
#include "edgepost/json_text.hpp"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "edgepost/config_records.hpp"
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
  ClickRecord record{transaction_id, plan.offer_id, plan.affiliate_id, now, {}};
  for (const std::string_view field : kSubIdFields) {
    if (const std::string* value = plan.params.get(field)) {
      record.sub_ids.emplace_back(std::string(field), *value);
    }
  }
  return record;
}

bool affiliate_may_send(const Snapshot& snapshot, const Offer& offer, std::uint32_t affiliate_id) {
  const std::string* text = lookup(snapshot, affiliate_key(affiliate_id));
  if (text == nullptr || !offer.allows(affiliate_id)) return false;
  const auto affiliate = parse_affiliate_record(*text);
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
  plan.keys = {offer_key(plan.offer_id), affiliate_key(plan.affiliate_id)};
  return plan;
}

Decision decide_click(const ClickPlan& plan, const Snapshot& snapshot, const Environment& env) {
  if (plan.refusal) {
    return refuse(plan.refusal->status, plan.refusal->reason, plan.refusal->message, env.now);
  }
  const std::string* offer_text = lookup(snapshot, offer_key(plan.offer_id));
  if (offer_text == nullptr) {
    return refuse(404, "unknown_offer", "unknown offer " + std::to_string(plan.offer_id), env.now);
  }
  const auto offer = parse_offer_record(*offer_text);
  if (!offer) {
    return refuse(500, "config_error",
                  "offer " + std::to_string(plan.offer_id) + " has an invalid stored record",
                  env.now);
  }
  if (!offer->active) {
    if (!offer->fallback_url.empty()) return redirect(offer->fallback_url);
    return refuse(404, "offer_inactive", "offer " + std::to_string(plan.offer_id) + " is paused",
                  env.now);
  }
  if (!affiliate_may_send(snapshot, *offer, plan.affiliate_id)) {
    return refuse(403, "affiliate_not_allowed",
                  "affiliate " + std::to_string(plan.affiliate_id) +
                      " may not send traffic to offer " + std::to_string(plan.offer_id),
                  env.now);
  }

  // A HEAD (link checkers, prefetch) is not a click: it gets the redirect with an empty
  // transaction_id, so that no valid signed ID exists without its click record and event.
  if (!plan.record) return redirect(render(offer->landing, click_macros(plan, "", env.now)));

  ClickId click;
  click.click_time = static_cast<std::uint32_t>(env.now);
  click.offer_id = plan.offer_id;
  click.affiliate_id = plan.affiliate_id;
  std::copy(env.entropy.begin(), env.entropy.begin() + click.nonce.size(), click.nonce.begin());
  const std::string transaction_id = mint_click_id(click, *env.keys);

  Decision decision = redirect(render(offer->landing, click_macros(plan, transaction_id, env.now)));
  const ClickRecord record = click_record(plan, transaction_id, env.now);
  // Unsynced: the signed transaction ID attributes the conversion without its click record,
  // so a click lost to a power cut costs reporting detail, never a conversion.
  decision.writes.push_back(KvWrite{.key = click_key(transaction_id),
                                    .value = encode(record),
                                    .ttl_seconds = offer->attribution_window_seconds,
                                    .durability = Durability::unsynced});
  decision.events.push_back(click_event(record));
  return decision;
}

}  // namespace edgepost
