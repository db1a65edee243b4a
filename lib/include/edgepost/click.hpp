#pragma once
// The click function: validate, resolve offer and affiliate, mint the transaction ID, record
// the click, redirect the person to the offer's landing page.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edgepost/decision.hpp"
#include "edgepost/params.hpp"

namespace edgepost {

struct RateCount {
  std::string ledger;
  std::uint32_t limit = 0;
};

struct ClickPlan {
  std::optional<Refusal> refusal;  // the request itself is bad: nothing to read
  Params params;
  std::uint32_t offer_id = 0;
  std::uint32_t affiliate_id = 0;
  bool record = true;  // HEAD (link checkers, prefetch): a redirect, no click, no ID minted
  std::vector<std::string> keys;  // to read: the offer and affiliate records, the cap closures
  std::string user_agent;
  std::string client_ip;
  std::string country;
};

ClickPlan plan_click(const Request& request);
// over_rate: the click exchange counted more clicks from this address on the offer in this
// minute than its traffic rules allow (click_rules.hpp).
Decision decide_click(const ClickPlan& plan, const Snapshot& snapshot, const Environment& env,
                      bool over_rate = false);
// The counter ledger this click must be counted in before it is decided, if any.
std::optional<RateCount> click_rate_count(const ClickPlan& plan, const Snapshot& snapshot,
                                          const Environment& env);

}  // namespace edgepost
