#pragma once
// A small network for the handler tests: its config, signing keys, and request builders.

#include <string>
#include <string_view>

#include "edgepost/click_id.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/decision.hpp"
#include "edgepost/http.hpp"

namespace fixtures {

// 2026-11-01T00:00:00Z
inline constexpr std::int64_t kNow = 1793491200;

inline constexpr std::string_view kToken = "acme-token-0123456789";
inline constexpr std::string_view kHmacSecret = "globex-hmac-secret-0123456789abcdef";

inline constexpr std::string_view kConfig = R"json({
  "advertisers": [
    {"id": 1, "name": "Acme Shop", "auth": {"security_token": "acme-token-0123456789"}},
    {"id": 2, "name": "Globex", "auth": {"hmac_secret": "globex-hmac-secret-0123456789abcdef",
                                         "ip_allowlist": ["203.0.113.0/24", "2001:db8::/32"]}},
    {"id": 3, "name": "Initech Apps", "auth": "none"}
  ],
  "affiliates": [
    {"id": 7, "name": "Deal Site",
     "postback_url": "https://aff7.example/pb?click={aff_click_id}&tx={transaction_id}&goal={goal}&payout={payout}&cur={currency}&st={status}&cid={conversion_id}&s={AFF_SUB}",
     "reversal_postback_url": "https://aff7.example/reversal?tx={transaction_id}&payout={payout}&st={status}&cid={conversion_id}"},
    {"id": 8, "name": "Blog"},
    {"id": 9, "name": "Banned", "status": "blocked",
     "postback_url": "https://aff9.example/pb?tx={transaction_id}"}
  ],
  "offers": [
    {"id": 100, "advertiser_id": 1, "name": "Shoes",
     "url": "https://shop.example/landing?tid={transaction_id}&s1={aff_sub}&o={offer_id}&a={aff_id}",
     "reversal_window_days": 60,
     "goals": [{"id": "sale", "revenue": {"fixed": "10.00"}, "payout": {"fixed": "4.00"}}],
     "payout_overrides": [{"affiliate_id": 8, "payout": {"fixed": "5"}}]},
    {"id": 200, "advertiser_id": 2, "name": "Gadgets", "currency": "eur",
     "url": "https://globex.example/buy?click={transaction_id}",
     "allowed_affiliates": [7, 8], "min_conversion_seconds": 30, "attribution_window_hours": 48,
     "goals": [{"id": "purchase", "revenue": {"percent": "10"}, "payout": {"fixed": "1", "percent": "5"}}]},
    {"id": 300, "advertiser_id": 3, "name": "Game app", "default_goal": "install",
     "url": "https://apps.example/get?tid={transaction_id}",
     "attribution_window_hours": 24,
     "goals": [
       {"id": "install", "revenue": {"fixed": "2"}, "payout": {"fixed": "1"}},
       {"id": "registration", "revenue": {"fixed": "1"}, "payout": {"fixed": "0.5"}, "status": "pending"},
       {"id": "purchase", "revenue": {"percent": "30"}, "payout": {"percent": "15"}, "multiple": true,
        "dedupe": "fingerprint", "dedupe_window_seconds": 600},
       {"id": "gems", "revenue": {"percent": "30"}, "payout": {"percent": "15"}, "multiple": true}
     ],
     "affiliate_postback_urls": [{"affiliate_id": 8, "url": "https://aff8.example/app?e={goal}&tx={transaction_id}"}]},
    {"id": 400, "advertiser_id": 3, "name": "Old offer", "status": "paused",
     "url": "https://old.example/?t={transaction_id}", "fallback_url": "https://old.example/closed",
     "goals": [{"id": "sale", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}}]},
    {"id": 500, "advertiser_id": 3, "name": "Paused, no fallback", "status": "paused",
     "url": "https://old.example/?t={transaction_id}",
     "goals": [{"id": "sale", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}}]}
  ]
})json";

edgepost::Config config();
edgepost::Snapshot all_records();
// Key 1 mints; key 2 is an older key that still verifies.
const edgepost::KeyRing& keys();
edgepost::Environment env(std::int64_t now = kNow, std::uint8_t seed = 1);
// An ID minted directly (no click record), for offers the click handler would refuse too.
std::string mint(std::uint32_t offer, std::uint32_t affiliate, std::int64_t time = kNow);

edgepost::Request get(std::string path, std::string query, std::string client_ip = "198.51.100.7");
edgepost::Request post(std::string path, std::string content_type, std::string body,
                       std::string client_ip = "198.51.100.7");

}  // namespace fixtures
