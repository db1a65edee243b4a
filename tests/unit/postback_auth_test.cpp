#include "edgepost/postback_auth.hpp"

#include <catch2/catch.hpp>

#include "edgepost/hex.hpp"
#include "edgepost/hmac.hpp"
#include "fixtures.hpp"

using edgepost::AuthFailure;
using edgepost::Form;

namespace {

// Received fields as a request would give them: canonical names are the lowercased ones.
edgepost::Params params_of(const Form& received) {
  edgepost::Params params;
  params.received = received;
  for (const auto& field : received) {
    params.fields.push_back({edgepost::to_lower_ascii(field.name), field.value});
  }
  return params;
}

AuthFailure authenticate(const edgepost::AdvertiserAuth& auth, const Form& received,
                         std::string_view client_ip, std::int64_t now) {
  return edgepost::authenticate_postback(auth, params_of(received), client_ip, now);
}

edgepost::AdvertiserAuth token_auth() {
  edgepost::AdvertiserAuth auth;
  auth.security_token = std::string(fixtures::kToken);
  return auth;
}

edgepost::AdvertiserAuth hmac_auth() {
  edgepost::AdvertiserAuth auth;
  auth.hmac_secret = std::string(fixtures::kHmacSecret);
  return auth;
}

Form signed_form(std::int64_t timestamp) {
  Form form{{"tid", "abc"}, {"amount", "10.5"}, {"timestamp", std::to_string(timestamp)}};
  form.push_back({"signature", edgepost::sign_postback(fixtures::kHmacSecret, form)});
  return form;
}

}  // namespace

TEST_CASE("the signature base string is sorted, encoded and leaves the signature out", "[auth]") {
  const Form form{{"tid", "a b"}, {"amount", "1"}, {"Signature", "x"}, {"adv_sub", "&="}};
  CHECK(edgepost::signature_base_string(form) == "adv_sub=%26%3D&amount=1&tid=a%20b");
  // The signature is plain HMAC-SHA256 over it, in lowercase hex: easy to reproduce anywhere.
  CHECK(edgepost::sign_postback("k", form) ==
        edgepost::to_hex(edgepost::hmac_sha256("k", "adv_sub=%26%3D&amount=1&tid=a%20b")));
}

TEST_CASE("security token: required, compared exactly", "[auth]") {
  const auto auth = token_auth();
  CHECK(authenticate(auth, {{"security_token", std::string(fixtures::kToken)}}, "", 0) ==
        AuthFailure::none);
  CHECK(authenticate(auth, {}, "", 0) == AuthFailure::missing_token);
  CHECK(authenticate(auth, {{"security_token", "acme-token-012345678"}}, "", 0) ==
        AuthFailure::wrong_token);
  CHECK(authenticate(auth, {{"security_token", "ACME-TOKEN-0123456789"}}, "", 0) ==
        AuthFailure::wrong_token);
  // The parameter name is matched in any case; the value exactly.
  CHECK(authenticate(auth, {{"Security_Token", std::string(fixtures::kToken)}}, "", 0) ==
        AuthFailure::none);
}

TEST_CASE("HMAC signature with a timestamp window against replay", "[auth]") {
  const auto auth = hmac_auth();
  const std::int64_t now = fixtures::kNow;
  CHECK(authenticate(auth, signed_form(now), "", now) == AuthFailure::none);
  CHECK(authenticate(auth, signed_form(now - 300), "", now) == AuthFailure::none);
  CHECK(authenticate(auth, signed_form(now + 300), "", now) == AuthFailure::none);
  CHECK(authenticate(auth, signed_form(now - 301), "", now) == AuthFailure::stale_timestamp);
  CHECK(authenticate(auth, signed_form(now + 301), "", now) == AuthFailure::stale_timestamp);

  Form upper = signed_form(now);
  for (char& c : upper.back().value) c = static_cast<char>(std::toupper(c));
  CHECK(authenticate(auth, upper, "", now) == AuthFailure::none);

  Form tampered = signed_form(now);
  tampered[1].value = "100.5";
  CHECK(authenticate(auth, tampered, "", now) == AuthFailure::bad_signature);

  Form added = signed_form(now);
  added.push_back({"status", "approved"});
  CHECK(authenticate(auth, added, "", now) == AuthFailure::bad_signature);

  Form unsigned_form = signed_form(now);
  unsigned_form.pop_back();
  CHECK(authenticate(auth, unsigned_form, "", now) == AuthFailure::missing_signature);

  Form no_time{{"tid", "abc"}};
  no_time.push_back({"signature", edgepost::sign_postback(fixtures::kHmacSecret, no_time)});
  CHECK(authenticate(auth, no_time, "", now) == AuthFailure::missing_signature);

  Form bad_time{{"tid", "abc"}, {"timestamp", "soon"}};
  bad_time.push_back({"signature", edgepost::sign_postback(fixtures::kHmacSecret, bad_time)});
  CHECK(authenticate(auth, bad_time, "", now) == AuthFailure::missing_signature);
}

TEST_CASE("IP allowlist, v4 and v6, is checked before anything else", "[auth]") {
  auto auth = token_auth();
  auth.ip_allowlist = {*edgepost::parse_cidr("203.0.113.0/24"),
                       *edgepost::parse_cidr("2001:db8::/32")};
  const Form good{{"security_token", std::string(fixtures::kToken)}};
  CHECK(authenticate(auth, good, "203.0.113.250", 0) == AuthFailure::none);
  CHECK(authenticate(auth, good, "2001:db8::1", 0) == AuthFailure::none);
  CHECK(authenticate(auth, good, "::ffff:203.0.113.9", 0) == AuthFailure::none);
  CHECK(authenticate(auth, good, "203.0.114.1", 0) == AuthFailure::ip_not_allowed);
  CHECK(authenticate(auth, good, "2001:db9::1", 0) == AuthFailure::ip_not_allowed);
  CHECK(authenticate(auth, good, "", 0) == AuthFailure::ip_not_allowed);
  CHECK(authenticate(auth, good, "not an address", 0) == AuthFailure::ip_not_allowed);
  CHECK(authenticate(auth, {}, "198.51.100.1", 0) == AuthFailure::ip_not_allowed);
}

TEST_CASE("every configured credential is required", "[auth]") {
  auto auth = hmac_auth();
  auth.security_token = std::string(fixtures::kToken);
  Form both{{"tid", "abc"},
            {"security_token", std::string(fixtures::kToken)},
            {"timestamp", std::to_string(fixtures::kNow)}};
  both.push_back({"signature", edgepost::sign_postback(fixtures::kHmacSecret, both)});
  CHECK(authenticate(auth, both, "", fixtures::kNow) == AuthFailure::none);
  CHECK(authenticate(auth, signed_form(fixtures::kNow), "", fixtures::kNow) ==
        AuthFailure::missing_token);
}

TEST_CASE("an advertiser marked \"none\" needs nothing", "[auth]") {
  edgepost::AdvertiserAuth none;
  none.none = true;
  CHECK(authenticate(none, {}, "", 0) == AuthFailure::none);
}

TEST_CASE("every failure has a message", "[auth]") {
  for (const auto failure :
       {AuthFailure::none, AuthFailure::ip_not_allowed, AuthFailure::missing_token,
        AuthFailure::wrong_token, AuthFailure::missing_signature, AuthFailure::bad_signature,
        AuthFailure::stale_timestamp}) {
    CHECK_FALSE(edgepost::auth_failure_message(failure).empty());
  }
}
