#pragma once
// Comparison of secrets (signature tags) whose running time does not reveal where they differ:
// an early-exit == would let a client find a valid tag byte by byte by timing the rejections.

#include <string_view>

namespace edgepost {

// True when equal. The time depends only on the lengths, which are not secret here (tags have a
// fixed, public length); inputs of different lengths are unequal at once.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace edgepost
