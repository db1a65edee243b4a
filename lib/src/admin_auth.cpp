#include "edgepost/admin_auth.hpp"

#include <string>

#include "edgepost/constant_time.hpp"
#include "edgepost/sha256.hpp"

namespace edgepost {

bool admin_authorized(const Request& request, std::string_view admin_token) {
  const std::string* header = request.header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (admin_token.size() < kMinAdminTokenBytes || header == nullptr ||
      to_lower_ascii(std::string_view(*header).substr(0, kScheme.size())) != kScheme) {
    return false;
  }
  const Sha256Digest given = sha256(std::string_view(*header).substr(kScheme.size()));
  const Sha256Digest wanted = sha256(admin_token);
  return constant_time_equal(
      std::string_view(reinterpret_cast<const char*>(given.data()), given.size()),
      std::string_view(reinterpret_cast<const char*>(wanted.data()), wanted.size()));
}

}  // namespace edgepost
