#pragma once
// What the fuzzers share: the input split into text fields, the fixture network, a key ring.
// Fields are lines so that the seed corpus is readable and easy to write by hand; whatever
// follows the last line a fuzzer reads (usually a body) may hold any bytes, line breaks too.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "edgepost/click_id.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/decision.hpp"
#include "fixtures.hpp"

namespace fuzz {

// A property the code promises was broken: libFuzzer reports it like a crash and saves the input.
inline void require(bool holds) {
  if (!holds) __builtin_trap();
}

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next line without its '\n'; the rest of the input when there is no '\n' left.
  std::string_view line() {
    const std::size_t end = rest_.find('\n');
    const std::string_view taken = rest_.substr(0, end);
    rest_ = end == std::string_view::npos ? std::string_view{} : rest_.substr(end + 1);
    return taken;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Whitespace-separated unsigned numbers; missing or malformed ones are `fallback`.
inline std::uint64_t number_at(std::string_view text, std::size_t index, std::uint64_t fallback) {
  for (std::size_t i = 0;; ++i) {
    const std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) return fallback;
    text.remove_prefix(start);
    const std::string_view word = text.substr(0, text.find(' '));
    text.remove_prefix(word.size());
    if (i < index) continue;
    std::uint64_t value = 0;
    const auto [end, status] = std::from_chars(word.data(), word.data() + word.size(), value);
    return status == std::errc{} && end == word.data() + word.size() ? value : fallback;
  }
}

inline void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// With FUZZ_PRINT=1 in the environment, a handler fuzzer shows what it decided: to check by
// hand that the seeds reach the paths they are meant for.
inline void print_response(const edgepost::Response& response) {
  static const bool enabled = std::getenv("FUZZ_PRINT") != nullptr;
  if (!enabled) return;
  std::fprintf(stderr, "status %d\n", response.status);
  for (const auto& header : response.headers) {
    std::fprintf(stderr, "%s: %s\n", header.name.c_str(), header.value.c_str());
  }
  std::fprintf(stderr, "%s\n", response.body.c_str());
}

// Key 1 mints, key 2 still verifies: the same ring as the unit tests' fixtures.
inline const edgepost::KeyRing& keys() {
  static const edgepost::KeyRing ring = [] {
    auto parsed =
        edgepost::parse_key_ring("1:" + std::string(64, 'a') + ",2:" + std::string(64, 'b'), "1");
    require(parsed.has_value());
    return *parsed;
  }();
  return ring;
}

// The unit tests' fixture network (tests/unit/fixtures.hpp) as the KV holds it.
inline const edgepost::Snapshot& fixture_records() {
  static const edgepost::Snapshot snapshot = [] {
    auto config = edgepost::load_config(fixtures::kConfig);
    require(config.has_value());
    edgepost::Snapshot records;
    for (auto& record : edgepost::config_records(*config)) {
      records.emplace(std::move(record.key), std::move(record.value));
    }
    return records;
  }();
  return snapshot;
}

inline edgepost::Environment environment(std::string_view seed) {
  edgepost::Environment env;
  env.now = fixtures::kNow;
  for (std::size_t i = 0; i < env.entropy.size(); ++i) {
    env.entropy[i] = static_cast<std::uint8_t>(i < seed.size() ? seed[i] : i);
  }
  env.keys = &keys();
  return env;
}

// Snapshot lines "offer=VALUE", "affiliate=VALUE", "click=VALUE", "claim=VALUE" up to an empty
// line (or the end): arbitrary values for the records a handler reads. The handler decides the
// keys (from the request), so the fuzzer only names which record a value stands for.
struct RecordOverrides {
  std::optional<std::string> offer, affiliate, click, claim;
};

inline RecordOverrides read_overrides(Input& input) {
  RecordOverrides overrides;
  while (!input.rest().empty()) {
    const std::string_view line = input.line();
    if (line.empty()) break;
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, equals);
    std::string value(line.substr(equals + 1));
    if (name == "offer") overrides.offer = std::move(value);
    if (name == "affiliate") overrides.affiliate = std::move(value);
    if (name == "click") overrides.click = std::move(value);
    if (name == "claim") overrides.claim = std::move(value);
  }
  return overrides;
}

inline void set_or_erase(edgepost::Snapshot& snapshot, const std::string& key,
                         const std::optional<std::string>& value) {
  if (!value) return;
  // "-" removes the record: an unknown offer, a deleted affiliate, a click not visible yet.
  if (*value == "-") {
    snapshot.erase(key);
  } else {
    snapshot[key] = *value;
  }
}

// The request line fields every handler fuzzer starts with.
inline edgepost::Request request_head(Input& input, std::string path) {
  edgepost::Request request;
  request.method = std::string(input.line());
  request.path = std::move(path);
  const std::string_view content_type = input.line();
  if (!content_type.empty()) request.headers.push_back({"content-type", std::string(content_type)});
  request.client_ip = std::string(input.line());
  return request;
}

}  // namespace fuzz
