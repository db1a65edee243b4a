#include "edgepost/config_cache.hpp"

#include "edgepost/config_records.hpp"

namespace edgepost {
namespace {

template <class Entity, class Parsed>
std::shared_ptr<const Entity> shared(Parsed parsed) {
  if (!parsed) return nullptr;
  return std::make_shared<const Entity>(std::move(*parsed));
}

std::shared_ptr<const Offer> decode_offer(std::string_view text) {
  return shared<Offer>(parse_offer_record(text));
}

std::shared_ptr<const Affiliate> decode_affiliate(std::string_view text) {
  return shared<Affiliate>(parse_affiliate_record(text));
}

}  // namespace

template <class Entity, class Decode>
std::shared_ptr<const Entity> ConfigCache::find_or_decode(
    std::map<std::string, Entry<Entity>, std::less<>>& map, std::string_view key,
    std::string_view text, Decode decode) {
  const auto found = map.find(key);
  if (found != map.end() && found->second.text == text) return found->second.entity;
  ++decodes_;
  auto entity = decode(text);
  if (entity == nullptr) return nullptr;
  if (found != map.end()) {
    found->second = Entry<Entity>{std::string(text), entity};
    return entity;
  }
  if (size() >= kMaxEntries) {
    offers_.clear();
    affiliates_.clear();
  }
  map.emplace(std::string(key), Entry<Entity>{std::string(text), entity});
  return entity;
}

std::shared_ptr<const Offer> ConfigCache::offer(std::string_view key, std::string_view text) {
  return find_or_decode(offers_, key, text, decode_offer);
}

std::shared_ptr<const Affiliate> ConfigCache::affiliate(std::string_view key,
                                                        std::string_view text) {
  return find_or_decode(affiliates_, key, text, decode_affiliate);
}

std::shared_ptr<const Offer> stored_offer(ConfigCache* cache, std::string_view key,
                                          std::string_view text) {
  return cache ? cache->offer(key, text) : decode_offer(text);
}

std::shared_ptr<const Affiliate> stored_affiliate(ConfigCache* cache, std::string_view key,
                                                  std::string_view text) {
  return cache ? cache->affiliate(key, text) : decode_affiliate(text);
}

}  // namespace edgepost
