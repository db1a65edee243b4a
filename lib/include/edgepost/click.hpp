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

struct ClickPlan {
  std::optional<Refusal> refusal;  // the request itself is bad: nothing to read
  Params params;
  std::uint32_t offer_id = 0;
  std::uint32_t affiliate_id = 0;
  bool record = true;  // HEAD (link checkers, prefetch): a redirect, no click, no ID minted
  std::vector<std::string> keys;  // to read: the offer and the affiliate records
};

ClickPlan plan_click(const Request& request);
Decision decide_click(const ClickPlan& plan, const Snapshot& snapshot, const Environment& env);

}  // namespace edgepost
