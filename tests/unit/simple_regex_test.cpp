#include "edgepost/simple_regex.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

using edgepost::regex_search;
using edgepost::regex_supported;
using edgepost::RegexSearch;

namespace {
bool matches(std::string_view pattern, std::string_view text) {
  INFO("pattern: " << std::string(pattern) << "  text: \"" << std::string(text) << "\"");
  const RegexSearch result = regex_search(pattern, text);
  REQUIRE(result != RegexSearch::unsupported);
  REQUIRE(result != RegexSearch::budget_exhausted);
  return result == RegexSearch::match;
}
}  // namespace

TEST_CASE("bot-list regex: plain and escaped characters match themselves, anywhere", "[regex]") {
  CHECK(matches("bot", "Googlebot/2.1"));
  CHECK(matches("Googlebot\\/", "x Googlebot/2.1"));
  CHECK_FALSE(matches("Googlebot\\/", "Googlebot 2.1"));
  CHECK(matches("a\\.b\\(c\\)\\+\\!", "xa.b(c)+!"));
  CHECK_FALSE(matches("a\\.b", "axb"));
  CHECK_FALSE(matches("Bot", "bot"));  // case-sensitive
  CHECK(matches("", ""));
  CHECK(matches("", "anything"));
  CHECK_FALSE(matches("a", ""));
}

TEST_CASE("bot-list regex: classes, negated classes, ranges and class escapes", "[regex]") {
  CHECK(matches("[wW]get", "Wget/1"));
  CHECK(matches("[wW]get", "wget/1"));
  CHECK_FALSE(matches("[wW]get", "Xget/1"));
  CHECK(matches("x[^-]", "xa"));
  CHECK_FALSE(matches("x[^-]", "x-"));
  CHECK_FALSE(matches("x[^-]", "x"));
  CHECK(matches("[a-c]+z", "bcaz"));
  CHECK_FALSE(matches("^[a-c]+z", "bdz"));
  CHECK(matches("[-a]", "-"));
  CHECK(matches("[a-]", "-"));
  CHECK(matches("[\\d.]", "."));
  CHECK(matches("\\d\\.\\d+ x", "v1.42 x"));
  CHECK_FALSE(matches("\\d\\.\\d+ x", "v1. x"));
  CHECK(matches("a\\sb", "a\tb"));
  CHECK(matches("a\\Sb", "a-b"));
  CHECK_FALSE(matches("a\\Sb", "a b"));
  CHECK(matches("\\w\\W", "_!"));
  CHECK(matches("\\D", "x"));
  CHECK_FALSE(matches("^\\D", "1"));
  CHECK(matches("a.c", "abc"));
  CHECK_FALSE(matches("a.c", "a\nc"));
  // Bytes outside ASCII are ordinary bytes.
  CHECK(matches("[\\s\\S]", "\xff"));
  CHECK(matches("a[^b]c", "a\200c"));
}

TEST_CASE("bot-list regex: anchors, groups and alternation", "[regex]") {
  CHECK(matches("^curl", "curl/8"));
  CHECK_FALSE(matches("^curl", " curl/8"));
  CHECK(matches("Labs$", "SSL Labs"));
  CHECK_FALSE(matches("Labs$", "SSL Labs "));
  CHECK(matches("(^| )sentry\\/", "sentry/1"));
  CHECK(matches("(^| )sentry\\/", "x sentry/1"));
  CHECK_FALSE(matches("(^| )sentry\\/", "xsentry/1"));
  CHECK(matches("Ahrefs(Bot|SiteAudit)", "AhrefsSiteAudit"));
  CHECK_FALSE(matches("Ahrefs(Bot|SiteAudit)", "AhrefsSite"));
  CHECK(matches("AdsBot-Google([^-]|$)", "AdsBot-Google"));
  CHECK(matches("AdsBot-Google([^-]|$)", "AdsBot-Google x"));
  CHECK_FALSE(matches("AdsBot-Google([^-]|$)", "AdsBot-Google-Mobile"));
  CHECK(matches("Chirp|gotosocial", "gotosocial"));
  CHECK(matches("Chirp|gotosocial", "Chirp"));
  CHECK_FALSE(matches("Chirp|gotosocial", "chirp"));
  CHECK(matches("a((b|c)d|e)f", "acdf"));
  CHECK(matches("a((b|c)d|e)f", "aef"));
  CHECK_FALSE(matches("a((b|c)d|e)f", "adf"));
  CHECK(matches("a()b", "ab"));
}

TEST_CASE("bot-list regex: quantifiers are greedy and backtrack", "[regex]") {
  CHECK(matches("Spider[\\s\\S]*spider\\.com", "Spider (+http://spider.com/bot)"));
  CHECK(matches("Spider[\\s\\S]*spider\\.com", "Spiderspider.com"));
  CHECK_FALSE(matches("Spider[\\s\\S]*spider\\.com", "spider.com Spider"));
  CHECK(matches("a*b", "b"));
  CHECK(matches("^a*ab$", "aaab"));
  CHECK(matches("^a+$", "aaa"));
  CHECK_FALSE(matches("^a+$", ""));
  CHECK(matches("^ab?c$", "ac"));
  CHECK(matches("^ab?c$", "abc"));
  CHECK_FALSE(matches("^ab?c$", "abbc"));
  CHECK(matches("^a?$", ""));
  CHECK(matches("x\\d*y", "x123y"));
  CHECK(matches("^[ab]*b[ab]*a$", "aabbba"));
}

TEST_CASE("bot-list regex: syntax outside the subset is refused, not guessed at", "[regex]") {
  for (const std::string_view pattern :
       {"a{2}", "a*?", "a**", "(ab)*", "(?:a)", "(?i)a", "\\bword", "\\x41",
        "\\1",  "a\\", "(a",  "a)",    "[a",    "[]",    "[z-a]",   "[[]",
        "]",    "}",   "*a",  "|*",    "^*",    "a\tb",  "\xc3\xa9"}) {
    INFO("pattern: " << std::string(pattern));
    CHECK_FALSE(regex_supported(pattern));
    CHECK(regex_search(pattern, "aa") == RegexSearch::unsupported);
  }
  CHECK(regex_supported("(^| )PTST\\/"));
  CHECK(regex_supported("BlogTraffic\\/\\d\\.\\d+ Feed-Fetcher"));
  CHECK(regex_supported("S[eE][mM]rushBot"));
}

TEST_CASE("bot-list regex: work is capped by the step budget", "[regex]") {
  // Nested alternatives that all match the same text: exponential without a cap.
  const std::string text(40, 'a');
  const std::string_view exponential =
      "(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)"
      "(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)b";
  CHECK(regex_search(exponential, text) == RegexSearch::budget_exhausted);
  CHECK(regex_search("a*a*a*a*a*b", std::string(10000, 'a')) == RegexSearch::budget_exhausted);
  CHECK(regex_search("a*a*a*a*a*b", std::string(5, 'a')) == RegexSearch::no_match);
  CHECK(regex_search("abc", "xxabc", 1) == RegexSearch::budget_exhausted);
  CHECK(regex_search("abc", "xxabc", 100) == RegexSearch::match);
  // A literal after [\s\S]* is looked for, not tried at every length: a long text costs steps
  // in proportion to its length, not its square.
  const std::string long_text = "Spider" + std::string(4000, ' ') + "spider.com";
  CHECK(regex_search("Spider[\\s\\S]*spider\\.com", long_text) == RegexSearch::match);
  CHECK(regex_search("Spider[\\s\\S]*spider\\.com", long_text, 9000) == RegexSearch::match);
}
