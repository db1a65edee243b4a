#pragma once
// The click exchange: read the offer and affiliate, decide, respond (the redirect goes out
// first), then store the click record. A click that cannot be stored still redirects: the
// conversion attributes from the signed ID, only the sub IDs are lost.

#include <memory>

#include "edgepost/click_id.hpp"
#include "edgepost/exchange.hpp"

namespace edgepost {

std::unique_ptr<Exchange> start_click_exchange(Request request, KeyRing keys, Environment env);

}  // namespace edgepost
