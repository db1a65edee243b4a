#include "exchange_model.hpp"

namespace model {

using edgepost::Command;
using edgepost::CommandKind;
using edgepost::Outcome;
using edgepost::OutcomeKind;

bool touches_store(const Command& command) {
  return command.kind != CommandKind::emit && command.kind != CommandKind::respond;
}

// Nothing an exchange does writes the records store (config and click records), so reading
// it commutes with every other command. enqueue only appends to the platform's queue.
bool interleaves(const Command& command) {
  if (command.kind == CommandKind::read || command.kind == CommandKind::list) {
    return command.store == edgepost::Store::ledger;
  }
  return command.kind == CommandKind::put_if_absent || command.kind == CommandKind::put ||
         command.kind == CommandKind::remove;
}

Outcome execute(const Command& command, Stores& stores,
                std::vector<edgepost::Response>& responses) {
  Outcome outcome;
  auto& store = stores.of(command.store);
  if (command.store == edgepost::Store::ledger &&
      command.write.durability == edgepost::Durability::unsynced &&
      (command.kind == CommandKind::put || command.kind == CommandKind::put_if_absent)) {
    stores.unsynced_ledger_writes.push_back(command.write.key);
  }
  switch (command.kind) {
    case CommandKind::read:
      for (const std::string& key : command.keys) {
        if (const auto found = store.find(key); found != store.end()) {
          outcome.values.emplace(key, found->second);
        }
      }
      break;
    case CommandKind::put_if_absent: {
      const auto [at, inserted] = store.emplace(command.write.key, command.write.value);
      if (inserted && command.store == edgepost::Store::ledger) {
        stores.ledger_ttls[command.write.key] = command.write.ttl_seconds;
      }
      outcome.kind = inserted ? OutcomeKind::won : OutcomeKind::exists;
      if (!inserted) outcome.existing = at->second;
      if (inserted && command.write.key.rfind("outbox/", 0) == 0) {
        ++stores.outbox_writes[command.write.key];
      }
      break;
    }
    case CommandKind::put:
      store[command.write.key] = command.write.value;
      if (command.store == edgepost::Store::ledger) {
        stores.ledger_ttls[command.write.key] = command.write.ttl_seconds;
      }
      break;
    case CommandKind::remove: store.erase(command.write.key); break;
    case CommandKind::list:
      for (const auto& [key, value] : store) {
        if (key.rfind(command.prefix, 0) == 0) outcome.keys.push_back(key);
      }
      break;
    case CommandKind::enqueue: stores.wakeups.push_back(command.postback.id); break;
    case CommandKind::emit: stores.events.push_back(command.event); break;
    case CommandKind::respond: responses.push_back(command.response); break;
  }
  return outcome;
}

Run::Run(const Run& other)
    : exchange(other.exchange->clone()),
      fault(other.fault),
      store_commands(other.store_commands),
      died(other.died),
      responses(other.responses) {}

void Run::settle(Stores& stores) {
  while (!done() && !touches_store(exchange->command())) {
    exchange->resolve(execute(exchange->command(), stores, responses));
  }
}

void Run::settle_commuting(Stores& stores) {
  settle(stores);
  while (!done() && !interleaves(exchange->command())) step(stores);
}

void Run::step(Stores& stores) {
  const Command& command = exchange->command();
  const bool faulty = store_commands++ == fault.at;
  Outcome outcome;
  if (!faulty) {
    outcome = execute(command, stores, responses);
  } else {
    switch (fault.kind) {
      case FaultKind::store_fails:
        outcome.kind = OutcomeKind::failed;
        outcome.error = "injected store failure";
        break;
      case FaultKind::reply_lost:
        (void)execute(command, stores, responses);
        outcome.kind = OutcomeKind::failed;
        outcome.error = "injected lost reply";
        break;
      case FaultKind::dies_before: died = true; return;
      case FaultKind::dies_after:
        (void)execute(command, stores, responses);
        died = true;
        return;
    }
  }
  exchange->resolve(outcome);
  settle(stores);
}

}  // namespace model
