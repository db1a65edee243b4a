#include "edgepost/config_validation.hpp"

#include <algorithm>
#include <set>

#include "config_reader.hpp"

namespace edgepost {
namespace {

using namespace config_reader;

template <class Entity>
void check_unique_ids(const std::vector<Entity>& entities, std::string_view list,
                      Checker& checker) {
  std::set<std::uint32_t> seen;
  for (std::size_t i = 0; i < entities.size(); ++i) {
    if (!seen.insert(entities[i].id).second) {
      checker.fail(index_path(std::string(list), i) + ".id",
                   "duplicate id " + std::to_string(entities[i].id));
    }
  }
}

template <class Entity>
bool has_id(const std::vector<Entity>& entities, std::uint32_t id) {
  return std::any_of(entities.begin(), entities.end(),
                     [id](const Entity& entity) { return entity.id == id; });
}

void check_affiliate_references(const Offer& offer, const std::vector<Affiliate>& affiliates,
                                const std::string& path, Checker& checker) {
  const auto check = [&](std::uint32_t id, const std::string& at) {
    if (!has_id(affiliates, id))
      checker.fail(at, "names no affiliate (id " + std::to_string(id) + ")");
  };
  if (offer.allowed_affiliates) {
    for (std::size_t i = 0; i < offer.allowed_affiliates->size(); ++i) {
      check((*offer.allowed_affiliates)[i], index_path(member_path(path, "allowed_affiliates"), i));
    }
  }
  for (std::size_t i = 0; i < offer.payout_overrides.size(); ++i) {
    check(offer.payout_overrides[i].affiliate_id,
          index_path(member_path(path, "payout_overrides"), i) + ".affiliate_id");
  }
  for (std::size_t i = 0; i < offer.caps.size(); ++i) {
    if (offer.caps[i].affiliate_id) {
      check(*offer.caps[i].affiliate_id,
            index_path(member_path(path, "caps"), i) + ".affiliate_id");
    }
  }
  for (std::size_t i = 0; i < offer.postback_urls.size(); ++i) {
    check(offer.postback_urls[i].affiliate_id,
          index_path(member_path(path, "affiliate_postback_urls"), i) + ".affiliate_id");
  }
}

}  // namespace

std::string describe(const ConfigError& error) {
  return error.path.empty() ? "config " + error.message : error.path + ": " + error.message;
}

Expected<Config, std::vector<ConfigError>> load_config(std::string_view json_text) {
  Checker checker;
  const auto document = parse_json_object(json_text, checker);
  if (!document) return Unexpected{checker.take()};

  Config config;
  if (const json* rules = member(*document, "traffic_rules")) {
    if (!rules->is_object()) {
      checker.fail("traffic_rules", "must be an object");
    } else {
      config.traffic_rules = read_traffic_rules(*rules, "traffic_rules", checker);
    }
  }
  config.advertisers = read_list<Advertiser>(*document, "advertisers", "", Presence::required,
                                             checker, read_advertiser);
  config.affiliates = read_list<Affiliate>(*document, "affiliates", "", Presence::required, checker,
                                           read_affiliate);
  config.offers = read_list<Offer>(
      *document, "offers", "", Presence::required, checker,
      [&](const json& object, const std::string& path, Checker& c) {
        auto offer = read_offer_fields(object, path, c, config.traffic_rules);
        if (member(object, "advertiser") != nullptr) {
          c.fail(member_path(path, "advertiser"), "is not a config field: use advertiser_id");
        }
        const auto advertiser_id = read_id(object, "advertiser_id", path, c);
        if (!offer || !advertiser_id) return std::optional<Offer>{};
        const auto found =
            std::find_if(config.advertisers.begin(), config.advertisers.end(),
                         [&](const Advertiser& a) { return a.id == *advertiser_id; });
        if (found == config.advertisers.end()) {
          c.fail(member_path(path, "advertiser_id"), "names no advertiser");
          return std::optional<Offer>{};
        }
        offer->advertiser = *found;
        check_affiliate_references(*offer, config.affiliates, path, c);
        return offer;
      });
  check_unique_ids(config.advertisers, "advertisers", checker);
  check_unique_ids(config.affiliates, "affiliates", checker);
  check_unique_ids(config.offers, "offers", checker);
  for (const auto& [key, unused] : document->items()) {
    if (key != "advertisers" && key != "affiliates" && key != "offers" && key != "traffic_rules") {
      checker.fail(key, "is not a known section (advertisers, affiliates, offers, traffic_rules)");
    }
  }
  if (!checker.ok()) return Unexpected{checker.take()};
  return config;
}

}  // namespace edgepost
