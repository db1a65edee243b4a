#pragma once
// Caps counted exactly under concurrency, with nothing but put_if_absent: each cap period has a
// ledger, a chain of numbered slots "cap/<ledger>/<n>" written if absent, each holding one
// conversion's unit (or a unit given back) and the running totals after it. Slot n is written
// by exactly one request, which read slot n-1's totals first, so the chain is a serial history
// whatever the interleaving: two requests can never both take the last unit. A hint
// "cap/<ledger>/head" (a plain put, possibly stale, never ahead of the chain) spares the walk
// from slot 1. docs/traffic-rules.md argues the design.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/config_model.hpp"
#include "edgepost/decision.hpp"
#include "edgepost/money.hpp"

namespace edgepost {

struct CapTotals {
  std::int64_t conversions = 0;
  Amount revenue;
  Amount payout;
};

// One slot: a conversion's unit taken (+1) or given back (-1), and the totals after it.
struct CapEntry {
  std::string conversion_id;
  int delta = 1;
  Amount revenue;  // of the conversion, positive either way
  Amount payout;
  CapTotals totals;
};

std::string encode(const CapEntry& entry);
std::optional<CapEntry> parse_cap_entry(std::string_view text);

// A cap as it applies to one conversion: the ledger of its current period.
struct CapCheck {
  Cap cap;
  std::string ledger;  // e.g. "offer/7/day/2026-12-04", "offer/7/affiliate/12/month/2026-12"
  std::int64_t ttl_seconds = 0;  // how long the period's slots are kept: reversals may return
  std::int64_t ends_at = 0;      // the period's end (Unix seconds); 0: a total cap, no end
};

// The caps of the offer that count a conversion of this affiliate at `now`, in the offer's
// time zone, in the order they are taken.
std::vector<CapCheck> caps_for(const Offer& offer, std::uint32_t affiliate_id, std::int64_t now);

// How long a unit given back to this ledger is kept: past its period by the longest reversal
// window a config may set.
std::int64_t cap_retention_seconds(std::string_view ledger) noexcept;

std::string cap_slot_key(std::string_view ledger, std::uint32_t slot);
std::string cap_head_key(std::string_view ledger);
// Written if absent before a unit is given back, so that a conversion gives each unit back
// at most once, however often its reversal is folded in.
std::string cap_return_key(std::string_view ledger, std::string_view conversion_id);

// Whether one more conversion with these prices stays within the cap.
bool fits(const Cap& cap, const CapTotals& before, Amount revenue, Amount payout) noexcept;

CapTotals after(const CapTotals& before, int delta, Amount revenue, Amount payout) noexcept;

// How many slots one read looks at while walking to the end of a chain.
// On Workers each key of a read is one Durable Object request (in parallel): a hint is
// rarely more than a few slots behind.
inline constexpr std::uint32_t kCapWalkWindow = 4;

// Walking a chain to its first free slot, one window of reads at a time.
class CapWalk {
 public:
  CapWalk(std::string ledger, std::string conversion_id)
      : ledger_(std::move(ledger)), conversion_id_(std::move(conversion_id)) {}

  const std::string& ledger() const noexcept { return ledger_; }
  // The hint read: where the next window starts.
  void start_at(const std::string* head_hint);
  // The keys of the next window: the last slot known (for its totals) and those after it.
  std::vector<std::string> window_keys() const;
  // Takes a window's values in. Returns false while the free slot is still ahead (read the
  // next window), or when a stored slot does not parse (then damaged() is true).
  bool take_window(const Snapshot& values);
  // A slot written by another request just before ours: it becomes the last known.
  bool take_lost_slot(const std::string& stored);

  std::uint32_t free_slot() const noexcept { return last_ + 1; }
  const CapTotals& totals() const noexcept { return totals_; }
  // The slot where this conversion holds a unit it took and did not give back, found on the
  // way (an earlier attempt of the same request got that far).
  std::optional<std::uint32_t> held() const noexcept { return held_; }
  bool damaged() const noexcept { return damaged_; }

 private:
  bool take_slot(std::uint32_t slot, const std::string& stored);

  std::string ledger_;
  std::string conversion_id_;
  std::uint32_t last_ = 0;  // the last slot known to be written; 0: none
  CapTotals totals_;
  std::optional<std::uint32_t> held_;
  bool damaged_ = false;
};

}  // namespace edgepost
