#pragma once
// A full cap closes the offer (or the affiliate's share of it) to new clicks until its period
// ends: they go to the offer's fallback instead of a landing page whose conversions would go
// unpaid. The postback that finds the cap full writes the closure to the records store, under
// one key per offer that the click reads with the offer; a reversal that gives a unit back
// reopens it. Advisory: a closure missed or lost costs clicks that convert into cap_reached,
// never money (the cap ledger decides, cap_ledger.hpp).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "edgepost/cap_ledger.hpp"
#include "edgepost/config_model.hpp"

namespace edgepost {

struct CapClosure {
  std::string ledger;      // the full one
  std::string limit;       // the cap as it was (cap_limit_text): a changed cap reopens
  std::int64_t until = 0;  // the period's end; 0: a total cap, until reopened
};

// By scope and period: "offer/day", "affiliate/<id>/month", ...
using CapClosures = std::map<std::string, CapClosure>;

std::string cap_closures_key(std::uint32_t offer_id);
std::string encode(const CapClosures& closures);
// Anything unreadable reads as no closures: it is advice, not a record.
CapClosures parse_cap_closures(std::string_view text);

std::string cap_limit_text(const Cap& cap);

// The closures once `check` is full at `now`.
CapClosures with_closed(CapClosures closures, const CapCheck& check, std::uint32_t affiliate_id,
                        std::int64_t until);
// The closures once units of these ledgers were given back.
CapClosures with_reopened(CapClosures closures, const std::vector<std::string>& ledgers);

// The full ledger that closes the offer to this affiliate's clicks now, if any: its closure
// has not ended and the offer still has that cap, unchanged, for this period.
std::optional<std::string> closed_ledger(const Offer& offer, std::uint32_t affiliate_id,
                                         std::int64_t now, const CapClosures& closures);

}  // namespace edgepost
