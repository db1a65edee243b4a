#pragma once
// One command of the library's exchange carried out in a WASI function: the directory KV at
// /kv for both stores, stderr for events (the host appends them to its event log), stdout
// for the CGI response. Decides nothing.

#include <cstdint>
#include <string>

#include "edgepost/exchange.hpp"

namespace edgepost::wasi {

Outcome execute(const Command& command, std::int64_t now);

// One event line on stderr.
void emit(const std::string& event);

}  // namespace edgepost::wasi
