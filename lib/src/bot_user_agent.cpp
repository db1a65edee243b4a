#include "edgepost/bot_user_agent.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "edgepost/simple_regex.hpp"

namespace edgepost {
namespace {

// One alternative of one pattern of the list (a pattern "a|b" is two entries, so each has a
// required literal of its own). 8 bytes: the table is most of what this rule adds to a wasm
// function. The generator keeps everything within these widths or fails.
struct BotEntry {
  // The list's pattern, whole (what known_bot_pattern returns): kPatternText holds them in
  // list order, so a lower offset is an earlier pattern.
  std::uint16_t pattern_offset;
  std::uint8_t pattern_length;
  // The rest are offsets into the pattern.
  std::uint8_t alternative_begin;
  std::uint8_t alternative_end;
  // A run of plain and escaped characters ("Googlebot\/") every match of the alternative
  // contains; the lookup finds it first.
  std::uint8_t literal_begin;
  std::uint8_t literal_end;
  std::int8_t regex_slot;  // -1: the alternative is its literal, found means matched
};
static_assert(sizeof(BotEntry) == 8);

#include "bot_patterns.inc"

using generated::kEntries;
using generated::kKeys;
using generated::kPatternText;

static_assert(std::size(kKeys) == std::size(kEntries));
static_assert(std::is_sorted(std::begin(kKeys), std::end(kKeys)));

// For each first byte, where its keys start in kKeys: a table of 257 instead of a search
// over the whole array at every position of the user agent.
constexpr std::array<std::uint16_t, 257> make_first_byte_starts() {
  std::array<std::uint16_t, 257> starts{};
  std::size_t entry = 0;
  for (std::size_t byte = 0; byte < 256; ++byte) {
    starts[byte] = static_cast<std::uint16_t>(entry);
    while (entry < std::size(kKeys) && (kKeys[entry] >> 8) == byte) ++entry;
  }
  starts[256] = static_cast<std::uint16_t>(entry);
  return starts;
}
constexpr std::array<std::uint16_t, 257> kFirstByteStarts = make_first_byte_starts();
static_assert(kFirstByteStarts[256] == std::size(kKeys));

std::string_view pattern_of(const BotEntry& entry) noexcept {
  return {kPatternText + entry.pattern_offset, entry.pattern_length};
}

// Whether the entry's literal, escapes resolved, is in the user agent at `at`.
bool literal_at(const BotEntry& entry, std::string_view user_agent, std::size_t at) noexcept {
  const char* const pattern = kPatternText + entry.pattern_offset;
  for (std::size_t p = entry.literal_begin; p < entry.literal_end; ++p, ++at) {
    char c = pattern[p];
    if (c == '\\') c = pattern[++p];
    if (at == user_agent.size() || user_agent[at] != c) return false;
  }
  return true;
}

bool regex_matches(const BotEntry& entry, std::string_view user_agent) noexcept {
  const std::string_view alternative = pattern_of(entry).substr(
      entry.alternative_begin, entry.alternative_end - entry.alternative_begin);
  // budget_exhausted counts as not matched (see bot_user_agent.hpp); unsupported cannot
  // happen, the generator refuses such patterns.
  return regex_search(alternative, user_agent) == RegexSearch::match;
}

}  // namespace

const std::string_view kKnownBotListVersion = generated::kListVersion;

std::optional<std::string_view> known_bot_pattern(std::string_view user_agent) noexcept {
  const BotEntry* best = nullptr;
  const auto better = [&best](const BotEntry& entry) {
    return best == nullptr || entry.pattern_offset < best->pattern_offset;
  };
  // A regex entry's whole search runs at its literal's first occurrence; later occurrences
  // would only repeat it.
  std::array<bool, generated::kRegexEntryCount> searched{};
  for (std::size_t at = 0; at + 1 < user_agent.size(); ++at) {
    const auto first = static_cast<unsigned char>(user_agent[at]);
    const std::uint16_t key =
        static_cast<std::uint16_t>(first << 8 | static_cast<unsigned char>(user_agent[at + 1]));
    const std::uint16_t* const bucket_end = kKeys + kFirstByteStarts[first + 1];
    for (const std::uint16_t* it =
             std::lower_bound(kKeys + kFirstByteStarts[first], bucket_end, key);
         it != bucket_end && *it == key; ++it) {
      const BotEntry& entry = kEntries[it - kKeys];
      if (!better(entry) || !literal_at(entry, user_agent, at)) continue;
      if (entry.regex_slot < 0) {
        best = &entry;
      } else if (!searched[static_cast<std::size_t>(entry.regex_slot)]) {
        searched[static_cast<std::size_t>(entry.regex_slot)] = true;
        if (regex_matches(entry, user_agent)) best = &entry;
      }
    }
    if (best != nullptr && best->pattern_offset == 0) break;  // the list's first pattern
  }
  for (const BotEntry& entry : generated::kUnindexed) {
    if (better(entry) && regex_matches(entry, user_agent)) best = &entry;
  }
  if (best == nullptr) return std::nullopt;
  return pattern_of(*best);
}

}  // namespace edgepost
