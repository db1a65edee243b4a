#pragma once
// Every KV key edgepost reads or writes is built here, and only from values that were
// validated first (numeric ids, verified click IDs, goal ids checked by the config loader),
// so no request can steer a key. Free text such as adv_sub is hashed, never embedded.

#include <cstdint>
#include <string>
#include <string_view>

namespace edgepost {

// Every config record's key starts with this, and no other key does.
inline constexpr std::string_view kConfigKeyPrefix = "config/";

std::string advertiser_key(std::uint32_t advertiser_id);
std::string affiliate_key(std::uint32_t affiliate_id);
std::string offer_key(std::uint32_t offer_id);

// canonical_click_id: the normalized text of a verified ID.
std::string click_key(std::string_view canonical_click_id);
std::string conversion_claim_key(std::string_view canonical_click_id, std::string_view goal_id);
// One order per advertiser and goal: a lead and a sale may carry the same order id.
std::string order_claim_key(std::uint32_t advertiser_id, std::string_view goal_id,
                            std::string_view adv_sub);
// For goals that may repeat, told apart by fingerprint (a hex digest of the event's normalised
// values); repeat n > 0 is the n-th event with the same fingerprint, each past the last's window.
std::string repeat_claim_key(std::string_view canonical_click_id, std::string_view goal_id,
                             std::string_view fingerprint, std::uint32_t repeat = 0);
std::string conversion_key(std::string_view conversion_id);
// The n-th change of a conversion's status (n from 1); writing it if absent commits the change.
std::string status_change_key(std::string_view conversion_id, std::uint32_t sequence);
std::string outbox_key(std::string_view postback_id);

}  // namespace edgepost
