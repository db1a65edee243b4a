#pragma once
// GET /api/explain/{transaction_id}: what a transaction ID is, as only the keys can tell.
// Behind the admin bearer token (admin_auth.hpp). The answer (JSON):
//
//   transaction_id  as asked, lowercase
//   signature       "valid", or why not: "malformed", "unknown_version", "unknown_key",
//                   "bad_signature"; message: the refusal a postback with it gets
//   id              { key_id, click_time, offer_id, aff_id }: verified; for an ID that does
//                   not verify, "claimed" holds what it pretends instead (when it decodes)
//   offer           { id, name, active, attribution_window_seconds } or null (not in config)
//   attribution_ends, expired, future: when a postback for it stops being accepted, whether
//                   that is past, whether the ID is dated ahead of this host's clock
//   click           the stored click record, or null (not stored, lost, or expired)
//
// The history of the ID (postbacks, conversions, partner deliveries) is in the host's report
// store: the host adds it (analytics/src/explain.mjs).

#include <memory>
#include <string_view>

#include "edgepost/click_id.hpp"
#include "edgepost/exchange.hpp"

namespace edgepost {

inline constexpr std::string_view kExplainApiPrefix = "/api/explain/";

std::unique_ptr<Exchange> start_explain_exchange(const Request& request,
                                                 std::string_view admin_token, KeyRing keys,
                                                 Environment env);

}  // namespace edgepost
