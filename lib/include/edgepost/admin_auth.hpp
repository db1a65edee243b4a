#pragma once
// The admin APIs (status changes, explain) take "Authorization: Bearer <EDGEPOST_ADMIN_TOKEN>".
// analytics/src/bearer-token.mjs applies the same rule to the hosts' report APIs.

#include <string_view>

#include "edgepost/http.hpp"

namespace edgepost {

inline constexpr std::size_t kMinAdminTokenBytes = 16;

// admin_token shorter than kMinAdminTokenBytes (empty: not configured): the APIs are off and
// nobody is authorized. Compared as SHA-256 digests in constant time, so that neither the
// token's bytes nor its length leak through timing; the scheme is case-insensitive (RFC 9110).
bool admin_authorized(const Request& request, std::string_view admin_token);

}  // namespace edgepost
