// The partner-target policy of the library (lib/partner_target.hpp) as a plain WASI command,
// for the runner, which resolves a partner's name itself and must judge every address:
//   partner-target < hosts      one host or address per line (at most 64 lines of 300 bytes)
// Prints one line per input line: "-" where a partner postback may go, otherwise the reason
// ("loopback", "private", ...). Exit status 1, with a message on stderr, on input over the
// limits.
#include <cstdio>
#include <string>
#include <string_view>

#include "edgepost/partner_target.hpp"

namespace {
constexpr std::size_t kMaxLines = 64;
constexpr std::size_t kMaxLineBytes = 300;
}  // namespace

int main() {
  std::string input;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, stdin)) > 0;) {
    input.append(buffer, got);
    if (input.size() > kMaxLines * (kMaxLineBytes + 1)) {
      std::fputs("partner-target: input too long\n", stderr);
      return 1;
    }
  }
  std::string output;
  std::size_t lines = 0;
  for (std::size_t start = 0; start < input.size();) {
    std::size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    const std::string_view host(input.data() + start, end - start);
    if (++lines > kMaxLines || host.size() > kMaxLineBytes) {
      std::fputs("partner-target: more than 64 lines or a line over 300 bytes\n", stderr);
      return 1;
    }
    const auto reason = edgepost::non_public_host_reason(host);
    output.append(reason ? std::string(*reason) : std::string("-")).push_back('\n');
    start = end + 1;
  }
  std::fwrite(output.data(), 1, output.size(), stdout);
  return 0;
}
