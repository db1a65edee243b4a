#include "edgepost/bot_user_agent.hpp"

#include <catch2/catch.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

using edgepost::kKnownBotListVersion;
using edgepost::known_bot_pattern;

namespace {

struct BotInstance {
  std::string_view listed_under;  // the list entry that gives this example
  std::string_view first_match;   // the first pattern in list order JavaScript's RegExp matches
  std::string_view user_agent;
};

// Generated from the list at build time (lib/bot-list/generate.mjs), like the patterns.
#include "bot_instances.inc"

// Current browsers as they identify themselves (none of them is a bot).
constexpr std::string_view kBrowsers[] = {
    // Chrome: Windows, macOS, Android (the reduced user agent)
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    // Firefox: Windows, Linux, Android
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
    // Safari: iPhone, iPad, macOS; Chrome on iOS
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    // Edge, Opera
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
    // Samsung Internet
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    // Android WebView (an app's embedded browser: "wv")
    "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.135 Mobile Safari/537.36",
};

std::string repeat(std::string_view piece, std::size_t total_bytes) {
  std::string out;
  while (out.size() < total_bytes) out += piece;
  return out;
}

}  // namespace

TEST_CASE("known bots: the compiled list is crawler-user-agents 1.60.0", "[bot]") {
  CHECK(kKnownBotListVersion == "1.60.0");
  CHECK(std::size(kBotInstances) > 2000);
}

TEST_CASE("known bots: every example user agent of the list is a known bot", "[bot]") {
  std::size_t under_own_pattern = 0;
  for (const BotInstance& instance : kBotInstances) {
    INFO("user agent: " << std::string(instance.user_agent));
    INFO("listed under: " << std::string(instance.listed_under));
    const std::optional<std::string_view> pattern = known_bot_pattern(instance.user_agent);
    REQUIRE(pattern.has_value());
    // The same answer as JavaScript's regex engine taking the list in order.
    CHECK(*pattern == instance.first_match);
    if (*pattern == instance.listed_under) ++under_own_pattern;
  }
  // Most examples are matched by their own entry; a few by an earlier, broader one.
  CHECK(under_own_pattern > std::size(kBotInstances) * 9 / 10);
}

TEST_CASE("known bots: Googlebot is reported under the list's Googlebot pattern", "[bot]") {
  CHECK(known_bot_pattern("Mozilla/5.0 (compatible; Googlebot/2.1; "
                          "+http://www.google.com/bot.html)") == "Googlebot\\/");
  CHECK(known_bot_pattern("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) "
                          "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile "
                          "Safari/537.36 (compatible; Googlebot/2.1; "
                          "+http://www.google.com/bot.html)") == "Googlebot\\/");
}

TEST_CASE("known bots: the list's regex patterns fire through their own syntax", "[bot]") {
  // [wW], ^, (a|b), \d\.\d+, [^-]|$ and [\s\S]* in turn.
  CHECK(known_bot_pattern("Wget/1.21.4") == "[wW]get");
  CHECK(known_bot_pattern("curl/8.5.0") == "^curl");
  CHECK(known_bot_pattern("Mozilla/5.0 curl/8.5.0") == std::nullopt);
  CHECK(known_bot_pattern("Mozilla/5.0 (compatible; AhrefsSiteAudit/6.1)") ==
        "Ahrefs(Bot|SiteAudit)");
  CHECK(known_bot_pattern("BlogTraffic/1.42 Feed-Fetcher") ==
        "BlogTraffic\\/\\d\\.\\d+ Feed-Fetcher");
  CHECK(known_bot_pattern("BlogTraffic/1. Feed-Fetcher") == std::nullopt);
  CHECK(known_bot_pattern("AdsBot-Google") == "AdsBot-Google([^-]|$)");
  CHECK(known_bot_pattern("AdsBot-Google (+http://www.google.com/adsbot.html)") ==
        "AdsBot-Google([^-]|$)");
  CHECK(known_bot_pattern("Current 2.1 (an RSS Reader)") == "Current[\\s\\S]*RSS Reader");
  // A pattern "a|b" is found by either side and reported whole.
  CHECK(known_bot_pattern("Newsify Feed Fetcher 1.0") == "Automaton|Newsify Feed Fetcher");
  CHECK(known_bot_pattern("Automaton 2") == "Automaton|Newsify Feed Fetcher");
}

TEST_CASE("known bots: browsers are not known bots", "[bot]") {
  for (const std::string_view browser : kBrowsers) {
    INFO("user agent: " << std::string(browser));
    CHECK(known_bot_pattern(browser) == std::nullopt);
  }
}

TEST_CASE("known bots: an empty or tiny user agent is not a known bot", "[bot]") {
  CHECK(known_bot_pattern("") == std::nullopt);
  CHECK(known_bot_pattern("G") == std::nullopt);
  CHECK(known_bot_pattern("Mozilla/5.0") == std::nullopt);
  CHECK(known_bot_pattern(std::string_view("\0\0", 2)) == std::nullopt);
}

TEST_CASE("known bots: matching is case-sensitive, like the list", "[bot]") {
  CHECK(known_bot_pattern("Googlebot/2.1").has_value());
  CHECK(known_bot_pattern("GOOGLEBOT/2.1") == std::nullopt);
}

TEST_CASE("known bots: any bytes are safe to match", "[bot]") {
  std::string all_bytes;
  for (int byte = 0; byte < 256; ++byte) all_bytes += static_cast<char>(byte);
  CHECK(known_bot_pattern(all_bytes) == std::nullopt);
  CHECK(known_bot_pattern(all_bytes + "Googlebot/2.1" + all_bytes) == "Googlebot\\/");
}

TEST_CASE("known bots: long adversarial user agents complete", "[bot]") {
  constexpr std::size_t kSize = 100 * 1024;
  CHECK(known_bot_pattern(std::string(kSize, 'a')) == std::nullopt);
  CHECK(known_bot_pattern(std::string(kSize, '\\')) == std::nullopt);
  // Prefixes of the regex patterns, each a start the matcher must try and give up on.
  for (const std::string_view spam :
       {"Spider", "Current ", "ContextualBot ", "AdsBot-Google-", "BlogTraffic/1.",
        "BlogTraffic/1.1", "sistrix ", " sentry", "Livelap", "SemrushBo", "Ahrefs", "Spider spider",
        "Automato", "GoogleAssociationService "}) {
    INFO("repeated: " << std::string(spam));
    CHECK(known_bot_pattern(repeat(spam, kSize)) == std::nullopt);
  }
  // A literal pattern is found however much comes before or after it.
  CHECK(known_bot_pattern(repeat("Spider", kSize) + "Googlebot/2.1") == "Googlebot\\/");
  CHECK(known_bot_pattern("Googlebot/2.1" + std::string(kSize, 'a')) == "Googlebot\\/");
  // [\s\S]* over this much text needs more regex steps than a pattern may take: reported as
  // not matched by that pattern (bot_user_agent.hpp), not as a hang.
  CHECK(known_bot_pattern("Current " + std::string(kSize, ' ') + "RSS Reader") == std::nullopt);
  CHECK(known_bot_pattern("Current " + std::string(1000, ' ') + "RSS Reader") ==
        "Current[\\s\\S]*RSS Reader");
}
