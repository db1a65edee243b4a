#pragma once
// Authenticating an advertiser's postback: IP allowlist, security token, HMAC signature.
// The signature scheme is specified in docs/postback-auth.md.

#include <cstdint>
#include <string>
#include <string_view>

#include "edgepost/config_model.hpp"
#include "edgepost/form.hpp"
#include "edgepost/params.hpp"

namespace edgepost {

inline constexpr std::int64_t kSignatureWindowSeconds = 300;

// The bytes an advertiser signs: every parameter it sends except `signature` (in any case),
// each as percent_encode(name) "=" percent_encode(value), sorted, joined with '&'.
std::string signature_base_string(const Form& received);

// hex(HMAC-SHA256(secret, signature_base_string(received)))
std::string sign_postback(std::string_view hmac_secret, const Form& received);

enum class AuthFailure {
  none,
  ip_not_allowed,
  missing_token,
  wrong_token,
  missing_signature,
  bad_signature,
  stale_timestamp,  // outside +-kSignatureWindowSeconds: a replay or a wrong clock
};

// Every credential the advertiser has configured is required. client_ip is the address the
// platform saw; it is never taken from a header here.
// The signature covers params.received (names as sent); the token, timestamp and signature
// are looked up by canonical name.
AuthFailure authenticate_postback(const AdvertiserAuth& auth, const Params& params,
                                  std::string_view client_ip, std::int64_t now);

std::string_view auth_failure_message(AuthFailure failure) noexcept;

}  // namespace edgepost
