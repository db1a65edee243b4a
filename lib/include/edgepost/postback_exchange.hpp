#pragma once
// The postback exchange: a conversion recorded exactly once, whatever fails and whenever.
//
//   read config -> decide -> read conversion/<id>
//     present: a replay; answered from the record, completing what its first attempt left out
//     absent:  put claims if absent (in order) -> put conversion/<id> if absent (the commit)
//              -> outbox entries if absent (+ enqueue) -> emit "conversion"
//              -> put conversion/<id> stage complete -> respond 200
//
// Nothing is ever released or rolled back: a claim held by a conversion that never commits
// stays held, and the postbacks that need it are refused (409) rather than paid twice.
// docs/protocol.md states the invariants; tests/unit/exchange_test.cpp checks them under
// every fault point and every interleaving of two exchanges.

#include <memory>

#include "edgepost/click_id.hpp"
#include "edgepost/exchange.hpp"

namespace edgepost {

std::unique_ptr<Exchange> start_postback_exchange(Request request, KeyRing keys, Environment env);

}  // namespace edgepost
