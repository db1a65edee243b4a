#pragma once
// The postback function: the advertiser reports a conversion for a transaction ID. Verify
// the ID, authenticate the advertiser, resolve the goal, check the attribution window, price
// the conversion, claim it exactly once, notify the affiliate.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/click_id.hpp"
#include "edgepost/decision.hpp"
#include "edgepost/params.hpp"

namespace edgepost {

struct PostbackPlan {
  std::optional<Refusal> refusal;  // malformed request or forged ID: nothing to read
  Params params;
  ClickId click;
  std::string transaction_id;  // canonical text of the verified ID
  std::string client_ip;
  std::vector<std::string> keys;  // to read: the offer, the affiliate and the click
};

// Verifies the transaction ID's MAC before naming any key, so a forged or mistyped ID costs
// no read at all.
PostbackPlan plan_postback(const Request& request, const KeyRing& keys);

Decision decide_postback(const PostbackPlan& plan, const Snapshot& snapshot,
                         const Environment& env);

// The answer to a replay: the original result with "duplicate": true, and the original
// partner postbacks, which the adapter queues again only if they are not queued already.
// stored_claim is the value of the claim that was already there.
Decision decide_duplicate(std::string_view stored_claim, std::int64_t now);

}  // namespace edgepost
