#pragma once
// An exchange is one request's whole protocol, owned by the library the way a sans-I/O
// protocol library owns its protocol: it yields one command at a time (read keys, put if
// absent, put, remove, list, enqueue, emit, respond) and takes that command's outcome. An adapter
// is a loop that carries commands out on its platform and feeds the outcomes back; it decides
// nothing.
//
//   while (!exchange.finished()) exchange.resolve(execute(exchange.command()));
//
// A loop that stops at any point (the process dies, the platform cancels the request) leaves
// the store in a state the next attempt of the same request completes; docs/protocol.md says
// why, and tests/unit/exchange_test.cpp checks it at every command.

#include <memory>
#include <string>
#include <vector>

#include "edgepost/decision.hpp"
#include "edgepost/http.hpp"

namespace edgepost {

// records: config, clicks; eventually consistent is enough (Workers KV).
// ledger: claims, conversions, outbox entries; reads see every completed write and
// put_if_absent is atomic per key (a Durable Object on Workers; the data directory locally).
enum class Store { records, ledger };

enum class CommandKind { read, put_if_absent, put, remove, list, enqueue, emit, respond };

struct Command {
  CommandKind kind = CommandKind::respond;
  Store store = Store::records;
  std::vector<std::string> keys;  // read
  KvWrite write;                  // put_if_absent, put; remove (the key only)
  std::string prefix;             // list: every key that starts with it
  PartnerPostback postback;       // enqueue: wake the platform's delivery for this entry
  std::string event;              // emit: one JSON object
  Response response;              // respond
  // read: a copy the host read from this store at most this many seconds ago will do, values
  // and absences alike; 0: the store itself. A host that keeps no copies ignores it.
  std::int64_t max_age_seconds = 0;
};

// done: read (values), list (keys), put, remove, enqueue, emit, respond.
// won / exists (existing): put_if_absent.
// failed: any command the store or platform could not carry out.
enum class OutcomeKind { done, won, exists, failed };

struct Outcome {
  OutcomeKind kind = OutcomeKind::done;
  Snapshot values;                // read: the keys that exist
  std::vector<std::string> keys;  // list
  std::string existing;           // exists: the value already there
  std::string error;              // failed: for the event log
};

class Exchange {
 public:
  virtual ~Exchange() = default;
  // The command to carry out next; valid until resolve(). Not to be called once finished.
  virtual const Command& command() const = 0;
  virtual void resolve(const Outcome& outcome) = 0;
  virtual bool finished() const = 0;
  // A copy that continues independently (the interleaving tests explore both branches).
  virtual std::unique_ptr<Exchange> clone() const = 0;
};

}  // namespace edgepost
