#include "edgepost/postback_auth.hpp"

#include <algorithm>
#include <charconv>

#include "edgepost/constant_time.hpp"
#include "edgepost/hex.hpp"
#include "edgepost/hmac.hpp"
#include "edgepost/http.hpp"
#include "edgepost/ip_address.hpp"
#include "edgepost/percent.hpp"

namespace edgepost {
namespace {

bool ip_allowed(const AdvertiserAuth& auth, std::string_view client_ip) {
  if (auth.ip_allowlist.empty()) return true;
  const auto address = parse_ip_address(client_ip);
  if (!address) return false;
  return std::any_of(auth.ip_allowlist.begin(), auth.ip_allowlist.end(),
                     [&](const CidrRange& range) { return cidr_contains(range, *address); });
}

std::optional<std::int64_t> parse_timestamp(const std::string* text) {
  if (text == nullptr) return std::nullopt;
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  const auto [stop, status] = std::from_chars(text->data(), end, value);
  if (status != std::errc{} || stop != end) return std::nullopt;
  return value;
}

AuthFailure check_token(const AdvertiserAuth& auth, const Params& params) {
  const std::string* token = params.get("security_token");
  if (token == nullptr) return AuthFailure::missing_token;
  if (!constant_time_equal(*token, auth.security_token)) return AuthFailure::wrong_token;
  return AuthFailure::none;
}

AuthFailure check_signature(const AdvertiserAuth& auth, const Params& params, std::int64_t now) {
  const std::string* signature = params.get("signature");
  if (signature == nullptr) return AuthFailure::missing_signature;
  const auto timestamp = parse_timestamp(params.get("timestamp"));
  if (!timestamp) return AuthFailure::missing_signature;
  const std::string expected = sign_postback(auth.hmac_secret, params.received);
  if (!constant_time_equal(to_lower_ascii(*signature), expected)) return AuthFailure::bad_signature;
  // Checked after the MAC, so that the answer says nothing about unsigned timestamps.
  if (*timestamp < now - kSignatureWindowSeconds || *timestamp > now + kSignatureWindowSeconds) {
    return AuthFailure::stale_timestamp;
  }
  return AuthFailure::none;
}

}  // namespace

std::string signature_base_string(const Form& received) {
  std::vector<std::string> pairs;
  for (const FormField& field : received) {
    if (equals_ignoring_ascii_case(field.name, "signature")) continue;
    pairs.push_back(percent_encode(field.name) + "=" + percent_encode(field.value));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string base;
  for (const std::string& pair : pairs) {
    if (!base.empty()) base.push_back('&');
    base += pair;
  }
  return base;
}

std::string sign_postback(std::string_view hmac_secret, const Form& received) {
  return to_hex(hmac_sha256(hmac_secret, signature_base_string(received)));
}

AuthFailure authenticate_postback(const AdvertiserAuth& auth, const Params& params,
                                  std::string_view client_ip, std::int64_t now) {
  if (auth.none) return AuthFailure::none;
  if (!ip_allowed(auth, client_ip)) return AuthFailure::ip_not_allowed;
  if (!auth.security_token.empty()) {
    if (const AuthFailure failure = check_token(auth, params); failure != AuthFailure::none) {
      return failure;
    }
  }
  if (!auth.hmac_secret.empty()) return check_signature(auth, params, now);
  return AuthFailure::none;
}

std::string_view auth_failure_message(AuthFailure failure) noexcept {
  switch (failure) {
    case AuthFailure::none: return "authenticated";
    case AuthFailure::ip_not_allowed:
      return "the client address is not in the advertiser's allowlist";
    case AuthFailure::missing_token: return "security_token is required";
    case AuthFailure::wrong_token: return "security_token is wrong";
    case AuthFailure::missing_signature: return "signature and timestamp are required";
    case AuthFailure::bad_signature: return "signature does not match";
    case AuthFailure::stale_timestamp:
      return "timestamp is more than 300 seconds from the server's time";
  }
  return "unauthorized";
}

}  // namespace edgepost
