#pragma once
// Known bots by user agent: a click traffic-quality rule. The list is not ours: it is the
// maintained npm package crawler-user-agents (pinned in lib/bot-list/package-lock.json),
// compiled into the library at build time by lib/bot-list/generate.mjs, so updating it is a
// version bump there and nothing else. A home-made list would rot.
//
// The user agent is attacker-controlled: the match costs time linear in its length plus at
// most kDefaultRegexStepBudget regex steps per pattern (simple_regex.hpp), and never
// allocates. A pattern that would need more than that counts as not matching: the rule fails
// open for that pattern, which only an agent crafted to evade it can cause (it could as well
// send a browser's user agent). In practice only the list's few [\s\S]* patterns reach the
// cap, on user agents of more than about 8 KB.

#include <optional>
#include <string_view>

namespace edgepost {

// The crawler-user-agents version compiled in, e.g. "1.60.0".
extern const std::string_view kKnownBotListVersion;

// The source of the list's pattern that matches `user_agent` (so an event or explanation can
// say which rule fired), or nullopt. When several match, the first in the list's order wins,
// independent of where in the user agent they match. Case-sensitive, like the list. The view
// is into static storage.
std::optional<std::string_view> known_bot_pattern(std::string_view user_agent) noexcept;

}  // namespace edgepost
