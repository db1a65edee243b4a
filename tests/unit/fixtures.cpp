#include "fixtures.hpp"

#include <catch2/catch.hpp>

namespace fixtures {

edgepost::Config config() {
  auto loaded = edgepost::load_config(kConfig);
  if (!loaded) {
    for (const auto& error : loaded.error()) UNSCOPED_INFO(edgepost::describe(error));
    FAIL("the fixture config does not load");
  }
  return std::move(*loaded);
}

edgepost::Snapshot all_records() {
  edgepost::Snapshot snapshot;
  for (auto& record : edgepost::config_records(config())) {
    snapshot.emplace(std::move(record.key), std::move(record.value));
  }
  return snapshot;
}

const edgepost::KeyRing& keys() {
  static const edgepost::KeyRing ring = [] {
    auto parsed =
        edgepost::parse_key_ring("1:" + std::string(64, 'a') + ",2:" + std::string(64, 'b'), "1");
    REQUIRE(parsed.has_value());
    return *parsed;
  }();
  return ring;
}

std::string mint(std::uint32_t offer, std::uint32_t affiliate, std::int64_t time) {
  edgepost::ClickId click;
  click.click_time = static_cast<std::uint32_t>(time);
  click.offer_id = offer;
  click.affiliate_id = affiliate;
  click.nonce = {9, 9, 9, 9, 9, 9, 9, static_cast<std::uint8_t>(offer + affiliate)};
  return edgepost::mint_click_id(click, keys());
}

edgepost::Environment env(std::int64_t now, std::uint8_t seed) {
  edgepost::Environment environment;
  environment.now = now;
  for (std::size_t i = 0; i < environment.entropy.size(); ++i) {
    environment.entropy[i] = static_cast<std::uint8_t>(seed * 31 + i);
  }
  environment.keys = &keys();
  return environment;
}

edgepost::Request get(std::string path, std::string query, std::string client_ip) {
  edgepost::Request request;
  request.method = "GET";
  request.path = std::move(path);
  request.query = std::move(query);
  request.client_ip = std::move(client_ip);
  return request;
}

edgepost::Request post(std::string path, std::string content_type, std::string body,
                       std::string client_ip) {
  edgepost::Request request;
  request.method = "POST";
  request.path = std::move(path);
  request.headers.push_back({"content-type", std::move(content_type)});
  request.body = std::move(body);
  request.client_ip = std::move(client_ip);
  return request;
}

}  // namespace fixtures
