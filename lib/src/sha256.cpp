#include "edgepost/sha256.hpp"

namespace edgepost {
namespace {

// FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the cube roots of the
// first 64 primes.
constexpr std::array<std::uint32_t, 64> kRoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// Section 5.3.3: the first 32 bits of the fractional parts of the square roots of the first 8
// primes.
constexpr std::array<std::uint32_t, 8> kInitialState = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

constexpr std::uint32_t rotr(std::uint32_t x, int n) noexcept {
  return (x >> n) | (x << (32 - n));
}

std::uint32_t load_big_endian(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// One round of section 6.2.2, step 3, with the eight working variables renamed instead of
// moved: the caller rotates the arguments, so only d (which becomes the next e) and h (the
// next a) are written. Moving all eight per round was an eighth of a compression.
inline void sha256_round(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t& d,
                         std::uint32_t e, std::uint32_t f, std::uint32_t g, std::uint32_t& h,
                         std::uint32_t constant_plus_word) noexcept {
  const std::uint32_t big_sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
  const std::uint32_t choose = g ^ (e & (f ^ g));  // = (e & f) ^ (~e & g)
  const std::uint32_t t1 = h + big_sigma1 + choose + constant_plus_word;
  const std::uint32_t big_sigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
  const std::uint32_t majority = (a & b) | (c & (a | b));  // = (a & b) ^ (a & c) ^ (b & c)
  d += t1;
  h = t1 + big_sigma0 + majority;
}

}  // namespace

Sha256::Sha256() noexcept : state_(kInitialState), buffer_{} {}

void Sha256::update(std::string_view data) noexcept {
  bit_length_ += static_cast<std::uint64_t>(data.size()) * 8;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t remaining = data.size();
  if (buffered_ > 0) {
    const std::size_t take =
        remaining < kBlockSize - buffered_ ? remaining : kBlockSize - buffered_;
    for (std::size_t i = 0; i < take; ++i) buffer_[buffered_ + i] = bytes[i];
    buffered_ += take;
    bytes += take;
    remaining -= take;
    if (buffered_ < kBlockSize) return;
    compress(buffer_.data());
    buffered_ = 0;
  }
  // Whole blocks straight from the input, without copying them through the buffer.
  for (; remaining >= kBlockSize; remaining -= kBlockSize, bytes += kBlockSize) compress(bytes);
  for (std::size_t i = 0; i < remaining; ++i) buffer_[i] = bytes[i];
  buffered_ = remaining;
}

Sha256Digest Sha256::finish() noexcept {
  // Section 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the length as 64-bit big endian.
  // Captured first because the padding goes through the buffer directly, not through update().
  const std::uint64_t bit_length = bit_length_;
  buffer_[buffered_++] = 0x80;
  if (buffered_ > kBlockSize - 8) {
    while (buffered_ < kBlockSize) buffer_[buffered_++] = 0;
    compress(buffer_.data());
    buffered_ = 0;
  }
  while (buffered_ < kBlockSize - 8) buffer_[buffered_++] = 0;
  for (int i = 7; i >= 0; --i)
    buffer_[buffered_++] = static_cast<std::uint8_t>(bit_length >> (i * 8));
  compress(buffer_.data());
  // Misuse after finish() then yields a wrong digest rather than a write past the buffer.
  buffered_ = 0;

  Sha256Digest digest;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    digest[4 * i] = static_cast<std::uint8_t>(state_[i] >> 24);
    digest[4 * i + 1] = static_cast<std::uint8_t>(state_[i] >> 16);
    digest[4 * i + 2] = static_cast<std::uint8_t>(state_[i] >> 8);
    digest[4 * i + 3] = static_cast<std::uint8_t>(state_[i]);
  }
  return digest;
}

// Section 6.2.2, one 64-byte block.
void Sha256::compress(const std::uint8_t* block) noexcept {
  std::array<std::uint32_t, 64> w;
  for (std::size_t t = 0; t < 16; ++t) w[t] = load_big_endian(block + 4 * t);
  for (std::size_t t = 16; t < 64; ++t) {
    const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }

  std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
  for (std::size_t t = 0; t < 64; t += 8) {
    sha256_round(a, b, c, d, e, f, g, h, kRoundConstants[t] + w[t]);
    sha256_round(h, a, b, c, d, e, f, g, kRoundConstants[t + 1] + w[t + 1]);
    sha256_round(g, h, a, b, c, d, e, f, kRoundConstants[t + 2] + w[t + 2]);
    sha256_round(f, g, h, a, b, c, d, e, kRoundConstants[t + 3] + w[t + 3]);
    sha256_round(e, f, g, h, a, b, c, d, kRoundConstants[t + 4] + w[t + 4]);
    sha256_round(d, e, f, g, h, a, b, c, kRoundConstants[t + 5] + w[t + 5]);
    sha256_round(c, d, e, f, g, h, a, b, kRoundConstants[t + 6] + w[t + 6]);
    sha256_round(b, c, d, e, f, g, h, a, kRoundConstants[t + 7] + w[t + 7]);
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  state_[5] += f;
  state_[6] += g;
  state_[7] += h;
}

Sha256Digest sha256(std::string_view data) noexcept {
  Sha256 hasher;
  hasher.update(data);
  return hasher.finish();
}

}  // namespace edgepost
