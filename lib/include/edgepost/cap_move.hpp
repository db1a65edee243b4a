#pragma once
// One unit taken from a cap ledger, or given back to it (cap_ledger.hpp), as the commands an
// exchange yields (postback_exchange.cpp, click_exchange.cpp): it runs next() until it is empty,
// feeding each outcome to resolve(), then reads result(). Shared by the postback exchange (caps)
// and the click exchange (clicks per address per minute).

#include <cstdint>
#include <optional>
#include <string>

#include "edgepost/cap_ledger.hpp"
#include "edgepost/exchange.hpp"

namespace edgepost {

class CapMove {
 public:
  enum class Result {
    pending,
    taken,       // this request wrote a +1 slot
    held,        // an earlier attempt of this conversion holds a unit here already
    full,        // one more would exceed the cap: nothing written
    given_back,  // this request wrote the -1 slot, or the unit was given back before
    failed,      // the store failed; error() says how
    damaged,     // a stored slot does not parse
    contended    // lost the free slot too often in a row
  };

  // A unit taken: within `limit` when there is one (caps), always when not (counters).
  static CapMove take(std::string ledger, std::string owner, Amount revenue, Amount payout,
                      std::optional<Cap> limit, std::int64_t ttl_seconds);
  // Given back at most once per owner and ledger, however often this runs.
  static CapMove give_back(std::string ledger, std::string owner, Amount revenue, Amount payout,
                           std::int64_t ttl_seconds);

  // The next command, or nullopt once result() is final.
  std::optional<Command> next() const;
  void resolve(const Outcome& outcome);

  Result result() const noexcept { return result_; }
  const std::string& ledger() const noexcept { return walk_.ledger(); }
  // After a take: the totals including this unit.
  const CapTotals& totals() const noexcept { return walk_.totals(); }
  const std::string& error() const noexcept { return error_; }

 private:
  enum class Stage { mark, head_read, window_read, write, hint, done };

  CapMove(std::string ledger, std::string owner, int delta, Amount revenue, Amount payout,
          std::optional<Cap> limit, std::int64_t ttl_seconds);
  void at_free_slot();
  void finish(Result result) {
    result_ = result;
    stage_ = Stage::done;
  }

  CapWalk walk_;
  std::string owner_;
  int delta_ = 1;
  Amount revenue_;
  Amount payout_;
  std::optional<Cap> limit_;
  std::int64_t ttl_seconds_ = 0;
  Stage stage_ = Stage::head_read;
  Result result_ = Result::pending;
  std::uint32_t losses_ = 0;
  std::string error_;
};

}  // namespace edgepost
