#pragma once
// SHA-256 (FIPS 180-4). Transaction IDs are signed with HMAC-SHA256 (edgepost/hmac.hpp); the
// edge platforms give no common crypto API to a plain wasm module, so the library has its own.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace edgepost {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental hashing: update() any number of times, then finish() once.
class Sha256 {
 public:
  static constexpr std::size_t kBlockSize = 64;

  Sha256() noexcept;
  void update(std::string_view data) noexcept;
  // Pads and returns the digest; the object may not be reused afterwards.
  Sha256Digest finish() noexcept;

 private:
  void compress(const std::uint8_t* block) noexcept;

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, kBlockSize> buffer_;
  std::size_t buffered_ = 0;
  // Message length in bits: 64-bit even on wasm32, where size_t is only 32 bits.
  std::uint64_t bit_length_ = 0;
};

Sha256Digest sha256(std::string_view data) noexcept;

}  // namespace edgepost
