#pragma once
// An in-memory model of the two stores an exchange runs against, the adapter loop over it,
// and the faults a real host can suffer at any command: the store fails, the store writes
// but its answer is lost, the process dies before a command or right after it.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgepost/exchange.hpp"

namespace model {

struct Stores {
  std::map<std::string, std::string> records;
  std::map<std::string, std::string> ledger;
  std::map<std::string, int> outbox_writes;         // entries created per outbox key, ever
  std::vector<std::string> unsynced_ledger_writes;  // keys; what decides money must be synced
  std::map<std::string, std::int64_t> ledger_ttls;  // key -> ttl_seconds of its last write
  std::vector<std::string> events;
  std::vector<std::string> wakeups;  // postback ids whose delivery was woken

  std::map<std::string, std::string>& of(edgepost::Store store) {
    return store == edgepost::Store::ledger ? ledger : records;
  }
};

enum class FaultKind {
  store_fails,  // the command fails and changes nothing
  reply_lost,   // the command takes effect, the exchange is told it failed
  dies_before,  // the loop stops before the command
  dies_after    // the command takes effect, then the loop stops
};

inline constexpr FaultKind kAllFaults[] = {FaultKind::store_fails, FaultKind::reply_lost,
                                           FaultKind::dies_before, FaultKind::dies_after};

struct Fault {
  std::size_t at = static_cast<std::size_t>(-1);  // index among the store commands
  FaultKind kind = FaultKind::store_fails;
};

// read, put_if_absent, put and enqueue touch the stores or the platform; emit and respond do
// not, and commute with everything (the interleavings need not split at them).
bool touches_store(const edgepost::Command& command);
// Whether the order of this command relative to another exchange's can matter.
bool interleaves(const edgepost::Command& command);

edgepost::Outcome execute(const edgepost::Command& command, Stores& stores,
                          std::vector<edgepost::Response>& responses);

// One exchange being driven, with the fault it is to suffer.
struct Run {
  std::unique_ptr<edgepost::Exchange> exchange;
  Fault fault;
  std::size_t store_commands = 0;
  bool died = false;
  std::vector<edgepost::Response> responses;

  Run() = default;
  Run(std::unique_ptr<edgepost::Exchange> e, Fault f = {}) : exchange(std::move(e)), fault(f) {}
  Run(const Run& other);
  Run& operator=(const Run&) = delete;

  bool done() const { return died || exchange->finished(); }
  // Carries out the commands that touch no store, up to the next one that does.
  void settle(Stores& stores);
  // Also the store commands that commute with every other exchange's (see interleaves()).
  void settle_commuting(Stores& stores);
  // Carries out the next store command (with the fault, if it is the one), then settles.
  void step(Stores& stores);
  void to_end(Stores& stores) {
    settle(stores);
    while (!done()) step(stores);
  }
};

}  // namespace model
