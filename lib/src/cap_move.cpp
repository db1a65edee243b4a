#include "edgepost/cap_move.hpp"

namespace edgepost {
namespace {

// Each loss means another request wrote the slot first; a request that keeps losing is in a
// flood on one ledger, and stops rather than walk on without bound.
constexpr std::uint32_t kMaxLosses = 16;

Command read_command(std::vector<std::string> keys) {
  Command command;
  command.kind = CommandKind::read;
  command.store = Store::ledger;
  command.keys = std::move(keys);
  return command;
}

Command write_command(CommandKind kind, KvWrite write) {
  Command command;
  command.kind = kind;
  command.store = Store::ledger;
  command.write = std::move(write);
  return command;
}

}  // namespace

CapMove::CapMove(std::string ledger, std::string owner, int delta, Amount revenue, Amount payout,
                 std::optional<Cap> limit, std::int64_t ttl_seconds)
    : walk_(std::move(ledger), owner),
      owner_(std::move(owner)),
      delta_(delta),
      revenue_(revenue),
      payout_(payout),
      limit_(std::move(limit)),
      ttl_seconds_(ttl_seconds),
      stage_(delta > 0 ? Stage::head_read : Stage::mark) {}

CapMove CapMove::take(std::string ledger, std::string owner, Amount revenue, Amount payout,
                      std::optional<Cap> limit, std::int64_t ttl_seconds) {
  return CapMove(std::move(ledger), std::move(owner), 1, revenue, payout, std::move(limit),
                 ttl_seconds);
}

CapMove CapMove::give_back(std::string ledger, std::string owner, Amount revenue, Amount payout,
                           std::int64_t ttl_seconds) {
  return CapMove(std::move(ledger), std::move(owner), -1, revenue, payout, std::nullopt,
                 ttl_seconds);
}

std::optional<Command> CapMove::next() const {
  switch (stage_) {
    case Stage::mark:
      return write_command(CommandKind::put_if_absent,
                           KvWrite{cap_return_key(ledger(), owner_), owner_, ttl_seconds_});
    case Stage::head_read: return read_command({cap_head_key(ledger())});
    case Stage::window_read: return read_command(walk_.window_keys());
    case Stage::write: {
      CapEntry entry{owner_, delta_, revenue_, payout_,
                     after(walk_.totals(), delta_, revenue_, payout_)};
      return write_command(
          CommandKind::put_if_absent,
          KvWrite{cap_slot_key(ledger(), walk_.free_slot()), encode(entry), ttl_seconds_});
    }
    case Stage::hint:
      // The slot just written is the last one: the hint never points past the chain's end.
      return write_command(
          CommandKind::put,
          KvWrite{cap_head_key(ledger()), std::to_string(walk_.free_slot() - 1), ttl_seconds_});
    case Stage::done: return std::nullopt;
  }
  return std::nullopt;
}

void CapMove::resolve(const Outcome& outcome) {
  if (outcome.kind == OutcomeKind::failed && stage_ != Stage::hint) {
    error_ = outcome.error;
    return finish(Result::failed);
  }
  switch (stage_) {
    case Stage::mark:
      if (outcome.kind == OutcomeKind::exists) return finish(Result::given_back);
      stage_ = Stage::head_read;
      return;
    case Stage::head_read:
      walk_.start_at(lookup(outcome.values, cap_head_key(ledger())));
      stage_ = Stage::window_read;
      return;
    case Stage::window_read:
      if (walk_.take_window(outcome.values)) return at_free_slot();
      if (walk_.damaged()) return finish(Result::damaged);
      return;  // the free slot is further on: the next window
    case Stage::write:
      if (outcome.kind == OutcomeKind::won) {
        walk_.take_lost_slot(next()->write.value);  // ours: the walk's totals now include it
        stage_ = Stage::hint;
        return;
      }
      if (!walk_.take_lost_slot(outcome.existing)) return finish(Result::damaged);
      if (++losses_ > kMaxLosses) return finish(Result::contended);
      return at_free_slot();
    case Stage::hint:
      // Only a hint: a failed one costs the next walk a window or two, nothing else.
      return finish(delta_ > 0 ? Result::taken : Result::given_back);
    case Stage::done: return;
  }
}

void CapMove::at_free_slot() {
  if (delta_ > 0 && walk_.held()) return finish(Result::held);
  if (limit_ && delta_ > 0 && !fits(*limit_, walk_.totals(), revenue_, payout_)) {
    return finish(Result::full);
  }
  stage_ = Stage::write;
}

}  // namespace edgepost
