#pragma once
// The vocabulary of decisions. Handlers are pure: they see the request, a snapshot of the KV
// values they asked for, and an environment (time, entropy, keys); the exchanges
// (exchange.hpp) turn what they decide into commands.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/click_id.hpp"
#include "edgepost/http.hpp"

namespace edgepost {

// How far a write must have gone before the host reports it done. `synced`: it survives a
// power cut from then on (the host fsyncs). `by_answer`: it survives a power cut once the
// exchange's answer has gone out, so a host may sync it together with other exchanges' writes
// (one group commit), and may carry out a `put` only then; the exchange never reads back its
// own `by_answer` put. Until the answer, a power cut keeps any subset of them in which a put
// survives only with every write before it. `unsynced`: it survives the process, not
// necessarily the machine; only for what can be lost without losing money, and it spares the
// request the sync.
enum class Durability { synced, by_answer, unsynced };

struct KvWrite {
  std::string key;
  std::string value;
  std::int64_t ttl_seconds = 0;  // 0: kept until deleted
  Durability durability = Durability::synced;
};

struct PartnerPostback {
  std::string id;  // unique per conversion and affiliate: the outbox deduplicates on it
  std::uint32_t affiliate_id = 0;
  std::string url;
  // What it reports, so that the delivery events name it (explain); empty in entries written
  // before they were kept.
  std::string conversion_id;
  std::string transaction_id;
  // The URL as a test postback shows it to the advertiser (render_masked); never stored.
  std::string shown_url;
};

// What the click handler decides, for the click exchange to carry out.
struct Decision {
  Response response;
  std::vector<KvWrite> writes;
  std::vector<std::string> events;  // one JSON object each
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

class ConfigCache;  // config_cache.hpp

// How old a copy of a click's config records (offer, affiliate, cap closures) may be when a
// host keeps the records it read (a Worker, per isolate). Workers KV itself serves reads up
// to 60 s old; half a minute more keeps a changed offer live within about a minute and a half
// and spares a click three KV reads. Money does not hang on it: a conversion past a cap is
// refused by the cap ledger at the postback, which reads the ledger, never a copy.
inline constexpr std::int64_t kDefaultConfigMaxAgeSeconds = 30;
inline constexpr std::int64_t kLongestConfigMaxAgeSeconds = 3600;

struct Environment {
  std::int64_t now = 0;                    // Unix seconds
  std::array<std::uint8_t, 16> entropy{};  // fresh random bytes for this request
  const KeyRing* keys = nullptr;
  ConfigCache* config_cache = nullptr;  // decoded records kept between requests; optional
  std::int64_t config_max_age_seconds = kDefaultConfigMaxAgeSeconds;  // 0: read the store
  // Why the host's setting for the max age was not taken, when it was not (the default
  // applies): each click says so in an error event. A typo in a setting shows in the logs
  // instead of stopping conversions.
  std::string config_max_age_problem;
};

}  // namespace edgepost
