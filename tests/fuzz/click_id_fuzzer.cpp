// Transaction IDs: verify arbitrary text, and mint-then-verify arbitrary fields.
// Input: the first line is verified as an ID; all the input's bytes feed a ClickId to mint.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "edgepost/click_id.hpp"
#include "fuzz_input.hpp"

namespace {

std::uint32_t u32_at(const std::uint8_t* bytes, std::size_t size, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | (offset + i < size ? bytes[offset + i] : 0);
  }
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const edgepost::KeyRing& ring = fuzz::keys();
  fuzz::Input input(data, size);
  const std::string_view text = input.line();

  const auto verified = edgepost::verify_click_id(text, ring);
  if (verified) {
    // One spelling per ID: re-minting the verified fields with the key that signed them gives
    // the normalized text back.
    edgepost::KeyRing signer = ring;
    signer.minting_key_id = verified->key_id;
    fuzz::require(edgepost::mint_click_id(*verified, signer) == edgepost::normalize_click_id(text));
  }

  edgepost::ClickId click;
  click.key_id = static_cast<std::uint8_t>(size > 0 ? data[0] : 0);  // the ring overrides it
  click.click_time = u32_at(data, size, 1);
  click.offer_id = u32_at(data, size, 5);
  click.affiliate_id = u32_at(data, size, 9);
  for (std::size_t i = 0; i < click.nonce.size(); ++i) {
    click.nonce[i] = 13 + i < size ? data[13 + i] : 0;
  }
  const std::string minted = edgepost::mint_click_id(click, ring);
  fuzz::require(minted.size() == edgepost::kClickIdLength);
  const auto back = edgepost::verify_click_id(minted, ring);
  fuzz::require(back.has_value());
  click.key_id = ring.minting_key_id;
  fuzz::require(*back == click);
  return 0;
}
