#pragma once
// Config records decoded once and kept, for a host whose instance outlives a request (a
// Worker's isolate runs many). Each entry is keyed by its store key and holds the exact text
// it was decoded from: a record is decoded again only when the text read from the store
// differs, so a config load applies as soon as the store returns the new text (on Workers,
// within KV's propagation, plus the read's max age where the isolate answers a click from its
// copy), and a request that still holds the old entity keeps it alive.
// Without a cache (nullptr) every read decodes afresh, as a host that starts an instance per
// request (the WASI functions) would gain nothing from one.

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "edgepost/config_model.hpp"

namespace edgepost {

class ConfigCache {
 public:
  // The entity stored as `text` under `key`; nullptr when the record is invalid (never kept,
  // so the next read decodes it again and refuses it again).
  std::shared_ptr<const Offer> offer(std::string_view key, std::string_view text);
  std::shared_ptr<const Affiliate> affiliate(std::string_view key, std::string_view text);

  std::size_t size() const noexcept { return offers_.size() + affiliates_.size(); }
  // Decodes since the cache was made: what tests read to tell a hit from a miss.
  std::size_t decodes() const noexcept { return decodes_; }

  // More distinct records than this and the cache starts over: bounded memory for a network
  // with many offers, at the cost of decoding them again.
  static constexpr std::size_t kMaxEntries = 4096;

 private:
  template <class Entity>
  struct Entry {
    std::string text;
    std::shared_ptr<const Entity> entity;
  };
  template <class Entity, class Decode>
  std::shared_ptr<const Entity> find_or_decode(
      std::map<std::string, Entry<Entity>, std::less<>>& map, std::string_view key,
      std::string_view text, Decode decode);

  std::map<std::string, Entry<Offer>, std::less<>> offers_;
  std::map<std::string, Entry<Affiliate>, std::less<>> affiliates_;
  std::size_t decodes_ = 0;
};

// The stored offer or affiliate, through `cache` when there is one.
std::shared_ptr<const Offer> stored_offer(ConfigCache* cache, std::string_view key,
                                          std::string_view text);
std::shared_ptr<const Affiliate> stored_affiliate(ConfigCache* cache, std::string_view key,
                                                  std::string_view text);

}  // namespace edgepost
