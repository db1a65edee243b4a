#include "edgepost/postback.hpp"
#include "edgepost/json_text.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "edgepost/click_record.hpp"
#include "edgepost/config_cache.hpp"
#include "edgepost/conversion_postbacks.hpp"
#include "edgepost/events.hpp"
#include "edgepost/hex.hpp"
#include "edgepost/ip_address.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/macros.hpp"
#include "edgepost/money.hpp"
#include "edgepost/percent.hpp"
#include "edgepost/postback_auth.hpp"
#include "edgepost/sha256.hpp"
#include "edgepost/timestamp.hpp"

namespace edgepost {
namespace {

using nlohmann::json;

constexpr std::string_view kAdvSubFields[] = {"adv_sub", "adv_sub2", "adv_sub3", "adv_sub4",
                                              "adv_sub5"};

PostbackDecision refuse(const Refusal& refusal, const PostbackPlan& plan, std::int64_t now) {
  PostbackDecision decision;
  decision.refusal = postback_refusal(refusal.status, refusal.reason, refusal.message,
                                      plan.transaction_id, now, &plan.params);
  return decision;
}

// Everything a conversion is, before it is priced and stored.
struct Conversion {
  const Offer* offer = nullptr;
  const Goal* goal = nullptr;
  std::optional<Amount> amount;
  ConversionStatus status = ConversionStatus::approved;
  // When it happened: the advertiser's conversion_time (delayed or offline conversions), else now.
  std::int64_t time = 0;
  bool time_given = false;
  std::string rule;                // why the rules, not the advertiser, set the status
  std::string reason;              // that rule's code
  std::vector<std::string> flags;  // every rule that fired
  ClickRecord click;  // the stored click record, or what the ID tells when it is not visible yet
  bool from_click_record = false;
};

// The sale amount, if given, in the offer's currency.
Expected<std::optional<Amount>, Refusal> read_sale_amount(const PostbackPlan& plan,
                                                          const Offer& offer) {
  std::optional<Amount> amount;
  if (const std::string* text = plan.params.get("amount"); text != nullptr && !text->empty()) {
    const auto parsed = parse_amount(*text);
    if (!parsed) {
      return Unexpected{Refusal{400, "invalid_request",
                                "amount: " + std::string(amount_error_message(parsed.error()))}};
    }
    amount = *parsed;
  }
  if (const std::string* text = plan.params.get("currency"); text != nullptr && !text->empty()) {
    const auto currency = normalize_currency(*text);
    if (!currency) {
      return Unexpected{Refusal{400, "invalid_request", "currency: must be a 3-letter code"}};
    }
    if (*currency != offer.currency) {
      return Unexpected{Refusal{400, "invalid_request",
                                "currency " + *currency + " differs from the offer's currency " +
                                    offer.currency + " (no conversion between currencies)"}};
    }
  }
  return amount;
}

std::optional<Refusal> read_amount_and_currency(const PostbackPlan& plan, Conversion& conversion) {
  auto amount = read_sale_amount(plan, *conversion.offer);
  if (!amount) return amount.error();
  conversion.amount = *amount;
  const bool needs_amount =
      conversion.goal->revenue.needs_sale_amount() ||
      conversion.offer->payout_for(plan.click.affiliate_id, *conversion.goal).needs_sale_amount();
  if (needs_amount && !conversion.amount) {
    return Refusal{400, "invalid_request",
                   "amount is required: goal '" + conversion.goal->id + "' pays a percent of it"};
  }
  return std::nullopt;
}

constexpr std::string_view kStatusRule = "status: must be approved, pending or rejected";

// Only an explicit status changes a recorded conversion: a postback without one repeats it.
Expected<std::optional<ChangeRequest>, Refusal> read_change_request(
    const PostbackPlan& plan, const std::optional<Amount>& amount) {
  const std::string* text = plan.params.get("status");
  if (text == nullptr || text->empty()) return std::optional<ChangeRequest>{};
  const auto status = parse_status(*text);
  if (!status) return Unexpected{Refusal{400, "invalid_request", std::string(kStatusRule)}};
  return std::optional<ChangeRequest>{ChangeRequest{*status, amount, ChangeSource::advertiser, {}}};
}

std::optional<Refusal> read_status(const PostbackPlan& plan, Conversion& conversion) {
  conversion.status = conversion.goal->status;
  if (const std::string* text = plan.params.get("status"); text != nullptr && !text->empty()) {
    const auto status = parse_status(*text);
    if (!status) return Refusal{400, "invalid_request", std::string(kStatusRule)};
    conversion.status = *status;
  }
  return std::nullopt;
}

// A rule that decides the status: the first one that fires gives the reason.
void reject_by_rule(Conversion& conversion, std::string_view code, std::string message) {
  conversion.flags.emplace_back(code);
  if (conversion.status == ConversionStatus::rejected && !conversion.reason.empty()) return;
  conversion.status = ConversionStatus::rejected;
  conversion.reason = code;
  conversion.rule = std::move(message);
}

// ::ffff:a.b.c.d is the IPv4 host a.b.c.d (dual-stack servers report IPv4 peers that way).
IpAddress unmapped(const IpAddress& address) {
  constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!address.v6 || !std::equal(std::begin(kMapped), std::end(kMapped), address.bytes.begin())) {
    return address;
  }
  IpAddress v4;
  std::copy(address.bytes.begin() + 12, address.bytes.end(), v4.bytes.begin());
  return v4;
}

// The same /24 (IPv4) or /48 (IPv6): a household's or an operator's network, not the host,
// since mobile and dual-stack users change addresses between click and sale.
bool same_network(IpAddress a, IpAddress b) {
  a = unmapped(a);
  b = unmapped(b);
  if (a.v6 != b.v6) return false;
  const std::size_t bytes = a.v6 ? 6 : 3;
  return std::equal(a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(bytes),
                    b.bytes.begin());
}

// Conversion-side traffic rules (docs/traffic-rules.md), on the click as recorded.
void apply_conversion_rules(const PostbackPlan& plan, Conversion& conversion) {
  const Offer& offer = *conversion.offer;
  const TrafficRules& rules = offer.traffic_rules;
  const std::int64_t elapsed = conversion.time - std::int64_t{plan.click.click_time};
  if (elapsed < offer.min_conversion_seconds) {
    reject_by_rule(conversion, "too_fast",
                   "faster than the offer's minimum click-to-conversion time");
  }
  if (rules.max_conversion_seconds != 0 && elapsed > rules.max_conversion_seconds) {
    reject_by_rule(conversion, "too_slow",
                   "slower than the offer's maximum click-to-conversion time");
  }
  if (!conversion.click.flags.empty()) {
    reject_by_rule(
        conversion, "click_flagged",
        "the click was flagged by traffic rules (" + conversion.click.flags.front() + ")");
  }
  if (rules.ip_mismatch == IpMismatch::ignore || conversion.click.ip.empty()) return;
  const std::string* user_ip = plan.params.get("user_ip");
  if (user_ip == nullptr || user_ip->empty()) return;
  const auto converted = parse_ip_address(*user_ip);
  const auto clicked = parse_ip_address(conversion.click.ip);
  if (!converted || !clicked || same_network(*converted, *clicked)) return;
  if (rules.ip_mismatch == IpMismatch::reject) {
    return reject_by_rule(conversion, "ip_mismatch",
                          "the user's IP is outside the click's network");
  }
  conversion.flags.emplace_back("ip_mismatch");
}

std::optional<Refusal> check_window(const PostbackPlan& plan, const Offer& offer, std::int64_t now,
                                    const Conversion& conversion) {
  const std::int64_t clicked = plan.click.click_time;
  if (clicked > now + kClickClockSkewSeconds) {
    return Refusal{400, "invalid_transaction_id", "transaction_id is dated in the future"};
  }
  if (conversion.time - clicked > offer.attribution_window_seconds) {
    return Refusal{
        410, "expired",
        conversion.time_given
            ? "the conversion_time is past the offer's attribution window after the click"
            : "the click is older than the offer's attribution window"};
  }
  // Measured against now, whatever conversion_time says: the click's claims are kept for the
  // offer's ledger retention, and a new conversion is only unique while they are.
  if (now - clicked > offer.attribution_window_seconds + offer.late_postback_seconds) {
    return Refusal{410, "expired",
                   "the postback came more than the offer's late_postback_days after its "
                   "attribution window closed"};
  }
  return std::nullopt;
}

// The advertiser's own time of the conversion, for conversions reported late: believed when it
// lies between the click and now (with the clock skew allowed), like the rest of the request
// authenticated.
std::optional<Refusal> read_conversion_time(const PostbackPlan& plan, std::int64_t now,
                                            Conversion& conversion) {
  conversion.time = now;
  const std::string* text = plan.params.get("conversion_time");
  if (text == nullptr || text->empty()) return std::nullopt;
  const auto parsed = parse_timestamp(*text);
  if (!parsed) {
    return Refusal{400, "invalid_conversion_time",
                   "conversion_time " + std::string(timestamp_error_message(parsed.error()))};
  }
  if (*parsed < std::int64_t{plan.click.click_time}) {
    return Refusal{400, "invalid_conversion_time", "conversion_time is before the click"};
  }
  if (*parsed > now + kClickClockSkewSeconds) {
    return Refusal{400, "invalid_conversion_time", "conversion_time is in the future"};
  }
  conversion.time = *parsed;
  conversion.time_given = true;
  return std::nullopt;
}

ClickRecord click_facts(const PostbackPlan& plan, const Snapshot& snapshot, bool& from_record) {
  if (const std::string* text = lookup(snapshot, click_key(plan.transaction_id))) {
    if (auto record = parse_click_record(*text)) {
      from_record = true;
      return std::move(*record);
    }
  }
  // Edge KV is eventually consistent: the click may not be visible yet. The signed ID holds
  // what attribution needs; only the sub IDs are unknown.
  from_record = false;
  ClickRecord known;
  known.transaction_id = plan.transaction_id;
  known.offer_id = plan.click.offer_id;
  known.affiliate_id = plan.click.affiliate_id;
  known.time = plan.click.click_time;
  return known;
}

// For a repeating goal deduplicated by fingerprint: what a retry of the same event repeats,
// normalised (9.99 and 9.990 are one amount). The transaction ID and the goal are in the key.
std::string event_fingerprint(const std::optional<Amount>& amount, const Offer& offer) {
  const std::string text =
      "amount=" + (amount ? format_amount(*amount) : std::string()) + "&currency=" + offer.currency;
  return to_hex(sha256(text)).substr(0, 32);
}

// What makes this conversion the same as an earlier one: the click and goal for goals that
// count once; for goals that may repeat, the advertiser's id of the event (adv_sub), or the
// event's fingerprint (the n-th time it repeats past its window is the n-th event).
Expected<std::vector<std::string>, Refusal> claims_for(const PostbackPlan& plan,
                                                       const Conversion& conversion,
                                                       const std::optional<Amount>& amount,
                                                       std::uint32_t repeat) {
  std::vector<std::string> claims;
  const std::string* adv_sub = plan.params.get("adv_sub");
  const bool has_order = adv_sub != nullptr && !adv_sub->empty();
  const Goal& goal = *conversion.goal;
  if (!goal.multiple) {
    claims.push_back(conversion_claim_key(plan.transaction_id, goal.id));
  } else if (!has_order && goal.dedupe == Dedupe::adv_sub) {
    return Unexpected{
        Refusal{400, "missing_adv_sub",
                "goal '" + goal.id +
                    "' may convert more than once: send adv_sub (or order_id, txid "
                    "or event_id) with your id of this event, e.g. the order number"}};
  } else if (!has_order) {
    claims.push_back(repeat_claim_key(plan.transaction_id, goal.id,
                                      event_fingerprint(amount, *conversion.offer), repeat));
  }
  // Last, so that a conversion holding the order claim holds all of its claims.
  if (has_order)
    claims.push_back(order_claim_key(conversion.offer->advertiser.id, goal.id, *adv_sub));
  return claims;
}

ConversionRecord conversion_record(const PostbackPlan& plan, const Conversion& conversion,
                                   std::string conversion_id, std::vector<std::string> claims,
                                   std::int64_t now) {
  const bool paid = conversion.status != ConversionStatus::rejected;
  const Amount revenue = paid ? conversion.goal->revenue.apply(conversion.amount) : Amount{};
  const Amount payout =
      paid ? conversion.offer->payout_for(plan.click.affiliate_id, *conversion.goal)
                 .apply(conversion.amount)
           : Amount{};
  ConversionRecord record;
  record.conversion_id = std::move(conversion_id);
  record.transaction_id = plan.transaction_id;
  record.offer_id = conversion.offer->id;
  record.affiliate_id = plan.click.affiliate_id;
  record.advertiser_id = conversion.offer->advertiser.id;
  record.goal = conversion.goal->id;
  record.status = std::string(status_name(conversion.status));
  record.revenue = format_amount(revenue);
  record.payout = format_amount(payout);
  record.currency = conversion.offer->currency;
  record.click_time = plan.click.click_time;
  record.time = now;
  if (conversion.time_given) record.conversion_time = conversion.time;
  record.attributed_from = conversion.from_click_record ? "click" : "transaction_id";
  if (conversion.amount) record.amount = format_amount(*conversion.amount);
  if (!conversion.rule.empty()) record.rule = conversion.rule;
  if (!conversion.reason.empty()) record.reason = conversion.reason;
  record.flags = conversion.flags;
  for (const std::string_view field : kAdvSubFields) {
    if (const std::string* value = plan.params.get(field)) {
      record.adv_subs.emplace_back(std::string(field), *value);
    }
  }
  record.claims = std::move(claims);
  return record;
}

// Which offer, which advertiser, which goal: enough to know the conversion's claims.
std::optional<Refusal> identify(const PostbackPlan& plan, const Snapshot& snapshot,
                                const Environment& env, std::shared_ptr<const Offer>& offer,
                                Conversion& conversion) {
  const std::string key = offer_key(plan.click.offer_id);
  const std::string* offer_text = lookup(snapshot, key);
  if (offer_text == nullptr) {
    return Refusal{404, "unknown_click", "the offer of this transaction_id no longer exists"};
  }
  offer = stored_offer(env.config_cache, key, *offer_text);
  if (offer == nullptr) return Refusal{500, "config_error", "the offer's stored record is invalid"};
  conversion.offer = offer.get();

  const AuthFailure auth =
      authenticate_postback(offer->advertiser.auth, plan.params, plan.client_ip, env.now);
  if (auth == AuthFailure::ip_not_allowed) {
    return Refusal{403, "ip_not_allowed", std::string(auth_failure_message(auth))};
  }
  if (auth != AuthFailure::none) {
    return Refusal{401, "unauthorized", std::string(auth_failure_message(auth))};
  }
  const std::string* goal_id = plan.params.get("goal");
  const std::string wanted = goal_id && !goal_id->empty() ? *goal_id : offer->default_goal;
  conversion.goal = offer->find_goal(wanted);
  if (conversion.goal == nullptr) {
    return Refusal{400, "unknown_goal", "the offer has no goal '" + wanted + "'"};
  }
  return std::nullopt;
}

// An affiliate blocked or removed from the offer after the click earns nothing from it.
void apply_affiliate_rules(const PostbackPlan& plan, const Snapshot& snapshot,
                           const Environment& env, Conversion& conversion) {
  const std::uint32_t affiliate_id = plan.click.affiliate_id;
  const std::string key = affiliate_key(affiliate_id);
  const std::string* text = lookup(snapshot, key);
  const auto affiliate = text ? stored_affiliate(env.config_cache, key, *text) : nullptr;
  if (affiliate == nullptr || !affiliate->active || !conversion.offer->allows(affiliate_id)) {
    reject_by_rule(conversion, "affiliate_not_allowed",
                   "the affiliate is blocked or no longer allowed on the offer");
  }
}

// Whether this conversion may be recorded, and as what.
std::optional<Refusal> qualify(const PostbackPlan& plan, const Snapshot& snapshot,
                               const Environment& env, Conversion& conversion) {
  if (!conversion.offer->active) return Refusal{403, "offer_inactive", "the offer is paused"};
  if (auto refusal = read_conversion_time(plan, env.now, conversion)) return refusal;
  if (auto refusal = check_window(plan, *conversion.offer, env.now, conversion)) return refusal;
  if (auto refusal = read_amount_and_currency(plan, conversion)) return refusal;
  if (auto refusal = read_status(plan, conversion)) return refusal;
  conversion.click = click_facts(plan, snapshot, conversion.from_click_record);
  apply_conversion_rules(plan, conversion);
  apply_affiliate_rules(plan, snapshot, env, conversion);
  return std::nullopt;
}

// A postback that names the conversion by the id edgepost answered with: a status change (or a
// repeat) of that conversion, never a new one.
PostbackDecision naming_conversion(const PostbackPlan& plan, std::string id,
                                   std::optional<ChangeRequest> change, std::int64_t now) {
  if (!is_conversion_id(id)) {
    return refuse(
        {400, "invalid_request", "conversion_id: must be the 24 hex digits edgepost answered with"},
        plan, now);
  }
  PostbackDecision decision;
  decision.conversion_id = std::move(id);
  decision.names_conversion = true;
  decision.change = std::move(change);
  return decision;
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
  if (const std::string* test = plan.params.get("test"); test != nullptr && !test->empty()) {
    if (*test != "0" && *test != "1") {
      plan.refusal = Refusal{400, "invalid_request",
                             "test must be 1 (the decision only: nothing is stored) or 0"};
      return plan;
    }
    plan.test = *test == "1";
  }
  const std::string* id = plan.params.get("transaction_id");
  if (id == nullptr || id->empty()) {
    plan.refusal = Refusal{400, "invalid_request", "transaction_id is required"};
    return plan;
  }
  const auto click = verify_click_id(*id, keys);
  if (!click) {
    plan.refusal =
        Refusal{400, "invalid_transaction_id", std::string(click_id_error_message(click.error()))};
    return plan;
  }
  plan.click = *click;
  plan.transaction_id = normalize_click_id(*id);
  plan.keys = {offer_key(plan.click.offer_id), affiliate_key(plan.click.affiliate_id),
               click_key(plan.transaction_id)};
  return plan;
}

PostbackDecision decide_postback(const PostbackPlan& plan, const Snapshot& snapshot,
                                 const Environment& env, std::uint32_t repeat) {
  if (plan.refusal) return refuse(*plan.refusal, plan, env.now);
  std::shared_ptr<const Offer> offer;
  Conversion conversion;
  if (auto refusal = identify(plan, snapshot, env, offer, conversion)) {
    return refuse(*refusal, plan, env.now);
  }
  // A malformed status, amount or currency is refused whether or not the conversion exists.
  const auto amount = read_sale_amount(plan, *conversion.offer);
  if (!amount) return refuse(amount.error(), plan, env.now);
  auto change = read_change_request(plan, *amount);
  if (!change) return refuse(change.error(), plan, env.now);
  const std::int64_t retention = conversion.offer->ledger_retention();
  if (const std::string* id = plan.params.get("conversion_id"); id != nullptr && !id->empty()) {
    PostbackDecision named =
        naming_conversion(plan, to_lower_ascii(*id), std::move(*change), env.now);
    named.ledger_retention_seconds = retention;
    return named;
  }
  auto named = claims_for(plan, conversion, *amount, repeat);
  if (!named) return refuse(named.error(), plan, env.now);
  std::vector<std::string> claims = std::move(*named);
  const std::int64_t window = conversion.goal->multiple &&
                                      conversion.goal->dedupe == Dedupe::fingerprint &&
                                      claims.front().rfind("claim/repeat/", 0) == 0
                                  ? conversion.goal->dedupe_window_seconds
                                  : 0;
  if (auto refusal = qualify(plan, snapshot, env, conversion)) {
    PostbackDecision refused = refuse(*refusal, plan, env.now);
    refused.conversion_id = conversion_id_for(claims);
    refused.claims = std::move(claims);
    refused.change = std::move(*change);
    refused.repeat_window_seconds = window;
    refused.ledger_retention_seconds = retention;
    return refused;
  }
  PostbackDecision decision;
  decision.ledger_retention_seconds = retention;
  decision.change = std::move(*change);
  decision.repeat_window_seconds = window;
  decision.claims = claims;
  decision.conversion_id = conversion_id_for(claims);
  ConversionRecord record =
      conversion_record(plan, conversion, decision.conversion_id, std::move(claims), env.now);
  if (conversion.status != ConversionStatus::rejected) {
    decision.caps = caps_for(*conversion.offer, plan.click.affiliate_id, env.now);
    decision.cap_status = conversion.offer->cap_status;
  }
  if (conversion.status == ConversionStatus::approved) {
    record.postbacks = approval_postbacks(*conversion.offer, snapshot, record,
                                          conversion.click.sub_ids, env.config_cache);
  }
  decision.record = std::move(record);
  return decision;
}

std::string conversion_id_for(const std::vector<std::string>& claims) {
  std::string joined;
  for (const std::string& key : claims) {
    if (!joined.empty()) joined += '\n';
    joined += key;
  }
  return to_hex(sha256(joined)).substr(0, 24);
}

Response conversion_response(const ConversionRecord& record, bool duplicate,
                             std::string_view previous_status, std::string_view current_status) {
  json body{{"status", record.status},
            {"conversion_id", record.conversion_id},
            {"transaction_id", record.transaction_id},
            {"goal", record.goal},
            {"duplicate", duplicate}};
  // Why the rules, not the advertiser, decided the status: what the advertiser's support asks.
  if (record.reason) body["reason"] = *record.reason;
  if (!previous_status.empty()) body["previous_status"] = previous_status;
  if (!current_status.empty() && current_status != record.status) {
    body["current_status"] = current_status;
  }
  return json_response(200, body);
}

TestPostbackAnswer test_postback_answer(const PostbackPlan& plan, const PostbackDecision& decision,
                                        const ConversionRecord* stored, std::int64_t now) {
  int status = 200;
  json body{{"test", true}, {"duplicate", stored != nullptr}};
  if (stored != nullptr &&
      !(decision.names_conversion && stored->transaction_id != plan.transaction_id)) {
    // A repeat, or a status change of the stored conversion.
    body.update({{"status", stored->status},
                 {"conversion_id", stored->conversion_id},
                 {"goal", stored->goal},
                 {"transaction_id", stored->transaction_id}});
    if (decision.change && status_name(decision.change->status) != stored->status) {
      body["would_change_to"] = status_name(decision.change->status);
    }
  } else if (decision.names_conversion) {
    status = 404;
    body.update(
        {{"status", "rejected"},
         {"reason", "unknown_conversion"},
         {"message", "no conversion " + decision.conversion_id + " for this transaction_id"},
         {"duplicate", false}});
  } else if (decision.refusal) {
    status = decision.refusal->response.status;
    body.update(json::parse(decision.refusal->response.body));
    body["test"] = true;
  } else {
    const ConversionRecord& record = *decision.record;
    body.update({{"status", record.status},
                 {"conversion_id", record.conversion_id},
                 {"transaction_id", record.transaction_id},
                 {"goal", record.goal},
                 {"revenue", record.revenue},
                 {"payout", record.payout},
                 {"currency", record.currency}});
    if (record.reason) body["reason"] = *record.reason;
    json postbacks = json::array();
    for (const PartnerPostback& postback : record.postbacks) {
      postbacks.push_back({{"aff_id", postback.affiliate_id}, {"url", postback.shown_url}});
    }
    body["partner_postbacks"] = std::move(postbacks);
    if (!decision.caps.empty()) body["caps_checked"] = false;
  }
  return {json_response(status, body), test_postback_event(now, plan.params, body)};
}

PostbackRefusal postback_refusal(int status, std::string_view reason, const std::string& message,
                                 const std::string& transaction_id, std::int64_t now,
                                 const Params* params) {
  json body{{"status", "rejected"}, {"reason", reason}, {"message", message}, {"duplicate", false}};
  if (!transaction_id.empty()) body["transaction_id"] = transaction_id;
  return PostbackRefusal{json_response(status, body),
                         rejection_event(now, "postback", reason, message, params)};
}

}  // namespace edgepost
