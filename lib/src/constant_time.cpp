#include "edgepost/constant_time.hpp"

#include <cstddef>

namespace edgepost {

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  // Every byte is visited and the differences only accumulate. The accumulator is volatile so
  // that the optimiser can neither stop at the first difference nor turn the loop into memcmp.
  volatile unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    // Plain assignment: compound assignment to a volatile is deprecated in C++20.
    difference = static_cast<unsigned char>(difference | (a[i] ^ b[i]));
  }
  return difference == 0;
}

}  // namespace edgepost
