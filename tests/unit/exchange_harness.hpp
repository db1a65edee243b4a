#pragma once
// What the exchange tests share: the stores seeded with the fixture network, postbacks and
// status API requests as exchanges, the checks of docs/protocol.md's invariants, and the
// exploration of every interleaving of several exchanges at store-command granularity.

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "edgepost/conversion_record.hpp"
#include "edgepost/exchange.hpp"
#include "exchange_model.hpp"
#include "fixtures.hpp"

namespace harness {

using model::Run;
using model::Stores;

inline constexpr std::int64_t kLater = fixtures::kNow + 3600;
inline const std::string kAuth = "&security_token=" + std::string(fixtures::kToken);
inline constexpr std::string_view kAdminToken = "operator-secret-token-0123456789";

Stores fresh_stores();
// The fixture network with offer 100 changed by `edit` (caps, traffic rules, ...).
Stores stores_with_offer_100(const std::function<void(nlohmann::json& offer)>& edit);
std::unique_ptr<edgepost::Exchange> postback(const std::string& query, std::int64_t now = kLater,
                                             std::uint8_t seed = 5);
// POST /api/conversions/<cid>/status with the admin token (or the one given).
std::unique_ptr<edgepost::Exchange> status_api(const std::string& cid, const std::string& body,
                                               std::int64_t now = kLater, std::uint8_t seed = 6,
                                               std::string_view token = kAdminToken);
nlohmann::json body(const edgepost::Response& response);
std::optional<edgepost::ConversionRecord> stored(const Stores& stores, const std::string& cid);
// The conversion as the protocol defines it: its record, with every committed change the record
// has not taken in yet folded in (a late write of the record can set it back, never the log).
std::optional<edgepost::ConversionRecord> current(const Stores& stores, const std::string& cid);
bool emitted(const Stores& stores, const std::string& type, const std::string& id);
// A 200 means: the conversion is committed with every claim it lists held by it, its
// outbox entries exist, its "conversion" event went out.
void check_acknowledged(const Stores& stores, const edgepost::Response& response,
                        const std::string& expected_cid);
// Whatever happened: no claim counted for two conversions, one conversion per click and
// once-goal and per advertiser, goal and adv_sub, no partner postback queued twice, every
// event of a recorded conversion or change identical each time it was emitted, every change a
// record holds committed under its sequence.
void check_invariants(const Stores& stores);
std::string conversion_of(const Run& run);

struct World {
  Stores stores;
  std::vector<Run> runs;
};

// Every schedule of the runs' store commands, each run one command at a time; leaf() sees
// each end state. Returns how many schedules there were.
std::size_t explore(World world, const std::function<void(World&)>& leaf);

}  // namespace harness
