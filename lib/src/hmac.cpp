#include "edgepost/hmac.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace edgepost {
namespace {

std::string_view as_chars(const Sha256Digest& digest) noexcept {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

HmacSha256Key::HmacSha256Key(std::string_view key) noexcept {
  constexpr std::size_t kBlockSize = Sha256::kBlockSize;

  // K0 of FIPS 198-1: the key (or its hash when longer than a block), zero-padded to a block.
  std::array<char, kBlockSize> block_key{};
  if (key.size() > kBlockSize) {
    const Sha256Digest hashed_key = sha256(key);
    for (std::size_t i = 0; i < hashed_key.size(); ++i) {
      block_key[i] = static_cast<char>(hashed_key[i]);
    }
  } else {
    for (std::size_t i = 0; i < key.size(); ++i) block_key[i] = key[i];
  }

  std::array<char, kBlockSize> inner_pad;
  std::array<char, kBlockSize> outer_pad;
  for (std::size_t i = 0; i < kBlockSize; ++i) {
    inner_pad[i] = static_cast<char>(block_key[i] ^ 0x36);
    outer_pad[i] = static_cast<char>(block_key[i] ^ 0x5c);
  }
  inner_.update({inner_pad.data(), inner_pad.size()});
  outer_.update({outer_pad.data(), outer_pad.size()});
}

Sha256Digest HmacSha256Key::mac(std::string_view message) const noexcept {
  Sha256 inner = inner_;
  inner.update(message);
  const Sha256Digest inner_digest = inner.finish();
  Sha256 outer = outer_;
  outer.update(as_chars(inner_digest));
  return outer.finish();
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) noexcept {
  return HmacSha256Key(key).mac(message);
}

}  // namespace edgepost
