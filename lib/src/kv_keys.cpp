#include "edgepost/kv_keys.hpp"

#include "edgepost/hex.hpp"
#include "edgepost/sha256.hpp"

namespace edgepost {

std::string advertiser_key(std::uint32_t advertiser_id) {
  return std::string(kConfigKeyPrefix) + "advertiser/" + std::to_string(advertiser_id);
}

std::string affiliate_key(std::uint32_t affiliate_id) {
  return std::string(kConfigKeyPrefix) + "affiliate/" + std::to_string(affiliate_id);
}

std::string offer_key(std::uint32_t offer_id) {
  return "config/offer/" + std::to_string(offer_id);
}

std::string click_key(std::string_view canonical_click_id) {
  return "click/" + std::string(canonical_click_id);
}

std::string conversion_claim_key(std::string_view canonical_click_id, std::string_view goal_id) {
  return "claim/click/" + std::string(canonical_click_id) + "/" + std::string(goal_id);
}

std::string order_claim_key(std::uint32_t advertiser_id, std::string_view goal_id,
                            std::string_view adv_sub) {
  // 128 bits of the hash: collisions are out of reach, and the key stays short.
  const Sha256Digest digest = sha256(adv_sub);
  const std::string hex = to_hex(digest);
  return "claim/order/" + std::to_string(advertiser_id) + "/" + std::string(goal_id) + "/" +
         hex.substr(0, 32);
}

std::string repeat_claim_key(std::string_view canonical_click_id, std::string_view goal_id,
                             std::string_view fingerprint, std::uint32_t repeat) {
  std::string key = "claim/repeat/" + std::string(canonical_click_id) + "/" + std::string(goal_id) +
                    "/" + std::string(fingerprint);
  if (repeat > 0) key += "/" + std::to_string(repeat);
  return key;
}

std::string conversion_key(std::string_view conversion_id) {
  return "conversion/" + std::string(conversion_id);
}

std::string status_change_key(std::string_view conversion_id, std::uint32_t sequence) {
  return "change/" + std::string(conversion_id) + "/" + std::to_string(sequence);
}

std::string outbox_key(std::string_view conversion_id) {
  return "outbox/" + std::string(conversion_id);
}

}  // namespace edgepost
