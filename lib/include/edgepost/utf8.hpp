#pragma once

#include <string_view>

namespace edgepost {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
// Field values end up in JSON and in URLs, where malformed sequences are refused or mangled
// by the other side, so the library only ever accepts well-formed text.
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace edgepost
