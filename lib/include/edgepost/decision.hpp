#pragma once
// What a handler decides, for the adapter to carry out. Handlers are pure: they see the
// request, a snapshot of the KV values they asked for, and an environment (time, entropy,
// keys), and they return one of these.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/click_id.hpp"
#include "edgepost/http.hpp"

namespace edgepost {

struct KvWrite {
  std::string key;
  std::string value;
  std::int64_t ttl_seconds = 0;  // 0: kept until deleted
};

struct PartnerPostback {
  std::string id;  // unique per conversion and affiliate: the outbox deduplicates on it
  std::uint32_t affiliate_id = 0;
  std::string url;
};

struct Decision {
  Response response;
  // Written only if absent, in order, before anything else. If one is already there the
  // request is a replay: the adapter stops, removes the claims it did win in this request,
  // and answers with decide_duplicate() of the value it found.
  std::vector<KvWrite> claims;
  std::vector<KvWrite> writes;             // after the claims
  std::vector<PartnerPostback> postbacks;  // queued durably after the writes
  std::vector<std::string> events;         // one JSON object each
  // On a refusal: if any of these keys exists, the request replays a conversion recorded
  // earlier, and the adapter answers with decide_duplicate() of its value instead.
  std::vector<std::string> replay_keys;
};

// A request refused before any KV read (malformed, forged, wrong method).
struct Refusal {
  int status = 400;
  std::string reason;  // stable code, e.g. "invalid_transaction_id"
  std::string message;
};

// The values of the keys a plan named; a key that is absent has no entry.
using Snapshot = std::map<std::string, std::string, std::less<>>;

inline const std::string* lookup(const Snapshot& snapshot, std::string_view key) {
  const auto found = snapshot.find(key);
  return found == snapshot.end() ? nullptr : &found->second;
}

struct Environment {
  std::int64_t now = 0;                    // Unix seconds
  std::array<std::uint8_t, 16> entropy{};  // fresh random bytes for this request
  const KeyRing* keys = nullptr;
};

}  // namespace edgepost
