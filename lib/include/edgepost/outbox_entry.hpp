#pragma once
// A partner postback waiting in the ledger as "outbox/<id>", one per conversion and
// affiliate. The exchange writes it pending, if absent; the host's delivery moves it on.
// The same states on every host.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "edgepost/decision.hpp"

namespace edgepost {

// pending: to be sent (again); delivered: the partner answered 2xx; dead: given up (attempts
// spent, or a target the policy refuses), kept for an operator to replay.
enum class OutboxState { pending, delivered, dead };

struct OutboxEntry {
  PartnerPostback postback;
  std::int64_t created = 0;
  OutboxState state = OutboxState::pending;
};

std::string encode(const OutboxEntry& entry);
std::optional<OutboxEntry> parse_outbox_entry(std::string_view text);
std::string_view outbox_state_name(OutboxState state) noexcept;

// Delivered entries are kept this long after delivery, then swept. A conversion is never
// queued again once its record is complete; an incomplete one older than this is not either,
// since its entry may have been delivered and swept (docs/protocol.md).
inline constexpr std::int64_t kOutboxRetentionSeconds = 30 * 24 * 3600;

}  // namespace edgepost
