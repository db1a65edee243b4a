#include "edgepost/postback.hpp"

#include <nlohmann/json.hpp>

#include "edgepost/config.hpp"
#include "edgepost/events.hpp"
#include "edgepost/hex.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/macros.hpp"
#include "edgepost/money.hpp"
#include "edgepost/postback_auth.hpp"
#include "edgepost/sha256.hpp"

namespace edgepost {
namespace {

using nlohmann::json;

// A validly signed ID from the future means a wrong clock somewhere; a little skew is normal.
constexpr std::int64_t kClockSkewSeconds = 300;
constexpr std::string_view kSubIdFields[] = {"aff_sub",  "aff_sub2", "aff_sub3",    "aff_sub4",
                                             "aff_sub5", "source",   "aff_click_id"};
constexpr std::string_view kAdvSubFields[] = {"adv_sub", "adv_sub2", "adv_sub3", "adv_sub4",
                                              "adv_sub5"};

Response json_response(int status, const json& body) {
  return Response{status,
                  {{"content-type", "application/json"}, {"cache-control", "no-store"}},
                  body.dump() + "\n"};
}

Decision refuse(int status, std::string_view reason, const std::string& message,
                const std::string& transaction_id, std::int64_t now) {
  json body{{"status", "rejected"}, {"reason", reason}, {"message", message}, {"duplicate", false}};
  if (!transaction_id.empty()) body["transaction_id"] = transaction_id;
  Decision decision;
  decision.response = json_response(status, body);
  decision.events.push_back(rejection_event(now, "postback", reason, message));
  return decision;
}

Decision refuse(const Refusal& refusal, const PostbackPlan& plan, std::int64_t now) {
  return refuse(refusal.status, refusal.reason, refusal.message, plan.transaction_id, now);
}

std::string_view click_id_problem(ClickIdError error) {
  switch (error) {
    case ClickIdError::malformed: return "transaction_id is malformed";
    case ClickIdError::unknown_version: return "transaction_id has an unknown format version";
    case ClickIdError::unknown_key: return "transaction_id was signed with an unknown key";
    case ClickIdError::bad_signature: return "transaction_id signature does not verify";
  }
  return "transaction_id is invalid";
}

// Everything a conversion is, before it is priced and stored.
struct Conversion {
  const Offer* offer = nullptr;
  const Goal* goal = nullptr;
  std::optional<Amount> amount;
  ConversionStatus status = ConversionStatus::approved;
  std::string rule;  // why the rules, not the advertiser, set the status
  json click;        // the stored click record, or what the ID tells when it is not visible yet
  bool from_click_record = false;
};

std::optional<Refusal> read_amount_and_currency(const PostbackPlan& plan, Conversion& conversion) {
  if (const std::string* text = plan.params.get("amount"); text != nullptr && !text->empty()) {
    const auto amount = parse_amount(*text);
    if (!amount) {
      return Refusal{400, "invalid_request",
                     "amount: " + std::string(amount_error_message(amount.error()))};
    }
    conversion.amount = *amount;
  }
  if (const std::string* text = plan.params.get("currency"); text != nullptr && !text->empty()) {
    const auto currency = normalize_currency(*text);
    if (!currency) return Refusal{400, "invalid_request", "currency: must be a 3-letter code"};
    if (*currency != conversion.offer->currency) {
      return Refusal{400, "invalid_request",
                     "currency " + *currency + " differs from the offer's currency " +
                         conversion.offer->currency + " (no conversion between currencies)"};
    }
  }
  const bool needs_amount =
      conversion.goal->revenue.needs_sale_amount() ||
      conversion.offer->payout_for(plan.click.affiliate_id, *conversion.goal).needs_sale_amount();
  if (needs_amount && !conversion.amount) {
    return Refusal{400, "invalid_request",
                   "amount is required: goal '" + conversion.goal->id + "' pays a percent of it"};
  }
  return std::nullopt;
}

std::optional<Refusal> read_status(const PostbackPlan& plan, std::int64_t now,
                                   Conversion& conversion) {
  conversion.status = conversion.goal->status;
  if (const std::string* text = plan.params.get("status"); text != nullptr && !text->empty()) {
    const auto status = parse_status(*text);
    if (!status) {
      return Refusal{400, "invalid_request", "status: must be approved, pending or rejected"};
    }
    conversion.status = *status;
  }
  if (now - std::int64_t{plan.click.click_time} < conversion.offer->min_conversion_seconds) {
    conversion.status = ConversionStatus::rejected;
    conversion.rule = "faster than the offer's minimum click-to-conversion time";
  }
  return std::nullopt;
}

std::optional<Refusal> check_window(const PostbackPlan& plan, const Offer& offer,
                                    std::int64_t now) {
  const std::int64_t clicked = plan.click.click_time;
  if (clicked > now + kClockSkewSeconds) {
    return Refusal{400, "invalid_transaction_id", "transaction_id is dated in the future"};
  }
  if (now - clicked > offer.attribution_window_seconds) {
    return Refusal{410, "expired", "the click is older than the offer's attribution window"};
  }
  return std::nullopt;
}

json click_facts(const PostbackPlan& plan, const Snapshot& snapshot, bool& from_record) {
  if (const std::string* text = lookup(snapshot, click_key(plan.transaction_id))) {
    json record = json::parse(*text, nullptr, false);
    if (record.is_object()) {
      from_record = true;
      return record;
    }
  }
  // Edge KV is eventually consistent: the click may not be visible yet. The signed ID holds
  // what attribution needs; only the sub IDs are unknown.
  from_record = false;
  return json{{"transaction_id", plan.transaction_id},
              {"offer_id", plan.click.offer_id},
              {"aff_id", plan.click.affiliate_id},
              {"time", plan.click.click_time}};
}

std::vector<KvWrite> claims_for(const PostbackPlan& plan, const Conversion& conversion) {
  std::vector<KvWrite> claims;
  if (!conversion.goal->multiple) {
    claims.push_back({conversion_claim_key(plan.transaction_id, conversion.goal->id), "", 0});
  }
  if (const std::string* adv_sub = plan.params.get("adv_sub"); adv_sub && !adv_sub->empty()) {
    claims.push_back({order_claim_key(conversion.offer->advertiser.id, *adv_sub), "", 0});
  }
  return claims;
}

// Derived from the first claim, so a retried request gets the same id; random when the goal
// may repeat and nothing identifies the conversion.
std::string conversion_id_for(const std::vector<KvWrite>& claims, const Environment& env) {
  if (!claims.empty()) return to_hex(sha256(claims.front().key)).substr(0, 24);
  return to_hex(std::span<const std::uint8_t>(env.entropy.data(), 12));
}

MacroValues postback_macros(const Conversion& conversion, const json& record) {
  MacroValues values;
  const json& click = conversion.click;
  values.emplace_back("transaction_id", record["transaction_id"].get<std::string>());
  values.emplace_back("offer_id", std::to_string(conversion.offer->id));
  values.emplace_back("aff_id", record["aff_id"].dump());
  values.emplace_back("timestamp", record["time"].dump());
  for (const std::string_view field : kSubIdFields) {
    const auto found = click.find(std::string(field));
    if (found != click.end() && found->is_string())
      values.emplace_back(field, found->get<std::string>());
  }
  for (const char* field : {"goal", "payout", "currency", "status", "conversion_id"}) {
    values.emplace_back(field, record[field].get<std::string>());
  }
  return values;
}

std::vector<PartnerPostback> partner_postbacks(const PostbackPlan& plan, const Snapshot& snapshot,
                                               const Conversion& conversion, const json& record) {
  if (conversion.status != ConversionStatus::approved) return {};
  const std::uint32_t affiliate_id = plan.click.affiliate_id;
  const UrlTemplate* postback = conversion.offer->postback_override(affiliate_id);
  std::optional<Affiliate> affiliate;
  if (postback == nullptr) {
    const std::string* text = lookup(snapshot, affiliate_key(affiliate_id));
    if (text == nullptr) return {};
    auto parsed = parse_affiliate_record(*text);
    if (!parsed || !parsed->postback) return {};
    affiliate = std::move(*parsed);
    postback = &*affiliate->postback;
  }
  const std::string id =
      record["conversion_id"].get<std::string>() + "-" + std::to_string(affiliate_id);
  return {
      PartnerPostback{id, affiliate_id, render(*postback, postback_macros(conversion, record))}};
}

json conversion_record(const PostbackPlan& plan, const Conversion& conversion,
                       const std::string& conversion_id, std::int64_t now) {
  const bool paid = conversion.status != ConversionStatus::rejected;
  const Amount revenue = paid ? conversion.goal->revenue.apply(conversion.amount) : Amount{};
  const Amount payout =
      paid ? conversion.offer->payout_for(plan.click.affiliate_id, *conversion.goal)
                 .apply(conversion.amount)
           : Amount{};
  json record{{"conversion_id", conversion_id},
              {"transaction_id", plan.transaction_id},
              {"offer_id", conversion.offer->id},
              {"aff_id", plan.click.affiliate_id},
              {"advertiser_id", conversion.offer->advertiser.id},
              {"goal", conversion.goal->id},
              {"status", status_name(conversion.status)},
              {"revenue", format_amount(revenue)},
              {"payout", format_amount(payout)},
              {"currency", conversion.offer->currency},
              {"click_time", plan.click.click_time},
              {"time", now},
              {"attributed_from", conversion.from_click_record ? "click" : "transaction_id"}};
  if (conversion.amount) record["amount"] = format_amount(*conversion.amount);
  if (!conversion.rule.empty()) record["rule"] = conversion.rule;
  for (const std::string_view field : kAdvSubFields) {
    if (const std::string* value = plan.params.get(field)) record[std::string(field)] = *value;
  }
  return record;
}

json response_body(const json& record, bool duplicate) {
  return json{{"status", record["status"]},
              {"conversion_id", record["conversion_id"]},
              {"transaction_id", record["transaction_id"]},
              {"goal", record["goal"]},
              {"duplicate", duplicate}};
}

std::optional<Refusal> resolve(const PostbackPlan& plan, const Snapshot& snapshot,
                               const Environment& env, std::optional<Offer>& offer,
                               Conversion& conversion) {
  const std::string* offer_text = lookup(snapshot, offer_key(plan.click.offer_id));
  if (offer_text == nullptr) {
    return Refusal{404, "unknown_click", "the offer of this transaction_id no longer exists"};
  }
  auto parsed = parse_offer_record(*offer_text);
  if (!parsed) return Refusal{500, "config_error", "the offer's stored record is invalid"};
  offer = std::move(*parsed);
  conversion.offer = &*offer;

  const AuthFailure auth =
      authenticate_postback(offer->advertiser.auth, plan.params, plan.client_ip, env.now);
  if (auth == AuthFailure::ip_not_allowed) {
    return Refusal{403, "ip_not_allowed", std::string(auth_failure_message(auth))};
  }
  if (auth != AuthFailure::none) {
    return Refusal{401, "unauthorized", std::string(auth_failure_message(auth))};
  }
  if (!offer->active) return Refusal{403, "offer_inactive", "the offer is paused"};
  if (auto refusal = check_window(plan, *offer, env.now)) return refusal;

  const std::string* goal_id = plan.params.get("goal");
  const std::string wanted = goal_id && !goal_id->empty() ? *goal_id : offer->default_goal;
  conversion.goal = offer->find_goal(wanted);
  if (conversion.goal == nullptr) {
    return Refusal{400, "unknown_goal", "the offer has no goal '" + wanted.substr(0, 64) + "'"};
  }
  if (auto refusal = read_amount_and_currency(plan, conversion)) return refusal;
  if (auto refusal = read_status(plan, env.now, conversion)) return refusal;
  conversion.click = click_facts(plan, snapshot, conversion.from_click_record);
  return std::nullopt;
}

}  // namespace

PostbackPlan plan_postback(const Request& request, const KeyRing& keys) {
  PostbackPlan plan;
  plan.client_ip = request.client_ip;
  auto params = read_params(request, Endpoint::postback);
  if (!params) {
    plan.refusal =
        Refusal{http_status(params.error().code), "invalid_request", params.error().message};
    return plan;
  }
  plan.params = std::move(*params);
  const std::string* id = plan.params.get("transaction_id");
  if (id == nullptr || id->empty()) {
    plan.refusal = Refusal{400, "invalid_request", "transaction_id is required"};
    return plan;
  }
  const auto click = verify_click_id(*id, keys);
  if (!click) {
    plan.refusal =
        Refusal{400, "invalid_transaction_id", std::string(click_id_problem(click.error()))};
    return plan;
  }
  plan.click = *click;
  plan.transaction_id = normalize_click_id(*id);
  plan.keys = {offer_key(plan.click.offer_id), affiliate_key(plan.click.affiliate_id),
               click_key(plan.transaction_id)};
  return plan;
}

Decision decide_postback(const PostbackPlan& plan, const Snapshot& snapshot,
                         const Environment& env) {
  if (plan.refusal) return refuse(*plan.refusal, plan, env.now);
  std::optional<Offer> offer;
  Conversion conversion;
  if (auto refusal = resolve(plan, snapshot, env, offer, conversion)) {
    return refuse(*refusal, plan, env.now);
  }

  Decision decision;
  decision.claims = claims_for(plan, conversion);
  const std::string conversion_id = conversion_id_for(decision.claims, env);
  json record = conversion_record(plan, conversion, conversion_id, env.now);
  decision.postbacks = partner_postbacks(plan, snapshot, conversion, record);
  json postbacks = json::array();
  for (const PartnerPostback& postback : decision.postbacks) {
    postbacks.push_back(
        {{"id", postback.id}, {"aff_id", postback.affiliate_id}, {"url", postback.url}});
  }
  record["postbacks"] = postbacks;
  const std::string stored = record.dump();
  for (KvWrite& claim : decision.claims) claim.value = stored;
  decision.writes.push_back({"conversion/" + conversion_id, stored, 0});
  decision.response = json_response(200, response_body(record, false));
  json event = record;
  event["type"] = "conversion";
  decision.events.push_back(event.dump());
  return decision;
}

Decision decide_duplicate(std::string_view stored_claim, std::int64_t now) {
  const json record = json::parse(stored_claim, nullptr, false);
  if (!record.is_object() || !record.contains("conversion_id")) {
    return refuse(500, "store_error", "the stored conversion is unreadable", "", now);
  }
  Decision decision;
  decision.response = json_response(200, response_body(record, true));
  const auto postbacks = record.find("postbacks");
  if (postbacks != record.end() && postbacks->is_array()) {
    for (const json& entry : *postbacks) {
      if (!entry.is_object()) continue;
      const json& id = entry["id"];
      const json& affiliate = entry["aff_id"];
      const json& url = entry["url"];
      if (!id.is_string() || !affiliate.is_number_unsigned() || !url.is_string()) continue;
      decision.postbacks.push_back(PartnerPostback{
          id.get<std::string>(), affiliate.get<std::uint32_t>(), url.get<std::string>()});
    }
  }
  decision.events.push_back(json{{"type", "duplicate"},
                                 {"time", now},
                                 {"conversion_id", record["conversion_id"]},
                                 {"transaction_id", record["transaction_id"]}}
                                .dump());
  return decision;
}

}  // namespace edgepost
