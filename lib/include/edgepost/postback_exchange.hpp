#pragma once
// The postback exchange: a conversion recorded exactly once, and each change of its status
// exactly once, whatever fails and whenever.
//
//   read config -> decide -> read conversion/<id>
//     absent:  put claims if absent (in order) -> put conversion/<id> if absent (the commit)
//              -> outbox entries if absent (+ enqueue) -> emit "conversion"
//              -> put conversion/<id> stage complete -> respond 200
//     present: complete what its first attempt left out, then take in every committed change:
//              read change/<id>/<n+1>; while present: its outbox entries, emit "status_change",
//              put conversion/<id> with it folded in, read the next
//              -> decide the request against the conversion as it now is:
//                 a repeat (answered from the record), refused (409), or a change:
//                 put change/<id>/<n+1> if absent (the commit; lost: take that one in and
//                 decide again) -> its outbox entries, event, record as above -> respond 200
//
// The change log is the truth and conversion/<id> a copy with the changes folded in so far: a
// late put of the record (an attempt that folded change n after another folded n+1) can set the
// copy back, never the log, and whoever reads the conversion next folds it forward again.
//
// Nothing is ever released or rolled back: a claim held by a conversion that never commits
// stays held, and the postbacks that need it are refused (409) rather than paid twice.
// docs/protocol.md states the invariants; tests/unit/exchange_test.cpp checks them under
// every fault point and every interleaving of two exchanges.

#include <memory>
#include <string_view>

#include "edgepost/click_id.hpp"
#include "edgepost/exchange.hpp"

namespace edgepost {

std::unique_ptr<Exchange> start_postback_exchange(Request request, KeyRing keys, Environment env);

// The operator's status API (status_api.hpp): the same protocol from "present" on, for the
// conversion the path names.
std::unique_ptr<Exchange> start_status_api_exchange(const Request& request,
                                                    std::string_view admin_token, Environment env);

}  // namespace edgepost
