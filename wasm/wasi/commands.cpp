#include "commands.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cgi.hpp"
#include "edgepost/json_writer.hpp"
#include "kv_dir.hpp"

namespace edgepost::wasi {
namespace {

// One directory holds both of the protocol's stores: its put_if_absent is atomic (link) and
// its reads see every completed write, which is all the ledger needs.
const DirectoryKv kStore{"/kv"};

Outcome failed(KvError error) {
  Outcome outcome;
  outcome.kind = OutcomeKind::failed;
  outcome.error = std::string(kv_error_message(error));
  return outcome;
}

Outcome read(const std::vector<std::string>& keys, std::int64_t now) {
  Outcome outcome;
  for (const std::string& key : keys) {
    auto value = kStore.get(key, now);
    if (!value) return failed(value.error());
    if (*value) outcome.values.emplace(key, std::move(**value));
  }
  return outcome;
}

std::int64_t expiry(const KvWrite& write, std::int64_t now) {
  return write.ttl_seconds > 0 ? now + write.ttl_seconds : 0;
}

// One line on stderr beside the events, which the runner takes out before it appends them
// (local-runner/src/host-lines.mjs): its expiry index then finds the record when it expires
// instead of walking every file. A lost line costs disk until the runner's next full walk.
void announce_expiry(std::string_view key, std::int64_t expires_at) {
  if (expires_at <= 0) return;
  if (const auto name = encode_key(key)) {
    std::fprintf(stderr, "edgepost-expires %lld %s\n", static_cast<long long>(expires_at),
                 name->c_str());
  }
}

// A write that need only be durable by the answer (Durability::by_answer) goes to the runner
// as one line; the runner appends the run's lines to its ledger log, syncs that log once for
// every run that finished meanwhile (group commit), and only then answers
// (local-runner/src/ledger-log.mjs). A put_if_absent is also written here, unsynced, since its
// outcome decides what the exchange does next; a put is written by the runner once the log is
// durable, so that a power cut before the answer never keeps it without what came before it.
bool log_for_runner(std::string_view op, std::string_view key, std::string_view value,
                    std::int64_t expires_at) {
  const auto name = encode_key(key);
  if (!name) return false;
  JsonObjectWriter line;
  line.member("op", op).member("file", *name).member("expires_at", expires_at);
  line.member("value", value);
  const std::string text = std::move(line).finish();
  return std::fprintf(stderr, "edgepost-ledger %s\n", text.c_str()) > 0;
}

// Only a host that says so keeps the log (the runner sets EDGEPOST_LEDGER_LOG=1). Run by hand,
// under any other host, a by_answer write is synced here like any other, so that the function
// alone still stores everything.
bool host_keeps_ledger_log() {
  static const bool keeps = [] {
    const char* value = std::getenv("EDGEPOST_LEDGER_LOG");
    return value != nullptr && std::string_view(value) == "1";
  }();
  return keeps;
}

bool deferred(const KvWrite& write) {
  return write.durability == Durability::by_answer && host_keeps_ledger_log();
}

Durability here(const KvWrite& write) {
  if (deferred(write)) return Durability::unsynced;
  return write.durability == Durability::unsynced ? Durability::unsynced : Durability::synced;
}

Outcome won(const KvWrite& write, std::int64_t expires_at) {
  if (deferred(write) && !log_for_runner("add", write.key, write.value, expires_at)) {
    return failed(KvError::io_error);
  }
  announce_expiry(write.key, expires_at);
  Outcome outcome;
  outcome.kind = OutcomeKind::won;
  return outcome;
}

Outcome put_if_absent(const KvWrite& write, std::int64_t now) {
  const std::int64_t expires_at = expiry(write, now);
  const auto result = kStore.put_if_absent(write.key, write.value, expires_at, here(write));
  if (!result) return failed(result.error());
  if (*result == PutResult::written) return won(write, expires_at);
  Outcome outcome;
  outcome.kind = OutcomeKind::exists;
  // Expired but not yet swept: it exists, with no value to tell.
  const auto existing = kStore.get(write.key, now);
  if (!existing) return failed(existing.error());
  if (*existing) outcome.existing = std::move(**existing);
  if (!deferred(write)) return outcome;
  if (outcome.existing.empty()) {
    // An unsynced add a power cut tore: the name kept, its data lost. Only an attempt of this
    // same conversion writes this key, and it was never answered: this write takes its place.
    const auto replaced = kStore.replace_if_empty(write.key, write.value, expires_at);
    if (!replaced) return failed(replaced.error());
    if (*replaced == PutResult::written) return won(write, expires_at);
    return outcome;
  }
  // A stopped attempt may have written it unsynced and never reached the runner's log; this
  // exchange's answer now rests on it, so it goes to the log as well (replayed only if lost).
  if (!log_for_runner("add", write.key, outcome.existing, expires_at)) {
    return failed(KvError::io_error);
  }
  return outcome;
}

Outcome remove(const KvWrite& write) {
  const auto result = kStore.remove(write.key);
  return result ? Outcome{} : failed(result.error());
}

// Expired keys that are not swept yet are listed too: a lister removes them or rewrites them.
Outcome list(const std::string& prefix) {
  auto keys = kStore.keys_with_prefix(prefix);
  if (!keys) return failed(keys.error());
  Outcome outcome;
  outcome.keys = std::move(*keys);
  return outcome;
}

Outcome put(const KvWrite& write, std::int64_t now) {
  const std::int64_t expires_at = expiry(write, now);
  if (deferred(write)) {
    if (!log_for_runner("put", write.key, write.value, expires_at)) {
      return failed(KvError::io_error);
    }
    announce_expiry(write.key, expires_at);
    return Outcome{};
  }
  const auto result = kStore.put(write.key, write.value, expires_at, here(write));
  if (!result) return failed(result.error());
  announce_expiry(write.key, expires_at);
  return Outcome{};
}

// As announce_expiry: tells the runner's delivery which entry to read.
void announce_enqueued(const std::string& postback_id) {
  std::fprintf(stderr, "edgepost-enqueue %s\n", postback_id.c_str());
}

}  // namespace

// Both stores are the directory, and the outbox entry the exchange wrote is the queue itself.
// enqueue only tells the runner which entry to read, so that its delivery never has to list the
// whole directory to find new ones (local-runner/src/outbox-wake.mjs). If the line is lost, the
// runner's listing at start and its periodic rescan still find the entry.
Outcome execute(const Command& command, std::int64_t now) {
  switch (command.kind) {
    case CommandKind::read: return read(command.keys, now);
    case CommandKind::put_if_absent: return put_if_absent(command.write, now);
    case CommandKind::put: return put(command.write, now);
    case CommandKind::remove: return remove(command.write);
    case CommandKind::list: return list(command.prefix);
    case CommandKind::enqueue: announce_enqueued(command.postback.id); return Outcome{};
    case CommandKind::emit: emit(command.event); return Outcome{};
    case CommandKind::respond: write_cgi_response(command.response); return Outcome{};
  }
  return Outcome{};
}

void emit(const std::string& event) {
  std::fprintf(stderr, "%s\n", event.c_str());
}

}  // namespace edgepost::wasi
